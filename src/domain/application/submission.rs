//! The check made when a draft is submitted: every required field, the start date, the zone's
//! window and ownership minimum, and each requested derogation against the catalogue and zone.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::{ApplicationForm, ProvisionFacts, ZoneFacts};
use crate::domain::FieldErrors;

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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{d, provision};
    use super::super::{DerogationRequest, Postcode};
    use super::*;
    use crate::domain::case::Intervention;

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
}
