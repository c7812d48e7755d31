//! Which database a `DATABASE_URL` names, and the URL with its password hidden for logs.

use std::path::PathBuf;

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(rest) = url.strip_prefix("sqlite://") {
            if rest.is_empty() {
                return Err("DATABASE_URL: sqlite:// needs a file path, e.g. sqlite://data/sandbox.db".into());
            }
            Ok(DatabaseUrl::Sqlite(PathBuf::from(rest)))
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            if rest.is_empty() {
                return Err("DATABASE_URL: sqlite: needs a file path".into());
            }
            Ok(DatabaseUrl::Sqlite(PathBuf::from(rest)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            url::Url::parse(url).map_err(|e| format!("DATABASE_URL: not a valid PostgreSQL URL: {e}"))?;
            Ok(DatabaseUrl::Postgres(url.to_string()))
        } else {
            Err("DATABASE_URL must start with sqlite:// or postgres:// (e.g. sqlite://data/sandbox.db)".into())
        }
    }

    /// The URL with any password replaced, for logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::Postgres(u) => match url::Url::parse(u) {
                Ok(mut parsed) => {
                    if parsed.password().is_some() {
                        let _ = parsed.set_password(Some("****"));
                    }
                    parsed.to_string()
                }
                Err(_) => "postgres://…".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/sandbox.db").unwrap(),
            DatabaseUrl::Sqlite("data/sandbox.db".into())
        );
        assert_eq!(DatabaseUrl::parse("sqlite:///tmp/s.db").unwrap(), DatabaseUrl::Sqlite("/tmp/s.db".into()));
        assert!(matches!(DatabaseUrl::parse("postgres://u:p@h/db"), Ok(DatabaseUrl::Postgres(_))));
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert_eq!(DatabaseUrl::parse("postgres://u:secret@h/db").unwrap().redacted(), "postgres://u:****@h/db");
    }
}
