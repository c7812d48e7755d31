//! `seed-demo` tells the truth: the demo is a state the service itself could have produced, so one
//! scheduler pass straight after seeding changes nothing, and every record follows the domain's
//! rules (dates in order, overdue only when past due, postcodes in the zone's authority,
//! provisions that fit the intervention and the zone, references of the submission year).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use sandbox::db::schema::{
    applications, audit_events, conditions, milestones, outbound_emails, provisions, reference_counters,
    requested_derogations, zone_provisions, zones,
};

use crate::cli::sandbox;
use crate::helpers::TestDb;

use crate::helpers::pool;

fn query<T>(db: &sandbox::db::Db, f: impl FnOnce(&mut sandbox::db::DbConn) -> QueryResult<T>) -> T {
    db.with_conn(|c| f(c).map_err(sandbox::db::DbError::from)).unwrap()
}

/// Every row a scheduler pass can change or add: cases (their status, version, flags), conditions
/// and milestones (status, version, the day the scheduler is next to look), the audit trail and
/// the outbox.
#[derive(Debug, PartialEq)]
struct Snapshot {
    cases: Vec<(i64, String, i64, NaiveDateTime, bool)>,
    conditions: Vec<(i64, String, i64, NaiveDateTime, Option<NaiveDate>)>,
    milestones: Vec<(i64, String, i64, NaiveDateTime, Option<NaiveDate>)>,
    audit: Vec<(i64, String, String)>,
    outbox: Vec<(String, String)>,
}

fn snapshot(db: &sandbox::db::Db) -> Snapshot {
    Snapshot {
        cases: query(db, |c| {
            applications::table
                .select((
                    applications::id,
                    applications::status,
                    applications::version,
                    applications::updated_at,
                    applications::needs_review,
                ))
                .order(applications::id)
                .load(c)
        }),
        conditions: query(db, |c| {
            conditions::table
                .select((
                    conditions::id,
                    conditions::status,
                    conditions::version,
                    conditions::updated_at,
                    conditions::scheduler_check_on,
                ))
                .order(conditions::id)
                .load(c)
        }),
        milestones: query(db, |c| {
            milestones::table
                .select((
                    milestones::id,
                    milestones::status,
                    milestones::version,
                    milestones::updated_at,
                    milestones::scheduler_check_on,
                ))
                .order(milestones::id)
                .load(c)
        }),
        audit: query(db, |c| {
            audit_events::table
                .select((audit_events::id, audit_events::action, audit_events::hash))
                .order(audit_events::id)
                .load(c)
        }),
        outbox: query(db, |c| {
            outbound_emails::table
                .select((outbound_emails::dedup_key, outbound_emails::status))
                .order(outbound_emails::dedup_key)
                .load(c)
        }),
    }
}

fn seeded(cases: &str) -> (TestDb, sandbox::db::Db) {
    let db = TestDb::new();
    let out = sandbox(&db).args(["seed-demo", "--cases", cases, "--seed", "11"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pool = pool(&db);
    (db, pool)
}

const MONITORED: [&str; 3] = ["approved", "active", "suspended"];

#[test]
fn one_scheduler_pass_after_seeding_changes_nothing_and_queues_nothing() {
    let (db, pool) = seeded("300");
    let before = snapshot(&pool);
    assert!(before.conditions.iter().any(|c| c.1 == "overdue"), "some conditions went overdue");
    assert!(before.milestones.iter().any(|m| m.1 == "overdue"), "some milestones went overdue");
    assert!(before.outbox.iter().any(|(key, _)| key.contains(":milestone_reminder:")), "reminders were sent");
    assert!(before.outbox.iter().all(|(_, status)| status == "sent"), "nothing seeded waits to be sent");

    let out = sandbox(&db).arg("run-scheduler-once").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("scheduler pass: 0 condition(s) and 0 milestone(s) now overdue, 0 reminder(s) queued"),
        "{text}"
    );
    let after = snapshot(&pool);
    assert_eq!(after.cases, before.cases);
    assert_eq!(after.conditions, before.conditions);
    assert_eq!(after.milestones, before.milestones);
    assert_eq!(after.audit.len(), before.audit.len(), "no audit event added");
    assert_eq!(after.audit, before.audit);
    assert_eq!(after.outbox, before.outbox, "no email queued");

    let out = sandbox(&db).arg("verify-audit").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit trail intact"));
}

/// A month on, a pass marks what fell due and sends the reminders reached; the next pass finds
/// nothing to look at (every row it looked at was moved on to its next look) and does nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_pass_looks_only_at_what_is_due_and_the_next_pass_finds_nothing() {
    let (db, pool) = seeded("300");
    let app = crate::helpers::spawn_on(db, &[]).await;
    app.clock.advance(40 * 86_400);
    let today = app.ctx.now().date();
    let due = |pool: &sandbox::db::Db| -> (i64, i64) {
        query(pool, |c| {
            let conds = conditions::table.filter(conditions::scheduler_check_on.le(today)).count().get_result(c)?;
            let ms = milestones::table.filter(milestones::scheduler_check_on.le(today)).count().get_result(c)?;
            Ok((conds, ms))
        })
    };
    let (conds, ms) = due(&pool);
    assert!(conds > 0 && ms > 0, "a month on, some conditions and milestones are due a look: {conds}, {ms}");
    let first = sandbox::jobs::scheduler::run_once(&app.ctx).await.unwrap();
    assert!(first.conditions_overdue > 0 && first.reminders > 0, "{first:?}");
    assert_eq!(due(&pool), (0, 0), "every row looked at has its next look after today, or none");
    let before = snapshot(&pool);
    let second = sandbox::jobs::scheduler::run_once(&app.ctx).await.unwrap();
    assert_eq!(second, sandbox::jobs::scheduler::PassReport::default());
    assert_eq!(snapshot(&pool), before, "the second pass changed nothing and queued nothing");
}

