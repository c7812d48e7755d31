//! A draft: choosing the zone, the task list, one page per section (save and continue), check
//! your answers, submit, and the confirmation. Every save goes through the API's own parse
//! ([`ApplicationRequest::parse`]) and use-case (`cases::update_draft`): the section's answers
//! replace its fields and the rest of the draft is sent back as it is.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::{case_json, expected, refusal_notice, with_notice};
use crate::app::cases::{self, CaseView};
use crate::app::catalogue::{self, OpenZone};
use crate::app::input::application::ApplicationRequest;
use crate::app::input::Field;
use crate::app::lifecycle;
use crate::app::AppContext;
use crate::domain::application::sections::{progress, Progress, Section};
use crate::domain::case::Intervention;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::fields::{self, date_parts};
use crate::web::format::label;
use crate::web::forms::{capitalise, field, invalid, page_status, redirect, Form, Pairs};
use crate::web::session::{SignedIn, Visitor};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/applications/new").route(web::get().to(new_page)).route(web::post().to(create)))
        .service(web::resource("/applications/{id}/check-answers").route(web::get().to(check_answers)))
        .service(web::resource("/applications/{id}/submit").route(web::post().to(submit)))
        .service(web::resource("/applications/{id}/submitted").route(web::get().to(submitted)));
}

pub fn section_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/applications/{id}/{section}").route(web::get().to(section_page)).route(web::post().to(save)),
    );
}

fn zone_json(z: &OpenZone) -> Value {
    json!({
        "id": z.zone.id, "name": z.zone.name, "authority": z.zone.lpa_name,
        "opens": z.zone.window_opens_on, "closes": z.zone.window_closes_on,
        "min_ownership": z.zone.min_community_ownership_pct,
        "provisions": z.provisions.iter().map(|p| json!({"code": p.code, "title": p.title})).collect::<Vec<_>>(),
    })
}

async fn new_context(ctx: &AppContext, pairs: &Pairs) -> AppResult<Value> {
    let zones = catalogue::open_zones(ctx).await?;
    Ok(json!({
        "zones": zones.iter().map(zone_json).collect::<Vec<_>>(),
        "form": { "zone_id": field(pairs, "zone_id"), "title": field(pairs, "title") },
    }))
}

async fn new_page(ctx: web::Data<AppContext>, who: SignedIn) -> AppResult<HttpResponse> {
    let context = new_context(&ctx, &Vec::new()).await?;
    page_status(&who.visitor, StatusCode::OK, "applications/new.html", context)
}

const NEW_LABELS: &[(&str, &str)] = &[("zone_id", "The zone"), ("title", "The project's title")];

async fn create(ctx: web::Data<AppContext>, who: SignedIn, Form(pairs): Form<Pairs>) -> AppResult<HttpResponse> {
    let mut request = ApplicationRequest::from(&crate::domain::application::ApplicationForm::default());
    request.title = fields::text(field(&pairs, "title"));
    request.zone_id = match fields::whole_number(field(&pairs, "zone_id")) {
        Field::Null => Field::Missing,
        other => other,
    };
    // The page starts a draft with its zone chosen; the API lets a draft choose it later.
    let mut page_errors = FieldErrors::new();
    if request.zone_id.is_missing() {
        page_errors.add("zone_id", "must be chosen: choose the zone your project is in");
    }
    let parsed = request.parse();
    let errors = match (&parsed, page_errors.is_empty()) {
        (Ok(_), true) => None,
        (Ok(_), false) => Some(page_errors),
        (Err(e), _) => {
            let mut all = page_errors;
            all.0.extend(e.0.iter().cloned());
            Some(all)
        }
    };
    if let Some(e) = errors {
        let context = new_context(&ctx, &pairs).await?;
        return invalid(&who.visitor, "applications/new.html", &e, NEW_LABELS, context);
    }
    let view = cases::create(&ctx, who.actor(), parsed).await?;
    crate::web::forms::done(&ctx, &who.visitor, &format!("/applications/{}", view.app.id), "Your draft has been saved")
        .await
}

