//! Zones and the provisions catalogue: anyone reads them, admins change them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::json;

use super::input::catalogue::{NewProvision, NewZone};
use super::input::Parsed;
use super::tx::Expected;
use super::{AppContext, Page, PageRequest};
use crate::db::catalogue::{self as repo, ProvisionFields, ZoneFields};
use crate::db::models::{Provision, Zone};
use crate::db::{audit, DbConn};
use crate::domain::application::ZoneFacts;
use crate::domain::policy::{authorize, Action, Actor};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};

/// Refuses anyone the policy does not let manage these records (the forms' pages ask first).
pub fn must_manage(actor: &Actor) -> AppResult<()> {
    authorize(Some(actor), Action::ManageCatalogue).map_err(|r| AppError::refused(r, "manage zones and provisions"))
}

fn stale(current_version: i64) -> AppError {
    AppError::PreconditionFailed { current_version }
}

pub async fn list_provisions(ctx: &AppContext, include_retired: bool) -> AppResult<Vec<Provision>> {
    ctx.db.run(move |c| repo::list_provisions(c, include_retired).map_err(AppError::from)).await
}

/// The whole catalogue, retired provisions too, for an admin to manage.
pub async fn provisions_to_manage(ctx: &AppContext, actor: &Actor) -> AppResult<Vec<Provision>> {
    must_manage(actor)?;
    list_provisions(ctx, true).await
}

/// One provision, for an admin to change.
pub async fn provision_to_manage(ctx: &AppContext, actor: &Actor, code: String) -> AppResult<Provision> {
    must_manage(actor)?;
    get_provision(ctx, code).await
}

pub async fn get_provision(ctx: &AppContext, code: String) -> AppResult<Provision> {
    ctx.db
        .run(move |c| repo::find_provision(c, &code)?.ok_or_else(|| AppError::NotFound("no such provision".into())))
        .await
}

pub fn parse_code(raw: &str) -> Result<String, String> {
    // ASCII before capitals: `ß` would become `SS`.
    let code = raw.trim().to_ascii_uppercase();
    let ok = (3..=40).contains(&code.len())
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && code.starts_with(|c: char| c.is_ascii_alphabetic());
    if ok {
        Ok(code)
    } else {
        Err("must be 3 to 40 letters, digits and hyphens, starting with a letter (e.g. GPDO-SCH2-PT14-A)".into())
    }
}

pub async fn create_provision(ctx: &AppContext, actor: &Actor, input: Parsed<NewProvision>) -> AppResult<Provision> {
    must_manage(actor)?;
    let NewProvision { code, fields } = input?;
    let now = ctx.now();
    let actor_id = actor.user_id;
    ctx.db
        .write(move |c| {
            if repo::find_provision(c, &code)?.is_some() {
                return Err(AppError::Conflict {
                    detail: format!("a provision with code {code} already exists"),
                    errors: FieldErrors::single("code", "is already in the catalogue").0,
                    extra: None,
                });
            }
            let p = repo::insert_provision(c, &code, &fields, now)?;
            audit::append(
                c,
                audit::Entry {
                    stream: format!("provision:{}", p.code),
                    actor_user_id: Some(actor_id),
                    action: "provision.created",
                    from_status: None,
                    to_status: Some("current"),
                    details: json!({ "title": p.title, "max_trial_months": p.max_trial_months }),
                    public: true,
                    at: now,
                },
            )?;
            Ok(p)
        })
        .await
}

/// A partial change to a provision.
#[derive(Debug, Default, Clone)]
pub struct ProvisionPatch {
    pub title: Option<String>,
    pub legal_reference: Option<String>,
    pub summary: Option<String>,
    pub max_trial_months: Option<i32>,
    pub retired: Option<bool>,
}

pub async fn update_provision(
    ctx: &AppContext,
    actor: &Actor,
    code: String,
    expected: Expected,
    patch: Parsed<ProvisionPatch>,
) -> AppResult<Provision> {
    must_manage(actor)?;
    let now = ctx.now();
    let actor_id = actor.user_id;
    ctx.db
        .write(move |c| {
            let p = repo::find_provision(c, &code)?.ok_or_else(|| AppError::NotFound("no such provision".into()))?;
            expected.check(p.version)?;
            let patch = patch?;
            let expected_version = p.version;
            let fields = ProvisionFields {
                title: patch.title.clone().unwrap_or(p.title.clone()),
                legal_reference: patch.legal_reference.clone().unwrap_or(p.legal_reference.clone()),
                summary: patch.summary.clone().unwrap_or(p.summary.clone()),
                max_trial_months: patch.max_trial_months.unwrap_or(p.max_trial_months),
            };
            let retired_at = match patch.retired {
                Some(true) => p.retired_at.or(Some(now)),
                Some(false) => None,
                None => p.retired_at,
            };
            if !repo::update_provision(c, p.id, expected_version, &fields, retired_at, now)? {
                return Err(stale(p.version + 1));
            }
            let action = match (p.retired_at.is_some(), retired_at.is_some()) {
                (false, true) => "provision.retired",
                (true, false) => "provision.restored",
                _ => "provision.amended",
            };
            audit::append(
                c,
                audit::Entry {
                    stream: format!("provision:{}", p.code),
                    actor_user_id: Some(actor_id),
                    action,
                    from_status: None,
                    to_status: Some(if retired_at.is_some() { "retired" } else { "current" }),
                    details: json!({
                        "title": fields.title, "legal_reference": fields.legal_reference,
                        "max_trial_months": fields.max_trial_months,
                    }),
                    public: true,
                    at: now,
                },
            )?;
            repo::find_provision(c, &code)?.ok_or_else(|| AppError::NotFound("no such provision".into()))
        })
        .await
}