#[test]
fn seeded_conditions_and_milestones_are_overdue_exactly_when_past_due() {
    let (_db, pool) = seeded("300");
    let today = chrono::Utc::now().date_naive();
    let rows: Vec<(String, String, NaiveDate, i64)> = query(&pool, |c| {
        conditions::table
            .inner_join(applications::table)
            .select((applications::status, conditions::status, conditions::due_on, conditions::id))
            .load(c)
    });
    let (mut overdue, mut open_ahead) = (0, 0);
    for (case, status, due, id) in &rows {
        if status == "overdue" {
            overdue += 1;
            assert!(*due < today, "condition {id} is overdue but due on {due}");
        }
        if MONITORED.contains(&case.as_str()) && *due < today {
            assert!(
                ["overdue", "met", "waived", "breached"].contains(&status.as_str()),
                "condition {id} of a {case} trial was due on {due} and is {status}, not overdue"
            );
        }
        if MONITORED.contains(&case.as_str()) && ["pending", "evidence_submitted"].contains(&status.as_str()) {
            open_ahead += 1;
        }
    }
    assert!(overdue > 0 && open_ahead > 0, "{overdue} overdue, {open_ahead} open and not yet due");
    // Each overdue condition went overdue by the scheduler's hand, on record.
    let marked: BTreeSet<i64> = query(&pool, |c| {
        audit_events::table
            .filter(audit_events::action.eq("condition.overdue"))
            .select(audit_events::details)
            .load::<String>(c)
    })
    .iter()
    .map(|d| serde_json::from_str::<serde_json::Value>(d).unwrap()["condition_id"].as_i64().unwrap())
    .collect();
    for (_, status, _, id) in &rows {
        if status == "overdue" {
            assert!(marked.contains(id), "condition {id} is overdue without a condition.overdue event");
        }
    }

    let rows: Vec<(String, String, NaiveDate, i64)> = query(&pool, |c| {
        milestones::table
            .inner_join(applications::table)
            .select((applications::status, milestones::status, milestones::due_on, milestones::id))
            .load(c)
    });
    for (case, status, due, id) in &rows {
        if status == "overdue" {
            assert!(*due < today, "milestone {id} is overdue but due on {due}");
        }
        if MONITORED.contains(&case.as_str()) && *due < today {
            assert_ne!(status, "scheduled", "milestone {id} of a {case} trial was due on {due}");
        }
    }
}

/// The postcode districts of each demo zone's planning authority.
const AUTHORITY_DISTRICTS: [(&str, &[&str]); 6] = [
    ("E06000023", &["BS1", "BS2", "BS3", "BS4", "BS5", "BS6", "BS7", "BS8"]),
    ("E06000066", &["BA11", "BA4", "BA5", "TA1"]),
    ("E08000035", &["LS1", "LS2", "LS4", "LS6", "LS7", "LS8", "LS9"]),
    ("E09000022", &["SW2", "SW4", "SW8", "SW9", "SE11", "SE27"]),
    ("E06000052", &["TR1", "TR15", "TR18", "PL25", "PL26"]),
    ("E07000178", &["OX1", "OX2", "OX3", "OX4"]),
];

/// The provisions that make sense for each intervention.
fn fits(intervention: &str, code: &str) -> bool {
    let codes: &[&str] = match intervention {
        "solar_pv" => &[
            "GPDO-SCH2-PT14-A",
            "GPDO-SCH2-PT14-B",
            "GPDO-SCH2-PT14-J",
            "GPDO-SCH2-PT14-K",
            "GPDO-ART2-3",
            "LBCA-1990-S7",
        ],
        "heat_pump" => &["GPDO-SCH2-PT14-C", "GPDO-SCH2-PT14-D", "GPDO-SCH2-PT14-G", "GPDO-ART2-3", "LBCA-1990-S7"],
        "ev_charging" => &["GPDO-SCH2-PT2-D", "GPDO-SCH2-PT2-E", "GPDO-ART4"],
        "battery_storage" => &["TCPA-1990-S57", "GPDO-ART4"],
        "retrofit" => &["GPDO-ART2-3", "GPDO-ART4", "LBCA-1990-S7", "LBCA-1990-S74"],
        "community_wind" => &["GPDO-SCH2-PT14-H", "TCPA-1990-S57"],
        "heat_network" => &["TCPA-1990-S57", "LBCA-1990-S74", "GPDO-ART4"],
        _ => &["TCPA-1990-S57"],
    };
    codes.contains(&code)
}

