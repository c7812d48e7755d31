//! `sandbox seed-demo`: fills the database with realistic, deterministic demo data — zones across
//! several planning authorities, organisations of every kind, users of every role, and cases in
//! every state with their derogations, conditions, milestones, evidence, attestations,
//! observations, enforcement actions, evaluations and a consistent audit chain.
//!
//! Every record follows the service's own rules, so that the demo is what the service would have
//! produced: submissions pass `check_submission` and approvals `check_approval`, statuses are
//! replayed through the lifecycles, references are numbered per year of submission in submission
//! order, and conditions and milestones went overdue (and reminders were sent) exactly as the
//! daily scheduler would have done it — one scheduler pass straight after seeding finds nothing to
//! do. See `docs/OPERATIONS.md` ("Demo data").
//!
//! Cases are written in batches, each batch one transaction, with progress on standard error.
//!
//! This module owns the entry point ([`seed`]), the rules seeding follows ([`SeedRules`]), the
//! references, and what carries over from one case to the next (`Seeder`). The rest is in its
//! parts:
//! - `zones`: the demo zones, their postcodes and provisions, and which provisions fit which
//!   intervention;
//! - `people`: the demo users and organisations;
//! - `plan`: a case's draw — its state, place, provisions and dates;
//! - `rows`: a batch's rows in memory, their ids, and writing them;
//! - `chain`: a case's hash-chained audit trail, in time order;
//! - `case`: one case, from its draw to its decision;
//! - `trial`: an approved case's trial — its start, enforcement and evaluation;
//! - `monitoring`: its conditions and milestones, replayed with the scheduler's passes, and the
//!   reminders those passes sent.

mod case;
mod chain;
mod monitoring;
mod people;
mod plan;
mod rows;
mod trial;
mod zones;

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::app::cases::ClockRules;
use crate::config::Settings;
use crate::db::{write_tx, Db, DbError};
use crate::email::Mailer;
use people::People;
use rows::{advance_sequences, NextIds, Rows};
use zones::SeedZone;

pub const DEMO_PASSWORD: &str = "sandbox-demo-password-2026";

/// What was created, and how to log in.
#[derive(Debug, Default)]
pub struct SeedReport {
    pub cases: usize,
    pub logins: Vec<(String, String)>,
}

/// The service's rules that seeding follows, from its settings: the decision clock and calendar,
/// the time allowed to answer an information request, the scheduler's reminders, and the mailer
/// that renders the reminders already sent.
pub struct SeedRules<'a> {
    pub clock: ClockRules<'a>,
    pub information_request_working_days: u32,
    /// Days before a milestone's due date that reminders go, fewest first.
    pub reminder_days: Vec<i64>,
    pub mailer: Mailer,
}

impl<'a> SeedRules<'a> {
    /// The rules of `settings`, with `today` as the day seeding is done.
    pub fn new(settings: &'a Settings, today: NaiveDate) -> Result<Self, String> {
        let mut reminder_days = settings.scheduler.reminder_days.clone();
        reminder_days.sort_unstable();
        Ok(SeedRules {
            clock: ClockRules::new(settings, today),
            information_request_working_days: settings.calendar.information_request_working_days,
            reminder_days,
            mailer: Mailer::new(&settings.base_url, &settings.mail.from)?,
        })
    }
}

/// What carries over from one case to the next: the rules, people, zones, the moment cases are
/// seeded against, the case's random draws, the next free ids, and each case's reference number.
struct Seeder<'a> {
    rules: &'a SeedRules<'a>,
    people: &'a People,
    zones: &'a [SeedZone],
    today: NaiveDate,
    now: NaiveDateTime,
    seed: u64,
    rng: StdRng,
    ids: NextIds,
    /// The reference number of the `n`th case within its year of submission (0: not submitted).
    references: Vec<u32>,
}

/// A seeded case that took a step its lifecycle does not allow, or broke a rule the service
/// checks: a bug in the seeder, reported rather than written.
#[derive(Debug)]
struct SeedError(String);

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "demo data broke the service's rules: {}", self.0)
    }
}

impl From<crate::domain::case::NotAllowed> for SeedError {
    fn from(e: crate::domain::case::NotAllowed) -> Self {
        SeedError(e.to_string())
    }
}

impl<S: fmt::Display, E: fmt::Display> From<crate::domain::monitoring::NotAllowed<S, E>> for SeedError {
    fn from(e: crate::domain::monitoring::NotAllowed<S, E>) -> Self {
        SeedError(e.to_string())
    }
}

fn s(v: &str) -> String {
    v.to_string()
}

