//! The assigned inspector's reviews: a condition's evidence against its target (met, or not met
//! with feedback; met below the target only with a reason), the community's confirmations and
//! disputes of it, breach and waiver (reasons, then a confirmation page), a milestone report
//! (accept, or ask for a revision).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::decision::{header_json, load, reasons_page, reasons_post, refused, Reasoned};
use crate::app::cases::CaseView;
use crate::app::conditions::{self, ConditionView};
use crate::app::input::monitoring::{MilestoneReviewBody, VerifyBody};
use crate::app::{community, milestones, AppContext};
use crate::domain::monitoring::{
    condition_transition, milestone_transition, ConditionEvent, EvidenceVerdict, MilestoneEvent, ReviewOutcome,
};
use crate::domain::policy::CaseRequest;
use crate::error::{AppError, AppResult};
use crate::web::applications::expected;
use crate::web::fields;
use crate::web::forms::{done, errors_json, field, merge, page_status, Form, Pairs};
use crate::web::session::SignedIn;

pub const TEMPLATES: &[(&str, &str)] =
    crate::page_templates!["casework/review_condition.html", "casework/review_milestone.html"];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/casework/{id}/conditions/{cid}")
            .route(web::get().to(condition_page))
            .route(web::post().to(verify)),
    )
    .service(
        web::resource("/casework/{id}/conditions/{cid}/{action:breach|waive}")
            .route(web::get().to(close_page))
            .route(web::post().to(close)),
    )
    .service(
        web::resource("/casework/{id}/milestones/{mid}")
            .route(web::get().to(milestone_page))
            .route(web::post().to(review_milestone)),
    );
}

/// Whether the viewer may review this case's conditions and milestones (its assigned inspector).
fn may_review(who: &SignedIn, view: &CaseView) -> bool {
    crate::app::tx::authorize(who.actor(), CaseRequest::Monitor, &view.app, "").is_ok()
}

/// The condition of this case, or `404`.
async fn condition_of(ctx: &AppContext, who: &SignedIn, id: i64, cid: i64) -> AppResult<ConditionView> {
    let c = conditions::get(ctx, who.actor(), cid).await?;
    if c.condition.application_id != id {
        return Err(AppError::NotFound(conditions::NO_SUCH_CONDITION.into()));
    }
    Ok(c)
}

async fn condition_context(
    ctx: &AppContext,
    who: &SignedIn,
    view: &CaseView,
    cv: &ConditionView,
    form: Value,
) -> AppResult<Value> {
    let c = &cv.condition;
    let attestations = community::attestations(ctx, who.actor(), c.id).await?;
    let evidence: Vec<Value> = cv
        .evidence
        .iter()
        .map(|e| {
            json!({ "id": e.id, "body": e.body, "reported_value": e.reported_value,
                    "below": e.reported_value.is_some_and(|v| v < c.target_value),
                    "file_name": e.file_name, "file_size": e.file_size,
                    "href": e.file_name.as_ref().map(|_| format!("/casework/{}/evidence/{}", view.app.id, e.id)),
                    "outcome": e.outcome.as_str(), "feedback": e.feedback, "at": e.created_at })
        })
        .collect();
    let reviewable = may_review(who, view) && condition_transition(c.status, ConditionEvent::Verify).is_ok();
    let closable = may_review(who, view) && condition_transition(c.status, ConditionEvent::Waive).is_ok();
    Ok(json!({
        "case": header_json(view),
        "condition": { "id": c.id, "description": c.description, "metric": c.metric, "target_value": c.target_value,
                       "unit": c.unit, "due_on": c.due_on, "status": c.status.as_str(), "category": c.category.as_str(),
                       "reason": c.status_reason, "version": c.version },
        "evidence": evidence,
        "latest_below": evidence.first().is_some_and(|e| e["below"] == json!(true)),
        "attestations": attestations.iter().map(|a| json!({ "stance": a.stance.as_str(), "comment": a.comment, "at": a.created_at })).collect::<Vec<_>>(),
        "reviewable": reviewable, "closable": closable,
        "outcomes": EvidenceVerdict::ALL.iter().map(|v| json!({ "value": v.as_str(),
            "text": match v { EvidenceVerdict::Met => "Met: the evidence shows the condition is met",
                              EvidenceVerdict::Rejected => "Not met: ask the applicant for better evidence" } })).collect::<Vec<_>>(),
        "form": form,
    }))
}

async fn condition_page(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, cid) = path.into_inner();
    let view = load(&ctx, &who, id).await?;
    let cv = condition_of(&ctx, &who, id, cid).await?;
    let context = condition_context(&ctx, &who, &view, &cv, json!({})).await?;
    page_status(&who.visitor, StatusCode::OK, "casework/review_condition.html", context)
}

const VERIFY_LABELS: [(&str, &str); 2] = [("outcome", "Your decision"), ("note", "The feedback")];

