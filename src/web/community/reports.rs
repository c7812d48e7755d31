//! Reporting an observation as inappropriate from the trial page: a small page that shows the
//! observation and asks for an optional reason, then `reports::report`, as
//! `POST /api/v1/observations/{id}/reports` does.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::{humane, trial_path, worded};
use crate::app::community_pages::{self, TrialPage};
use crate::app::input::community::{ReportBody, MAX_REPORT_REASON};
use crate::app::reports;
use crate::app::AppContext;
use crate::error::{AppError, AppResult};
use crate::web::fields;
use crate::web::format::number;
use crate::web::forms::{done, field, merge, page_status, Form, Pairs};
use crate::web::session::SignedIn;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/register/{reference}/observations/{oid}/report")
            .route(web::get().to(confirm_page))
            .route(web::post().to(report)),
    );
}

/// The observation as the public reads it on this trial's page (`404` when it is not there).
fn observation(page: &TrialPage, oid: i64) -> AppResult<Value> {
    let o = page
        .record
        .observations
        .iter()
        .find(|o| o.observation.id == oid)
        .ok_or_else(|| AppError::NotFound("no such observation".into()))?;
    Ok(json!({
        "id": oid, "kind": o.observation.kind.as_str(), "body": o.text(), "at": o.observation.created_at,
    }))
}

async fn context(ctx: &AppContext, who: &SignedIn, reference: String, oid: i64) -> AppResult<Value> {
    let page = community_pages::trial(ctx, Some(who.actor()), reference.clone()).await?;
    let reported = page.viewer.as_ref().is_some_and(|v| v.reported.contains(&oid));
    Ok(json!({
        "o": observation(&page, oid)?, "reported": reported,
        "trial": { "reference": reference, "title": page.record.entry.app.title, "path": trial_path(&reference) },
        "max": MAX_REPORT_REASON, "form": {},
    }))
}

async fn confirm_page(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(String, i64)>,
) -> AppResult<HttpResponse> {
    let (reference, oid) = path.into_inner();
    let context = context(&ctx, &who, reference, oid).await?;
    page_status(&who.visitor, StatusCode::OK, "register/report.html", context)
}

async fn report(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(String, i64)>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let (reference, oid) = path.into_inner();
    let reason = field(&p, "reason");
    let body = ReportBody { reason: fields::text(reason) };
    let back = format!("{}#observations", trial_path(&reference));
    match reports::report(&ctx, who.actor(), oid, body.parse()).await {
        Ok(_) => {
            let message = "Thank you: your report has been sent to the moderators";
            done(&ctx, &who.visitor, &back, message).await
        }
        Err(AppError::Conflict { .. }) => {
            done(&ctx, &who.visitor, &back, "You have already reported that observation").await
        }
        Err(AppError::Validation(e)) => {
            let limit = format!("The reason must be {} characters or fewer", number(MAX_REPORT_REASON as f64));
            let errors =
                humane(e, &[("reason", "must be at most", limit.as_str())], &[("reason", "The reason")], |f| {
                    f.to_string()
                });
            let mut context = context(&ctx, &who, reference, oid).await?;
            merge(&mut context, json!({ "form": { "reason": reason } }));
            merge(&mut context, worded(&errors));
            page_status(&who.visitor, StatusCode::UNPROCESSABLE_ENTITY, "register/report.html", context)
        }
        Err(e) => Err(e),
    }
}