/// A zone with the codes of the provisions that may be derogated in it.
#[derive(Debug, Clone)]
pub struct ZoneView {
    pub zone: Zone,
    pub allowed_provisions: Vec<String>,
}

fn with_codes(c: &mut DbConn, zones: Vec<Zone>) -> diesel::QueryResult<Vec<ZoneView>> {
    let ids: Vec<i64> = zones.iter().map(|z| z.id).collect();
    let mut codes: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (zone_id, code) in repo::allowed_codes(c, &ids)? {
        codes.entry(zone_id).or_default().push(code);
    }
    Ok(zones
        .into_iter()
        .map(|z| {
            let allowed_provisions = codes.remove(&z.id).unwrap_or_default();
            ZoneView { zone: z, allowed_provisions }
        })
        .collect())
}

pub async fn list_zones(ctx: &AppContext, page: PageRequest) -> AppResult<Page<ZoneView>> {
    let cap = ctx.settings.lists.total_count_cap;
    ctx.db
        .run(move |c| {
            let zones = repo::list_zones(c, page.offset(), page.per_page)?;
            let counted = repo::count_zones(c, cap)?;
            Ok::<_, AppError>(Page::new(with_codes(c, zones)?, page, counted, cap))
        })
        .await
}

/// The zones, for an admin to manage.
pub async fn zones_to_manage(ctx: &AppContext, actor: &Actor, page: PageRequest) -> AppResult<Page<ZoneView>> {
    must_manage(actor)?;
    list_zones(ctx, page).await
}

/// One zone, for an admin to change.
pub async fn zone_to_manage(ctx: &AppContext, actor: &Actor, id: i64) -> AppResult<ZoneView> {
    must_manage(actor)?;
    get_zone(ctx, id).await
}

fn load_zone(c: &mut DbConn, id: i64) -> AppResult<ZoneView> {
    let zone = repo::find_zone(c, id)?.ok_or_else(|| AppError::NotFound("no such zone".into()))?;
    Ok(with_codes(c, vec![zone])?.remove(0))
}

pub async fn get_zone(ctx: &AppContext, id: i64) -> AppResult<ZoneView> {
    ctx.db.run(move |c| load_zone(c, id)).await
}

/// Resolves provision codes to ids; unknown or retired codes are named under `field`.
fn provision_ids(c: &mut DbConn, codes: &[String], field: &str) -> AppResult<Vec<i64>> {
    let found = repo::provisions_by_codes(c, codes)?;
    let mut errors = FieldErrors::new();
    let mut ids = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        match found.iter().find(|p| &p.code == code) {
            None => errors.add(format!("{field}[{i}]"), format!("'{code}' is not in the provisions catalogue")),
            Some(p) if p.retired_at.is_some() => {
                errors.add(format!("{field}[{i}]"), format!("'{code}' has been retired"))
            }
            Some(p) => ids.push(p.id),
        }
    }
    errors.into_result()?;
    Ok(ids)
}

pub fn check_zone_fields(f: &ZoneFields) -> FieldErrors {
    let mut e = FieldErrors::new();
    if let (Some(a), Some(b)) = (f.window_opens_on, f.window_closes_on) {
        if b < a {
            e.add("window_closes_on", "must not be before the window opens");
        }
    }
    if !(0.0..=100.0).contains(&f.min_community_ownership_pct) || !f.min_community_ownership_pct.is_finite() {
        e.add("min_community_ownership_pct", "must be a number from 0 to 100");
    }
    e
}

pub async fn create_zone(ctx: &AppContext, actor: &Actor, input: Parsed<NewZone>) -> AppResult<ZoneView> {
    must_manage(actor)?;
    let NewZone { fields, allowed_provisions: allowed } = input?;
    check_zone_fields(&fields).into_result()?;
    let now = ctx.now();
    let actor_id = actor.user_id;
    ctx.db
        .write(move |c| {
            let ids = provision_ids(c, &allowed, "allowed_provisions")?;
            let zone = repo::insert_zone(c, &fields, now)?;
            repo::set_zone_provisions(c, zone.id, &ids)?;
            audit::append(
                c,
                audit::Entry {
                    stream: format!("zone:{}", zone.id),
                    actor_user_id: Some(actor_id),
                    action: "zone.created",
                    from_status: None,
                    to_status: Some(if zone.is_open { "open" } else { "closed" }),
                    details: json!({ "name": zone.name, "lpa_code": zone.lpa_code, "allowed_provisions": allowed }),
                    public: true,
                    at: now,
                },
            )?;
            load_zone(c, zone.id)
        })
        .await
}

