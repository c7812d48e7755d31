//! A batch's rows, built in memory with the ids the seeder gives them, and written with one
//! multi-row `INSERT` per table and chunk.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::{
    Application, Attestation, Condition, EnforcementAction, Evaluation, Evidence, InformationRequest, Milestone,
    NewAuditEvent, Observation, Recommendation, RequestedDerogation, Screening,
};
use crate::db::schema::{
    applications, attestations, conditions, enforcement_actions, evaluations, evidence, milestones, observations,
    recommendations, requested_derogations, screenings,
};
use crate::db::DbConn;
use crate::email::DeliveryStatus;

/// An email the service has already sent (a milestone reminder), as the outbox keeps it.
#[derive(Insertable)]
#[diesel(table_name = crate::db::schema::outbound_emails, treat_none_as_default_value = false)]
pub(super) struct SentEmail {
    pub(super) dedup_key: String,
    pub(super) user_id: Option<i64>,
    pub(super) to_address: String,
    pub(super) category: String,
    pub(super) subject: String,
    pub(super) body_text: String,
    pub(super) body_html: String,
    pub(super) message_id: String,
    pub(super) status: DeliveryStatus,
    pub(super) attempts: i32,
    pub(super) next_attempt_at: NaiveDateTime,
    pub(super) created_at: NaiveDateTime,
    pub(super) sent_at: Option<NaiveDateTime>,
}

/// The rows of one batch of cases, built in memory and written with one multi-row `INSERT` per
/// table and chunk: a round trip per chunk rather than per row, which is what makes a million
/// cases a matter of minutes on PostgreSQL as well as SQLite. Ids are assigned here (seeding
/// assumes nothing else writes cases meanwhile), so that children can name their parents.
#[derive(Default)]
pub(super) struct Rows {
    pub(super) applications: Vec<Application>,
    pub(super) derogations: Vec<RequestedDerogation>,
    pub(super) screenings: Vec<Screening>,
    pub(super) information_requests: Vec<InformationRequest>,
    pub(super) conditions: Vec<Condition>,
    pub(super) evidence: Vec<Evidence>,
    pub(super) attestations: Vec<Attestation>,
    pub(super) milestones: Vec<Milestone>,
    pub(super) observations: Vec<Observation>,
    pub(super) enforcement: Vec<EnforcementAction>,
    pub(super) evaluations: Vec<Evaluation>,
    pub(super) recommendations: Vec<Recommendation>,
    pub(super) audit: Vec<NewAuditEvent>,
    pub(super) emails: Vec<SentEmail>,
}

/// The last id given in each table that seeded rows name; [`take`] gives the next.
#[derive(Default)]
pub(super) struct NextIds {
    pub(super) application: i64,
    pub(super) derogation: i64,
    pub(super) screening: i64,
    pub(super) information_request: i64,
    pub(super) condition: i64,
    pub(super) evidence: i64,
    pub(super) attestation: i64,
    pub(super) milestone: i64,
    pub(super) observation: i64,
    pub(super) enforcement: i64,
    pub(super) evaluation: i64,
    pub(super) recommendation: i64,
}

/// The next id after `id`, which it becomes.
pub(super) fn take(id: &mut i64) -> i64 {
    *id += 1;
    *id
}

/// The tables whose ids the seeder assigns.
const SEEDED_TABLES: [&str; 12] = [
    "applications",
    "requested_derogations",
    "screenings",
    "information_requests",
    "conditions",
    "evidence",
    "attestations",
    "milestones",
    "observations",
    "enforcement_actions",
    "evaluations",
    "recommendations",
];

/// The most bound parameters one statement carries (SQLite allows 32,766, PostgreSQL 65,535).
const MAX_PARAMETERS: usize = 30_000;

/// Inserts `rows` in chunks of at most `MAX_PARAMETERS` bound values (`MAX_PARAMETERS` divided by
/// the table's column count rows), one statement per chunk, on whichever backend the connection is.
macro_rules! insert_chunks {
    ($c:expr, $table:expr, $rows:expr, $columns:expr) => {{
        for chunk in $rows.chunks(MAX_PARAMETERS / $columns) {
            match &mut *$c {
                DbConn::Pg(pg) => diesel::insert_into($table).values(chunk).execute(pg)?,
                DbConn::Sqlite(lite) => diesel::insert_into($table).values(chunk).execute(lite)?,
            };
        }
    }};
}

impl Rows {
    /// Writes every row, parents before children.
    pub(super) fn write(&self, c: &mut DbConn) -> QueryResult<()> {
        use crate::db::schema::{audit_events, information_requests};
        insert_chunks!(c, applications::table, self.applications, 37);
        insert_chunks!(c, requested_derogations::table, self.derogations, 8);
        insert_chunks!(c, screenings::table, self.screenings, 7);
        insert_chunks!(c, information_requests::table, self.information_requests, 9);
        insert_chunks!(c, conditions::table, self.conditions, 14);
        insert_chunks!(c, evidence::table, self.evidence, 15);
        insert_chunks!(c, attestations::table, self.attestations, 8);
        insert_chunks!(c, milestones::table, self.milestones, 14);
        insert_chunks!(c, observations::table, self.observations, 13);
        insert_chunks!(c, enforcement_actions::table, self.enforcement, 7);
        insert_chunks!(c, evaluations::table, self.evaluations, 7);
        insert_chunks!(c, recommendations::table, self.recommendations, 6);
        insert_chunks!(c, audit_events::table, self.audit, 12);
        // Each chain's head, as `audit::append` records it.
        let mut heads: std::collections::BTreeMap<&str, (i64, &str)> = Default::default();
        for e in &self.audit {
            let head = heads.entry(e.stream.as_str()).or_insert((e.seq, e.hash.as_str()));
            if e.seq >= head.0 {
                *head = (e.seq, e.hash.as_str());
            }
        }
        let heads: Vec<(String, i64, String)> =
            heads.into_iter().map(|(s, (n, h))| (s.to_string(), n, h.to_string())).collect();
        crate::db::audit::set_heads(c, &heads)?;
        insert_chunks!(c, crate::db::schema::outbound_emails::table, self.emails, 13);
        Ok(())
    }
}

impl NextIds {
    /// Reads the largest id in use in each seeded table.
    pub(super) fn load(c: &mut DbConn) -> QueryResult<Self> {
        use diesel::dsl::max;
        let mut ids = NextIds::default();
        macro_rules! last {
            ($table:ident) => {
                $table::table.select(max($table::id)).first::<Option<i64>>(c)?.unwrap_or(0)
            };
        }
        use crate::db::schema::information_requests;
        ids.application = last!(applications);
        ids.derogation = last!(requested_derogations);
        ids.screening = last!(screenings);
        ids.information_request = last!(information_requests);
        ids.condition = last!(conditions);
        ids.evidence = last!(evidence);
        ids.attestation = last!(attestations);
        ids.milestone = last!(milestones);
        ids.observation = last!(observations);
        ids.enforcement = last!(enforcement_actions);
        ids.evaluation = last!(evaluations);
        ids.recommendation = last!(recommendations);
        Ok(ids)
    }
}

/// PostgreSQL's sequences do not see ids given explicitly; moves each past the largest in use so
/// that the service's own inserts carry on after the seeded rows. (SQLite needs nothing.)
pub(super) fn advance_sequences(c: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Pg(pg) = c {
        for table in SEEDED_TABLES {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            ))
            .execute(pg)?;
        }
    }
    Ok(())
}
