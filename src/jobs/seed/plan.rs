//! A case's draw: the state it is seeded in (by weight), its people, zone, intervention and the
//! provisions it requests, its site, and the dates of every step it took — all before "now", in
//! the order the lifecycle takes them, and as the service's checks require (the trial no longer
//! than its provisions allow, the proposed start not before submission, the zone taking
//! applications on the day of submission).

use chrono::{Months, NaiveDate, NaiveDateTime, TimeDelta};
use rand::rngs::StdRng;
use rand::Rng;

use super::zones::{postcode, SeedProvision, SeedZone};
use super::Seeder;
use crate::domain::account::OrganisationKind;
use crate::domain::calendar::add_months;
use crate::domain::case::{Intervention, Status};

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

const PLACES: [&str; 5] = ["the old town", "a terrace", "an estate", "a market square", "the harbour"];

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

/// `day` at `hour` o'clock.
pub(super) fn at(day: NaiveDate, hour: u32) -> NaiveDateTime {
    day.and_hms_opt(hour, 0, 0).unwrap_or_default()
}

pub(super) fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

/// Some minutes of a working day, so that a day's submissions come one after another.
fn jitter(rng: &mut StdRng) -> TimeDelta {
    TimeDelta::minutes(rng.gen_range(0..420))
}

/// Everything drawn for a case before its rows are built.
pub(super) struct Plan<'a> {
    /// The state the case is seeded in, and its audit trail leads to.
    pub(super) state: Status,
    pub(super) author: i64,
    pub(super) organisation: i64,
    pub(super) kind: OrganisationKind,
    pub(super) zone: &'a SeedZone,
    pub(super) intervention: Intervention,
    /// The provisions requested, of those the zone allows that fit the intervention.
    pub(super) requested: &'a [SeedProvision],
    pub(super) inspector: i64,
    pub(super) title: String,
    pub(super) address: String,
    pub(super) postcode: String,
    pub(super) district: &'static str,
    pub(super) ownership: f64,
    pub(super) created: NaiveDateTime,
    pub(super) submitted: Option<NaiveDateTime>,
    pub(super) assigned: Option<NaiveDateTime>,
    /// When the inspector screened the case, and whether every criterion was met.
    pub(super) screened: Option<(NaiveDateTime, bool)>,
    /// A request for information raised and answered (raised, answered).
    pub(super) answered_request: Option<(NaiveDateTime, NaiveDateTime)>,
    /// A request for information raised and still open.
    pub(super) open_request: Option<NaiveDateTime>,
    /// When the case was approved or refused.
    pub(super) decided: Option<NaiveDateTime>,
    pub(super) withdrawn: Option<NaiveDateTime>,
    /// The (proposed, and if approved, granted) start and end of the trial.
    pub(super) start: NaiveDate,
    pub(super) months: u32,
    pub(super) end: NaiveDate,
    pub(super) started: Option<NaiveDateTime>,
    pub(super) suspended: Option<NaiveDateTime>,
    pub(super) revoked: Option<NaiveDateTime>,
    pub(super) completed: Option<NaiveDateTime>,
}

impl<'a> Plan<'a> {
    /// When the case stopped being monitored (revoked or completed), if it has.
    pub(super) fn monitored_until(&self) -> Option<NaiveDateTime> {
        self.revoked.or(self.completed)
    }

    /// When the case was closed, if it is.
    pub(super) fn closed(&self) -> Option<NaiveDateTime> {
        self.monitored_until().or(self.withdrawn).or(self.decided.filter(|_| self.state == Status::Refused))
    }
}

/// The dates of a case in `state`, drawn backwards from today.
#[derive(Default)]
struct Dates {
    created: Option<NaiveDateTime>,
    submitted: Option<NaiveDateTime>,
    assigned: Option<NaiveDateTime>,
    screened: Option<(NaiveDateTime, bool)>,
    answered_request: Option<(NaiveDateTime, NaiveDateTime)>,
    open_request: Option<NaiveDateTime>,
    decided: Option<NaiveDateTime>,
    withdrawn: Option<NaiveDateTime>,
    start: Option<NaiveDate>,
    started: Option<NaiveDateTime>,
    suspended: Option<NaiveDateTime>,
    revoked: Option<NaiveDateTime>,
    completed: Option<NaiveDateTime>,
}

