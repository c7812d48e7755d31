//! The draft as a task list: its sections, the fields each one asks for, and how far each one
//! has got. Submission still checks everything (`submission`); this only tells a person where
//! they are.

use super::ApplicationForm;

/// A section of the draft, in the order the task list shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    About,
    Site,
    Derogations,
    CommunityBenefit,
    Safeguards,
}

impl Section {
    pub const ALL: [Section; 5] =
        [Section::About, Section::Site, Section::Derogations, Section::CommunityBenefit, Section::Safeguards];

    /// The section's part of its page's address.
    pub fn slug(self) -> &'static str {
        match self {
            Section::About => "about",
            Section::Site => "site",
            Section::Derogations => "derogations",
            Section::CommunityBenefit => "community-benefit",
            Section::Safeguards => "safeguards",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.slug() == slug)
    }

    pub fn title(self) -> &'static str {
        match self {
            Section::About => "About the project",
            Section::Site => "Site",
            Section::Derogations => "Derogations requested",
            Section::CommunityBenefit => "Community benefit and ownership",
            Section::Safeguards => "Safeguards and exit plan",
        }
    }

    /// The fields (as the application's body names them) this section's page asks for.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Section::About => &[
                "title",
                "summary",
                "intervention",
                "innovation_statement",
                "proposed_start_date",
                "proposed_duration_months",
            ],
            Section::Site => &["site_address", "site_postcode"],
            Section::Derogations => &["requested_derogations", "need_for_derogation"],
            Section::CommunityBenefit => &["community_ownership_pct", "estimated_annual_co2e_tonnes"],
            Section::Safeguards => &["safeguards", "exit_plan"],
        }
    }

    /// The section a field belongs to (`requested_derogations[2].scope` belongs to Derogations).
    pub fn of_field(field: &str) -> Option<Section> {
        let base = field.split(['[', '.']).next().unwrap_or(field);
        match base {
            "zone_id" => Some(Section::Site),
            _ => Section::ALL.into_iter().find(|s| s.fields().contains(&base)),
        }
    }
}

/// How far a section has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    NotStarted,
    InProgress,
    Completed,
}

impl Progress {
    pub fn label(self) -> &'static str {
        match self {
            Progress::NotStarted => "Not started",
            Progress::InProgress => "In progress",
            Progress::Completed => "Completed",
        }
    }
}

fn filled(form: &ApplicationForm, field: &str) -> bool {
    match field {
        // The title is asked when the draft is started, so it says nothing about progress.
        "title" => false,
        "summary" => form.summary.is_some(),
        "intervention" => form.intervention.is_some(),
        "innovation_statement" => form.innovation_statement.is_some(),
        "proposed_start_date" => form.proposed_start_date.is_some(),
        "proposed_duration_months" => form.proposed_duration_months.is_some(),
        "site_address" => form.site_address.is_some(),
        "site_postcode" => form.site_postcode.is_some(),
        "requested_derogations" => !form.derogations.is_empty(),
        "need_for_derogation" => form.need_for_derogation.is_some(),
        "community_ownership_pct" => form.community_ownership_pct.is_some(),
        "estimated_annual_co2e_tonnes" => form.estimated_annual_co2e_tonnes.is_some(),
        "safeguards" => form.safeguards.is_some(),
        "exit_plan" => form.exit_plan.is_some(),
        _ => false,
    }
}

/// Completed when every field the section asks for is answered, not started when none is.
pub fn progress(form: &ApplicationForm, section: Section) -> Progress {
    let asked: Vec<&str> = section.fields().iter().copied().filter(|f| *f != "title").collect();
    let answered = asked.iter().filter(|f| filled(form, f)).count();
    match answered {
        0 => Progress::NotStarted,
        n if n == asked.len() => Progress::Completed,
        _ => Progress::InProgress,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application::DerogationRequest;

    #[test]
    fn a_section_is_not_started_in_progress_or_completed() {
        let mut form = ApplicationForm { title: "Heat pumps".into(), ..Default::default() };
        assert_eq!(progress(&form, Section::About), Progress::NotStarted, "a title alone starts nothing");
        form.safeguards = Some("Noise limits".into());
        assert_eq!(progress(&form, Section::Safeguards), Progress::InProgress);
        form.exit_plan = Some("Remove the kit".into());
        assert_eq!(progress(&form, Section::Safeguards), Progress::Completed);
        form.derogations.push(DerogationRequest {
            provision_code: "GPDO-A".into(),
            justification: "j".into(),
            scope: "s".into(),
        });
        assert_eq!(progress(&form, Section::Derogations), Progress::InProgress);
    }

    #[test]
    fn every_field_belongs_to_one_section() {
        assert_eq!(Section::of_field("requested_derogations[2].scope"), Some(Section::Derogations));
        assert_eq!(Section::of_field("zone_id"), Some(Section::Site));
        assert_eq!(Section::of_field("exit_plan"), Some(Section::Safeguards));
        for s in Section::ALL {
            assert_eq!(Section::from_slug(s.slug()), Some(s));
        }
    }
}
