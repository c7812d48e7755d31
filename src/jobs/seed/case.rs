//! One seeded case, from its draw (`plan.rs`) to its decision: the application and its requested
//! derogations, checked as submission checks them, and the review — submission, assignment,
//! screening, requests for information and their answers, and the refusal or withdrawal where the
//! case stops there. An approved case goes on to its trial (`trial.rs`); the case row is built
//! last, from what its audit trail says happened.

use chrono::{NaiveDate, NaiveDateTime};
use rand::Rng;
use serde_json::json;

use super::chain::Chain;
use super::plan::Plan;
use super::rows::{take, Rows};
use super::{s, SeedError, Seeder};
use crate::db::models::{Application, InformationRequest, RequestedDerogation, Screening};
use crate::domain::application::{check_submission, ApplicationForm, DerogationRequest, Postcode, ProvisionFacts};
use crate::domain::case::{CaseAction, Facts, Status};
use crate::domain::clock::{target_date, Pause};
use crate::domain::decision::{CriterionOutcome, Decision, ScreeningCriterion};

const QUESTION: &str = "Who will maintain the equipment?";
const ANSWER: &str = "Our installer, under a five-year service contract.";
const NOT_INNOVATIVE: &str = "Not innovative: already permitted elsewhere.";

/// What the trial left on the case row besides its dates.
#[derive(Default)]
pub(super) struct TrialOutcome {
    pub(super) approval_reasons: Option<String>,
}

