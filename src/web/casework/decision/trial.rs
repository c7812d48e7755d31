//! The trial's actions after the decision: start (a confirmation page), suspend, reinstate and
//! revoke (reasons, then a confirmation page), extend (a new end date within the provisions'
//! longest trial) and complete (the evaluation with a recommendation per derogated provision).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::{case_reasons_form, header_json, load, not_now, refused, step, Reasoned};
use crate::app::cases::CaseView;
use crate::app::input::decision::{CompleteBody, ExtendBody};
use crate::app::input::Field;
use crate::app::{lifecycle, AppContext};
use crate::domain::calendar::add_months;
use crate::domain::case::CaseAction;
use crate::domain::decision::RecommendationKind;
use crate::domain::monitoring::{MilestoneKind, MilestoneStatus};
use crate::domain::FieldErrors;
use crate::email::human_date;
use crate::error::{AppError, AppResult};
use crate::web::applications::expected;
use crate::web::fields;
use crate::web::format::label;
use crate::web::forms::{done, errors_json, field, merge, page_status, Form, Pairs};
use crate::web::session::SignedIn;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/casework/{id}/{action:refuse|suspend|reinstate|revoke}")
            .route(web::get().to(reasons_page))
            .route(web::post().to(reasons_post)),
    )
    .service(web::resource("/casework/{id}/start").route(web::get().to(start_page)).route(web::post().to(start)))
    .service(web::resource("/casework/{id}/extend").route(web::get().to(extend_page)).route(web::post().to(extend)))
    .service(
        web::resource("/casework/{id}/complete").route(web::get().to(complete_page)).route(web::post().to(complete)),
    );
}

fn reasoned(slug: &str) -> Reasoned {
    match slug {
        "refuse" => Reasoned::Refuse,
        "suspend" => Reasoned::Suspend,
        "reinstate" => Reasoned::Reinstate,
        _ => Reasoned::Revoke,
    }
}

async fn reasons_page(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, String)>,
) -> AppResult<HttpResponse> {
    let (id, slug) = path.into_inner();
    case_reasons_form(&ctx, &who, id, reasoned(&slug), None).await
}

async fn reasons_post(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, String)>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let (id, slug) = path.into_inner();
    case_reasons_form(&ctx, &who, id, reasoned(&slug), Some(&p)).await
}

/// Every posted field but the step, for the next page's hidden fields.
pub(super) fn carried(p: &Pairs) -> Vec<(String, String)> {
    p.iter().filter(|(k, _)| k != "action").cloned().collect()
}

async fn start_page(ctx: web::Data<AppContext>, who: SignedIn, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let view = load(&ctx, &who, id.into_inner()).await?;
    if !view.allowed_actions.contains(&CaseAction::Start) {
        return not_now(&who.visitor, &view, "start this trial");
    }
    let too_early = view.app.trial_start_date.filter(|d| *d > ctx.now().date());
    page_status(
        &who.visitor,
        StatusCode::OK,
        "casework/trial_start.html",
        json!({ "case": header_json(&view), "too_early": too_early }),
    )
}

async fn start(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    id: web::Path<i64>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    match lifecycle::start(&ctx, who.actor(), id, expected(Some(field(&p, "version")))).await {
        Ok(_) => done(&ctx, &who.visitor, &format!("/casework/{id}"), "Trial started").await,
        Err(e) => refused(&ctx, &who, id, e).await,
    }
}

/// The latest end date the granted provisions allow, and the one that sets it.
fn longest_end(view: &CaseView) -> Option<(chrono::NaiveDate, String)> {
    let start = view.app.trial_start_date?;
    view.requested
        .iter()
        .filter(|(r, _)| r.granted)
        .map(|(_, p)| (add_months(start, p.max_trial_months.max(0) as u32), p.title.clone()))
        .min_by_key(|(d, _)| *d)
}

fn extend_context(view: &CaseView, p: Option<&Pairs>) -> Value {
    let get = |name: &str| p.map(|p| field(p, name).to_string()).unwrap_or_default();
    let longest = longest_end(view);
    json!({
        "case": header_json(view),
        "version": p.map(|p| json!(field(p, "version"))).unwrap_or(json!(view.app.version)),
        "longest": longest.as_ref().map(|(d, _)| *d), "longest_by": longest.map(|(_, t)| t),
        "form": { "reasons": get("reasons"), "new_end_date": {
            "day": get("new_end_date-day"), "month": get("new_end_date-month"), "year": get("new_end_date-year") } },
        "carried": p.map(carried).unwrap_or_default(),
    })
}

