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

use crate::db::models::{NewOrganisation, NewUser};
use crate::db::schema::{
    applications, attestations, conditions, enforcement_actions, evaluations, evidence, milestones, observations,
    recommendations, requested_derogations, screenings,
};
use crate::db::{audit, catalogue, users, write_tx, Db, DbConn, DbError};
use crate::domain::application::default_milestones;
use crate::domain::case::{Intervention, SCREENING_CRITERIA};

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

const KINDS: [&str; 6] =
    ["community_owned_enterprise", "community_group", "sme", "large_business", "public_body", "charity"];

const STATES: [(&str, u32); 12] = [
    ("draft", 6),
    ("submitted", 6),
    ("screening", 6),
    ("information_requested", 4),
    ("assessment", 6),
    ("approved", 6),
    ("active", 24),
    ("suspended", 4),
    ("revoked", 3),
    ("completed", 15),
    ("refused", 12),
    ("withdrawn", 8),
];

fn pick_state(rng: &mut StdRng) -> &'static str {
    let total: u32 = STATES.iter().map(|s| s.1).sum();
    let mut n = rng.gen_range(0..total);
    for (s, w) in STATES {
        if n < w {
            return s;
        }
        n -= w;
    }
    "active"
}

/// A zone and the provisions (id, code, longest trial) allowed in it.
type SeedZone = (i64, Vec<(i64, String, i32)>);

struct People {
    admin: i64,
    inspectors: Vec<i64>,
    innovators: Vec<(i64, i64, &'static str)>,
    community: Vec<i64>,
}

fn make_user(
    c: &mut DbConn,
    email: &str,
    name: &str,
    role: &str,
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
    let admin = make_user(c, "admin@demo.sandbox.example", "Demo Administrator", "admin", None, hash, now)?;
    let names = ["Ivy Okafor", "Tom Hughes", "Priya Shah", "Megan Evans", "Dan Kowalski"];
    let mut inspectors = Vec::new();
    for (i, n) in names.iter().enumerate() {
        inspectors.push(make_user(
            c,
            &format!("inspector{}@demo.sandbox.example", i + 1),
            n,
            "inspector",
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
            "innovator",
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
            "community",
            None,
            hash,
            now,
        )?);
    }
    Ok(People { admin, inspectors, innovators: inn, community })
}

/// A case's audit chain, kept in memory while the case is written, so that seeding appends each
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