impl Seeder<'_> {
    /// Seeds the `n`th case (counting from 0) into `rows`: its application, derogations, review,
    /// trial if approved, and its audit chain.
    pub(super) fn case(&mut self, rows: &mut Rows, n: usize) -> Result<(), SeedError> {
        let mut rng = self.case_rng(n);
        let plan = self.plan(&mut rng, n);
        self.rng = rng;
        let id = take(&mut self.ids.application);
        let reference = plan.submitted.map(|at| {
            format!("SBX-{}-{:05}", chrono::Datelike::year(&at.date()), self.references.get(n).copied().unwrap_or(0))
        });
        if plan.submitted.is_some() {
            self.submission_check(&plan)?;
        }
        self.derogations(rows, &plan, id);
        let mut chain = Chain::new(id, plan.author, plan.created);
        let requests = self.review(rows, &plan, id, reference.as_deref(), &mut chain)?;
        let mut outcome = TrialOutcome::default();
        if plan.state.is_public_trial() {
            outcome = self.trial(rows, &plan, id, reference.as_deref(), &mut chain)?;
        }
        let application = self.application(&plan, id, reference, &requests, &chain, outcome);
        rows.applications.push(application);
        chain.finish(rows, plan.state)
    }

    /// The form as it was submitted, checked as the service checks a submission on the day.
    fn submission_check(&self, plan: &Plan<'_>) -> Result<(), SeedError> {
        let form = ApplicationForm {
            title: plan.title.clone(),
            summary: Some(s("A demonstration trial.")),
            intervention: Some(plan.intervention),
            zone_id: Some(plan.zone.facts.id),
            site_address: Some(plan.address.clone()),
            site_postcode: Some(Postcode::parse(&plan.postcode).map_err(SeedError)?),
            proposed_start_date: Some(plan.start),
            proposed_duration_months: Some(plan.months as i32),
            estimated_annual_co2e_tonnes: Some(1.0),
            community_ownership_pct: Some(plan.ownership),
            innovation_statement: Some(String::new()),
            need_for_derogation: Some(String::new()),
            safeguards: Some(String::new()),
            exit_plan: Some(String::new()),
            derogations: plan
                .requested
                .iter()
                .map(|p| DerogationRequest {
                    provision_code: p.1.clone(),
                    justification: String::new(),
                    scope: String::new(),
                })
                .collect(),
        };
        let provisions: Vec<ProvisionFacts> = plan
            .requested
            .iter()
            .map(|p| ProvisionFacts { id: p.0, code: p.1.clone(), max_trial_months: p.2, retired: false })
            .collect();
        let day = plan.submitted.map(|s| s.date()).unwrap_or(self.today);
        let errors = check_submission(&form, Some(&plan.zone.facts), &provisions, day);
        if !errors.is_empty() {
            return Err(SeedError(format!("{} could not have been submitted: {errors:?}", plan.title)));
        }
        Ok(())
    }

    /// The case's row, as its lifecycle left it. The target decision date is kept as the service
    /// keeps it: as it stood on the last day the clock started, moved or stopped.
    fn application(
        &mut self,
        plan: &Plan<'_>,
        id: i64,
        reference: Option<String>,
        requests: &[InformationRequest],
        chain: &Chain,
        outcome: TrialOutcome,
    ) -> Application {
        let state = plan.state;
        let public = state.is_public_trial();
        let decided = plan.decided;
        let pauses: Vec<Pause> = requests
            .iter()
            .map(|r| Pause { raised_on: r.requested_at.date(), answered_on: r.answered_at.map(|a| a.date()) })
            .collect();
        let target = plan.submitted.map(|submitted| {
            let rules = &self.rules.clock;
            let day: NaiveDate = chain.clock_day().unwrap_or(self.today);
            target_date(
                submitted.date(),
                decided.map(|d| d.date()),
                &pauses,
                rules.target_working_days,
                day,
                rules.holidays,
            )
        });
        let paused_seconds: i64 =
            plan.answered_request.map(|(raised, answered)| (answered - raised).num_seconds()).unwrap_or(0);
        let refusal = match plan.screened {
            Some((_, false)) => {
                let criterion = ScreeningCriterion::ALL[0].as_str().replace('_', " ");
                format!("The application did not pass screening.\n{criterion}: {NOT_INNOVATIVE}")
            }
            _ => s("The harm outweighs the benefit."),
        };
        let rng = &mut self.rng;
        Application {
            id,
            reference,
            author_id: plan.author,
            organisation_id: Some(plan.organisation),
            applicant_kind: Some(plan.kind),
            status: state,
            resume_status: plan.open_request.map(|_| Status::Assessment),
            title: plan.title.clone(),
            summary: Some(s("A demonstration trial.")),
            intervention: Some(plan.intervention),
            zone_id: Some(plan.zone.facts.id),
            site_address: Some(plan.address.clone()),
            site_postcode: Some(plan.postcode.clone()),
            postcode_district: Some(s(plan.district)),
            proposed_start_date: Some(plan.start),
            proposed_duration_months: Some(plan.months as i32),
            estimated_annual_co2e_tonnes: Some((rng.gen_range(5.0..400.0_f64) * 10.0).round() / 10.0),
            community_ownership_pct: Some(plan.ownership),
            innovation_statement: Some(s("Shared ownership and a new way to connect.")),
            need_for_derogation: Some(s("The rule blocks the installation as designed.")),
            safeguards: Some(s("Heritage review, noise limits, monthly reporting.")),
            exit_plan: Some(s("Equipment removed and the site made good.")),
            assigned_inspector_id: plan.assigned.map(|_| plan.inspector),
            submitted_at: plan.submitted,
            decided_at: decided,
            decision: decided.map(|_| if public { Decision::Approved } else { Decision::Refused }),
            decision_reasons: decided
                .map(|_| if public { outcome.approval_reasons.unwrap_or_default() } else { refusal }),
            trial_start_date: public.then_some(plan.start),
            trial_end_date: public.then_some(plan.end),
            started_at: plan.started,
            closed_at: plan.closed(),
            paused_since: plan.open_request,
            paused_seconds,
            version: chain.version(),
            created_at: plan.created,
            updated_at: chain.last_step(),
            target_decision_on: target,
        }
    }

    /// The requested provisions (those the zone allows that fit the intervention); of a public
    /// trial's, the first granted until the trial's end.
    fn derogations(&mut self, rows: &mut Rows, plan: &Plan<'_>, id: i64) {
        for (i, (provision, _, _)) in plan.requested.iter().enumerate() {
            let granted = plan.state.is_public_trial() && i == 0;
            rows.derogations.push(RequestedDerogation {
                id: take(&mut self.ids.derogation),
                application_id: id,
                provision_id: *provision,
                justification: s("The provision prevents the trial."),
                scope: s("The site only."),
                granted,
                granted_limits: granted.then(|| s("As proposed.")),
                granted_until: granted.then_some(plan.end),
            });
        }
    }

    /// The case's way from draft towards its decision, as planned: submitted, assigned,
    /// screened, asked and answered, and then withdrawn, asked again or refused if that is where
    /// it stops. Approval is the trial's first step. Returns the case's information requests.
    fn review(
        &mut self,
        rows: &mut Rows,
        plan: &Plan<'_>,
        id: i64,
        reference: Option<&str>,
        chain: &mut Chain,
    ) -> Result<Vec<InformationRequest>, SeedError> {
        let mut requests = Vec::new();
        let Some(submitted) = plan.submitted else { return Ok(requests) };
        chain.step_with(
            plan.author,
            CaseAction::Submit,
            Facts::default(),
            json!({ "reference": reference }),
            submitted,
        )?;
        if let Some(assigned) = plan.assigned {
            let inspector = plan.inspector;
            let details = json!({ "inspector_id": inspector, "previous_inspector_id": null });
            chain.step_with(self.people.admin, CaseAction::Assign, Facts::default(), details, assigned)?;
        }
        if let Some((at, all_met)) = plan.screened {
            self.screenings(rows, plan, id, all_met, at);
            let facts = Facts { all_criteria_met: all_met, resume: None };
            let criteria: Vec<_> = ScreeningCriterion::ALL
                .iter()
                .enumerate()
                .map(|(i, c)| json!({ "criterion": c, "outcome": if all_met || i > 0 { "met" } else { "not_met" } }))
                .collect();
            chain.step_with(plan.inspector, CaseAction::Screen, facts, json!({ "criteria": criteria }), at)?;
        }
        if let Some((raised, answered)) = plan.answered_request {
            let request = self.information_request(rows, plan, id, raised, Some(answered));
            let details = json!({ "request_id": request.id, "question": QUESTION, "due_on": request.due_on,
                                  "attachment_count": 0, "attachments": [] });
            chain.step_with(plan.inspector, CaseAction::RequestInformation, Facts::default(), details, raised)?;
            let facts = Facts { all_criteria_met: true, resume: Some(Status::Assessment) };
            let details = json!({ "request_id": request.id, "attachment_count": 0, "attachments": [] });
            chain.step_with(plan.author, CaseAction::Answer, facts, details, answered)?;
            requests.push(request);
        }
        if let Some(raised) = plan.open_request {
            let request = self.information_request(rows, plan, id, raised, None);
            let details = json!({ "request_id": request.id, "question": QUESTION, "due_on": request.due_on,
                                  "attachment_count": 0, "attachments": [] });
            chain.step_with(plan.inspector, CaseAction::RequestInformation, Facts::default(), details, raised)?;
            requests.push(request);
        }
        if let Some(at) = plan.withdrawn {
            chain.step_with(plan.author, CaseAction::Withdraw, Facts::default(), json!({ "reason": null }), at)?;
        }
        if let (Status::Refused, Some(at)) = (plan.state, plan.decided) {
            // Unless screening refused it already.
            if chain.status() == Status::Assessment {
                let details = json!({ "reasons": "The harm outweighs the benefit." });
                chain.step_with(plan.inspector, CaseAction::Refuse, Facts::default(), details, at)?;
            }
        }
        Ok(requests)
    }

    /// The inspector's screening at `at`, every criterion met, or all but the first if `all_met`
    /// is false.
    fn screenings(&mut self, rows: &mut Rows, plan: &Plan<'_>, id: i64, all_met: bool, at: NaiveDateTime) {
        for (i, criterion) in ScreeningCriterion::ALL.iter().enumerate() {
            let met = all_met || i > 0;
            rows.screenings.push(Screening {
                id: take(&mut self.ids.screening),
                application_id: id,
                criterion: *criterion,
                outcome: if met { CriterionOutcome::Met } else { CriterionOutcome::NotMet },
                note: s(if met { "Satisfied." } else { NOT_INNOVATIVE }),
                screened_by: plan.inspector,
                created_at: at,
            });
        }
    }

    /// The inspector's question raised at `raised`, due the configured number of working days
    /// later (the service's default), answered at `answered` if it was.
    fn information_request(
        &mut self,
        rows: &mut Rows,
        plan: &Plan<'_>,
        id: i64,
        raised: NaiveDateTime,
        answered: Option<NaiveDateTime>,
    ) -> InformationRequest {
        let rules = self.rules;
        let request = InformationRequest {
            id: take(&mut self.ids.information_request),
            application_id: id,
            question: s(QUESTION),
            due_on: rules.clock.holidays.add_working_days(raised.date(), rules.information_request_working_days),
            requested_by: plan.inspector,
            requested_at: raised,
            answer: answered.map(|_| s(ANSWER)),
            answered_by: answered.map(|_| plan.author),
            answered_at: answered,
        };
        rows.information_requests.push(request.clone());
        request
    }
}
