//! Decisions and approvals per calendar quarter and applicant kind: the statistics' time series.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::QuarterRow;
use crate::db::DbConn;

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    year: i64,
    #[diesel(sql_type = BigInt)]
    quarter: i64,
    #[diesel(sql_type = Nullable<Text>)]
    applicant_kind: Option<String>,
    #[diesel(sql_type = BigInt)]
    decided: i64,
    #[diesel(sql_type = BigInt)]
    approved: i64,
}

/// Every quarter with a decision, oldest first, and within it each applicant kind: decisions
/// (approvals and refusals) and approvals. One grouped pass over the decided cases.
pub(super) fn by_quarter(c: &mut DbConn) -> QueryResult<Vec<QuarterRow>> {
    let query = |year: &str, quarter: &str| {
        format!(
            "SELECT {year} AS year, {quarter} AS quarter, applicant_kind, COUNT(*) AS decided, \
         SUM(CASE WHEN decision = 'approved' THEN 1 ELSE 0 END) AS approved \
         FROM applications WHERE decided_at IS NOT NULL AND decision IS NOT NULL \
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        )
    };
    let rows: Vec<Counted> = match c {
        DbConn::Pg(pg) => diesel::sql_query(query(
            "CAST(EXTRACT(YEAR FROM decided_at) AS BIGINT)",
            "CAST(EXTRACT(QUARTER FROM decided_at) AS BIGINT)",
        ))
        .load(pg)?,
        DbConn::Sqlite(lite) => diesel::sql_query(query(
            "CAST(strftime('%Y', decided_at) AS INTEGER)",
            "(CAST(strftime('%m', decided_at) AS INTEGER) + 2) / 3",
        ))
        .load(lite)?,
    };
    Ok(rows
        .into_iter()
        .map(|r| QuarterRow {
            quarter: format!("{}-Q{}", r.year, r.quarter),
            applicant_kind: r.applicant_kind.unwrap_or_else(|| "individual".into()),
            decided: r.decided,
            approved: r.approved,
        })
        .collect())
}
