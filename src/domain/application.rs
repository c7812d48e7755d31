//! What an application says, and the checks made when it is submitted, approved or extended.
//! Every check collects all of its problems, so that a person can fix them at once.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::calendar::{add_months, months_between};
use super::case::Intervention;
use super::monitoring::{ConditionCategory, MilestoneKind};
use super::FieldErrors;

pub const MAX_TITLE: usize = 200;
pub const MAX_SHORT_TEXT: usize = 500;
pub const MAX_LONG_TEXT: usize = 10_000;
pub const MAX_DURATION_MONTHS: i32 = 120;
pub const MAX_CO2E_TONNES: f64 = 10_000_000.0;
pub const MAX_DEROGATIONS: usize = 20;
pub const MAX_CONDITIONS: usize = 50;

/// A UK postcode, normalised (`SW1A 1AA`), with its district (`SW1A`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Postcode {
    pub full: String,
    pub district: String,
}

impl Postcode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
        let bad = || "must be a UK postcode such as SW1A 1AA".to_string();
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return Err(bad());
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let inward_ok = {
            let b = inward.as_bytes();
            b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
        };
        let outward_ok = (2..=4).contains(&outward.len())
            && outward.as_bytes()[0].is_ascii_alphabetic()
            && outward.chars().all(|c| c.is_ascii_alphanumeric())
            && outward.chars().any(|c| c.is_ascii_digit());
        if !inward_ok || !outward_ok {
            return Err(bad());
        }
        Ok(Postcode { full: format!("{outward} {inward}"), district: outward.to_string() })
    }
}

/// Free text within a length limit, trimmed; control characters other than new lines refused.
pub fn text(raw: &str, max: usize) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err("must not contain control characters".into());
    }
    Ok(s.to_string())
}

pub fn number_in(raw: f64, min: f64, max: f64) -> Result<f64, String> {
    if !raw.is_finite() || raw < min || raw > max {
        return Err(format!("must be a number from {min} to {max}"));
    }
    Ok(raw)
}

/// One requested derogation as the innovator writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct DerogationRequest {
    pub provision_code: String,
    pub justification: String,
    pub scope: String,
}

/// The innovator's application. A draft may leave fields empty; submission requires them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApplicationForm {
    pub title: String,
    pub summary: Option<String>,
    pub intervention: Option<Intervention>,
    pub zone_id: Option<i64>,
    pub site_address: Option<String>,
    pub site_postcode: Option<Postcode>,
    pub proposed_start_date: Option<NaiveDate>,
    pub proposed_duration_months: Option<i32>,
    pub estimated_annual_co2e_tonnes: Option<f64>,
    pub community_ownership_pct: Option<f64>,
    pub innovation_statement: Option<String>,
    pub need_for_derogation: Option<String>,
    pub safeguards: Option<String>,
    pub exit_plan: Option<String>,
    pub derogations: Vec<DerogationRequest>,
}

/// What submission needs to know about the chosen zone.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneFacts {
    pub id: i64,
    pub is_open: bool,
    pub window_opens_on: Option<NaiveDate>,
    pub window_closes_on: Option<NaiveDate>,
    pub min_community_ownership_pct: f64,
    pub allowed_provisions: BTreeSet<String>,
}

impl ZoneFacts {
    pub fn accepting_on(&self, day: NaiveDate) -> Result<(), String> {
        if !self.is_open {
            return Err("the zone is closed to applications".into());
        }
        if let Some(opens) = self.window_opens_on {
            if day < opens {
                return Err(format!("the zone's application window opens on {opens}"));
            }
        }
        if let Some(closes) = self.window_closes_on {
            if day > closes {
                return Err(format!("the zone's application window closed on {closes}"));
            }
        }
        Ok(())
    }
}

/// What the checks need to know about a provision.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvisionFacts {
    pub id: i64,
    pub code: String,
    pub max_trial_months: i32,
    pub retired: bool,
}

fn required<T>(errors: &mut FieldErrors, field: &str, value: &Option<T>) {
    if value.is_none() {
        errors.add(field, "is required before submitting");
    }
}

/// Everything that must hold for a draft to be submitted on `today`.
pub fn check_submission(
    form: &ApplicationForm,
    zone: Option<&ZoneFacts>,
    provisions: &[ProvisionFacts],
    today: NaiveDate,
) -> FieldErrors {
    let mut e = FieldErrors::new();
    required(&mut e, "summary", &form.summary);
    required(&mut e, "intervention", &form.intervention);
    required(&mut e, "zone_id", &form.zone_id);
    required(&mut e, "site_address", &form.site_address);
    required(&mut e, "site_postcode", &form.site_postcode);
    required(&mut e, "proposed_start_date", &form.proposed_start_date);
    required(&mut e, "proposed_duration_months", &form.proposed_duration_months);
    required(&mut e, "estimated_annual_co2e_tonnes", &form.estimated_annual_co2e_tonnes);
    required(&mut e, "community_ownership_pct", &form.community_ownership_pct);
    required(&mut e, "innovation_statement", &form.innovation_statement);
    required(&mut e, "need_for_derogation", &form.need_for_derogation);
    required(&mut e, "safeguards", &form.safeguards);
    required(&mut e, "exit_plan", &form.exit_plan);
    if form.derogations.is_empty() {
        e.add("requested_derogations", "request at least one derogation before submitting");
    }
    if let Some(start) = form.proposed_start_date {
        if start < today {
            e.add("proposed_start_date", "must not be in the past");
        }
    }
    match (form.zone_id, zone) {
        (Some(_), None) => e.add("zone_id", "no such zone"),
        (_, Some(z)) => {
            if let Err(m) = z.accepting_on(today) {
                e.add("zone_id", m);
            }
            if let Some(pct) = form.community_ownership_pct {
                if pct < z.min_community_ownership_pct {
                    e.add(
                        "community_ownership_pct",
                        format!("must be at least {}% in this zone", z.min_community_ownership_pct),
                    );
                }
            }
        }
        (None, None) => {}
    }
    let mut seen = BTreeSet::new();
    for (i, d) in form.derogations.iter().enumerate() {
        let field = format!("requested_derogations[{i}].provision_code");
        if !seen.insert(d.provision_code.clone()) {
            e.add(field, "is requested twice");
            continue;
        }
        let Some(p) = provisions.iter().find(|p| p.code == d.provision_code) else {
            e.add(field, format!("'{}' is not in the provisions catalogue", d.provision_code));
            continue;
        };
        if p.retired {
            e.add(field.clone(), format!("'{}' has been retired and cannot be requested", p.code));
        }
        if let Some(z) = zone {
            if !z.allowed_provisions.contains(&p.code) {
                e.add(field, format!("'{}' may not be derogated in this zone", p.code));
            }
        }
        if let Some(months) = form.proposed_duration_months {
            if months > p.max_trial_months {
                e.add(
                    "proposed_duration_months",
                    format!("must be at most {} months, the longest trial allowed for {}", p.max_trial_months, p.code),
                );
            }
        }
    }
    e
}