/// The task list of a draft.
pub fn task_list(v: &Visitor, view: &CaseView, notice: Option<&str>) -> AppResult<HttpResponse> {
    let form = view.form();
    let sections: Vec<Value> = Section::ALL
        .iter()
        .map(|s| {
            let p = progress(&form, *s);
            json!({ "slug": s.slug(), "title": s.title(), "progress": p.label(), "done": p == Progress::Completed })
        })
        .collect();
    let completed = sections.iter().filter(|s| s["done"] == true).count();
    let context = json!({
        "case": case_json(view), "sections": sections, "completed": completed, "total": Section::ALL.len(),
    });
    page_status(v, StatusCode::OK, "applications/task_list.html", with_notice(context, notice))
}

/// The labels a section's fields are named by in its error messages.
const LABELS: &[(&str, &str)] = &[
    ("title", "The project's title"),
    ("summary", "The summary"),
    ("intervention", "The kind of project"),
    ("innovation_statement", "What is new"),
    ("proposed_start_date", "The start date"),
    ("proposed_duration_months", "The length of the trial"),
    ("site_address", "The site address"),
    ("site_postcode", "The postcode"),
    ("zone_id", "The zone"),
    ("requested_derogations", "The derogations"),
    ("need_for_derogation", "Why the rules block the project"),
    ("community_ownership_pct", "The community's share"),
    ("estimated_annual_co2e_tonnes", "The carbon saving"),
    ("safeguards", "The safeguards"),
    ("exit_plan", "The exit plan"),
];

async fn load_draft(ctx: &AppContext, who: &SignedIn, id: i64) -> AppResult<CaseView> {
    cases::get(ctx, who.actor(), id).await
}

/// The section page's boxes, from the stored draft or from what was posted.
fn section_values(view: &CaseView, posted: Option<&Pairs>) -> Value {
    let app = &view.app;
    if let Some(p) = posted {
        let mut map = serde_json::Map::new();
        for (k, v) in p {
            map.entry(k.clone()).or_insert_with(|| json!(v));
        }
        let chosen: Vec<&str> = p.iter().filter(|(k, _)| k == "provisions").map(|(_, v)| v.as_str()).collect();
        map.insert("provisions".into(), json!(chosen));
        map.insert(
            "proposed_start_date".into(),
            json!({"day": field(p, "proposed_start_date-day"), "month": field(p, "proposed_start_date-month"), "year": field(p, "proposed_start_date-year")}),
        );
        return Value::Object(map);
    }
    let mut values = json!({
        "title": app.title, "summary": app.summary, "intervention": app.intervention.map(|i| i.as_str()),
        "innovation_statement": app.innovation_statement, "proposed_start_date": date_parts(app.proposed_start_date),
        "proposed_duration_months": app.proposed_duration_months, "site_address": app.site_address,
        "site_postcode": app.site_postcode, "need_for_derogation": app.need_for_derogation,
        "community_ownership_pct": app.community_ownership_pct, "estimated_annual_co2e_tonnes": app.estimated_annual_co2e_tonnes,
        "safeguards": app.safeguards, "exit_plan": app.exit_plan,
        "provisions": view.requested.iter().map(|(_, p)| p.code.clone()).collect::<Vec<_>>(),
    });
    if let Some(m) = values.as_object_mut() {
        for (r, p) in &view.requested {
            m.insert(format!("justification-{}", p.code), json!(r.justification));
            m.insert(format!("scope-{}", p.code), json!(r.scope));
        }
    }
    values
}

async fn section_context(
    ctx: &AppContext,
    view: &CaseView,
    section: Section,
    posted: Option<&Pairs>,
) -> AppResult<Value> {
    let mut provisions = Vec::new();
    if section == Section::Derogations {
        if let Some(zone) = &view.zone {
            let allowed = catalogue::allowed_provisions(ctx, zone.id).await?;
            provisions = allowed
                .iter()
                .map(|p| json!({"code": p.code, "title": p.title, "summary": p.summary, "legal_reference": p.legal_reference, "max_trial_months": p.max_trial_months}))
                .collect();
        }
    }
    let interventions: Vec<Value> =
        Intervention::ALL.iter().map(|i| json!({"value": i.as_str(), "text": label(i.as_str())})).collect();
    Ok(json!({
        "case": case_json(view), "section": { "slug": section.slug(), "title": section.title() },
        "values": section_values(view, posted), "provisions": provisions, "interventions": interventions,
    }))
}

fn section_of(slug: &str) -> AppResult<Section> {
    Section::from_slug(slug).ok_or_else(|| AppError::NotFound("no such page".into()))
}