async fn extend_page(ctx: web::Data<AppContext>, who: SignedIn, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let view = load(&ctx, &who, id.into_inner()).await?;
    if !view.allowed_actions.contains(&CaseAction::Extend) {
        return not_now(&who.visitor, &view, "extend this trial");
    }
    page_status(&who.visitor, StatusCode::OK, "casework/trial_extend.html", extend_context(&view, None))
}

fn extend_body(p: &Pairs) -> ExtendBody {
    ExtendBody {
        new_end_date: fields::date(
            field(p, "new_end_date-day"),
            field(p, "new_end_date-month"),
            field(p, "new_end_date-year"),
        ),
        reasons: fields::text(field(p, "reasons")),
    }
}

/// A message with its ISO dates ("until 2028-08-15", as the API says it) written for people.
fn human_dates(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(at) = rest.find(|c: char| c.is_ascii_digit()) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match rest.get(..10).and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
            Some(d) => {
                out.push_str(&human_date(d));
                rest = &rest[10..];
            }
            None => {
                let n = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
                out.push_str(&rest[..n]);
                rest = &rest[n..];
            }
        }
    }
    out.push_str(rest);
    out
}

const EXTEND_LABELS: [(&str, &str); 2] =
    [("new_end_date", "The new end date"), ("reasons", "The statement of reasons")];

async fn extend(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    id: web::Path<i64>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = load(&ctx, &who, id).await?;
    let with_errors = |e: &FieldErrors| {
        let mut readable = FieldErrors::new();
        for err in &e.0 {
            readable.add(err.field.clone(), human_dates(&err.message));
        }
        let mut context = extend_context(&view, Some(&p));
        merge(&mut context, errors_json(&readable, &EXTEND_LABELS));
        page_status(&who.visitor, StatusCode::UNPROCESSABLE_ENTITY, "casework/trial_extend.html", context)
    };
    match step(&p) {
        "change" => {
            page_status(&who.visitor, StatusCode::OK, "casework/trial_extend.html", extend_context(&view, Some(&p)))
        }
        "confirm" => match lifecycle::extend(
            &ctx,
            who.actor(),
            id,
            expected(Some(field(&p, "version"))),
            extend_body(&p).parse(),
        )
        .await
        {
            Ok(v) => {
                let until = v.app.trial_end_date.map(human_date).unwrap_or_default();
                done(&ctx, &who.visitor, &format!("/casework/{id}"), format!("Trial extended to {until}")).await
            }
            Err(AppError::Validation(e)) => with_errors(&e),
            Err(e) => refused(&ctx, &who, id, e).await,
        },
        _ => match lifecycle::extension_allowed(
            &ctx,
            who.actor(),
            id,
            expected(Some(field(&p, "version"))),
            extend_body(&p).parse(),
        )
        .await
        {
            Ok(x) => {
                let mut context = extend_context(&view, Some(&p));
                merge(&mut context, json!({ "confirming": true, "new_end": x.new_end_date }));
                page_status(&who.visitor, StatusCode::OK, "casework/trial_extend.html", context)
            }
            Err(AppError::Validation(e)) => with_errors(&e),
            Err(e) => refused(&ctx, &who, id, e).await,
        },
    }
}

/// The derogated provisions an evaluation recommends on, in the order of the form's rows.
fn granted(view: &CaseView) -> Vec<&crate::db::models::Provision> {
    view.requested.iter().filter(|(r, _)| r.granted).map(|(_, p)| p).collect()
}

fn complete_context(view: &CaseView, p: Option<&Pairs>) -> Value {
    let get = |name: &str| p.map(|p| field(p, name).to_string()).unwrap_or_default();
    let options: Vec<Value> =
        RecommendationKind::ALL.iter().map(|k| json!({ "value": k.as_str(), "text": label(k.as_str()) })).collect();
    let rows: Vec<Value> = granted(view)
        .iter()
        .enumerate()
        .map(|(i, prov)| {
            let rec = get(&format!("recommendations[{i}].recommendation"));
            json!({ "i": i, "code": prov.code, "title": prov.title,
                    "recommendation": rec, "recommendation_label": if rec.is_empty() { String::new() } else { label(&rec).into_owned() },
                    "rationale": get(&format!("recommendations[{i}].rationale")) })
        })
        .collect();
    json!({
        "case": header_json(view),
        "version": p.map(|p| json!(field(p, "version"))).unwrap_or(json!(view.app.version)),
        "options": options, "rows": rows,
        "form": { "outcomes": get("outcomes"), "lessons": get("lessons"),
                  "reported_annual_co2e_tonnes": get("reported_annual_co2e_tonnes") },
        "carried": p.map(carried).unwrap_or_default(),
    })
}

