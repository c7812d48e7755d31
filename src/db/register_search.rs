//! The register's full-text search (`?q=`): its SQL on each backend, built by hand because the
//! index is a different thing on each (an FTS5 table on SQLite, a `tsvector` table with a GIN index
//! on PostgreSQL; see the `register_search` migration) and neither fits diesel's query builder.
//!
//! The searched text never reaches SQL or a query syntax: it arrives here as words (runs of
//! letters and digits, see [`words`]), every one bound as a parameter. On SQLite each word is
//! quoted as an FTS5 string (`"word"`), so that `OR`, `NEAR`, `*`, `-` or parentheses are only
//! words; on PostgreSQL `register_search_query` makes each a quoted lexeme of an AND.
//!
//! Results come in decision order, like the register, and a page costs what it shows whether a
//! word matches a handful of entries or most of them:
//! - SQLite: an entry's FTS5 rowid is its decision time and id (the migration explains the key),
//!   so `ORDER BY rowid DESC LIMIT n` walks a word's matches newest decision first and stops;
//! - PostgreSQL: a common word is read in decision order from `register_search_decided_idx`,
//!   stopping after a page of matches; a rare one from the GIN index, its few matches then sorted.
//!   Which is which is measured, not guessed from the planner's statistics (which know nothing of
//!   a word as rare as a reference): [`common_on_postgres`] counts the word's matches among the
//!   newest entries.

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{BigInt, Text, Timestamp};
use diesel::sqlite::Sqlite;

use super::register::{RegisterFilter, RegisterOrder, REGISTER_STATES};
use super::DbConn;

/// How much text a search may have, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// The words of a search: runs of letters and digits, lower-cased, each once. Everything else
/// (punctuation, quotes, operators) only separates words.
pub fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in text.split(|ch: char| !ch.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let w = w.to_lowercase();
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// The FTS5 query for `words`: each word a quoted string, all of them required.
fn fts5_query(words: &[String]) -> String {
    // Words hold letters and digits only, never a double quote.
    words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    Int(i64),
    Time(NaiveDateTime),
}

/// SQL text and its parameters, numbered `$1`, `$2`… in the order they appear (SQLite reads
/// `$n` as a named parameter and numbers those in order of appearance, so both backends agree).
#[derive(Default)]
struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    fn bind(&mut self, b: Bind) -> &mut Self {
        self.binds.push(b);
        self.text.push_str(&format!("${}", self.binds.len()));
        self
    }

    fn boxed<'a, DB>(&'a self) -> BoxedSqlQuery<'a, DB, SqlQuery>
    where
        DB: diesel::backend::Backend
            + diesel::sql_types::HasSqlType<Text>
            + diesel::sql_types::HasSqlType<BigInt>
            + diesel::sql_types::HasSqlType<Timestamp>,
        String: diesel::serialize::ToSql<Text, DB>,
        i64: diesel::serialize::ToSql<BigInt, DB>,
        NaiveDateTime: diesel::serialize::ToSql<Timestamp, DB>,
    {
        let mut q = diesel::sql_query(self.text.clone()).into_boxed::<DB>();
        for b in &self.binds {
            q = match b {
                Bind::Text(s) => q.bind::<Text, _>(s.clone()),
                Bind::Int(i) => q.bind::<BigInt, _>(*i),
                Bind::Time(t) => q.bind::<Timestamp, _>(*t),
            };
        }
        q
    }
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn load_ids(c: &mut DbConn, sql: &Sql) -> QueryResult<Vec<i64>> {
    let rows: Vec<Id> = match c {
        DbConn::Pg(pg) => sql.boxed::<Pg>().load(pg)?,
        DbConn::Sqlite(lite) => sql.boxed::<Sqlite>().load(lite)?,
    };
    Ok(rows.into_iter().map(|r| r.id).collect())
}

fn load_count(c: &mut DbConn, sql: &Sql) -> QueryResult<i64> {
    let row: Count = match c {
        DbConn::Pg(pg) => sql.boxed::<Pg>().get_result(pg)?,
        DbConn::Sqlite(lite) => sql.boxed::<Sqlite>().get_result(lite)?,
    };
    Ok(row.n)
}

/// How many of the newest entries the PostgreSQL probe reads, and how many of them must match
/// for a word to count as common (1 %).
const PROBE_WINDOW: i64 = 500;
const PROBE_COMMON: i64 = 5;

