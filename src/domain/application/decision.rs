//! The checks made when an application is approved (grants, conditions, trial dates) and when a
//! trial is extended, and the milestone schedule an approval creates.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::ProvisionFacts;
use crate::domain::calendar::{add_months, months_between};
use crate::domain::monitoring::{ConditionCategory, MilestoneKind};
use crate::domain::FieldErrors;

/// One derogation the inspector grants.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub provision_code: String,
    pub limits: String,
    /// When the derogation ends; the trial's end date when not given.
    pub ends_on: Option<NaiveDate>,
}

/// A review milestone of the schedule set on approval.
#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneInput {
    pub kind: MilestoneKind,
    pub title: String,
    pub due_on: NaiveDate,
}

/// How long after the trial's end its exit milestone may fall.
pub const EXIT_GRACE_MONTHS: u32 = 1;

/// A condition as set by the inspector.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionInput {
    pub category: ConditionCategory,
    pub description: String,
    pub metric: String,
    pub target_value: f64,
    pub unit: String,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Approval {
    pub reasons: String,
    pub trial_start_date: NaiveDate,
    pub trial_end_date: NaiveDate,
    pub grants: Vec<Grant>,
    pub conditions: Vec<ConditionInput>,
    /// The milestone schedule; the default schedule ([`default_milestones`]) when not given.
    pub milestones: Option<Vec<MilestoneInput>>,
}

impl Approval {
    /// The milestones the approval creates: the ones given, or the default schedule.
    pub fn schedule(&self) -> Vec<MilestoneInput> {
        match &self.milestones {
            Some(m) => m.clone(),
            None => default_milestones(self.trial_start_date, self.trial_end_date)
                .into_iter()
                .map(|(kind, title, due_on)| MilestoneInput { kind, title, due_on })
                .collect(),
        }
    }
}

/// Granted ⊆ requested, each within its provision's longest trial (and so is its end date), at
/// least one condition, sensible dates, and a schedule within the trial with a final report.
pub fn check_approval(
    approval: &Approval,
    requested: &[ProvisionFacts],
    already_has_conditions: bool,
    today: NaiveDate,
) -> FieldErrors {
    let mut e = FieldErrors::new();
    if approval.trial_start_date < today {
        e.add("trial_start_date", "must not be in the past");
    }
    if approval.trial_end_date <= approval.trial_start_date {
        e.add("trial_end_date", "must be after the trial start date");
    }
    if approval.grants.is_empty() {
        e.add("derogations", "grant at least one of the requested derogations");
    }
    let months = months_between(approval.trial_start_date, approval.trial_end_date);
    let mut seen = BTreeSet::new();
    for (i, g) in approval.grants.iter().enumerate() {
        let field = format!("derogations[{i}].provision_code");
        if !seen.insert(g.provision_code.clone()) {
            e.add(field, "is granted twice");
            continue;
        }
        match requested.iter().find(|p| p.code == g.provision_code) {
            None => e.add(
                field,
                format!("'{}' was not requested; only requested derogations can be granted", g.provision_code),
            ),
            Some(p) if months as i32 > p.max_trial_months => e.add(
                "trial_end_date",
                format!("the trial may last at most {} months under {}", p.max_trial_months, p.code),
            ),
            Some(p) => {
                if let Some(ends_on) = g.ends_on {
                    check_grant_end(&mut e, i, ends_on, approval, p);
                }
            }
        }
    }
    if approval.conditions.is_empty() && !already_has_conditions {
        e.add("conditions", "set at least one community-benefit condition");
    }
    for (i, c) in approval.conditions.iter().enumerate() {
        if c.due_on < approval.trial_start_date {
            e.add(format!("conditions[{i}].due_on"), "must not be before the trial starts");
        }
    }
    if let Some(milestones) = &approval.milestones {
        check_schedule(&mut e, milestones, approval.trial_start_date, approval.trial_end_date);
    }
    e
}

/// A derogation ends after the trial starts, within its provision's longest trial, and not after
/// the trial.
fn check_grant_end(e: &mut FieldErrors, i: usize, ends_on: NaiveDate, approval: &Approval, p: &ProvisionFacts) {
    let field = format!("derogations[{i}].ends_on");
    let longest = add_months(approval.trial_start_date, p.max_trial_months.max(0) as u32);
    if ends_on <= approval.trial_start_date {
        e.add(field, "must be after the trial starts");
    } else if ends_on > longest {
        e.add(
            field,
            format!(
                "must be within the longest trial {} allows, {} months from the trial start",
                p.code, p.max_trial_months
            ),
        );
    } else if ends_on > approval.trial_end_date {
        e.add(field, "must not be after the trial ends");
    }
}

/// Every milestone falls within the trial (an exit up to [`EXIT_GRACE_MONTHS`] after it), and the
/// schedule has the final report that completing the trial needs.
fn check_schedule(e: &mut FieldErrors, milestones: &[MilestoneInput], start: NaiveDate, end: NaiveDate) {
    if !milestones.iter().any(|m| m.kind == MilestoneKind::FinalReport) {
        e.add("milestones", "include a final report: the trial is completed once it is accepted");
    }
    for (i, m) in milestones.iter().enumerate() {
        let field = format!("milestones[{i}].due_on");
        let last = if m.kind == MilestoneKind::Exit { add_months(end, EXIT_GRACE_MONTHS) } else { end };
        if m.due_on < start {
            e.add(field, "must not be before the trial starts");
        } else if m.due_on > last && m.kind == MilestoneKind::Exit {
            e.add(field, format!("must be no later than {EXIT_GRACE_MONTHS} month after the trial ends"));
        } else if m.due_on > last {
            e.add(field, "must not be after the trial ends");
        }
    }
}

