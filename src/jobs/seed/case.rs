//! One seeded case, from its draw to its decision: the state it is seeded in (by weight), its
//! people, place and dates, the application and its requested derogations, and the review —
//! submission, assignment, screening, and a request for information, refusal or withdrawal where
//! the case stops there. An approved case goes on to its trial (`trial.rs`).

use chrono::{Months, NaiveDate, NaiveDateTime, TimeDelta};
use rand::rngs::StdRng;
use rand::Rng;

use super::chain::Chain;
use super::rows::{take, Rows};
use super::{s, SeedError, Seeder};
use crate::db::models::{Application, InformationRequest, RequestedDerogation, Screening};
use crate::domain::account::OrganisationKind;
use crate::domain::case::{CaseAction, Intervention, Status};
use crate::domain::decision::{CriterionOutcome, Decision, ScreeningCriterion};

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

const POSTCODE_AREAS: [&str; 6] = ["BS1", "BA11", "LS6", "SW9", "TR1", "OX4"];

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

/// What is drawn for a case before its rows are built: its state, people, place and dates.
pub(super) struct Plan<'a> {
    pub(super) id: i64,
    /// The state the case is seeded in, and its audit trail leads to.
    pub(super) state: Status,
    pub(super) author: i64,
    organisation: i64,
    kind: OrganisationKind,
    zone: i64,
    /// The provisions allowed in the case's zone.
    pub(super) allowed: &'a [(i64, String, i32)],
    pub(super) inspector: i64,
    intervention: Intervention,
    title: String,
    postcode_area: &'static str,
    created: NaiveDateTime,
    submitted_at: NaiveDateTime,
    /// When the case was decided, or the latest step taken before its decision.
    pub(super) decided_at: NaiveDateTime,
    paused_seconds: i64,
    /// The (proposed, and if approved, granted) start and end of the trial.
    pub(super) start: NaiveDate,
    months: u32,
    pub(super) end: NaiveDate,
}

impl<'a> Seeder<'a> {
    /// Seeds the `n`th case (counting from 0) into `rows`: its application, derogations, review,
    /// trial if approved, and its audit chain.
    pub(super) fn case(&mut self, rows: &mut Rows, n: usize) -> Result<(), SeedError> {
        let plan = self.plan(n);
        let application = self.application(&plan);
        rows.applications.push(application);
        self.derogations(rows, &plan);
        let mut chain = Chain::new(plan.id, plan.author, plan.created);
        self.review(rows, &plan, &mut chain)?;
        if plan.state.is_public_trial() {
            self.trial(rows, &plan, &mut chain)?;
        }
        chain.finish(rows, plan.state)
    }