/// Whether the words match at least 1 % of the newest entries (a constant cost: one index range
/// and its rows). A common search is then read in decision order and stops after a page; a rare
/// one is found through the GIN index and its few matches sorted.
fn common_on_postgres(c: &mut DbConn, words: &[String]) -> QueryResult<bool> {
    let mut sql = Sql::default();
    sql.push(
        "SELECT COUNT(*) AS n FROM (SELECT document FROM register_search \
         ORDER BY decided_at DESC, application_id DESC LIMIT ",
    )
    .bind(Bind::Int(PROBE_WINDOW))
    .push(") newest WHERE newest.document @@ register_search_query(")
    .bind(Bind::Text(words.join(" ")))
    .push(")");
    Ok(load_count(c, &sql)? >= PROBE_COMMON)
}

/// `FROM … WHERE <the words match>`, the register's filters, and (for the export) the position
/// after which to read.
fn from_where(
    c: &mut DbConn,
    f: &RegisterFilter,
    words: &[String],
    after: Option<(NaiveDateTime, i64)>,
) -> QueryResult<Sql> {
    let (reduced, reference) = as_reference(words);
    let words = reduced.as_slice();
    let mut sql = Sql::default();
    if matches!(c, DbConn::Sqlite(_)) {
        sql.push(
            " FROM register_search JOIN applications ON applications.id = (register_search.rowid & 2147483647) \
             WHERE register_search MATCH ",
        )
        .bind(Bind::Text(fts5_query(words)));
        if let Some((decided_at, id)) = after {
            // The same key as the migration's, computed by the same SQL.
            sql.push(" AND register_search.rowid < ((CAST(strftime('%s', ")
                .bind(Bind::Time(decided_at))
                .push(") AS INTEGER) - 946684800) * 2147483648 + ")
                .bind(Bind::Int(id))
                .push(")");
        }
    } else {
        let text = words.join(" ");
        if common_on_postgres(c, words)? {
            sql.push(
                " FROM register_search JOIN applications ON applications.id = register_search.application_id \
                 WHERE register_search.document @@ register_search_query(",
            )
            .bind(Bind::Text(text))
            .push(")");
        } else {
            // OFFSET 0 keeps the subquery as written: all the words' (few) matches, from the GIN
            // index, rather than a walk in decision order hoping to meet them.
            sql.push(
                " FROM (SELECT application_id, decided_at FROM register_search \
                 WHERE document @@ register_search_query(",
            )
            .bind(Bind::Text(text))
            .push(
                ") OFFSET 0) register_search \
                 JOIN applications ON applications.id = register_search.application_id WHERE 1 = 1",
            );
        }
        if let Some((decided_at, id)) = after {
            sql.push(" AND (register_search.decided_at, register_search.application_id) < (")
                .bind(Bind::Time(decided_at))
                .push(", ")
                .bind(Bind::Int(id))
                .push(")");
        }
    }
    if let Some(reference) = reference {
        sql.push(" AND applications.reference = ").bind(Bind::Text(reference));
    }
    filters(&mut sql, f);
    Ok(sql)
}

/// A search that is exactly a reference (`SBX-2026-00012`: the words `sbx`, a year and a number)
/// is read as that reference: the entry is found by its number's word, which few entries hold,
/// and its reference, rather than by `sbx` and the year, which every entry or a year's entries
/// hold (their lists grow with the register; at a million entries they made such a search 1.7
/// times slower than at ten thousand). The entry found is the one the words find.
fn as_reference(words: &[String]) -> (Vec<String>, Option<String>) {
    match words {
        [sbx, year, number]
            if sbx == "sbx"
                && year.len() == 4
                && year.bytes().all(|b| b.is_ascii_digit())
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (vec![number.clone()], Some(format!("SBX-{year}-{number}")))
        }
        _ => (words.to_vec(), None),
    }
}

/// The register's other filters, as `predicate` in `db::register` applies them to a list.
fn filters(sql: &mut Sql, f: &RegisterFilter) {
    match &f.status {
        Some(s) if REGISTER_STATES.contains(&s.as_str()) => {
            sql.push(" AND applications.status = ").bind(Bind::Text(s.clone()));
        }
        Some(_) => {
            sql.push(" AND 1 = 0");
        }
        None => {
            let states: Vec<String> = REGISTER_STATES.iter().map(|s| format!("'{s}'")).collect();
            sql.push(&format!(" AND applications.status IN ({})", states.join(", ")));
        }
    }
    if let Some(z) = f.zone_id {
        sql.push(" AND applications.zone_id = ").bind(Bind::Int(z));
    }
    if let Some(code) = &f.lpa_code {
        sql.push(" AND applications.zone_id IN (SELECT id FROM zones WHERE lpa_code = ")
            .bind(Bind::Text(code.clone()))
            .push(")");
    }
    if let Some(i) = &f.intervention {
        sql.push(" AND applications.intervention = ").bind(Bind::Text(i.clone()));
    }
    if let Some(k) = &f.applicant_kind {
        sql.push(" AND applications.applicant_kind = ").bind(Bind::Text(k.clone()));
    }
    if let Some((start, end)) = f.year.and_then(super::register::year_range) {
        sql.push(" AND applications.decided_at >= ").bind(Bind::Time(start));
        sql.push(" AND applications.decided_at < ").bind(Bind::Time(end));
    }
}