/// The new end date of an extension must be later and within every granted provision's limit.
pub fn check_extension(
    start: NaiveDate,
    current_end: NaiveDate,
    new_end: NaiveDate,
    granted: &[ProvisionFacts],
) -> FieldErrors {
    let mut e = FieldErrors::new();
    if new_end <= current_end {
        e.add("new_end_date", format!("must be after the current end date, {current_end}"));
    }
    let months = months_between(start, new_end) as i32;
    if let Some(p) = granted.iter().min_by_key(|p| p.max_trial_months) {
        if months > p.max_trial_months {
            e.add(
                "new_end_date",
                format!(
                    "would make the trial {months} months long; {} allows at most {} (until {})",
                    p.code,
                    p.max_trial_months,
                    add_months(start, p.max_trial_months as u32)
                ),
            );
        }
    }
    e
}

/// The schedule created on approval: an interim report every 3 months of the trial, a final
/// report at its end, and an exit one month after.
pub fn default_milestones(start: NaiveDate, end: NaiveDate) -> Vec<(MilestoneKind, String, NaiveDate)> {
    let mut out = Vec::new();
    let mut n = 1;
    loop {
        let due = add_months(start, 3 * n);
        if due >= end {
            break;
        }
        out.push((MilestoneKind::InterimReport, format!("Interim report {n}"), due));
        n += 1;
    }
    out.push((MilestoneKind::FinalReport, "Final report".into(), end));
    out.push((MilestoneKind::Exit, "Exit: site returned to its lawful state".into(), add_months(end, 1)));
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{d, provision};
    use super::*;

    #[test]
    fn approval_grants_only_what_was_requested_within_limits() {
        let requested = [provision("A", 12), provision("B", 36)];
        let mut a = approval();
        assert!(check_approval(&a, &requested, false, d("2026-12-01")).is_empty());
        a.grants.push(Grant { provision_code: "C".into(), limits: "".into(), ends_on: None });
        a.trial_end_date = d("2028-06-01");
        let e = check_approval(&a, &requested, false, d("2026-12-01"));
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["trial_end_date", "derogations[1].provision_code"]);
        a.conditions.clear();
        a.grants.truncate(1);
        a.trial_end_date = d("2027-06-01");
        assert_eq!(check_approval(&a, &requested, false, d("2026-12-01")).0[0].field, "conditions");
        assert!(check_approval(&a, &requested, true, d("2026-12-01")).is_empty());
    }

    #[test]
    fn a_grant_ends_within_its_provision_and_the_trial() {
        let requested = [provision("A", 12)];
        let mut a = approval();
        for (ends, ok) in [("2027-06-30", true), ("2027-12-31", true), ("2027-01-01", false), ("2028-02-01", false)] {
            a.grants[0].ends_on = Some(d(ends));
            let e = check_approval(&a, &requested, false, d("2026-12-01"));
            assert_eq!(e.is_empty(), ok, "{ends}: {e:?}");
            if !ok {
                assert_eq!(e.0[0].field, "derogations[0].ends_on");
            }
        }
    }

    #[test]
    fn a_schedule_falls_within_the_trial_and_has_a_final_report() {
        let requested = [provision("A", 12)];
        let mut a = approval();
        a.milestones = Some(a.schedule());
        assert_eq!(a.schedule().len(), 5);
        assert!(check_approval(&a, &requested, false, d("2026-12-01")).is_empty());
        let m = |kind, due: &str| MilestoneInput { kind, title: "t".into(), due_on: d(due) };
        a.milestones = Some(vec![
            m(MilestoneKind::InterimReport, "2026-12-31"),
            m(MilestoneKind::Custom, "2028-01-15"),
            m(MilestoneKind::Exit, "2028-03-01"),
        ]);
        let e = check_approval(&a, &requested, false, d("2026-12-01"));
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["milestones", "milestones[0].due_on", "milestones[1].due_on", "milestones[2].due_on"]);
    }

    fn approval() -> Approval {
        Approval {
            reasons: "good".into(),
            trial_start_date: d("2027-01-01"),
            trial_end_date: d("2027-12-31"),
            grants: vec![Grant { provision_code: "A".into(), limits: "".into(), ends_on: None }],
            conditions: vec![ConditionInput {
                category: ConditionCategory::CommunityFund,
                description: "d".into(),
                metric: "m".into(),
                target_value: 1.0,
                unit: "GBP".into(),
                due_on: d("2027-06-01"),
            }],
            milestones: None,
        }
    }

    #[test]
    fn extension_limits() {
        let granted = [provision("A", 24)];
        assert!(check_extension(d("2027-01-01"), d("2027-12-31"), d("2028-06-30"), &granted).is_empty());
        assert_eq!(check_extension(d("2027-01-01"), d("2027-12-31"), d("2029-06-30"), &granted).0.len(), 1);
        assert_eq!(check_extension(d("2027-01-01"), d("2027-12-31"), d("2027-06-30"), &granted).0.len(), 1);
    }

    #[test]
    fn default_schedule() {
        let m = default_milestones(d("2027-01-01"), d("2027-12-31"));
        let kinds: Vec<MilestoneKind> = m.iter().map(|x| x.0).collect();
        assert_eq!(
            kinds,
            [
                MilestoneKind::InterimReport,
                MilestoneKind::InterimReport,
                MilestoneKind::InterimReport,
                MilestoneKind::FinalReport,
                MilestoneKind::Exit
            ]
        );
        assert_eq!(m[0].2, d("2027-04-01"));
        assert_eq!(m[3].2, d("2027-12-31"));
        assert_eq!(m[4].2, d("2028-01-31"));
        assert_eq!(default_milestones(d("2027-01-01"), d("2027-02-01")).len(), 2);
    }
}
