//! Bounded counts for list totals: `SELECT COUNT(*) FROM (<query> LIMIT cap + 1)`, so that the
//! database stops after `cap + 1` matching rows (read from an index where one covers the filter)
//! and nothing but one number crosses the connection. See `X-Total-Count` in docs/API.md.

use diesel::backend::Backend;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::methods::LimitDsl;
use diesel::sql_types::BigInt;

use super::DbConn;

/// `SELECT COUNT(*) FROM (inner) AS capped`.
#[derive(Debug, Clone, Copy)]
pub struct CountOf<Q>(Q);

impl<Q> QueryId for CountOf<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> Query for CountOf<Q> {
    type SqlType = BigInt;
}

impl<Q, Conn> RunQueryDsl<Conn> for CountOf<Q> {}

impl<Q, DB> QueryFragment<DB> for CountOf<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("SELECT COUNT(*) FROM (");
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(") capped");
        Ok(())
    }
}

/// Counts the rows of `query` (a select of one column), stopping at `cap + 1`.
pub fn count_capped<Q>(conn: &mut DbConn, query: Q, cap: i64) -> QueryResult<i64>
where
    Q: LimitDsl,
    CountOf<Q::Output>: diesel::query_dsl::LoadQuery<'static, DbConn, i64>,
{
    CountOf(query.limit(cap + 1)).get_result(conn)
}