async fn section_page(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, String)>,
) -> AppResult<HttpResponse> {
    let (id, slug) = path.into_inner();
    let section = section_of(&slug)?;
    let view = load_draft(&ctx, &who, id).await?;
    if view.app.status != crate::domain::case::Status::Draft {
        return Ok(redirect(&format!("/applications/{id}")));
    }
    let context = section_context(&ctx, &view, section, None).await?;
    page_status(&who.visitor, StatusCode::OK, "applications/section.html", context)
}

/// The draft's body with this section's answers in place of its fields.
fn request_with(view: &CaseView, section: Section, p: &Pairs) -> (ApplicationRequest, Vec<String>) {
    let mut r = ApplicationRequest::from(&view.form());
    let mut chosen = Vec::new();
    match section {
        Section::About => {
            r.title = fields::text(field(p, "title"));
            r.summary = fields::text(field(p, "summary"));
            r.intervention = fields::text(field(p, "intervention"));
            r.innovation_statement = fields::text(field(p, "innovation_statement"));
            r.proposed_start_date = fields::date(
                field(p, "proposed_start_date-day"),
                field(p, "proposed_start_date-month"),
                field(p, "proposed_start_date-year"),
            );
            r.proposed_duration_months = fields::whole_number(field(p, "proposed_duration_months"));
        }
        Section::Site => {
            r.site_address = fields::text(field(p, "site_address"));
            r.site_postcode = fields::text(field(p, "site_postcode"));
        }
        Section::Derogations => {
            chosen = p.iter().filter(|(k, _)| k == "provisions").map(|(_, v)| v.clone()).collect();
            r.requested_derogations = Field::Value(
                chosen
                    .iter()
                    .map(|code| {
                        let or_null = |s: &str| if s.trim().is_empty() { Value::Null } else { json!(s.trim()) };
                        json!({
                            "provision_code": code,
                            "justification": or_null(field(p, &format!("justification-{code}"))),
                            "scope": or_null(field(p, &format!("scope-{code}"))),
                        })
                    })
                    .collect(),
            );
            r.need_for_derogation = fields::text(field(p, "need_for_derogation"));
        }
        Section::CommunityBenefit => {
            r.community_ownership_pct = fields::number(field(p, "community_ownership_pct"));
            r.estimated_annual_co2e_tonnes = fields::number(field(p, "estimated_annual_co2e_tonnes"));
        }
        Section::Safeguards => {
            r.safeguards = fields::text(field(p, "safeguards"));
            r.exit_plan = fields::text(field(p, "exit_plan"));
        }
    }
    (r, chosen)
}

/// Errors about the n-th requested derogation are shown on that provision's boxes.
fn on_page(errors: FieldErrors, chosen: &[String]) -> FieldErrors {
    let mut out = FieldErrors::new();
    for e in errors.0 {
        let renamed = e.field.strip_prefix("requested_derogations[").and_then(|rest| {
            let (index, field) = rest.split_once("].")?;
            let code = chosen.get(index.parse::<usize>().ok()?)?;
            Some(format!("{field}-{code}"))
        });
        let message = match &renamed {
            Some(f) if f.starts_with("justification-") => format!("The justification {}", e.message),
            Some(_) => format!("The scope {}", e.message),
            None => e.message.clone(),
        };
        match renamed {
            Some(f) => out.add(f, capitalise(&message)),
            None => out.add(e.field, e.message),
        }
    }
    out
}

async fn save(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, String)>,
    Form(pairs): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let (id, slug) = path.into_inner();
    let section = section_of(&slug)?;
    let view = load_draft(&ctx, &who, id).await?;
    let (request, chosen) = request_with(&view, section, &pairs);
    match cases::update_draft(&ctx, who.actor(), id, expected(Some(field(&pairs, "version"))), request.parse()).await {
        Ok(_) => Ok(redirect(&format!("/applications/{id}"))),
        Err(AppError::Validation(e)) => {
            let context = section_context(&ctx, &view, section, Some(&pairs)).await?;
            invalid(&who.visitor, "applications/section.html", &on_page(e, &chosen), LABELS, context)
        }
        Err(e) => match refusal_notice(&e) {
            Some(notice) => {
                let view = load_draft(&ctx, &who, id).await?;
                let context = section_context(&ctx, &view, section, Some(&pairs)).await?;
                page_status(
                    &who.visitor,
                    StatusCode::CONFLICT,
                    "applications/section.html",
                    with_notice(context, Some(notice)),
                )
            }
            None => Err(e),
        },
    }
}

