//! The case page after submission (status, decision clock, timeline, information requests,
//! conditions, milestones) and the author's forms on it: answer a request, send evidence,
//! report on a milestone, start the trial, withdraw (after a confirmation page).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::{case_json, expected, refusal_notice, with_notice};
use crate::app::cases::{self, CaseView};
use crate::app::input::decision::WithdrawBody;
use crate::app::input::monitoring::MilestoneReportBody;
use crate::app::{lifecycle, milestones, AppContext};
use crate::domain::decision::AttachmentSide;
use crate::error::{AppError, AppResult};
use crate::web::events::event_text;
use crate::web::fields;
use crate::web::forms::{done, errors_json, field, merge, page_status, Form, Pairs};
use crate::web::session::{SignedIn, Visitor};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/applications/{id}/start").route(web::post().to(start)))
        .service(
            web::resource("/applications/{id}/withdraw")
                .route(web::get().to(withdraw_page))
                .route(web::post().to(withdraw)),
        )
        .service(
            web::resource("/applications/{id}/milestones/{mid}/report")
                .route(web::get().to(report_page))
                .route(web::post().to(report)),
        );
}

/// The files of a request sent by one side: the inspector's with the question, or the author's with
/// the answer.
fn files_of(view: &CaseView, request_id: i64, side: AttachmentSide) -> Vec<Value> {
    view.information_attachments
        .iter()
        .filter(|a| a.information_request_id == request_id && a.sent_with == side)
        .map(|a| json!({ "name": a.file_name, "href": format!("/applications/{}/attachments/{}", view.app.id, a.id) }))
        .collect()
}

fn monitoring_json(view: &CaseView) -> Value {
    use crate::domain::monitoring::{condition_transition, milestone_transition, ConditionEvent, MilestoneEvent};
    let in_operation = crate::app::conditions::trial_in_operation(&view.app).is_ok();
    json!({
        "requests": view.information_requests.iter().map(|r| json!({
            "id": r.id, "question": r.question, "due_on": r.due_on, "requested_at": r.requested_at,
            "answer": r.answer, "answered_at": r.answered_at, "open": r.answered_at.is_none(),
            "files": files_of(view, r.id, AttachmentSide::Request),
            "attachments": files_of(view, r.id, AttachmentSide::Answer),
        })).collect::<Vec<_>>(),
        "conditions": view.conditions.iter().map(|c| json!({
            "id": c.id, "description": c.description, "metric": c.metric, "target_value": c.target_value,
            "unit": c.unit, "due_on": c.due_on, "status": c.status.as_str(), "reason": c.status_reason,
            "category": c.category.as_str(),
            "can_send": in_operation && condition_transition(c.status, ConditionEvent::SubmitEvidence).is_ok(),
        })).collect::<Vec<_>>(),
        "milestones": view.milestones.iter().map(|m| json!({
            "id": m.id, "title": m.title, "kind": m.kind.as_str(), "due_on": m.due_on, "status": m.status.as_str(),
            "report": m.report, "review_note": m.review_note,
            "can_report": in_operation && milestone_transition(m.status, MilestoneEvent::SubmitReport).is_ok(),
        })).collect::<Vec<_>>(),
    })
}

pub async fn case_page(
    ctx: &AppContext,
    v: &Visitor,
    view: &CaseView,
    notice: Option<&str>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let actor = v.actor().ok_or_else(|| AppError::Unauthenticated("sign in".into()))?;
    let history = cases::history(ctx, &actor, view.app.id).await?;
    let timeline: Vec<Value> = history
        .iter()
        .rev()
        .map(|h| json!({ "text": event_text(&h.event.action), "at": h.event.created_at, "by": h.actor_name }))
        .collect();
    let mut context = json!({ "case": case_json(view), "timeline": timeline, "m": monitoring_json(view) });
    if let Some(m) = context.as_object_mut() {
        m.insert("clock".into(), clock_json(view));
    }
    page_status(v, status, "applications/case.html", with_notice(context, notice))
}