    /// Draws a case's state, people, place and dates. Every decision is in the past; completed
    /// trials have ended, active ones have begun, approved ones start soon.
    fn plan(&mut self, n: usize) -> Plan<'a> {
        let (people, zones, today) = (self.people, self.zones, self.today);
        let rng = &mut self.rng;
        let state = pick_state(rng);
        let (author, organisation, kind) = people.innovators[rng.gen_range(0..people.innovators.len())];
        let (zone, allowed) = &zones[rng.gen_range(0..zones.len())];
        let inspector = people.inspectors[rng.gen_range(0..people.inspectors.len())];
        let intervention = Intervention::ALL[rng.gen_range(0..Intervention::ALL.len())];
        let decided_days_ago = match state {
            Status::Completed => rng.gen_range(450..900),
            Status::Active | Status::Suspended | Status::Revoked => rng.gen_range(60..420),
            _ => rng.gen_range(5..400),
        };
        let decided_at = (today - TimeDelta::days(decided_days_ago)).and_hms_opt(15, 0, 0).unwrap_or_default();
        let submitted_at = decided_at - TimeDelta::days(rng.gen_range(10..90));
        let created = submitted_at - TimeDelta::days(rng.gen_range(1..10));
        let paused_seconds = if rng.gen_bool(0.3) { rng.gen_range(2..10) * 86_400 } else { 0 };
        let start = match state {
            Status::Approved => today + TimeDelta::days(rng.gen_range(1..60)),
            _ => decided_at.date() + TimeDelta::days(rng.gen_range(0..30)),
        };
        let months = match state {
            Status::Completed => rng.gen_range(6..=12u32),
            _ => rng.gen_range(12..=24u32),
        };
        let end = start.checked_add_months(Months::new(months)).unwrap_or(start);
        let place = PLACES[rng.gen_range(0..PLACES.len())];
        let title = format!("{} trial {} in {place}", intervention.as_str().replace('_', " "), n + 1);
        let postcode_area = POSTCODE_AREAS[rng.gen_range(0..POSTCODE_AREAS.len())];
        Plan {
            id: take(&mut self.ids.application),
            state,
            author,
            organisation,
            kind,
            zone: *zone,
            allowed,
            inspector,
            intervention,
            title,
            postcode_area,
            created,
            submitted_at,
            decided_at,
            paused_seconds,
            start,
            months,
            end,
        }
    }

    /// The case's application row, as the lifecycle would have left it in its state. A submitted
    /// case takes the year's next reference.
    fn application(&mut self, plan: &Plan<'_>) -> Application {
        let state = plan.state;
        let submitted = state != Status::Draft;
        let assigned = submitted && state != Status::Submitted;
        let public = state.is_public_trial();
        let started = public && state != Status::Approved;
        let decided = public || state == Status::Refused;
        let paused = state == Status::InformationRequested;
        let reference = submitted.then(|| {
            self.last_reference += 1;
            format!("SBX-{}-{:05}", self.reference_year, self.last_reference)
        });
        let rng = &mut self.rng;
        Application {
            id: plan.id,
            reference,
            author_id: plan.author,
            organisation_id: Some(plan.organisation),
            applicant_kind: Some(plan.kind),
            status: state,
            resume_status: paused.then_some(Status::Assessment),
            title: plan.title.clone(),
            summary: Some(s("A demonstration trial.")),
            intervention: Some(plan.intervention),
            zone_id: Some(plan.zone),
            site_address: Some(format!("{} High Street", rng.gen_range(1..200))),
            site_postcode: Some(format!("{} {}AB", plan.postcode_area, rng.gen_range(1..9))),
            postcode_district: Some(s(plan.postcode_area)),
            proposed_start_date: Some(plan.start),
            proposed_duration_months: Some(plan.months as i32),
            estimated_annual_co2e_tonnes: Some((rng.gen_range(5.0..400.0_f64) * 10.0).round() / 10.0),
            community_ownership_pct: Some(rng.gen_range(0..=100) as f64),
            innovation_statement: Some(s("Shared ownership and a new way to connect.")),
            need_for_derogation: Some(s("The rule blocks the installation as designed.")),
            safeguards: Some(s("Heritage review, noise limits, monthly reporting.")),
            exit_plan: Some(s("Equipment removed and the site made good.")),
            assigned_inspector_id: assigned.then_some(plan.inspector),
            submitted_at: submitted.then_some(plan.submitted_at),
            decided_at: decided.then_some(plan.decided_at),
            decision: decided.then_some(if public { Decision::Approved } else { Decision::Refused }),
            decision_reasons: decided.then(|| {
                s(if public { "Clear community benefit with safeguards." } else { "The harm outweighs the benefit." })
            }),
            trial_start_date: public.then_some(plan.start),
            trial_end_date: public.then_some(plan.end),
            started_at: started.then_some(plan.start.and_hms_opt(9, 0, 0).unwrap_or_default()),
            closed_at: state.is_closed().then_some(plan.decided_at),
            paused_since: paused.then_some(plan.decided_at),
            paused_seconds: plan.paused_seconds,
            version: 1,
            created_at: plan.created,
            updated_at: plan.decided_at,
            // No seeded wait was answered: the target is as it was when each case left the clock
            // or, for a case waiting now, when its request was raised.
            target_decision_on: submitted.then(|| {
                let rules = self.rules;
                rules.holidays.add_working_days(plan.submitted_at.date(), rules.target_working_days)
            }),
        }
    }

    /// One or two of the zone's provisions requested; of a public trial's, the first granted
    /// until the trial's end.
    fn derogations(&mut self, rows: &mut Rows, plan: &Plan<'_>) {
        let count = self.rng.gen_range(1..=plan.allowed.len().clamp(1, 2));
        for (i, (provision, _, _)) in plan.allowed.iter().take(count).enumerate() {
            let granted = plan.state.is_public_trial() && i == 0;
            rows.derogations.push(RequestedDerogation {
                id: take(&mut self.ids.derogation),
                application_id: plan.id,
                provision_id: *provision,
                justification: s("The provision prevents the trial."),
                scope: s("The site only."),
                granted,
                granted_limits: granted.then(|| s("As proposed.")),
                granted_until: granted.then_some(plan.end),
            });
        }
    }

    /// The case's way from draft towards its decision: submitted, assigned, screened (unless it
    /// is still in screening or was withdrawn from it), and then withdrawn, asked for information
    /// or refused if that is where it stops. Approval is the trial's first step.
    fn review(&mut self, rows: &mut Rows, plan: &Plan<'_>, chain: &mut Chain) -> Result<(), SeedError> {
        let state = plan.state;
        if state == Status::Draft {
            return Ok(());
        }
        chain.step(plan.author, CaseAction::Submit, plan.submitted_at)?;
        if state == Status::Submitted {
            return Ok(());
        }
        chain.step(self.people.admin, CaseAction::Assign, plan.submitted_at + TimeDelta::days(1))?;
        let withdrawn_early = state == Status::Withdrawn && self.rng.gen_bool(0.5);
        if state != Status::Screening && !withdrawn_early {
            let all_met = state != Status::Refused || self.rng.gen_bool(0.5);
            let at = plan.submitted_at + TimeDelta::days(3);
            self.screenings(rows, plan, all_met, at);
            chain.screen(plan.inspector, all_met, at)?;
        }
        match state {
            Status::Withdrawn => chain.step(plan.author, CaseAction::Withdraw, plan.decided_at)?,
            Status::InformationRequested => {
                self.information_request(rows, plan);
                chain.step(plan.inspector, CaseAction::RequestInformation, plan.decided_at)?;
            }
            // Unless screening refused it already.
            Status::Refused if chain.status() == Status::Assessment => {
                chain.step(plan.inspector, CaseAction::Refuse, plan.decided_at)?
            }
            _ => {}
        }
        Ok(())
    }

    /// The inspector's screening at `at`, every criterion met, or all but the first if `all_met`
    /// is false.
    fn screenings(&mut self, rows: &mut Rows, plan: &Plan<'_>, all_met: bool, at: NaiveDateTime) {
        for (i, criterion) in ScreeningCriterion::ALL.iter().enumerate() {
            let met = all_met || i > 0;
            rows.screenings.push(Screening {
                id: take(&mut self.ids.screening),
                application_id: plan.id,
                criterion: *criterion,
                outcome: if met { CriterionOutcome::Met } else { CriterionOutcome::NotMet },
                note: s(if met { "Satisfied." } else { "Not innovative: already permitted elsewhere." }),
                screened_by: plan.inspector,
                created_at: at,
            });
        }
    }

    /// The inspector's open question, due in a fortnight.
    fn information_request(&mut self, rows: &mut Rows, plan: &Plan<'_>) {
        rows.information_requests.push(InformationRequest {
            id: take(&mut self.ids.information_request),
            application_id: plan.id,
            question: s("Who will maintain the equipment?"),
            due_on: self.today + TimeDelta::days(14),
            requested_by: plan.inspector,
            requested_at: plan.decided_at,
            answer: None,
            answered_by: None,
            answered_at: None,
        });
    }
}