fn complete_body(view: &CaseView, p: &Pairs) -> CompleteBody {
    let or_null = |s: &str| if s.trim().is_empty() { Value::Null } else { json!(s.trim()) };
    let rows = granted(view)
        .iter()
        .enumerate()
        .map(|(i, prov)| {
            json!({ "provision_code": prov.code,
                    "recommendation": or_null(field(p, &format!("recommendations[{i}].recommendation"))),
                    "rationale": or_null(field(p, &format!("recommendations[{i}].rationale"))) })
        })
        .collect();
    CompleteBody {
        outcomes: fields::text(field(p, "outcomes")),
        lessons: fields::text(field(p, "lessons")),
        reported_annual_co2e_tonnes: fields::number(field(p, "reported_annual_co2e_tonnes")),
        recommendations: Field::Value(rows),
    }
}

fn complete_labels(view: &CaseView) -> Vec<(String, String)> {
    let mut labels = vec![
        ("outcomes".to_string(), "The description of the outcomes".to_string()),
        ("lessons".to_string(), "The description of the lessons".to_string()),
        ("reported_annual_co2e_tonnes".to_string(), "The carbon saved".to_string()),
    ];
    for (i, prov) in granted(view).iter().enumerate() {
        labels.push((format!("recommendations[{i}].recommendation"), format!("The recommendation for {}", prov.title)));
        labels.push((format!("recommendations[{i}].rationale"), format!("The rationale for {}", prov.title)));
    }
    labels
}

/// Whether the trial's final report has been accepted, without which it cannot be completed.
fn final_report_accepted(view: &CaseView) -> bool {
    view.milestones.iter().any(|m| m.kind == MilestoneKind::FinalReport && m.status == MilestoneStatus::Accepted)
}

async fn complete_page(ctx: web::Data<AppContext>, who: SignedIn, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let view = load(&ctx, &who, id.into_inner()).await?;
    if !view.allowed_actions.contains(&CaseAction::Complete) {
        return not_now(&who.visitor, &view, "complete this trial");
    }
    let mut context = complete_context(&view, None);
    merge(&mut context, json!({ "final_accepted": final_report_accepted(&view) }));
    page_status(&who.visitor, StatusCode::OK, "casework/trial_complete.html", context)
}

async fn complete(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    id: web::Path<i64>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = load(&ctx, &who, id).await?;
    let page = |status: StatusCode, extra: Value| {
        let mut context = complete_context(&view, Some(&p));
        merge(&mut context, json!({ "final_accepted": final_report_accepted(&view) }));
        merge(&mut context, extra);
        page_status(&who.visitor, status, "casework/trial_complete.html", context)
    };
    let with_errors = |e: &FieldErrors| {
        let labels = complete_labels(&view);
        let labels: Vec<(&str, &str)> = labels.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        page(StatusCode::UNPROCESSABLE_ENTITY, errors_json(e, &labels))
    };
    match step(&p) {
        "change" => page(StatusCode::OK, json!({})),
        "confirm" => {
            let version = expected(Some(field(&p, "version")));
            match lifecycle::complete(&ctx, who.actor(), id, version, complete_body(&view, &p).parse()).await {
                Ok(_) => done(&ctx, &who.visitor, &format!("/casework/{id}"), "Trial completed").await,
                Err(AppError::Validation(e)) => with_errors(&e),
                Err(e) => refused(&ctx, &who, id, e).await,
            }
        }
        _ => match complete_body(&view, &p).parse() {
            Ok(_) => page(StatusCode::OK, json!({ "confirming": true })),
            Err(e) => with_errors(&e),
        },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_dates_in_messages_read_as_people_write() {
        assert_eq!(
            super::human_dates("allows at most 24 (until 2028-08-15), not 29"),
            "allows at most 24 (until 15 August 2028), not 29"
        );
    }
}
