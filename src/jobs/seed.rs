//! `sandbox seed-demo`: fills the database with realistic, deterministic demo data — zones across
//! several planning authorities, organisations of every kind, users of every role, and cases in
//! every state with their derogations, conditions, milestones, evidence, attestations,
//! observations, enforcement actions, evaluations and a consistent audit chain.
//!
//! Cases are written in batches, each batch one transaction, with progress on standard error.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::db::models::{
    Application, Attestation, Condition, EnforcementAction, Evaluation, Evidence, InformationRequest, Milestone,
    NewAuditEvent, NewOrganisation, NewUser, Observation, Recommendation, RequestedDerogation, Screening,
};
use crate::db::schema::{
    applications, attestations, conditions, enforcement_actions, evaluations, evidence, milestones, observations,
    recommendations, requested_derogations, screenings,
};
use crate::db::{audit, catalogue, users, write_tx, Db, DbConn, DbError};
use crate::domain::account::{OrganisationKind, Role};
use crate::domain::application::default_milestones;
use crate::domain::case::{Intervention, Status};
use crate::domain::community::{AttestationStance, ObservationKind, Visibility};
use crate::domain::decision::{CriterionOutcome, Decision, RecommendationKind, ScreeningCriterion};
use crate::domain::monitoring::{
    ConditionCategory, ConditionStatus, EnforcementKind, EvidenceOutcome, MilestoneStatus,
};

pub const DEMO_PASSWORD: &str = "sandbox-demo-password-2026";

/// What was created, and how to log in.
#[derive(Debug, Default)]
pub struct SeedReport {
    pub cases: usize,
    pub logins: Vec<(String, String)>,
}

const ZONES: [(&str, &str, &str, Option<&str>, f64); 6] = [
    ("Bristol Harbourside Net Zero Zone", "E06000023", "Bristol City Council", Some("2018-11-13"), 10.0),
    ("Frome Community Energy Zone", "E06000066", "Somerset Council", Some("2019-02-26"), 25.0),
    ("Leeds Retrofit Streets", "E08000035", "Leeds City Council", Some("2019-03-27"), 0.0),
    ("Brixton Solar Terraces", "E09000022", "London Borough of Lambeth", Some("2019-01-22"), 15.0),
    ("Cornwall Heat Network Pilot", "E06000052", "Cornwall Council", Some("2019-01-22"), 20.0),
    ("Oxford Low Carbon Hub", "E07000178", "Oxford City Council", None, 30.0),
];

const KINDS: [OrganisationKind; 6] = OrganisationKind::ALL;

/// How often each state is seeded (relative weights).
const STATES: [(Status, u32); 12] = [
    (Status::Draft, 6),
    (Status::Submitted, 6),
    (Status::Screening, 6),
    (Status::InformationRequested, 4),
    (Status::Assessment, 6),
    (Status::Approved, 6),
    (Status::Active, 24),
    (Status::Suspended, 4),
    (Status::Revoked, 3),
    (Status::Completed, 15),
    (Status::Refused, 12),
    (Status::Withdrawn, 8),
];

fn pick_state(rng: &mut StdRng) -> Status {
    let total: u32 = STATES.iter().map(|s| s.1).sum();
    let mut n = rng.gen_range(0..total);
    for (s, w) in STATES {
        if n < w {
            return s;
        }
        n -= w;
    }
    Status::Active
}

/// A zone and the provisions (id, code, longest trial) allowed in it.
type SeedZone = (i64, Vec<(i64, String, i32)>);

struct People {
    admin: i64,
    inspectors: Vec<i64>,
    innovators: Vec<(i64, i64, OrganisationKind)>,
    community: Vec<i64>,
}

fn make_user(
    c: &mut DbConn,
    email: &str,
    name: &str,
    role: Role,
    org: Option<i64>,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    if let Some(u) = users::find_user_by_email(c, email)? {
        return Ok(u.id);
    }
    Ok(users::insert_user(
        c,
        &NewUser {
            email,
            password_hash: Some(hash),
            display_name: name,
            role,
            organisation_id: org,
            email_verified_at: Some(now),
            token_version: 0,
            created_at: now,
            updated_at: now,
        },
    )?
    .id)
}

