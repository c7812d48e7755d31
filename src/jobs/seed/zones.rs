//! The demo zones and what may be tried in them: each zone lies in one real planning authority and
//! its sites get postcodes of that authority's postcode districts; each allows the catalogue
//! provisions its theme needs; and a case's intervention is one that some of those provisions fit,
//! and it requests only provisions that fit it.
//!
//! The service keeps no postcode areas on a zone and does not match provisions to interventions
//! (an innovator may argue for any provision the zone allows), so these two rules are the demo's
//! own. They are written against the default catalogue's codes: a code the catalogue does not have
//! (or has retired) is left out, and a zone with nothing left allows the first provisions of the
//! catalogue for interventions of the kind "other".

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use crate::db::{catalogue, DbConn, DbError};
use crate::domain::application::ZoneFacts;
use crate::domain::case::Intervention;

/// A demo zone: name, authority (code and name), climate emergency declared on, community
/// ownership minimum, the postcode districts and streets of its sites, and the provisions it
/// allows. `closed_days_ago`: the zone's application window closed that many days before today.
struct ZoneSpec {
    name: &'static str,
    lpa_code: &'static str,
    lpa_name: &'static str,
    declared: Option<&'static str>,
    min_ownership: f64,
    districts: &'static [&'static str],
    streets: &'static [&'static str],
    provisions: &'static [&'static str],
    closed_days_ago: Option<i64>,
}

const ZONES: [ZoneSpec; 6] = [
    ZoneSpec {
        name: "Bristol Harbourside Net Zero Zone",
        lpa_code: "E06000023",
        lpa_name: "Bristol City Council",
        declared: Some("2018-11-13"),
        min_ownership: 10.0,
        districts: &["BS1", "BS3"],
        streets: &["Narrow Quay", "Wapping Road", "Coronation Road", "Cumberland Road"],
        provisions: &[
            "GPDO-SCH2-PT14-J",
            "GPDO-SCH2-PT14-K",
            "GPDO-SCH2-PT2-D",
            "GPDO-SCH2-PT2-E",
            "GPDO-SCH2-PT14-G",
            "GPDO-ART2-3",
            "TCPA-1990-S57",
        ],
        closed_days_ago: None,
    },
    ZoneSpec {
        name: "Frome Community Energy Zone",
        lpa_code: "E06000066",
        lpa_name: "Somerset Council",
        declared: Some("2019-02-26"),
        min_ownership: 25.0,
        districts: &["BA11"],
        streets: &["Catherine Hill", "Vallis Way", "Keyford", "Badcox"],
        provisions: &["GPDO-SCH2-PT14-A", "GPDO-SCH2-PT14-B", "GPDO-SCH2-PT14-H", "GPDO-SCH2-PT14-C", "TCPA-1990-S57"],
        closed_days_ago: None,
    },
    ZoneSpec {
        name: "Leeds Retrofit Streets",
        lpa_code: "E08000035",
        lpa_name: "Leeds City Council",
        declared: Some("2019-03-27"),
        min_ownership: 0.0,
        districts: &["LS6", "LS7", "LS8"],
        streets: &["Brudenell Road", "Chapeltown Road", "Harehills Lane", "Cardigan Road"],
        provisions: &["GPDO-ART2-3", "GPDO-ART4", "LBCA-1990-S7", "GPDO-SCH2-PT14-G", "GPDO-SCH2-PT14-A"],
        closed_days_ago: None,
    },
    ZoneSpec {
        name: "Brixton Solar Terraces",
        lpa_code: "E09000022",
        lpa_name: "London Borough of Lambeth",
        declared: Some("2019-01-22"),
        min_ownership: 15.0,
        districts: &["SW2", "SW9"],
        streets: &["Railton Road", "Mayall Road", "Coldharbour Lane", "Brixton Water Lane"],
        provisions: &["GPDO-SCH2-PT14-A", "GPDO-SCH2-PT14-B", "GPDO-ART2-3", "LBCA-1990-S7", "GPDO-SCH2-PT2-D"],
        closed_days_ago: None,
    },
    ZoneSpec {
        name: "Cornwall Heat Network Pilot",
        lpa_code: "E06000052",
        lpa_name: "Cornwall Council",
        declared: Some("2019-01-22"),
        min_ownership: 20.0,
        districts: &["TR1", "TR15", "PL25"],
        streets: &["Lemon Street", "Fore Street", "Trevithick Road", "Truro Road"],
        provisions: &["TCPA-1990-S57", "GPDO-SCH2-PT14-C", "GPDO-SCH2-PT14-D", "LBCA-1990-S74", "GPDO-ART4"],
        closed_days_ago: None,
    },
    ZoneSpec {
        name: "Oxford Low Carbon Hub",
        lpa_code: "E07000178",
        lpa_name: "Oxford City Council",
        declared: None,
        min_ownership: 30.0,
        districts: &["OX4", "OX1"],
        streets: &["Cowley Road", "Iffley Road", "St Aldate's", "Between Towns Road"],
        provisions: &["GPDO-SCH2-PT14-J", "GPDO-SCH2-PT2-D", "GPDO-SCH2-PT2-E", "TCPA-1990-S57", "GPDO-ART4"],
        closed_days_ago: Some(200),
    },
];