async fn verify(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, i64)>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let (id, cid) = path.into_inner();
    let view = load(&ctx, &who, id).await?;
    condition_of(&ctx, &who, id, cid).await?;
    let body = VerifyBody {
        outcome: fields::text(field(&p, "outcome")),
        note: fields::text(field(&p, "note")),
        below_target_reason: fields::text(field(&p, "below_target_reason")),
    };
    let met = field(&p, "outcome") == EvidenceVerdict::Met.as_str();
    match conditions::verify(&ctx, who.actor(), cid, expected(Some(field(&p, "version"))), body.parse()).await {
        Ok(_) => {
            let message =
                if met { "Condition marked as met" } else { "Evidence not accepted: the applicant has been told why" };
            done(&ctx, &who.visitor, &format!("/casework/{id}"), message).await
        }
        Err(AppError::Validation(e)) => {
            let cv = condition_of(&ctx, &who, id, cid).await?;
            let kept = json!({ "outcome": field(&p, "outcome"), "note": field(&p, "note"),
                               "below_target_reason": field(&p, "below_target_reason") });
            let mut context = condition_context(&ctx, &who, &view, &cv, kept).await?;
            merge(&mut context, errors_json(&e, &VERIFY_LABELS));
            page_status(&who.visitor, StatusCode::UNPROCESSABLE_ENTITY, "casework/review_condition.html", context)
        }
        Err(e) => refused(&ctx, &who, id, e).await,
    }
}

fn closing(cid: i64, slug: &str) -> Reasoned {
    if slug == "breach" {
        Reasoned::Breach { condition: cid }
    } else {
        Reasoned::Waive { condition: cid }
    }
}

async fn close_context(
    ctx: &AppContext,
    who: &SignedIn,
    id: i64,
    cid: i64,
    slug: &str,
    version: Option<&str>,
) -> AppResult<Value> {
    let view = load(ctx, who, id).await?;
    let cv = condition_of(ctx, who, id, cid).await?;
    Ok(json!({
        "case": header_json(&view),
        "action_url": format!("/casework/{id}/conditions/{cid}/{slug}"),
        "version": version.map(|v| json!(v)).unwrap_or(json!(cv.condition.version)),
        "subject": format!("Condition: {}", cv.condition.description),
    }))
}

async fn close_page(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, i64, String)>,
) -> AppResult<HttpResponse> {
    let (id, cid, slug) = path.into_inner();
    let context = close_context(&ctx, &who, id, cid, &slug, None).await?;
    reasons_page(&who.visitor, closing(cid, &slug), context, "", false, None)
}

async fn close(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, i64, String)>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let (id, cid, slug) = path.into_inner();
    let context = close_context(&ctx, &who, id, cid, &slug, Some(field(&p, "version"))).await?;
    reasons_post(&ctx, &who, id, closing(cid, &slug), context, &p).await
}

fn milestone_context(who: &SignedIn, view: &CaseView, mid: i64, form: Value) -> AppResult<Value> {
    let m = view
        .milestones
        .iter()
        .find(|m| m.id == mid)
        .ok_or_else(|| AppError::NotFound(milestones::NO_SUCH_MILESTONE.into()))?;
    let reviewable = may_review(who, view) && milestone_transition(m.status, MilestoneEvent::Accept).is_ok();
    Ok(json!({
        "case": header_json(view),
        "milestone": { "id": m.id, "title": m.title, "kind": m.kind.as_str(), "due_on": m.due_on, "status": m.status.as_str(),
                       "report": m.report, "reported_at": m.reported_at, "review_note": m.review_note, "version": m.version },
        "reviewable": reviewable,
        "outcomes": ReviewOutcome::ALL.iter().map(|o| json!({ "value": o.as_str(),
            "text": match o { ReviewOutcome::Accepted => "Accept the report",
                              ReviewOutcome::RevisionRequested => "Ask for a revision" } })).collect::<Vec<_>>(),
        "form": form,
    }))
}

async fn milestone_page(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, mid) = path.into_inner();
    let view = load(&ctx, &who, id).await?;
    page_status(
        &who.visitor,
        StatusCode::OK,
        "casework/review_milestone.html",
        milestone_context(&who, &view, mid, json!({}))?,
    )
}

async fn review_milestone(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, i64)>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let (id, mid) = path.into_inner();
    let view = load(&ctx, &who, id).await?;
    milestone_context(&who, &view, mid, json!({}))?;
    let body =
        MilestoneReviewBody { outcome: fields::text(field(&p, "outcome")), note: fields::text(field(&p, "note")) };
    let accepted = field(&p, "outcome") == ReviewOutcome::Accepted.as_str();
    match milestones::review(&ctx, who.actor(), mid, expected(Some(field(&p, "version"))), body.parse()).await {
        Ok(_) => {
            let message = if accepted {
                "Milestone report accepted"
            } else {
                "Revision requested: the applicant has been told what to change"
            };
            done(&ctx, &who.visitor, &format!("/casework/{id}"), message).await
        }
        Err(AppError::Validation(e)) => {
            let kept = json!({ "outcome": field(&p, "outcome"), "note": field(&p, "note") });
            let mut context = milestone_context(&who, &view, mid, kept)?;
            merge(&mut context, errors_json(&e, &[("outcome", "Your decision"), ("note", "The feedback")]));
            page_status(&who.visitor, StatusCode::UNPROCESSABLE_ENTITY, "casework/review_milestone.html", context)
        }
        Err(e) => refused(&ctx, &who, id, e).await,
    }
}