fn people(c: &mut DbConn, hash: &str, now: NaiveDateTime, innovators: usize) -> QueryResult<People> {
    let admin = make_user(c, "admin@demo.sandbox.example", "Demo Administrator", Role::Admin, None, hash, now)?;
    let names = ["Ivy Okafor", "Tom Hughes", "Priya Shah", "Megan Evans", "Dan Kowalski"];
    let mut inspectors = Vec::new();
    for (i, n) in names.iter().enumerate() {
        inspectors.push(make_user(
            c,
            &format!("inspector{}@demo.sandbox.example", i + 1),
            n,
            Role::Inspector,
            None,
            hash,
            now,
        )?);
    }
    let orgs = [
        "Sunny Hill Energy Co-op",
        "Harbourside Residents' Association",
        "Heatwise Installers Ltd",
        "Northern Grid plc",
        "Somerset Council Estates",
        "Warm Homes Trust",
    ];
    let mut inn = Vec::new();
    for i in 0..innovators {
        let kind = KINDS[i % KINDS.len()];
        let org_name = format!("{} {}", orgs[i % orgs.len()], i / orgs.len() + 1);
        let org = users::insert_organisation(
            c,
            &NewOrganisation { name: &org_name, kind, registration_number: None, created_at: now },
        )?;
        let id = make_user(
            c,
            &format!("innovator{}@demo.sandbox.example", i + 1),
            &format!("Innovator {}", i + 1),
            Role::Innovator,
            Some(org.id),
            hash,
            now,
        )?;
        inn.push((id, org.id, kind));
    }
    let mut community = Vec::new();
    for i in 0..10 {
        community.push(make_user(
            c,
            &format!("resident{}@demo.sandbox.example", i + 1),
            &format!("Resident {}", i + 1),
            Role::Community,
            None,
            hash,
            now,
        )?);
    }
    Ok(People { admin, inspectors, innovators: inn, community })
}

/// The rows of one batch of cases, built in memory and written with one multi-row `INSERT` per
/// table and chunk: a round trip per chunk rather than per row, which is what makes a million
/// cases a matter of minutes on PostgreSQL as well as SQLite. Ids are assigned here (seeding
/// assumes nothing else writes cases meanwhile), so that children can name their parents.
#[derive(Default)]
struct Rows {
    applications: Vec<Application>,
    derogations: Vec<RequestedDerogation>,
    screenings: Vec<Screening>,
    information_requests: Vec<InformationRequest>,
    conditions: Vec<Condition>,
    evidence: Vec<Evidence>,
    attestations: Vec<Attestation>,
    milestones: Vec<Milestone>,
    observations: Vec<Observation>,
    enforcement: Vec<EnforcementAction>,
    evaluations: Vec<Evaluation>,
    recommendations: Vec<Recommendation>,
    audit: Vec<NewAuditEvent>,
}

/// The next free id of each table that seeded rows name.
#[derive(Default)]
struct NextIds {
    application: i64,
    derogation: i64,
    screening: i64,
    information_request: i64,
    condition: i64,
    evidence: i64,
    attestation: i64,
    milestone: i64,
    observation: i64,
    enforcement: i64,
    evaluation: i64,
    recommendation: i64,
}

fn take(id: &mut i64) -> i64 {
    *id += 1;
    *id
}

/// The tables whose ids the seeder assigns, with the most bound parameters a statement may carry
/// divided by their column count (SQLite allows 32,766 parameters, PostgreSQL 65,535).
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

const MAX_PARAMETERS: usize = 30_000;