fn order_by(c: &DbConn, order: RegisterOrder) -> &'static str {
    match (c, order) {
        (DbConn::Sqlite(_), RegisterOrder::Newest) => " ORDER BY register_search.rowid DESC",
        (DbConn::Sqlite(_), RegisterOrder::Oldest) => " ORDER BY register_search.rowid ASC",
        (DbConn::Pg(_), RegisterOrder::Newest) => {
            " ORDER BY register_search.decided_at DESC, register_search.application_id DESC"
        }
        (DbConn::Pg(_), RegisterOrder::Oldest) => {
            " ORDER BY register_search.decided_at ASC, register_search.application_id ASC"
        }
    }
}

/// The ids of one page of the entries matching every word, in `order` of decision.
pub fn page(
    c: &mut DbConn,
    f: &RegisterFilter,
    words: &[String],
    order: RegisterOrder,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let tail = from_where(c, f, words, None)?;
    let mut sql = Sql { text: format!("SELECT applications.id AS id{}", tail.text), binds: tail.binds };
    sql.push(order_by(c, order)).push(" LIMIT ").bind(Bind::Int(limit)).push(" OFFSET ").bind(Bind::Int(offset));
    load_ids(c, &sql)
}

/// The ids of the next `limit` matching entries decided before `after` (decision time and id),
/// newest first, or from the newest when `after` is `None`: the keyset pages of an export.
pub fn page_after(
    c: &mut DbConn,
    f: &RegisterFilter,
    words: &[String],
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let tail = from_where(c, f, words, after)?;
    let mut sql = Sql { text: format!("SELECT applications.id AS id{}", tail.text), binds: tail.binds };
    sql.push(order_by(c, RegisterOrder::Newest)).push(" LIMIT ").bind(Bind::Int(limit));
    load_ids(c, &sql)
}

/// How many entries match, stopping at `cap + 1` (as `paging::count_capped` does).
pub fn count(c: &mut DbConn, f: &RegisterFilter, words: &[String], cap: i64) -> QueryResult<i64> {
    if words.is_empty() {
        return Ok(0);
    }
    let tail = from_where(c, f, words, None)?;
    let mut sql = Sql { text: format!("SELECT COUNT(*) AS n FROM (SELECT 1 AS one{}", tail.text), binds: tail.binds };
    sql.push(" LIMIT ").bind(Bind::Int(cap + 1)).push(") capped");
    load_count(c, &sql)
}

#[cfg(test)]
mod tests {
    use super::{as_reference, fts5_query, words};

    #[test]
    fn a_search_that_is_a_reference_is_read_as_one() {
        let w = |t: &str| words(t);
        assert_eq!(as_reference(&w("SBX-2026-00012")), (vec!["00012".to_string()], Some("SBX-2026-00012".into())));
        assert_eq!(as_reference(&w(" sbx 2026 00012 ")).1.as_deref(), Some("SBX-2026-00012"));
        for other in ["SBX-2026", "solar 2026 00012", "SBX-26-00012", "SBX-2026-00012 solar", "SBX-2026-x1"] {
            assert_eq!(as_reference(&w(other)), (w(other), None), "{other}");
        }
    }

    #[test]
    fn words_are_letters_and_digits_and_nothing_else_reaches_the_query() {
        assert_eq!(words("SBX-2026-00012"), vec!["sbx", "2026", "00012"]);
        assert_eq!(
            words("  \"solar\" OR NEAR(x*) -'; DROP TABLE applications; --"),
            vec!["solar", "or", "near", "x", "drop", "table", "applications"]
        );
        assert_eq!(words("Café café CAFÉ"), vec!["café"]);
        assert!(words("!!! ' \" * ( ) -").is_empty());
        assert_eq!(fts5_query(&words("near OR \"x\"")), "\"near\" \"or\" \"x\"");
    }
}
