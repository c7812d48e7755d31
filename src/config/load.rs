//! Loading the settings: the committed files (or their embedded copies), the environment overlay,
//! environment variables and overrides, in that order; then every value is checked.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use config::{Config, Environment, File, FileFormat};

use super::{ConfigError, RunEnv, Settings, ENV_VARS};

const EMBEDDED: [(&str, &str); 4] = [
    ("default", include_str!("../../config/default.toml")),
    ("development", include_str!("../../config/development.toml")),
    ("test", include_str!("../../config/test.toml")),
    ("production", include_str!("../../config/production.toml")),
];

impl Settings {
    /// Loads settings for the environment named by `SANDBOX_ENV` (default `development`).
    pub fn load() -> Result<Self, ConfigError> {
        let env = std::env::var("SANDBOX_ENV").unwrap_or_else(|_| "development".into());
        let env = RunEnv::from_str(&env).map_err(|e| ConfigError(vec![e]))?;
        let dir = std::env::var("SANDBOX_CONFIG_DIR").map(PathBuf::from).unwrap_or_else(|_| "config".into());
        Self::load_from(env, &dir, true, &[])
    }

    /// Loads settings from `dir` for `env`, reading the process environment when `read_env` is
    /// set, and applying `overrides` (key, value) last. Tests use this to stay independent of the
    /// process environment.
    pub fn load_from(
        env: RunEnv,
        dir: &Path,
        read_env: bool,
        overrides: &[(&str, String)],
    ) -> Result<Self, ConfigError> {
        let mut builder = Config::builder();
        for name in ["default", env.as_str()] {
            let path = dir.join(format!("{name}.toml"));
            if path.is_file() {
                builder = builder.add_source(File::from(path).format(FileFormat::Toml));
            } else if let Some((_, text)) = EMBEDDED.iter().find(|(n, _)| *n == name) {
                builder = builder.add_source(File::from_str(text, FileFormat::Toml));
            }
        }
        if read_env {
            builder = builder.add_source(
                Environment::with_prefix("SANDBOX").prefix_separator("__").separator("__").try_parsing(true),
            );
            for (var, key) in ENV_VARS {
                if let Ok(value) = std::env::var(var) {
                    builder = builder.set_override(key, value).map_err(|e| ConfigError(vec![format!("{var}: {e}")]))?;
                }
            }
        }
        builder = builder.set_override("env", env.as_str()).map_err(|e| ConfigError(vec![e.to_string()]))?;
        for (key, value) in overrides {
            builder =
                builder.set_override(*key, value.clone()).map_err(|e| ConfigError(vec![format!("{key}: {e}")]))?;
        }
        let config = builder.build().map_err(|e| ConfigError(vec![explain(e)]))?;
        let settings: Settings = config.try_deserialize().map_err(|e| ConfigError(vec![explain(e)]))?;
        settings.validate()?;
        Ok(settings)
    }
}

/// Names the environment variable behind a setting in a configuration error.
fn explain(e: config::ConfigError) -> String {
    let msg = e.to_string();
    for (var, key) in ENV_VARS {
        if msg.contains(&format!("`{key}`")) {
            return format!("{var} ({key}): {msg}");
        }
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(overrides: &[(&str, String)]) -> Result<Settings, ConfigError> {
        Settings::load_from(RunEnv::Test, Path::new("config"), false, overrides)
    }

    #[test]
    fn defaults_load() {
        let s = load(&[]).unwrap();
        assert_eq!(s.env, RunEnv::Test);
        assert_eq!(s.http.json_limit_bytes, 65536);
    }

    #[test]
    fn invalid_settings_are_named() {
        let err = load(&[("bind", "nonsense".into()), ("mail.from", "not an address".into())]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("SANDBOX_BIND"), "{text}");
        assert!(text.contains("SANDBOX_MAIL_FROM"), "{text}");
        let err = load(&[("database.pool_size", "many".into())]).unwrap_err();
        assert!(err.to_string().contains("pool_size"), "{err}");
        assert_eq!(load(&[]).unwrap().cases.decision_target_working_days, 40);
        for bad in ["0", "251"] {
            let err = load(&[("cases.decision_target_working_days", bad.into())]).unwrap_err();
            assert!(err.to_string().contains("cases.decision_target_working_days"), "{err}");
        }
    }

    #[test]
    fn production_refuses_development_secret_and_file_mail() {
        let err =
            Settings::load_from(RunEnv::Production, Path::new("config"), false, &[("mail.transport", "file".into())])
                .unwrap_err()
                .to_string();
        assert!(err.contains("SANDBOX_JWT_SECRET"), "{err}");
        assert!(err.contains("SANDBOX_MAIL_TRANSPORT"), "{err}");
        let ok = Settings::load_from(
            RunEnv::Production,
            Path::new("config"),
            false,
            &[
                ("jwt.secret", "q3v9Zk1Lr8Xw2Tn5Hb7Jc0Md4Fs6Gp+Ye/Ua==Ri3Oe8Wt".into()),
                ("mail.smtp_url", "smtp://127.0.0.1:2525".into()),
            ],
        );
        assert!(ok.is_ok(), "{:?}", ok.err());
        // Long enough but predictable: forty identical characters.
        let err = Settings::load_from(
            RunEnv::Production,
            Path::new("config"),
            false,
            &[("jwt.secret", "x".repeat(40)), ("mail.smtp_url", "smtp://127.0.0.1:2525".into())],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("SANDBOX_JWT_SECRET") && err.contains("too predictable"), "{err}");
    }
}