/// Each section as summary rows with a Change link.
fn answers(view: &CaseView) -> Value {
    let app = &view.app;
    let rows = |section: Section, rows: Vec<(&str, Value)>| {
        json!({ "slug": section.slug(), "title": section.title(),
                "rows": rows.into_iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>() })
    };
    json!([
        rows(
            Section::About,
            vec![
                ("Title", json!(app.title)),
                ("Summary", json!(app.summary)),
                ("Kind of project", json!(app.intervention.map(|i| label(i.as_str())))),
                ("What is new", json!(app.innovation_statement)),
                ("Start date", json!(app.proposed_start_date)),
                ("Length of the trial", json!(app.proposed_duration_months.map(|m| format!("{m} months")))),
            ]
        ),
        rows(
            Section::Site,
            vec![
                ("Zone", json!(view.zone.as_ref().map(|z| z.name.clone()))),
                ("Address", json!(app.site_address)),
                ("Postcode", json!(app.site_postcode)),
            ]
        ),
        rows(Section::Derogations, {
            let mut r: Vec<(&str, Value)> = view
                .requested
                .iter()
                .map(|(d, p)| {
                    ("Derogation", json!(format!("{} – {}: {} (scope: {})", p.code, p.title, d.justification, d.scope)))
                })
                .collect();
            if r.is_empty() {
                r.push(("Derogations", Value::Null));
            }
            r.push(("Why the rules block the project", json!(app.need_for_derogation)));
            r
        }),
        rows(
            Section::CommunityBenefit,
            vec![
                ("Community ownership", json!(app.community_ownership_pct.map(|p| format!("{p}%")))),
                ("Carbon saving a year", json!(app.estimated_annual_co2e_tonnes.map(|t| format!("{t} tonnes CO2e")))),
            ]
        ),
        rows(Section::Safeguards, vec![("Safeguards", json!(app.safeguards)), ("Exit plan", json!(app.exit_plan))]),
    ])
}

async fn check_answers(ctx: web::Data<AppContext>, who: SignedIn, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let view = load_draft(&ctx, &who, id.into_inner()).await?;
    if view.app.status != crate::domain::case::Status::Draft {
        return Ok(redirect(&format!("/applications/{}", view.app.id)));
    }
    page_status(
        &who.visitor,
        StatusCode::OK,
        "applications/check_answers.html",
        json!({ "case": case_json(&view), "answers": answers(&view) }),
    )
}

async fn submit(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    id: web::Path<i64>,
    Form(pairs): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    match lifecycle::submit(&ctx, who.actor(), id, expected(Some(field(&pairs, "version")))).await {
        Ok(_) => Ok(redirect(&format!("/applications/{id}/submitted"))),
        Err(AppError::Validation(e)) => {
            let view = load_draft(&ctx, &who, id).await?;
            // Each problem links to the section page that fixes it.
            let mut list = Vec::new();
            for err in &e.0 {
                let section = Section::of_field(&err.field).unwrap_or(Section::About);
                let label =
                    LABELS.iter().find(|(f, _)| *f == err.field.split('[').next().unwrap_or("")).map(|(_, l)| *l);
                let text = match label {
                    Some(l) => format!("{l} {}", err.message),
                    None => capitalise(&err.message),
                };
                list.push(json!({ "text": format!("{}: {text}", section.title()), "href": format!("/applications/{id}/{}", section.slug()) }));
            }
            let context = json!({ "case": case_json(&view), "answers": answers(&view), "errors": list });
            page_status(&who.visitor, StatusCode::UNPROCESSABLE_ENTITY, "applications/check_answers.html", context)
        }
        Err(e) => match refusal_notice(&e) {
            Some(notice) => {
                let view = load_draft(&ctx, &who, id).await?;
                let context = json!({ "case": case_json(&view), "answers": answers(&view) });
                page_status(
                    &who.visitor,
                    StatusCode::CONFLICT,
                    "applications/check_answers.html",
                    with_notice(context, Some(notice)),
                )
            }
            None => Err(e),
        },
    }
}

async fn submitted(ctx: web::Data<AppContext>, who: SignedIn, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let view = load_draft(&ctx, &who, id.into_inner()).await?;
    page_status(&who.visitor, StatusCode::OK, "applications/submitted.html", json!({ "case": case_json(&view) }))
}