#[test]
fn seeded_cases_follow_the_rules_of_place_provision_reference_and_time() {
    let (_db, pool) = seeded("300");
    let now = chrono::Utc::now().naive_utc();
    let today = now.date();
    type Case = (i64, Option<String>, String, Option<String>, Option<String>, Option<String>, String);
    let cases: Vec<Case> = query(&pool, |c| {
        applications::table
            .inner_join(zones::table)
            .select((
                applications::id,
                applications::reference,
                applications::status,
                applications::intervention,
                applications::site_postcode,
                applications::postcode_district,
                zones::lpa_code,
            ))
            .load(c)
    });
    assert_eq!(cases.len(), 300);
    for (id, _, _, _, postcode, district, lpa) in &cases {
        let (postcode, district) = (postcode.as_deref().unwrap(), district.as_deref().unwrap());
        let allowed = AUTHORITY_DISTRICTS.iter().find(|(code, _)| code == lpa).unwrap().1;
        assert!(allowed.contains(&district), "case {id}: {postcode} is not in authority {lpa}");
        assert!(postcode.starts_with(&format!("{district} ")), "case {id}: {postcode} is not in {district}");
    }

    // Every derogation fits the intervention, is allowed in the zone, and the trial is no longer
    // than the provision allows.
    let allowed: BTreeSet<(i64, i64)> = query(&pool, |c| {
        zone_provisions::table.select((zone_provisions::zone_id, zone_provisions::provision_id)).load(c)
    })
    .into_iter()
    .collect();
    type Derogation = (i64, Option<String>, Option<i64>, i64, String, i32, Option<i32>);
    let derogations: Vec<Derogation> = query(&pool, |c| {
        requested_derogations::table
            .inner_join(applications::table)
            .inner_join(provisions::table)
            .select((
                applications::id,
                applications::intervention,
                applications::zone_id,
                provisions::id,
                provisions::code,
                provisions::max_trial_months,
                applications::proposed_duration_months,
            ))
            .load(c)
    });
    assert!(derogations.len() >= cases.len());
    for (id, intervention, zone, provision, code, longest, months) in &derogations {
        let intervention = intervention.as_deref().unwrap();
        assert!(fits(intervention, code), "case {id}: a {intervention} trial requests {code}");
        assert!(allowed.contains(&(zone.unwrap(), *provision)), "case {id}: {code} is not allowed in its zone");
        assert!(months.unwrap() <= *longest, "case {id}: {} months under {code} (at most {longest})", months.unwrap());
    }

    // References: the year of submission, numbered in order of submission, the counter at the last.
    type Submitted = (String, NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>, Option<NaiveDateTime>);
    let submitted: Vec<Submitted> = query(&pool, |c| {
        applications::table
            .filter(applications::reference.is_not_null())
            .select((
                applications::reference.assume_not_null(),
                applications::created_at,
                applications::submitted_at.assume_not_null(),
                applications::decided_at,
                applications::started_at,
            ))
            .order((applications::submitted_at, applications::reference))
            .load(c)
    });
    let mut last: BTreeMap<i32, i32> = BTreeMap::new();
    for (reference, created, submitted, decided, started) in &submitted {
        let (year, number) = (reference[4..8].parse::<i32>().unwrap(), reference[9..].parse::<i32>().unwrap());
        assert_eq!(year, submitted.year(), "{reference} was submitted on {submitted}");
        let previous = last.insert(year, number).unwrap_or(0);
        assert_eq!(number, previous + 1, "{reference} follows number {previous} of {year}");
        assert!(created <= submitted && *submitted <= now, "{reference}: created {created}, submitted {submitted}");
        if let Some(decided) = decided {
            assert!(submitted <= decided && *decided <= now, "{reference}: submitted {submitted}, decided {decided}");
            if let Some(started) = started {
                assert!(decided <= started && *started <= now, "{reference}: decided {decided}, started {started}");
            }
        }
    }
    let counters: BTreeMap<i32, i32> = query(&pool, |c| {
        reference_counters::table.select((reference_counters::year, reference_counters::last_value)).load(c)
    })
    .into_iter()
    .collect();
    assert_eq!(counters, last, "each year's counter stands at its last reference");
    assert!(last.len() > 1, "cases were submitted over several years: {last:?}");

    // Running trials have started and not yet ended.
    let trials: Vec<(i64, String, NaiveDate, NaiveDate)> = query(&pool, |c| {
        applications::table
            .filter(applications::status.eq_any(["active", "suspended"]))
            .select((
                applications::id,
                applications::status,
                applications::trial_start_date.assume_not_null(),
                applications::trial_end_date.assume_not_null(),
            ))
            .load(c)
    });
    assert!(!trials.is_empty());
    for (id, status, start, end) in trials {
        assert!(start <= today && today < end, "case {id} is {status} from {start} to {end}");
    }
}
