//! `sandbox seed-demo`: fills the database with realistic, deterministic demo data — zones across
//! several planning authorities, organisations of every kind, users of every role, and cases in
//! every state with their derogations, conditions, milestones, evidence, attestations,
//! observations, enforcement actions, evaluations and a consistent audit chain.
//!
//! Cases are written in batches, each batch one transaction, with progress on standard error.
//!
//! This module owns the entry point ([`seed`]), the zones, and what carries over from one case to
//! the next (`Seeder`). The rest is in its parts:
//! - `people`: the demo users and organisations;
//! - `rows`: a batch's rows in memory, their ids, and writing them;
//! - `chain`: a case's hash-chained audit trail, stepped through the case lifecycle;
//! - `case`: one case, from its draw to its decision;
//! - `trial`: an approved case's trial — conditions, milestones, enforcement and evaluation.

mod case;
mod chain;
mod people;
mod rows;
mod trial;

use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::app::cases::ClockRules;
use crate::db::{catalogue, write_tx, Db, DbConn, DbError};
use people::People;
use rows::{advance_sequences, NextIds, Rows};

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

/// A zone and the provisions (id, code, longest trial) allowed in it.
type SeedZone = (i64, Vec<(i64, String, i32)>);

/// What carries over from one case to the next: the people, zones and day cases are seeded
/// against, the random draws, the next free ids, and the last reference number given this year.
struct Seeder<'a> {
    rules: &'a ClockRules<'a>,
    people: &'a People,
    zones: &'a [SeedZone],
    today: NaiveDate,
    reference_year: i32,
    rng: StdRng,
    ids: NextIds,
    last_reference: i32,
}

/// A seeded case that took a step its lifecycle does not allow: a bug in the seeder, reported
/// rather than written.
#[derive(Debug)]
struct SeedError(String);

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "demo data broke the lifecycle: {}", self.0)
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
    rules: &ClockRules,
    mut progress: impl FnMut(usize, usize),
) -> Result<SeedReport, String> {
    let today = rules.today;
    let now = crate::db::now();
    let hash = crate::auth::password::hash_password(DEMO_PASSWORD)?;
    let (people, zones) = db
        .with_conn(|c| {
            write_tx(c, |c| {
                let people = people::people(c, &hash, now, (cases / 20).clamp(6, 5000))?;
                Ok::<_, DbError>((people, insert_zones(c, now)?))
            })
        })
        .map_err(|e| e.to_string())?;
    // References continue from those already used this year.
    let year = today.year();
    let mut seeder = Seeder {
        rules,
        people: &people,
        zones: &zones,
        today,
        reference_year: year,
        rng: StdRng::seed_from_u64(seed),
        ids: db.with_conn(|c| NextIds::load(c).map_err(DbError::from)).map_err(|e| e.to_string())?,
        last_reference: last_reference(db, year)?,
    };
    let mut done = 0;
    while done < cases {
        let n = batch.min(cases - done);
        let mut rows = Rows::default();
        for i in 0..n {
            seeder.case(&mut rows, done + i).map_err(|e| e.to_string())?;
        }
        write_batch(db, &rows, year, seeder.last_reference)?;
        done += n;
        progress(done, cases);
    }
    db.with_conn(|c| crate::db::analyze(c).map_err(DbError::from)).map_err(|e| e.to_string())?;
    Ok(SeedReport { cases, logins: demo_logins() })
}

/// Inserts the demo zones, each allowing up to five of the catalogue's provisions.
fn insert_zones(c: &mut DbConn, now: NaiveDateTime) -> Result<Vec<SeedZone>, DbError> {
    let codes = catalogue::list_provisions(c, false)?;
    let mut zones = Vec::new();
    for (i, (name, code, lpa, declared, min)) in ZONES.iter().enumerate() {
        let allowed: Vec<(i64, String, i32)> =
            codes.iter().skip(i % 3).step_by(2).take(5).map(|p| (p.id, p.code.clone(), p.max_trial_months)).collect();
        let zone = catalogue::insert_zone(
            c,
            &catalogue::ZoneFields {
                name: name.to_string(),
                lpa_code: code.to_string(),
                lpa_name: lpa.to_string(),
                climate_emergency_declared_on: declared.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
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
    Ok(zones)
}

/// The last reference number given in `year`, 0 if none.
fn last_reference(db: &Db, year: i32) -> Result<i32, String> {
    use crate::db::schema::reference_counters;
    db.with_conn(|c| {
        reference_counters::table
            .find(year)
            .select(reference_counters::last_value)
            .first::<i32>(c)
            .optional()
            .map(|v| v.unwrap_or(0))
            .map_err(DbError::from)
    })
    .map_err(|e| e.to_string())
}

/// Writes one batch in one transaction: its rows, the sequences moved past them, and the year's
/// reference counter at `last_reference`.
fn write_batch(db: &Db, rows: &Rows, year: i32, last_reference: i32) -> Result<(), String> {
    use crate::db::schema::reference_counters;
    db.with_conn(|c| {
        write_tx(c, |c| {
            rows.write(c)?;
            advance_sequences(c)?;
            if let (Some(first), Some(last)) = (rows.applications.first(), rows.applications.last()) {
                crate::db::cases::refresh_needs_review(c, first.id, last.id)?;
            }
            diesel::delete(reference_counters::table.find(year)).execute(c)?;
            diesel::insert_into(reference_counters::table)
                .values((reference_counters::year.eq(year), reference_counters::last_value.eq(last_reference)))
                .execute(c)?;
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