impl<'a> Seeder<'a> {
    /// Draws the `n`th case from `rng`. A case whose zone was not taking applications on the day
    /// it was submitted is drawn again in a zone that always takes them.
    pub(super) fn plan(&self, rng: &mut StdRng, n: usize) -> Plan<'a> {
        let (people, zones) = (self.people, self.zones);
        let state = pick_state(rng);
        let (author, organisation, kind) = people.innovators[rng.gen_range(0..people.innovators.len())];
        let inspector = people.inspectors[rng.gen_range(0..people.inspectors.len())];
        let mut zone = &zones[rng.gen_range(0..zones.len())];
        let mut attempt = 0;
        loop {
            let (intervention, fit) = &zone.interventions[rng.gen_range(0..zone.interventions.len())];
            let requested = &fit[..rng.gen_range(1..=fit.len().min(2))];
            let longest = requested.iter().map(|p| p.2).min().unwrap_or(12).max(1) as u32;
            let months = match state {
                Status::Completed => rng.gen_range(6..=12u32),
                _ => rng.gen_range(12..=24u32),
            }
            .clamp(1, longest);
            let dates = self.dates(rng, state, months);
            let taking = zone.accepting_on(dates.submitted.map(|s| s.date()).unwrap_or(self.today));
            attempt += 1;
            if !taking && attempt < 3 {
                let open: Vec<&SeedZone> = zones.iter().filter(|z| z.facts.window_closes_on.is_none()).collect();
                if !open.is_empty() {
                    zone = open[rng.gen_range(0..open.len())];
                }
                continue;
            }
            let start = dates.start.unwrap_or(self.today);
            let place = PLACES[rng.gen_range(0..PLACES.len())];
            let district = zone.districts[rng.gen_range(0..zone.districts.len())];
            let street = zone.streets[rng.gen_range(0..zone.streets.len())];
            let code = postcode(district, rng.gen_range(1..10), rng.gen_range(0..400), rng.gen_range(0..400));
            let min = zone.facts.min_community_ownership_pct;
            return Plan {
                state,
                author,
                organisation,
                kind,
                zone,
                intervention: *intervention,
                requested,
                inspector,
                title: format!("{} trial {} in {place}", intervention.as_str().replace('_', " "), n + 1),
                address: format!("{} {street}", rng.gen_range(1..200)),
                postcode: code,
                district,
                ownership: (rng.gen_range(min..=100.0_f64)).round().max(min),
                created: dates.created.unwrap_or(self.now),
                submitted: dates.submitted,
                assigned: dates.assigned,
                screened: dates.screened,
                answered_request: dates.answered_request,
                open_request: dates.open_request,
                decided: dates.decided,
                withdrawn: dates.withdrawn,
                start,
                months,
                end: add_months(start, months),
                started: dates.started,
                suspended: dates.suspended,
                revoked: dates.revoked,
                completed: dates.completed,
            };
        }
    }

    /// The dates of a case in `state` with a trial of `months` months: every one before now, each
    /// step after the one before.
    fn dates(&self, rng: &mut StdRng, state: Status, months: u32) -> Dates {
        let (today, now) = (self.today, self.now);
        let ago = |d: i64| today - days(d);
        let mut d = Dates::default();
        // Review: submitted `review` days before the decision, assigned the next day, screened
        // three days after submission, perhaps with a question answered before the decision.
        let review = |rng: &mut StdRng, d: &mut Dates, decided: NaiveDateTime, screen: bool| {
            let submitted = at((decided - days(rng.gen_range(12..64))).date(), 10) + jitter(rng);
            d.submitted = Some(submitted);
            d.assigned = Some(submitted + days(1));
            if screen {
                let screened = submitted + days(3) + TimeDelta::hours(4);
                d.screened = Some((screened, true));
                let raised = at((screened + days(rng.gen_range(1..6))).date(), 11);
                let answered = at((raised + days(rng.gen_range(1..9))).date(), 16);
                if rng.gen_bool(0.25) && answered + days(1) < decided {
                    d.answered_request = Some((raised, answered));
                }
            }
        };
        match state {
            Status::Draft => {
                let created = at(ago(rng.gen_range(0..90)), rng.gen_range(8..18)).min(now);
                d.created = Some(created);
                d.start = Some(today + days(rng.gen_range(30..120)));
                return d;
            }
            Status::Submitted => {
                let submitted = crate::db::truncate(now - TimeDelta::seconds(rng.gen_range(60..72 * 3600)));
                d.submitted = Some(submitted);
            }
            Status::Screening => {
                let submitted = at(ago(rng.gen_range(2..20)), 10) + jitter(rng);
                d.submitted = Some(submitted);
                d.assigned = Some(submitted + days(1));
            }
            Status::InformationRequested | Status::Assessment => {
                let submitted = at(ago(rng.gen_range(8..50)), 10) + jitter(rng);
                let screened = submitted + days(3) + TimeDelta::hours(4);
                d.submitted = Some(submitted);
                d.assigned = Some(submitted + days(1));
                d.screened = Some((screened, true));
                let since = (today - screened.date()).num_days().max(1);
                let raised = at(screened.date() + days(rng.gen_range(1..=since)), 11).min(now);
                if state == Status::InformationRequested {
                    d.open_request = Some(raised.max(screened + TimeDelta::hours(1)));
                } else {
                    let answered = at((raised + days(rng.gen_range(1..9))).date(), 16);
                    if rng.gen_bool(0.3) && answered < now {
                        d.answered_request = Some((raised, answered));
                    }
                }
            }
            Status::Approved => {
                let decided = at(ago(rng.gen_range(1..30)), 15);
                review(rng, &mut d, decided, true);
                d.decided = Some(decided);
                d.start = Some(today + days(rng.gen_range(1..60)));
            }
            Status::Active | Status::Suspended | Status::Revoked => {
                let length = i64::from(months) * 30;
                let running = match state {
                    Status::Active => rng.gen_range(1..=length - 20),
                    Status::Suspended => rng.gen_range(45..=(length - 20).max(46)),
                    _ => rng.gen_range(70..=700),
                };
                let start = ago(running);
                let decided = at(start - days(rng.gen_range(1..30)), 15);
                review(rng, &mut d, decided, true);
                d.decided = Some(decided);
                d.start = Some(start);
                d.started = Some(at(start, 9));
                if state == Status::Suspended {
                    d.suspended = Some(at(start + days(rng.gen_range(30..running)), 10));
                } else if state == Status::Revoked {
                    let suspended = at(start + days(rng.gen_range(30..=(running - 40).min(length - 40).max(31))), 10);
                    d.suspended = Some(suspended);
                    d.revoked = Some(suspended + days(rng.gen_range(7..30)));
                }
            }
            Status::Completed => {
                let end = ago(rng.gen_range(45..=600));
                let start = end.checked_sub_months(Months::new(months)).unwrap_or(end);
                let decided = at(start - days(rng.gen_range(1..30)), 15);
                review(rng, &mut d, decided, true);
                d.decided = Some(decided);
                d.start = Some(start);
                d.started = Some(at(start, 9));
                // After the exit milestone's report has been accepted (see `monitoring`).
                d.completed = Some(at(add_months(add_months(start, months), 1) + days(9), 12));
            }
            Status::Refused => {
                let decided = at(ago(rng.gen_range(3..700)), 15);
                let at_screening = rng.gen_bool(0.5);
                review(rng, &mut d, decided, !at_screening);
                if at_screening {
                    d.screened = Some((decided, false));
                }
                d.decided = Some(decided);
            }
            Status::Withdrawn => {
                let withdrawn = at(ago(rng.gen_range(3..700)), 12);
                let early = rng.gen_bool(0.5);
                let submitted =
                    at((withdrawn - days(if early { rng.gen_range(2..6) } else { rng.gen_range(10..60) })).date(), 10)
                        + jitter(rng);
                d.submitted = Some(submitted);
                d.assigned = Some(submitted + days(1));
                if !early {
                    d.screened = Some((submitted + days(3) + TimeDelta::hours(4), true));
                }
                d.withdrawn = Some(withdrawn);
            }
        }
        let submitted = d.submitted.unwrap_or(now);
        d.created = Some(submitted - days(rng.gen_range(1..10)) - TimeDelta::hours(rng.gen_range(0..6)));
        if d.start.is_none() {
            d.start = Some(submitted.date() + days(rng.gen_range(30..120)));
        }
        d
    }
}
