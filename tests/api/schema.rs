//! Both backends' migrations must give the tables and columns that `src/db/schema.rs` declares.
//! This test runs on whichever backend the suite runs on; CI runs it on both, which proves that
//! the SQLite and PostgreSQL migrations agree.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

use crate::helpers::spawn_app;

/// table -> column -> (kind, nullable), read from schema.rs.
fn declared() -> BTreeMap<String, BTreeMap<String, (String, bool)>> {
    let text = include_str!("../../src/db/schema.rs");
    let mut tables = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_suffix('{') {
            let rest = rest.trim();
            if let Some((name, _)) = rest.split_once(' ') {
                if rest.contains('(') {
                    current = Some(name.to_string());
                    tables.insert(name.to_string(), BTreeMap::new());
                }
            }
        } else if line == "}" {
            current = None;
        } else if let (Some(t), Some((col, ty))) = (&current, line.split_once("->")) {
            let ty = ty.trim().trim_end_matches(',');
            let (nullable, inner) = match ty.strip_prefix("Nullable<").and_then(|s| s.strip_suffix('>')) {
                Some(inner) => (true, inner),
                None => (false, ty),
            };
            let kind = match inner {
                "BigInt" | "Integer" | "SmallInt" => "integer",
                "Text" => "text",
                "Bool" => "bool",
                "Timestamp" => "timestamp",
                "Date" => "date",
                "Double" | "Float" => "float",
                "Binary" => "binary",
                other => panic!("unmapped type {other}"),
            };
            tables.get_mut(t).unwrap().insert(col.trim().to_string(), (kind.to_string(), nullable));
        }
    }
    tables
}

#[derive(QueryableByName, Debug)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Integer)]
    nullable: i32,
}

fn kind_of(db_type: &str) -> &'static str {
    let t = db_type.to_lowercase();
    if t.contains("int") || t == "bigserial" {
        "integer"
    } else if t.contains("text") || t.contains("char") {
        "text"
    } else if t.starts_with("bool") {
        "bool"
    } else if t.starts_with("timestamp") {
        "timestamp"
    } else if t == "date" {
        "date"
    } else if t.contains("double") || t.contains("real") || t.contains("float") {
        "float"
    } else if t == "bytea" || t == "blob" {
        "binary"
    } else {
        "unknown"
    }
}

/// The register's search index is left out: a different thing on each backend (an FTS5 table and
/// its shadow tables on SQLite, a `tsvector` table and a view on PostgreSQL), kept by triggers and
/// read by hand-written SQL (`db::register_search`), never through schema.rs.
#[tokio::test]
async fn migrations_match_the_declared_schema() {
    let app = spawn_app().await;
    let postgres = app.db.is_postgres();
    let columns: Vec<Column> = app
        .query(move |c| {
            if postgres {
                diesel::sql_query(
                    "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type, \
                     CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS nullable \
                     FROM information_schema.columns WHERE table_schema = 'public' \
                     AND table_name <> '__diesel_schema_migrations' AND table_name NOT LIKE 'register_search%'",
                )
                .load(c)
            } else {
                diesel::sql_query(
                    "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, \
                     CASE WHEN p.\"notnull\" = 0 AND p.pk = 0 THEN 1 ELSE 0 END AS nullable \
                     FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations' \
                     AND m.name NOT LIKE 'register_search%'",
                )
                .load(c)
            }
        })
        .await;
    let mut actual: BTreeMap<String, BTreeMap<String, (String, bool)>> = BTreeMap::new();
    for c in columns {
        actual
            .entry(c.table_name)
            .or_default()
            .insert(c.column_name, (kind_of(&c.data_type).to_string(), c.nullable == 1));
    }
    let declared = declared();
    assert!(declared.len() >= 7, "parsed schema.rs");
    assert_eq!(actual, declared, "migrations ({}) differ from schema.rs", if postgres { "postgres" } else { "sqlite" });
}