/// Seeds `cases` cases with the random seed `seed`, in batches of `batch`.
pub fn seed(
    db: &Db,
    cases: usize,
    seed: u64,
    batch: usize,
    rules: &SeedRules,
    mut progress: impl FnMut(usize, usize),
) -> Result<SeedReport, String> {
    let today = rules.clock.today;
    let now = crate::db::now().max(today.and_hms_opt(0, 0, 0).unwrap_or_default());
    let hash = crate::auth::password::hash_password(DEMO_PASSWORD)?;
    let (people, zones) = db
        .with_conn(|c| {
            write_tx(c, |c| {
                let people = people::people(c, &hash, now, (cases / 20).clamp(6, 5000))?;
                Ok::<_, DbError>((people, zones::insert_zones(c, now, today)?))
            })
        })
        .map_err(|e| e.to_string())?;
    let mut seeder = Seeder {
        rules,
        people: &people,
        zones: &zones,
        today,
        now,
        seed,
        rng: StdRng::seed_from_u64(seed),
        ids: db.with_conn(|c| NextIds::load(c).map_err(DbError::from)).map_err(|e| e.to_string())?,
        references: Vec::new(),
    };
    seeder.number_references(db, cases)?;
    let mut done = 0;
    while done < cases {
        let n = batch.min(cases - done);
        let mut rows = Rows::default();
        for i in 0..n {
            seeder.case(&mut rows, done + i).map_err(|e| e.to_string())?;
        }
        write_batch(db, &rows)?;
        done += n;
        progress(done, cases);
    }
    db.with_conn(|c| crate::db::analyze(c).map_err(DbError::from)).map_err(|e| e.to_string())?;
    Ok(SeedReport { cases, logins: demo_logins() })
}

impl Seeder<'_> {
    /// The random draws of the `n`th case: its own stream, so that a case can be drawn again (the
    /// references are numbered from a first draw of every case's dates).
    fn case_rng(&self, n: usize) -> StdRng {
        let mix = (n as u64).wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        StdRng::seed_from_u64(self.seed.rotate_left(17) ^ mix)
    }

    /// Numbers the references as the service gives them: `SBX-<year of submission>-NNNNN`, in
    /// order of submission within each year, after those the year has used already; and leaves
    /// each year's counter at its last number, so that the next submission takes the next one.
    fn number_references(&mut self, db: &Db, cases: usize) -> Result<(), String> {
        use crate::db::schema::reference_counters;
        let mut submitted: Vec<(i32, NaiveDateTime, u32)> = Vec::new();
        for n in 0..cases {
            let mut rng = self.case_rng(n);
            let plan = self.plan(&mut rng, n);
            if let Some(at) = plan.submitted {
                submitted.push((at.year(), at, n as u32));
            }
        }
        submitted.sort_unstable();
        let mut counters: BTreeMap<i32, i32> = db
            .with_conn(|c| {
                reference_counters::table
                    .select((reference_counters::year, reference_counters::last_value))
                    .load::<(i32, i32)>(c)
                    .map_err(DbError::from)
            })
            .map_err(|e| e.to_string())?
            .into_iter()
            .collect();
        self.references = vec![0; cases];
        for (year, _, n) in submitted {
            let last = counters.entry(year).or_insert(0);
            *last += 1;
            self.references[n as usize] = *last as u32;
        }
        db.with_conn(|c| {
            write_tx(c, |c| {
                for (year, last) in &counters {
                    diesel::delete(reference_counters::table.find(*year)).execute(c)?;
                    diesel::insert_into(reference_counters::table)
                        .values((reference_counters::year.eq(*year), reference_counters::last_value.eq(*last)))
                        .execute(c)?;
                }
                Ok::<_, DbError>(())
            })
        })
        .map_err(|e| e.to_string())
    }
}

/// Writes one batch in one transaction: its rows, the sequences moved past them, and the cases'
/// "needs review" flags.
fn write_batch(db: &Db, rows: &Rows) -> Result<(), String> {
    db.with_conn(|c| {
        write_tx(c, |c| {
            rows.write(c)?;
            advance_sequences(c)?;
            if let (Some(first), Some(last)) = (rows.applications.first(), rows.applications.last()) {
                crate::db::cases::refresh_needs_review(c, first.id, last.id)?;
            }
            Ok::<_, DbError>(())
        })
    })
    .map_err(|e| e.to_string())
}

/// One login of each kind, with its role.
fn demo_logins() -> Vec<(String, String)> {
    [
        ("admin@demo.sandbox.example", "admin"),
        ("inspector1@demo.sandbox.example", "inspector"),
        ("innovator1@demo.sandbox.example", "innovator"),
        ("resident1@demo.sandbox.example", "community"),
    ]
    .into_iter()
    .map(|(email, role)| (email.to_string(), role.to_string()))
    .collect()
}