/// The catalogue provisions that fit an intervention, most specific first: what a trial of that
/// kind would need to derogate from.
pub(super) fn fitting_codes(intervention: Intervention) -> &'static [&'static str] {
    match intervention {
        Intervention::SolarPv => &[
            "GPDO-SCH2-PT14-A",
            "GPDO-SCH2-PT14-J",
            "GPDO-SCH2-PT14-B",
            "GPDO-SCH2-PT14-K",
            "GPDO-ART2-3",
            "LBCA-1990-S7",
        ],
        Intervention::HeatPump => {
            &["GPDO-SCH2-PT14-G", "GPDO-SCH2-PT14-C", "GPDO-SCH2-PT14-D", "GPDO-ART2-3", "LBCA-1990-S7"]
        }
        Intervention::EvCharging => &["GPDO-SCH2-PT2-D", "GPDO-SCH2-PT2-E", "GPDO-ART4"],
        Intervention::BatteryStorage => &["TCPA-1990-S57", "GPDO-ART4"],
        Intervention::Retrofit => &["GPDO-ART2-3", "GPDO-ART4", "LBCA-1990-S7", "LBCA-1990-S74"],
        Intervention::CommunityWind => &["GPDO-SCH2-PT14-H", "TCPA-1990-S57"],
        Intervention::HeatNetwork => &["TCPA-1990-S57", "LBCA-1990-S74", "GPDO-ART4"],
        Intervention::Other => &["TCPA-1990-S57"],
    }
}

/// A provision as the seeder uses it: id, code, longest trial in months.
pub(super) type SeedProvision = (i64, String, i32);

/// A seeded zone: its facts as submission checks them, its sites' districts and streets, and for
/// each intervention it suits, the allowed provisions that fit it (most specific first).
pub(super) struct SeedZone {
    pub(super) facts: ZoneFacts,
    pub(super) districts: &'static [&'static str],
    pub(super) streets: &'static [&'static str],
    pub(super) interventions: Vec<(Intervention, Vec<SeedProvision>)>,
}

impl SeedZone {
    /// Whether the zone took applications on `day`, as submission checks it.
    pub(super) fn accepting_on(&self, day: NaiveDate) -> bool {
        self.facts.accepting_on(day).is_ok()
    }
}

/// Inserts the demo zones with the provisions each allows.
pub(super) fn insert_zones(c: &mut DbConn, now: NaiveDateTime, today: NaiveDate) -> Result<Vec<SeedZone>, DbError> {
    let catalogue: Vec<SeedProvision> =
        catalogue::list_provisions(c, false)?.into_iter().map(|p| (p.id, p.code, p.max_trial_months)).collect();
    let mut zones = Vec::new();
    for spec in &ZONES {
        let mut allowed: Vec<&SeedProvision> =
            spec.provisions.iter().filter_map(|code| catalogue.iter().find(|p| p.1 == *code)).collect();
        if allowed.is_empty() {
            allowed = catalogue.iter().take(5).collect();
        }
        let window_closes_on = spec.closed_days_ago.map(|d| today - TimeDelta::days(d));
        let zone = catalogue::insert_zone(
            c,
            &catalogue::ZoneFields {
                name: spec.name.to_string(),
                lpa_code: spec.lpa_code.to_string(),
                lpa_name: spec.lpa_name.to_string(),
                climate_emergency_declared_on: spec
                    .declared
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
                is_open: true,
                window_opens_on: None,
                window_closes_on,
                min_community_ownership_pct: spec.min_ownership,
            },
            now,
        )?;
        catalogue::set_zone_provisions(c, zone.id, &allowed.iter().map(|a| a.0).collect::<Vec<_>>())?;
        let mut interventions: Vec<(Intervention, Vec<SeedProvision>)> = Intervention::ALL
            .iter()
            .map(|i| {
                let fit = fitting_codes(*i)
                    .iter()
                    .filter_map(|code| allowed.iter().find(|p| p.1 == *code).map(|p| (*p).clone()))
                    .collect::<Vec<_>>();
                (*i, fit)
            })
            .filter(|(_, fit)| !fit.is_empty())
            .collect();
        if interventions.is_empty() {
            interventions.push((Intervention::Other, allowed.iter().map(|p| (*p).clone()).collect()));
        }
        zones.push(SeedZone {
            facts: ZoneFacts {
                id: zone.id,
                is_open: zone.is_open,
                window_opens_on: zone.window_opens_on,
                window_closes_on: zone.window_closes_on,
                min_community_ownership_pct: zone.min_community_ownership_pct,
                allowed_provisions: allowed.iter().map(|p| p.1.clone()).collect(),
            },
            districts: spec.districts,
            streets: spec.streets,
            interventions,
        });
    }
    Ok(zones)
}

/// The letters a postcode's inward code uses (never C, I, K, M, O or V).
const INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

/// A postcode in `district`, from three draws: the sector digit and the unit's two letters.
pub(super) fn postcode(district: &str, sector: u32, a: usize, b: usize) -> String {
    let letter = |i: usize| INWARD_LETTERS[i % INWARD_LETTERS.len()] as char;
    format!("{district} {}{}{}", sector % 10, letter(a), letter(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application::Postcode;

    #[test]
    fn every_zone_allows_provisions_that_fit_some_intervention() {
        for spec in &ZONES {
            let fits =
                Intervention::ALL.iter().any(|i| fitting_codes(*i).iter().any(|code| spec.provisions.contains(code)));
            assert!(fits, "{}", spec.name);
        }
    }

    #[test]
    fn demo_postcodes_parse_into_their_district() {
        for spec in &ZONES {
            for district in spec.districts {
                let p = Postcode::parse(&postcode(district, 7, 3, 11)).unwrap();
                assert_eq!(&p.district, district);
            }
        }
    }
}