    fn push(
        &mut self,
        c: &mut DbConn,
        actor: Option<i64>,
        action: &str,
        from: &str,
        to: &str,
        at: NaiveDateTime,
    ) -> QueryResult<()> {
        use crate::db::models::NewAuditEvent;
        use crate::db::schema::audit_events;
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
        diesel::insert_into(audit_events::table)
            .values(NewAuditEvent {
                stream: self.stream.clone(),
                seq: self.seq,
                actor_user_id: actor,
                action: action.to_string(),
                from_status: Some(from.to_string()),
                to_status: Some(to.to_string()),
                details,
                public: true,
                created_at: at,
                prev_hash: self.prev.clone(),
                hash: hash.clone(),
            })
            .execute(c)?;
        self.prev = hash;
        self.last_to = to.to_string();
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
fn seed_case(
    c: &mut DbConn,
    rng: &mut StdRng,
    p: &People,
    zones: &[SeedZone],
    n: usize,
    today: NaiveDate,
    reference_year: i32,
    seq: &mut i32,
) -> QueryResult<()> {
    let state = pick_state(rng);
    let (author, org, kind) = p.innovators[rng.gen_range(0..p.innovators.len())];
    let (zone_id, allowed) = &zones[rng.gen_range(0..zones.len())];
    let inspector = p.inspectors[rng.gen_range(0..p.inspectors.len())];
    let intervention = Intervention::ALL[rng.gen_range(0..Intervention::ALL.len())];
    // Dates: every decision is in the past; completed trials have ended, active ones have begun,
    // approved ones start soon.
    let decided_days_ago = match state {
        "completed" => rng.gen_range(450..900),
        "active" | "suspended" | "revoked" => rng.gen_range(60..420),
        _ => rng.gen_range(5..400),
    };
    let decided_at = (today - TimeDelta::days(decided_days_ago)).and_hms_opt(15, 0, 0).unwrap_or_default();
    let submitted_at = decided_at - TimeDelta::days(rng.gen_range(10..90));
    let created = submitted_at - TimeDelta::days(rng.gen_range(1..10));
    let paused = if rng.gen_bool(0.3) { rng.gen_range(2..10) * 86_400 } else { 0 };
    let start = match state {
        "approved" => today + TimeDelta::days(rng.gen_range(1..60)),
        _ => decided_at.date() + TimeDelta::days(rng.gen_range(0..30)),
    };
    let months = match state {
        "completed" => rng.gen_range(6..=12u32),
        _ => rng.gen_range(12..=24u32),
    };
    let end = start.checked_add_months(chrono::Months::new(months)).unwrap_or(start);
    let title = format!(
        "{} trial {} in {}",
        intervention.as_str().replace('_', " "),
        n + 1,
        ["the old town", "a terrace", "an estate", "a market square", "the harbour"][rng.gen_range(0..5)]
    );
    let submitted = state != "draft";
    let decided = matches!(state, "approved" | "active" | "suspended" | "revoked" | "completed" | "refused");
    let public = matches!(state, "approved" | "active" | "suspended" | "revoked" | "completed");
    let reference = if submitted {
        *seq += 1;
        Some(format!("SBX-{reference_year}-{:05}", *seq))
    } else {
        None
    };
    let postcode_area = ["BS1", "BA11", "LS6", "SW9", "TR1", "OX4"][rng.gen_range(0..6)];
    let app_id: i64 = diesel::insert_into(applications::table)
        .values((
            applications::reference.eq(reference.clone()),
            applications::author_id.eq(author),
            applications::organisation_id.eq(Some(org)),
            applications::applicant_kind.eq(Some(kind)),
            applications::status.eq(state),
            applications::title.eq(&title),
            applications::summary.eq(Some("A demonstration trial.")),
            applications::intervention.eq(Some(intervention.as_str())),
            applications::zone_id.eq(Some(*zone_id)),
            applications::site_address.eq(Some(format!("{} High Street", rng.gen_range(1..200)))),
            applications::site_postcode.eq(Some(format!("{postcode_area} {}AB", rng.gen_range(1..9)))),
            applications::postcode_district.eq(Some(postcode_area)),
            applications::proposed_start_date.eq(Some(start)),
            applications::proposed_duration_months.eq(Some(months as i32)),
            applications::estimated_annual_co2e_tonnes.eq(Some((rng.gen_range(5.0..400.0_f64) * 10.0).round() / 10.0)),
            applications::community_ownership_pct.eq(Some(rng.gen_range(0..=100) as f64)),
            applications::innovation_statement.eq(Some("Shared ownership and a new way to connect.")),
            applications::need_for_derogation.eq(Some("The rule blocks the installation as designed.")),
            applications::safeguards.eq(Some("Heritage review, noise limits, monthly reporting.")),
            applications::exit_plan.eq(Some("Equipment removed and the site made good.")),
            applications::assigned_inspector_id.eq((submitted && state != "submitted").then_some(inspector)),
            applications::submitted_at.eq(submitted.then_some(submitted_at)),
            applications::decided_at.eq(decided.then_some(decided_at)),
            applications::decision.eq(decided.then_some(if public { "approved" } else { "refused" })),
            applications::decision_reasons.eq(decided.then_some(if public {
                "Clear community benefit with safeguards."
            } else {
                "The harm outweighs the benefit."
            })),
            applications::trial_start_date.eq(public.then_some(start)),
            applications::trial_end_date.eq(public.then_some(end)),
            applications::started_at.eq(matches!(state, "active" | "suspended" | "revoked" | "completed")
                .then_some(start.and_hms_opt(9, 0, 0).unwrap_or_default())),
            applications::closed_at
                .eq(matches!(state, "revoked" | "completed" | "refused" | "withdrawn").then_some(decided_at)),
            applications::paused_seconds.eq(paused),
            applications::resume_status.eq((state == "information_requested").then_some("assessment")),
            applications::paused_since.eq((state == "information_requested").then_some(decided_at)),
            applications::version.eq(1i64),
            applications::created_at.eq(created),
            applications::updated_at.eq(decided_at),
        ))
        .returning(applications::id)
        .get_result(c)?;
    let mut chain = Chain::new(app_id);

    let granted_count = rng.gen_range(1..=allowed.len().clamp(1, 2));
    for (i, (pid, _, _)) in allowed.iter().take(granted_count).enumerate() {
        diesel::insert_into(requested_derogations::table)
            .values((
                requested_derogations::application_id.eq(app_id),
                requested_derogations::provision_id.eq(pid),
                requested_derogations::justification.eq("The provision prevents the trial."),
                requested_derogations::scope.eq("The site only."),
                requested_derogations::granted.eq(public && i == 0),
                requested_derogations::granted_limits.eq((public && i == 0).then_some("As proposed.")),
                requested_derogations::granted_until.eq((public && i == 0).then_some(end)),
            ))
            .execute(c)?;
    }
    chain.push(c, Some(author), "application.created", "draft", "draft", created)?;
    if !submitted {
        return Ok(());
    }
    chain.push(c, Some(author), "application.submitted", "draft", "submitted", submitted_at)?;
    if state == "submitted" {
        return Ok(());
    }
    chain.push(
        c,
        Some(p.admin),
        "application.assigned",
        "submitted",
        "screening",
        submitted_at + TimeDelta::days(1),
    )?;
    let withdrawn_early = state == "withdrawn" && rng.gen_bool(0.5);
    let screened = state != "screening" && !withdrawn_early;
    if screened {
        let all_met = state != "refused" || rng.gen_bool(0.5);
        for (i, crit) in SCREENING_CRITERIA.iter().enumerate() {
            let met = all_met || i > 0;
            diesel::insert_into(screenings::table)
                .values((
                    screenings::application_id.eq(app_id),
                    screenings::criterion.eq(crit),
                    screenings::outcome.eq(if met { "met" } else { "not_met" }),
                    screenings::note.eq(if met {
                        "Satisfied."
                    } else {
                        "Not innovative: already permitted elsewhere."
                    }),
                    screenings::screened_by.eq(inspector),
                    screenings::created_at.eq(submitted_at + TimeDelta::days(3)),
                ))
                .execute(c)?;
        }
        let to = if all_met { "assessment" } else { "refused" };
        chain.push(c, Some(inspector), "application.screened", "screening", to, submitted_at + TimeDelta::days(3))?;
    }
    match state {
        "withdrawn" => {
            let from = if screened { "assessment" } else { "screening" };
            return chain.push(c, Some(author), "application.withdrawn", from, "withdrawn", decided_at);
        }
        "information_requested" => {
            crate::db::cases::insert_information_request(
                c,
                app_id,
                "Who will maintain the equipment?",
                today + TimeDelta::days(14),
                inspector,
                decided_at,
            )?;
            return chain.push(
                c,
                Some(inspector),
                "information.requested",
                "assessment",
                "information_requested",
                decided_at,
            );
        }
        "screening" | "assessment" => return Ok(()),
        "refused" => {
            if chain.last_to == "assessment" {
                chain.push(c, Some(inspector), "application.refused", "assessment", "refused", decided_at)?;
            }
            return Ok(());
        }
        _ => {}
    }
    // Public trials.
    chain.push(c, Some(inspector), "application.approved", "assessment", "approved", decided_at)?;
    let statuses_done = ["met", "met", "pending"];
    for (i, (cat, desc, unit, target)) in [
        ("community_fund", "Payments into the community fund", "GBP", 5000.0),
        ("bill_savings", "Households with lower bills", "households", 40.0),
    ]
    .iter()
    .enumerate()
    {
        let status = match state {
            "completed" => statuses_done[i],
            "suspended" | "revoked" => {
                if i == 0 {
                    "breached"
                } else {
                    "overdue"
                }
            }
            "active" => ["pending", "evidence_submitted", "met", "overdue", "waived"][rng.gen_range(0..5)],
            _ => "pending",
        };
        let cid: i64 = diesel::insert_into(conditions::table)
            .values((
                conditions::application_id.eq(app_id),
                conditions::category.eq(cat),
                conditions::description.eq(desc),
                conditions::metric.eq(desc),
                conditions::target_value.eq(target),
                conditions::unit.eq(unit),
                conditions::due_on.eq(start + TimeDelta::days(180 + 120 * i as i64)),
                conditions::status.eq(status),
                conditions::version.eq(1i64),
                conditions::created_at.eq(decided_at),
                conditions::updated_at.eq(decided_at),
            ))
            .returning(conditions::id)
            .get_result(c)?;
        if matches!(status, "met" | "evidence_submitted") {
            let eid: i64 = diesel::insert_into(evidence::table)
                .values((
                    evidence::application_id.eq(app_id),
                    evidence::condition_id.eq(cid),
                    evidence::submitted_by.eq(author),
                    evidence::body.eq("Statement attached."),
                    evidence::reported_value.eq(Some((target * rng.gen_range(0.8..1.3_f64)).round())),
                    evidence::outcome.eq(if status == "met" { "verified" } else { "pending" }),
                    evidence::created_at.eq(decided_at + TimeDelta::days(200)),
                ))
                .returning(evidence::id)
                .get_result(c)?;
            if rng.gen_bool(0.4) {
                let stance = if rng.gen_bool(0.8) { "confirm" } else { "dispute" };
                diesel::insert_into(attestations::table)
                    .values((
                        attestations::application_id.eq(app_id),
                        attestations::condition_id.eq(cid),
                        attestations::evidence_id.eq(Some(eid)),
                        attestations::user_id.eq(p.community[rng.gen_range(0..p.community.len())]),
                        attestations::stance.eq(stance),
                        attestations::comment.eq(if stance == "confirm" {
                            "Our group saw the payment."
                        } else {
                            "Nothing has reached us yet."
                        }),
                        attestations::created_at.eq(decided_at + TimeDelta::days(210)),
                    ))
                    .execute(c)?;
            }
        }
    }
    for (kind, title, due) in default_milestones(start, end) {
        let status = match state {
            "completed" => "accepted",
            _ if due < today => ["accepted", "accepted", "overdue", "submitted"][rng.gen_range(0..4)],
            _ => "scheduled",
        };
        diesel::insert_into(milestones::table)
            .values((
                milestones::application_id.eq(app_id),
                milestones::kind.eq(kind.as_str()),
                milestones::title.eq(title),
                milestones::due_on.eq(due),
                milestones::status.eq(status),
                milestones::report.eq((status != "scheduled" && status != "overdue").then_some("Progress as planned.")),
                milestones::reported_at.eq((status != "scheduled" && status != "overdue").then_some(
                    (due - TimeDelta::days(rng.gen_range(-5..10))).and_hms_opt(12, 0, 0).unwrap_or_default(),
                )),
                milestones::version.eq(1i64),
                milestones::created_at.eq(decided_at),
                milestones::updated_at.eq(decided_at),
            ))
            .execute(c)?;
    }
    if state == "approved" {
        return Ok(());
    }
    let started = start.and_hms_opt(9, 0, 0).unwrap_or_default();
    chain.push(c, Some(author), "trial.started", "approved", "active", started)?;
    if rng.gen_bool(0.5) {
        diesel::insert_into(observations::table)
            .values((
                observations::application_id.eq(app_id),
                observations::author_id.eq(p.community[rng.gen_range(0..p.community.len())]),
                observations::kind.eq(["comment", "concern", "support"][rng.gen_range(0..3)]),
                observations::body.eq("Quiet installation; we would like a public meeting."),
                observations::visibility.eq("published"),
                observations::version.eq(1i64),
                observations::created_at.eq(started + TimeDelta::days(30)),
            ))
            .execute(c)?;
    }
    match state {
        "suspended" | "revoked" => {
            let at = started + TimeDelta::days(120);
            diesel::insert_into(enforcement_actions::table)
                .values((
                    enforcement_actions::application_id.eq(app_id),
                    enforcement_actions::kind.eq("suspension"),
                    enforcement_actions::reasons.eq("Community fund payments missed."),
                    enforcement_actions::actor_id.eq(inspector),
                    enforcement_actions::created_at.eq(at),
                ))
                .execute(c)?;
            chain.push(c, Some(inspector), "trial.suspended", "active", "suspended", at)?;
            if state == "revoked" {
                diesel::insert_into(enforcement_actions::table)
                    .values((
                        enforcement_actions::application_id.eq(app_id),
                        enforcement_actions::kind.eq("revocation"),
                        enforcement_actions::reasons.eq("Breaches not remedied."),
                        enforcement_actions::actor_id.eq(inspector),
                        enforcement_actions::created_at.eq(at + TimeDelta::days(30)),
                    ))
                    .execute(c)?;
                chain.push(c, Some(inspector), "trial.revoked", "suspended", "revoked", at + TimeDelta::days(30))?;
            }
        }
        "completed" => {
            let at = end.and_hms_opt(12, 0, 0).unwrap_or_default();
            let eval: i64 = diesel::insert_into(evaluations::table)
                .values((
                    evaluations::application_id.eq(app_id),
                    evaluations::outcomes.eq("Conditions met; savings close to the estimate."),
                    evaluations::lessons.eq("Residents accepted the installation once they could see it working."),
                    evaluations::reported_annual_co2e_tonnes
                        .eq(Some((rng.gen_range(5.0..400.0_f64) * 10.0).round() / 10.0)),
                    evaluations::created_by.eq(inspector),
                    evaluations::created_at.eq(at),
                ))
                .returning(evaluations::id)
                .get_result(c)?;
            if let Some((pid, _, _)) = allowed.first() {
                diesel::insert_into(recommendations::table)
                    .values((
                        recommendations::evaluation_id.eq(eval),
                        recommendations::application_id.eq(app_id),
                        recommendations::provision_id.eq(pid),
                        recommendations::recommendation
                            .eq(["make_permanent", "amend", "do_not_adopt", "inconclusive"][rng.gen_range(0..4)]),
                        recommendations::rationale.eq("What the trial found."),
                    ))
                    .execute(c)?;
            }
            chain.push(c, Some(inspector), "trial.completed", "active", "completed", at)?;
        }
        _ => {}
    }
    Ok(())
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
    let mut done = 0;
    while done < cases {
        let n = batch.min(cases - done);
        db.with_conn(|c| {
            write_tx(c, |c| {
                for i in 0..n {
                    seed_case(c, &mut rng, &people, &zones, done + i, today, year, &mut seq)?;
                }
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
    let mut logins = vec![("admin@demo.sandbox.example".to_string(), "admin".to_string())];
    logins.push(("inspector1@demo.sandbox.example".into(), "inspector".into()));
    logins.push(("innovator1@demo.sandbox.example".into(), "innovator".into()));
    logins.push(("resident1@demo.sandbox.example".into(), "community".into()));
    Ok(SeedReport { cases, logins })
}