/// A partial change to a zone. `Some(None)` clears an optional date.
#[derive(Debug, Default, Clone)]
pub struct ZonePatch {
    pub name: Option<String>,
    pub lpa_code: Option<String>,
    pub lpa_name: Option<String>,
    pub climate_emergency_declared_on: Option<Option<NaiveDate>>,
    pub is_open: Option<bool>,
    pub window_opens_on: Option<Option<NaiveDate>>,
    pub window_closes_on: Option<Option<NaiveDate>>,
    pub min_community_ownership_pct: Option<f64>,
    pub allowed_provisions: Option<Vec<String>>,
}

pub async fn update_zone(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    patch: Parsed<ZonePatch>,
) -> AppResult<ZoneView> {
    must_manage(actor)?;
    let now = ctx.now();
    let actor_id = actor.user_id;
    ctx.db
        .write(move |c| {
            let z = repo::find_zone(c, id)?.ok_or_else(|| AppError::NotFound("no such zone".into()))?;
            expected.check(z.version)?;
            let patch = patch?;
            let expected_version = z.version;
            let fields = ZoneFields {
                name: patch.name.clone().unwrap_or(z.name.clone()),
                lpa_code: patch.lpa_code.clone().unwrap_or(z.lpa_code.clone()),
                lpa_name: patch.lpa_name.clone().unwrap_or(z.lpa_name.clone()),
                climate_emergency_declared_on: patch
                    .climate_emergency_declared_on
                    .unwrap_or(z.climate_emergency_declared_on),
                is_open: patch.is_open.unwrap_or(z.is_open),
                window_opens_on: patch.window_opens_on.unwrap_or(z.window_opens_on),
                window_closes_on: patch.window_closes_on.unwrap_or(z.window_closes_on),
                min_community_ownership_pct: patch.min_community_ownership_pct.unwrap_or(z.min_community_ownership_pct),
            };
            check_zone_fields(&fields).into_result()?;
            if let Some(codes) = &patch.allowed_provisions {
                let ids = provision_ids(c, codes, "allowed_provisions")?;
                repo::set_zone_provisions(c, id, &ids)?;
            }
            if !repo::update_zone(c, id, expected_version, &fields, now)? {
                return Err(stale(z.version + 1));
            }
            audit::append(
                c,
                audit::Entry {
                    stream: format!("zone:{id}"),
                    actor_user_id: Some(actor_id),
                    action: "zone.amended",
                    from_status: Some(if z.is_open { "open" } else { "closed" }),
                    to_status: Some(if fields.is_open { "open" } else { "closed" }),
                    details: json!({ "name": fields.name, "allowed_provisions": patch.allowed_provisions }),
                    public: true,
                    at: now,
                },
            )?;
            load_zone(c, id)
        })
        .await
}

/// A zone taking applications today, with the provisions it allows in full.
#[derive(Debug, Clone)]
pub struct OpenZone {
    pub zone: Zone,
    pub provisions: Vec<Provision>,
}

/// The zones an innovator can apply to today (the submission check's own rule), with the
/// provisions each allows.
pub async fn open_zones(ctx: &AppContext) -> AppResult<Vec<OpenZone>> {
    let today = crate::app::register::today(ctx);
    let zones = list_zones(ctx, PageRequest { page: 1, per_page: 200 }).await?;
    let provisions = list_provisions(ctx, false).await?;
    Ok(zones
        .items
        .into_iter()
        .filter(|z| zone_facts(&z.zone, Default::default()).accepting_on(today).is_ok())
        .map(|z| OpenZone {
            provisions: provisions.iter().filter(|p| z.allowed_provisions.contains(&p.code)).cloned().collect(),
            zone: z.zone,
        })
        .collect())
}

/// The provisions a zone allows, in full.
pub async fn allowed_provisions(ctx: &AppContext, zone_id: i64) -> AppResult<Vec<Provision>> {
    let zone = get_zone(ctx, zone_id).await?;
    let provisions = list_provisions(ctx, false).await?;
    Ok(provisions.into_iter().filter(|p| zone.allowed_provisions.contains(&p.code)).collect())
}

/// What the submission check needs to know about a zone.
pub fn zone_facts(z: &Zone, allowed_provisions: std::collections::BTreeSet<String>) -> ZoneFacts {
    ZoneFacts {
        id: z.id,
        is_open: z.is_open,
        window_opens_on: z.window_opens_on,
        window_closes_on: z.window_closes_on,
        min_community_ownership_pct: z.min_community_ownership_pct,
        allowed_provisions,
    }
}