/// Inserts `rows` in chunks of at most `MAX_PARAMETERS` bound values, one statement per chunk, on
/// whichever backend the connection is.
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
    fn write(&self, c: &mut DbConn) -> QueryResult<()> {
        use crate::db::schema::{audit_events, information_requests};
        insert_chunks!(c, applications::table, self.applications, 37);
        insert_chunks!(c, requested_derogations::table, self.derogations, 8);
        insert_chunks!(c, screenings::table, self.screenings, 7);
        insert_chunks!(c, information_requests::table, self.information_requests, 9);
        insert_chunks!(c, conditions::table, self.conditions, 13);
        insert_chunks!(c, evidence::table, self.evidence, 15);
        insert_chunks!(c, attestations::table, self.attestations, 8);
        insert_chunks!(c, milestones::table, self.milestones, 13);
        insert_chunks!(c, observations::table, self.observations, 12);
        insert_chunks!(c, enforcement_actions::table, self.enforcement, 7);
        insert_chunks!(c, evaluations::table, self.evaluations, 7);
        insert_chunks!(c, recommendations::table, self.recommendations, 6);
        insert_chunks!(c, audit_events::table, self.audit, 12);
        Ok(())
    }
}

impl NextIds {
    /// Reads the largest id in use in each seeded table.
    fn load(c: &mut DbConn) -> QueryResult<Self> {
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
fn advance_sequences(c: &mut DbConn) -> QueryResult<()> {
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

/// A case's audit chain, kept in memory while the case is built, so that seeding appends each
/// event without reading the chain back.
struct Chain {
    stream: String,
    seq: i64,
    prev: String,
    last_to: String,
}

impl Chain {
    fn new(case: i64) -> Self {
        Chain {
            stream: format!("application:{case}"),
            seq: 0,
            prev: audit::GENESIS.to_string(),
            last_to: String::new(),
        }
    }

    fn push(&mut self, rows: &mut Rows, actor: Option<i64>, action: &str, from: &str, to: &str, at: NaiveDateTime) {
        let at = crate::db::truncate(at);
        let details = json!({ "seeded": true }).to_string();
        self.seq += 1;
        let hash = audit::event_hash(
            &self.prev,
            &self.stream,
            self.seq,
            actor,
            action,
            Some(from),
            Some(to),
            &details,
            true,
            at,
        );
        rows.audit.push(NewAuditEvent {
            stream: self.stream.clone(),
            seq: self.seq,
            actor_user_id: actor,
            action: action.to_string(),
            from_status: Some(from.to_string()),
            to_status: Some(to.to_string()),
            details,
            public: true,
            created_at: at,
            prev_hash: std::mem::replace(&mut self.prev, hash.clone()),
            hash,
        });
        self.last_to = to.to_string();
    }
}

/// Where a case is seeded: the people, zones and day it is seeded against.
struct Context<'a> {
    people: &'a People,
    zones: &'a [SeedZone],
    today: NaiveDate,
    reference_year: i32,
}

fn s(v: &str) -> String {
    v.to_string()
}

fn seed_case(rows: &mut Rows, ids: &mut NextIds, rng: &mut StdRng, cx: &Context<'_>, n: usize, seq: &mut i32) {
    let (p, zones, today) = (cx.people, cx.zones, cx.today);
    let state = pick_state(rng);
    let (author, org, kind) = p.innovators[rng.gen_range(0..p.innovators.len())];
    let (zone_id, allowed) = &zones[rng.gen_range(0..zones.len())];
    let inspector = p.inspectors[rng.gen_range(0..p.inspectors.len())];
    let intervention = Intervention::ALL[rng.gen_range(0..Intervention::ALL.len())];
    // Dates: every decision is in the past; completed trials have ended, active ones have begun,
    // approved ones start soon.
    let decided_days_ago = match state {
        Status::Completed => rng.gen_range(450..900),
        Status::Active | Status::Suspended | Status::Revoked => rng.gen_range(60..420),
        _ => rng.gen_range(5..400),
    };
    let decided_at = (today - TimeDelta::days(decided_days_ago)).and_hms_opt(15, 0, 0).unwrap_or_default();
    let submitted_at = decided_at - TimeDelta::days(rng.gen_range(10..90));
    let created = submitted_at - TimeDelta::days(rng.gen_range(1..10));
    let paused = if rng.gen_bool(0.3) { rng.gen_range(2..10) * 86_400 } else { 0 };
    let start = match state {
        Status::Approved => today + TimeDelta::days(rng.gen_range(1..60)),
        _ => decided_at.date() + TimeDelta::days(rng.gen_range(0..30)),
    };
    let months = match state {
        Status::Completed => rng.gen_range(6..=12u32),
        _ => rng.gen_range(12..=24u32),
    };
    let end = start.checked_add_months(chrono::Months::new(months)).unwrap_or(start);
    let title = format!(
        "{} trial {} in {}",
        intervention.as_str().replace('_', " "),
        n + 1,
        ["the old town", "a terrace", "an estate", "a market square", "the harbour"][rng.gen_range(0..5)]
    );
    let submitted = state != Status::Draft;
    let public = state.is_public_trial();
    let decided = public || state == Status::Refused;
    let reference = if submitted {
        *seq += 1;
        Some(format!("SBX-{}-{:05}", cx.reference_year, *seq))
    } else {
        None
    };
    let postcode_area = ["BS1", "BA11", "LS6", "SW9", "TR1", "OX4"][rng.gen_range(0..6)];
    let app_id = take(&mut ids.application);
    rows.applications.push(Application {
        id: app_id,
        reference,
        author_id: author,
        organisation_id: Some(org),
        applicant_kind: Some(kind),
        status: state,
        resume_status: (state == Status::InformationRequested).then_some(Status::Assessment),
        title,
        summary: Some(s("A demonstration trial.")),
        intervention: Some(intervention),
        zone_id: Some(*zone_id),
        site_address: Some(format!("{} High Street", rng.gen_range(1..200))),
        site_postcode: Some(format!("{postcode_area} {}AB", rng.gen_range(1..9))),
        postcode_district: Some(s(postcode_area)),
        proposed_start_date: Some(start),
        proposed_duration_months: Some(months as i32),
        estimated_annual_co2e_tonnes: Some((rng.gen_range(5.0..400.0_f64) * 10.0).round() / 10.0),
        community_ownership_pct: Some(rng.gen_range(0..=100) as f64),
        innovation_statement: Some(s("Shared ownership and a new way to connect.")),
        need_for_derogation: Some(s("The rule blocks the installation as designed.")),
        safeguards: Some(s("Heritage review, noise limits, monthly reporting.")),
        exit_plan: Some(s("Equipment removed and the site made good.")),
        assigned_inspector_id: (submitted && state != Status::Submitted).then_some(inspector),
        submitted_at: submitted.then_some(submitted_at),
        decided_at: decided.then_some(decided_at),
        decision: decided.then_some(if public { Decision::Approved } else { Decision::Refused }),
        decision_reasons: decided.then(|| {
            s(if public { "Clear community benefit with safeguards." } else { "The harm outweighs the benefit." })
        }),
        trial_start_date: public.then_some(start),
        trial_end_date: public.then_some(end),
        started_at: (public && state != Status::Approved).then_some(start.and_hms_opt(9, 0, 0).unwrap_or_default()),
        closed_at: state.is_closed().then_some(decided_at),
        paused_since: (state == Status::InformationRequested).then_some(decided_at),
        paused_seconds: paused,
        version: 1,
        created_at: created,
        updated_at: decided_at,
    });
    let mut chain = Chain::new(app_id);

    let granted_count = rng.gen_range(1..=allowed.len().clamp(1, 2));
    for (i, (pid, _, _)) in allowed.iter().take(granted_count).enumerate() {
        let granted = public && i == 0;
        rows.derogations.push(RequestedDerogation {
            id: take(&mut ids.derogation),
            application_id: app_id,
            provision_id: *pid,
            justification: s("The provision prevents the trial."),
            scope: s("The site only."),
            granted,
            granted_limits: granted.then(|| s("As proposed.")),
            granted_until: granted.then_some(end),
        });
    }
    chain.push(rows, Some(author), "application.created", "draft", "draft", created);
    if !submitted {
        return;
    }
    chain.push(rows, Some(author), "application.submitted", "draft", "submitted", submitted_at);
    if state == Status::Submitted {
        return;
    }
    chain.push(
        rows,
        Some(p.admin),
        "application.assigned",
        "submitted",
        "screening",
        submitted_at + TimeDelta::days(1),
    );
    let withdrawn_early = state == Status::Withdrawn && rng.gen_bool(0.5);
    let screened = state != Status::Screening && !withdrawn_early;
    if screened {
        let all_met = state != Status::Refused || rng.gen_bool(0.5);
        for (i, crit) in ScreeningCriterion::ALL.iter().enumerate() {
            let met = all_met || i > 0;
            rows.screenings.push(Screening {
                id: take(&mut ids.screening),
                application_id: app_id,
                criterion: *crit,
                outcome: if met { CriterionOutcome::Met } else { CriterionOutcome::NotMet },
                note: s(if met { "Satisfied." } else { "Not innovative: already permitted elsewhere." }),
                screened_by: inspector,
                created_at: submitted_at + TimeDelta::days(3),
            });
        }
        let to = if all_met { "assessment" } else { "refused" };
        chain.push(rows, Some(inspector), "application.screened", "screening", to, submitted_at + TimeDelta::days(3));
    }
    match state {
        Status::Withdrawn => {
            let from = if screened { "assessment" } else { "screening" };
            return chain.push(rows, Some(author), "application.withdrawn", from, "withdrawn", decided_at);
        }
        Status::InformationRequested => {
            rows.information_requests.push(InformationRequest {
                id: take(&mut ids.information_request),
                application_id: app_id,
                question: s("Who will maintain the equipment?"),
                due_on: today + TimeDelta::days(14),
                requested_by: inspector,
                requested_at: decided_at,
                answer: None,
                answered_by: None,
                answered_at: None,
            });
            return chain.push(
                rows,
                Some(inspector),
                "information.requested",
                "assessment",
                "information_requested",
                decided_at,
            );
        }
        Status::Screening | Status::Assessment => return,
        Status::Refused => {
            if chain.last_to == "assessment" {
                chain.push(rows, Some(inspector), "application.refused", "assessment", "refused", decided_at);
            }
            return;
        }
        _ => {}
    }
    // Public trials.
    chain.push(rows, Some(inspector), "application.approved", "assessment", "approved", decided_at);
    use ConditionStatus as C;
    let statuses_done = [C::Met, C::Met, C::Pending];
    for (i, (cat, desc, unit, target)) in [
        (ConditionCategory::CommunityFund, "Payments into the community fund", "GBP", 5000.0),
        (ConditionCategory::BillSavings, "Households with lower bills", "households", 40.0),
    ]
    .iter()
    .enumerate()
    {
        let status = match state {
            Status::Completed => statuses_done[i],
            Status::Suspended | Status::Revoked => {
                if i == 0 {
                    C::Breached
                } else {
                    C::Overdue
                }
            }
            Status::Active => [C::Pending, C::EvidenceSubmitted, C::Met, C::Overdue, C::Waived][rng.gen_range(0..5)],
            _ => C::Pending,
        };
        let due_on = start + TimeDelta::days(180 + 120 * i as i64);
        // As the daily scheduler pass would have left it: nothing pending is past its date.
        let status =
            if status == C::Pending && due_on < today && state != Status::Approved { C::Overdue } else { status };
        let cid = take(&mut ids.condition);
        rows.conditions.push(Condition {
            id: cid,
            application_id: app_id,
            category: *cat,
            description: s(desc),
            metric: s(desc),
            target_value: *target,
            unit: s(unit),
            due_on,
            status,
            status_reason: None,
            version: 1,
            created_at: decided_at,
            updated_at: decided_at,
        });
        if matches!(status, C::Met | C::EvidenceSubmitted) {
            let eid = take(&mut ids.evidence);
            rows.evidence.push(Evidence {
                id: eid,
                application_id: app_id,
                condition_id: cid,
                submitted_by: author,
                body: s("Statement attached."),
                reported_value: Some((target * rng.gen_range(0.8..1.3_f64)).round()),
                file_name: None,
                file_type: None,
                file_size: None,
                file_sha256: None,
                outcome: if status == C::Met { EvidenceOutcome::Verified } else { EvidenceOutcome::Pending },
                feedback: None,
                reviewed_by: (status == C::Met).then_some(inspector),
                reviewed_at: (status == C::Met).then_some(decided_at + TimeDelta::days(205)),
                created_at: decided_at + TimeDelta::days(200),
            });
            if rng.gen_bool(0.4) {
                let stance = if rng.gen_bool(0.8) { AttestationStance::Confirm } else { AttestationStance::Dispute };
                rows.attestations.push(Attestation {
                    id: take(&mut ids.attestation),
                    application_id: app_id,
                    condition_id: cid,
                    evidence_id: Some(eid),
                    user_id: p.community[rng.gen_range(0..p.community.len())],
                    stance,
                    comment: s(if stance == AttestationStance::Confirm {
                        "Our group saw the payment."
                    } else {
                        "Nothing has reached us yet."
                    }),
                    created_at: decided_at + TimeDelta::days(210),
                });
            }
        }
    }
    for (kind, title, due) in default_milestones(start, end) {
        use MilestoneStatus as M;
        let status = match state {
            Status::Completed => M::Accepted,
            _ if due < today => [M::Accepted, M::Accepted, M::Overdue, M::Submitted][rng.gen_range(0..4)],
            _ => M::Scheduled,
        };
        let reported = status != M::Scheduled && status != M::Overdue;
        let reported_at =
            reported.then(|| (due - TimeDelta::days(rng.gen_range(-5..10))).and_hms_opt(12, 0, 0).unwrap_or_default());
        rows.milestones.push(Milestone {
            id: take(&mut ids.milestone),
            application_id: app_id,
            kind,
            title,
            due_on: due,
            status,
            report: reported.then(|| s("Progress as planned.")),
            reported_at,
            review_note: (status == M::Accepted).then(|| s("Accepted.")),
            reviewed_at: (status == M::Accepted).then_some(reported_at.unwrap_or(decided_at)),
            version: 1,
            created_at: decided_at,
            updated_at: decided_at,
        });
    }
    if state == Status::Approved {
        return;
    }
    let started = start.and_hms_opt(9, 0, 0).unwrap_or_default();
    chain.push(rows, Some(author), "trial.started", "approved", "active", started);
    if rng.gen_bool(0.5) {
        rows.observations.push(Observation {
            id: take(&mut ids.observation),
            application_id: app_id,
            author_id: p.community[rng.gen_range(0..p.community.len())],
            kind: ObservationKind::ALL[rng.gen_range(0..ObservationKind::ALL.len())],
            body: s("Quiet installation; we would like a public meeting."),
            visibility: Visibility::Published,
            published_body: None,
            moderation_reason: None,
            moderated_by: None,
            moderated_at: None,
            version: 1,
            created_at: started + TimeDelta::days(30),
        });
    }
    let enforcement = |rows: &mut Rows, ids: &mut NextIds, kind: EnforcementKind, reasons: &str, at: NaiveDateTime| {
        rows.enforcement.push(EnforcementAction {
            id: take(&mut ids.enforcement),
            application_id: app_id,
            kind,
            reasons: s(reasons),
            new_end_date: None,
            actor_id: inspector,
            created_at: at,
        })
    };
    match state {
        Status::Suspended | Status::Revoked => {
            let at = started + TimeDelta::days(120);
            enforcement(rows, ids, EnforcementKind::Suspension, "Community fund payments missed.", at);
            chain.push(rows, Some(inspector), "trial.suspended", "active", "suspended", at);
            if state == Status::Revoked {
                let at = at + TimeDelta::days(30);
                enforcement(rows, ids, EnforcementKind::Revocation, "Breaches not remedied.", at);
                chain.push(rows, Some(inspector), "trial.revoked", "suspended", "revoked", at);
            }
        }
        Status::Completed => {
            let at = end.and_hms_opt(12, 0, 0).unwrap_or_default();
            let eval = take(&mut ids.evaluation);
            rows.evaluations.push(Evaluation {
                id: eval,
                application_id: app_id,
                outcomes: s("Conditions met; savings close to the estimate."),
                lessons: s("Residents accepted the installation once they could see it working."),
                reported_annual_co2e_tonnes: Some((rng.gen_range(5.0..400.0_f64) * 10.0).round() / 10.0),
                created_by: inspector,
                created_at: at,
            });
            if let Some((pid, _, _)) = allowed.first() {
                rows.recommendations.push(Recommendation {
                    id: take(&mut ids.recommendation),
                    evaluation_id: eval,
                    application_id: app_id,
                    provision_id: *pid,
                    recommendation: RecommendationKind::ALL[rng.gen_range(0..RecommendationKind::ALL.len())],
                    rationale: s("What the trial found."),
                });
            }
            chain.push(rows, Some(inspector), "trial.completed", "active", "completed", at);
        }
        _ => {}
    }
}

/// Seeds `cases` cases with the random seed `seed`, in batches of `batch`.
pub fn seed(
    db: &Db,
    cases: usize,
    seed: u64,
    batch: usize,
    today: NaiveDate,
    mut progress: impl FnMut(usize, usize),
) -> Result<SeedReport, String> {
    let now = crate::db::now();
    let hash = crate::auth::password::hash_password(DEMO_PASSWORD)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let (people, zones) = db
        .with_conn(|c| {
            write_tx(c, |c| {
                let people = people(c, &hash, now, (cases / 20).clamp(6, 5000))?;
                let codes = catalogue::list_provisions(c, false)?;
                let mut zones = Vec::new();
                for (i, (name, code, lpa, declared, min)) in ZONES.iter().enumerate() {
                    let allowed: Vec<(i64, String, i32)> = codes
                        .iter()
                        .skip(i % 3)
                        .step_by(2)
                        .take(5)
                        .map(|p| (p.id, p.code.clone(), p.max_trial_months))
                        .collect();
                    let zone = catalogue::insert_zone(
                        c,
                        &catalogue::ZoneFields {
                            name: name.to_string(),
                            lpa_code: code.to_string(),
                            lpa_name: lpa.to_string(),
                            climate_emergency_declared_on: declared
                                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
                            is_open: i != 5,
                            window_opens_on: None,
                            window_closes_on: None,
                            min_community_ownership_pct: *min,
                        },
                        now,
                    )?;
                    catalogue::set_zone_provisions(c, zone.id, &allowed.iter().map(|a| a.0).collect::<Vec<_>>())?;
                    zones.push((zone.id, allowed));
                }
                Ok::<_, DbError>((people, zones))
            })
        })
        .map_err(|e| e.to_string())?;
    // References continue from those already used this year.
    let year = today.year();
    let mut seq: i32 = db
        .with_conn(|c| {
            use crate::db::schema::reference_counters;
            reference_counters::table
                .find(year)
                .select(reference_counters::last_value)
                .first::<i32>(c)
                .optional()
                .map(|v| v.unwrap_or(0))
                .map_err(DbError::from)
        })
        .map_err(|e| e.to_string())?;
    let mut ids = db.with_conn(|c| NextIds::load(c).map_err(DbError::from)).map_err(|e| e.to_string())?;
    let cx = Context { people: &people, zones: &zones, today, reference_year: year };
    let mut done = 0;
    while done < cases {
        let n = batch.min(cases - done);
        let mut rows = Rows::default();
        for i in 0..n {
            seed_case(&mut rows, &mut ids, &mut rng, &cx, done + i, &mut seq);
        }
        db.with_conn(|c| {
            write_tx(c, |c| {
                rows.write(c)?;
                advance_sequences(c)?;
                use crate::db::schema::reference_counters;
                diesel::delete(reference_counters::table.find(year)).execute(c)?;
                diesel::insert_into(reference_counters::table)
                    .values((reference_counters::year.eq(year), reference_counters::last_value.eq(seq)))
                    .execute(c)?;
                Ok::<_, DbError>(())
            })
        })
        .map_err(|e| e.to_string())?;
        done += n;
        progress(done, cases);
    }
    db.with_conn(|c| crate::db::analyze(c).map_err(DbError::from)).map_err(|e| e.to_string())?;
    let mut logins = vec![("admin@demo.sandbox.example".to_string(), "admin".to_string())];
    logins.push(("inspector1@demo.sandbox.example".into(), "inspector".into()));
    logins.push(("innovator1@demo.sandbox.example".into(), "innovator".into()));
    logins.push(("resident1@demo.sandbox.example".into(), "community".into()));
    Ok(SeedReport { cases, logins })
}