/// The decision clock, when the case has one.
fn clock_json(view: &CaseView) -> Value {
    match &view.decision_clock {
        Some(c) => json!({ "target": c.target, "days_left": c.working_days_left, "paused": c.paused }),
        None => Value::Null,
    }
}

async fn load(ctx: &AppContext, who: &SignedIn, id: i64) -> AppResult<CaseView> {
    cases::get(ctx, who.actor(), id).await
}

/// A refused change: the case page as it now is, with what happened said at the top.
pub(super) async fn refused(ctx: &AppContext, who: &SignedIn, id: i64, e: AppError) -> AppResult<HttpResponse> {
    match refusal_notice(&e) {
        Some(notice) => {
            let view = load(ctx, who, id).await?;
            case_page(ctx, &who.visitor, &view, Some(notice), StatusCode::CONFLICT).await
        }
        None => Err(e),
    }
}

async fn start(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    id: web::Path<i64>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    match lifecycle::start(&ctx, who.actor(), id, expected(Some(field(&p, "version")))).await {
        Ok(_) => done(&ctx, &who.visitor, &format!("/applications/{id}"), "The trial has started").await,
        Err(e) => refused(&ctx, &who, id, e).await,
    }
}

async fn withdraw_page(ctx: web::Data<AppContext>, who: SignedIn, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let view = load(&ctx, &who, id.into_inner()).await?;
    page_status(
        &who.visitor,
        StatusCode::OK,
        "applications/confirm.html",
        json!({ "case": case_json(&view), "form": {} }),
    )
}

async fn withdraw(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    id: web::Path<i64>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let body = WithdrawBody { reason: fields::text(field(&p, "reason")) };
    match lifecycle::withdraw(&ctx, who.actor(), id, expected(Some(field(&p, "version"))), body.parse()).await {
        Ok(_) => done(&ctx, &who.visitor, &format!("/applications/{id}"), "Your application has been withdrawn").await,
        Err(AppError::Validation(e)) => {
            let view = load(&ctx, &who, id).await?;
            let mut context = json!({ "case": case_json(&view), "form": { "reason": field(&p, "reason") } });
            merge(&mut context, errors_json(&e, &[("reason", "The reason")]));
            page_status(&who.visitor, StatusCode::UNPROCESSABLE_ENTITY, "applications/confirm.html", context)
        }
        Err(e) => refused(&ctx, &who, id, e).await,
    }
}

fn milestone_context(view: &CaseView, mid: i64) -> AppResult<Value> {
    let m =
        view.milestones.iter().find(|m| m.id == mid).ok_or_else(|| AppError::NotFound("no such milestone".into()))?;
    Ok(json!({ "case": case_json(view), "milestone": {
        "id": m.id, "title": m.title, "due_on": m.due_on, "version": m.version, "review_note": m.review_note,
    }, "form": { "report": m.report } }))
}

async fn report_page(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, mid) = path.into_inner();
    let view = load(&ctx, &who, id).await?;
    page_status(&who.visitor, StatusCode::OK, "applications/report.html", milestone_context(&view, mid)?)
}

async fn report(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, i64)>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let (id, mid) = path.into_inner();
    let view = load(&ctx, &who, id).await?;
    milestone_context(&view, mid)?;
    let body = MilestoneReportBody { report: fields::text(field(&p, "report")) };
    match milestones::report(&ctx, who.actor(), mid, expected(Some(field(&p, "version"))), body.parse()).await {
        Ok(_) => {
            done(
                &ctx,
                &who.visitor,
                &format!("/applications/{id}"),
                "Your milestone report has been sent to the inspector",
            )
            .await
        }
        Err(AppError::Validation(e)) => {
            let mut context = milestone_context(&view, mid)?;
            merge(&mut context, json!({ "form": { "report": field(&p, "report") } }));
            merge(&mut context, errors_json(&e, &[("report", "The report")]));
            page_status(&who.visitor, StatusCode::UNPROCESSABLE_ENTITY, "applications/report.html", context)
        }
        Err(e) => refused(&ctx, &who, id, e).await,
    }
}