/// One derogation the inspector grants.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub provision_code: String,
    pub limits: String,
}

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
}

/// Granted ⊆ requested, each within its provision's longest trial, at least one condition, and
/// sensible dates.
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
        e.add("trial_end_date", "must be after trial_start_date");
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
            Some(_) => {}
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
    e
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
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn provision(code: &str, months: i32) -> ProvisionFacts {
        ProvisionFacts { id: 1, code: code.into(), max_trial_months: months, retired: false }
    }

    fn zone() -> ZoneFacts {
        ZoneFacts {
            id: 1,
            is_open: true,
            window_opens_on: None,
            window_closes_on: None,
            min_community_ownership_pct: 20.0,
            allowed_provisions: ["A".to_string(), "B".to_string()].into(),
        }
    }

    fn complete_form() -> ApplicationForm {
        ApplicationForm {
            title: "Street solar".into(),
            summary: Some("s".into()),
            intervention: Some(Intervention::SolarPv),
            zone_id: Some(1),
            site_address: Some("1 High St".into()),
            site_postcode: Some(Postcode::parse("SW1A 1AA").unwrap()),
            proposed_start_date: Some(d("2027-01-01")),
            proposed_duration_months: Some(12),
            estimated_annual_co2e_tonnes: Some(10.0),
            community_ownership_pct: Some(50.0),
            innovation_statement: Some("x".into()),
            need_for_derogation: Some("x".into()),
            safeguards: Some("x".into()),
            exit_plan: Some("x".into()),
            derogations: vec![DerogationRequest {
                provision_code: "A".into(),
                justification: "j".into(),
                scope: "s".into(),
            }],
        }
    }

    #[test]
    fn postcodes() {
        let p = Postcode::parse("sw1a1aa").unwrap();
        assert_eq!((p.full.as_str(), p.district.as_str()), ("SW1A 1AA", "SW1A"));
        assert_eq!(Postcode::parse("M1 1AE").unwrap().district, "M1");
        assert_eq!(Postcode::parse("B33 8TH").unwrap().district, "B33");
        for bad in ["", "12345", "SW1A", "SW1A 1A", "<b>1 1AA", "ZZZZZ 9ZZ"] {
            assert!(Postcode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_complete_form_can_be_submitted() {
        let e = check_submission(&complete_form(), Some(&zone()), &[provision("A", 24)], d("2026-12-01"));
        assert!(e.is_empty(), "{e:?}");
    }

    #[test]
    fn submission_names_every_problem() {
        let mut form = complete_form();
        form.summary = None;
        form.proposed_start_date = Some(d("2026-01-01"));
        form.proposed_duration_months = Some(30);
        form.community_ownership_pct = Some(5.0);
        form.derogations.push(DerogationRequest {
            provision_code: "C".into(),
            justification: "j".into(),
            scope: "s".into(),
        });
        form.derogations.push(DerogationRequest {
            provision_code: "Z".into(),
            justification: "j".into(),
            scope: "s".into(),
        });
        let mut closed = zone();
        closed.window_closes_on = Some(d("2026-06-30"));
        let e = check_submission(&form, Some(&closed), &[provision("A", 24), provision("C", 36)], d("2026-12-01"));
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "summary",
                "proposed_start_date",
                "zone_id",
                "community_ownership_pct",
                "proposed_duration_months",
                "requested_derogations[1].provision_code",
                "requested_derogations[2].provision_code"
            ]
        );
        let empty = check_submission(&ApplicationForm::default(), None, &[], d("2026-12-01"));
        assert_eq!(empty.0.len(), 14);
    }

    #[test]
    fn approval_grants_only_what_was_requested_within_limits() {
        let requested = [provision("A", 12), provision("B", 36)];
        let mut a = Approval {
            reasons: "good".into(),
            trial_start_date: d("2027-01-01"),
            trial_end_date: d("2027-12-31"),
            grants: vec![Grant { provision_code: "A".into(), limits: "".into() }],
            conditions: vec![ConditionInput {
                category: ConditionCategory::CommunityFund,
                description: "d".into(),
                metric: "m".into(),
                target_value: 1.0,
                unit: "GBP".into(),
                due_on: d("2027-06-01"),
            }],
        };
        assert!(check_approval(&a, &requested, false, d("2026-12-01")).is_empty());
        a.grants.push(Grant { provision_code: "C".into(), limits: "".into() });
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
