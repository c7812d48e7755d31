//! The author's forms that carry files: answering an information request (with attachments)
//! and sending evidence against a condition (with a file); and downloading what was sent.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::case::refused;
use super::{case_json, expected};
use crate::app::cases::{self, CaseView};
use crate::app::conditions::{self, EvidenceFile};
use crate::app::input::decision::AnswerBody;
use crate::app::input::files::parse_files;
use crate::app::input::monitoring::EvidenceBody;
use crate::app::{lifecycle, AppContext};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::http::upload::download;
use crate::web::fields;
use crate::web::forms::{done, errors_json, merge, page_status};
use crate::web::session::SignedIn;
use crate::web::upload::Upload;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/applications/{id}/information-requests/{rid}")
            .route(web::get().to(answer_page))
            .route(web::post().to(answer)),
    )
    .service(
        web::resource("/applications/{id}/conditions/{cid}/evidence")
            .route(web::get().to(evidence_page))
            .route(web::post().to(evidence)),
    )
    .service(web::resource("/applications/{id}/attachments/{aid}").route(web::get().to(attachment)))
    .service(web::resource("/applications/{id}/evidence/{eid}").route(web::get().to(evidence_download)));
}

/// Errors about the n-th file are shown on the one file box.
pub(crate) fn on_box(errors: FieldErrors, name: &str, label: &str) -> FieldErrors {
    let mut out = FieldErrors::new();
    for e in errors.0 {
        if e.field.starts_with(name) {
            let which =
                e.field.strip_prefix(name).filter(|s| !s.is_empty()).map(|s| format!(" {s}")).unwrap_or_default();
            out.add(name, format!("{label}{which} {}", e.message));
        } else {
            out.add(e.field, e.message);
        }
    }
    out
}

fn request_context(view: &CaseView, rid: i64, answer: &str) -> AppResult<Value> {
    let r = view
        .information_requests
        .iter()
        .find(|r| r.id == rid)
        .ok_or_else(|| AppError::NotFound("no such information request".into()))?;
    Ok(json!({ "case": case_json(view), "request": {
        "id": r.id, "question": r.question, "due_on": r.due_on, "open": r.answered_at.is_none(),
    }, "form": { "answer": answer } }))
}

async fn answer_page(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, rid) = path.into_inner();
    let view = cases::get(&ctx, who.actor(), id).await?;
    page_status(&who.visitor, StatusCode::OK, "applications/answer.html", request_context(&view, rid, "")?)
}

async fn answer(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    req: HttpRequest,
    path: web::Path<(i64, i64)>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let (id, rid) = path.into_inner();
    let form = Upload::read(&req, payload, &who.visitor).await?;
    let body = AnswerBody { answer: fields::text(form.get("answer")), attachments: form.files("attachments") };
    match lifecycle::answer(&ctx, who.actor(), id, expected(Some(form.get("version"))), rid, body.parse()).await {
        Ok(_) => {
            done(&ctx, &who.visitor, &format!("/applications/{id}"), "Your answer has been sent to the inspector").await
        }
        Err(AppError::Validation(e)) => {
            let view = cases::get(&ctx, who.actor(), id).await?;
            let mut context = request_context(&view, rid, form.get("answer"))?;
            let e = on_box(e, "attachments", "The file");
            if let (Some(m), Value::Object(x)) =
                (context.as_object_mut(), errors_json(&e, &[("answer", "Your answer")]))
            {
                m.extend(x);
            }
            page_status(&who.visitor, StatusCode::UNPROCESSABLE_ENTITY, "applications/answer.html", context)
        }
        Err(e) => refused(&ctx, &who, id, e).await,
    }
}

fn condition_context(view: &CaseView, cid: i64, kept: Value) -> AppResult<Value> {
    let c =
        view.conditions.iter().find(|c| c.id == cid).ok_or_else(|| AppError::NotFound("no such condition".into()))?;
    Ok(json!({ "case": case_json(view), "condition": {
        "id": c.id, "description": c.description, "metric": c.metric, "target_value": c.target_value,
        "unit": c.unit, "due_on": c.due_on, "status": c.status.as_str(), "reason": c.status_reason,
    }, "form": kept }))
}

async fn evidence_page(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, cid) = path.into_inner();
    let view = cases::get(&ctx, who.actor(), id).await?;
    page_status(&who.visitor, StatusCode::OK, "applications/evidence.html", condition_context(&view, cid, json!({}))?)
}

async fn evidence(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    req: HttpRequest,
    path: web::Path<(i64, i64)>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let (id, cid) = path.into_inner();
    let view = cases::get(&ctx, who.actor(), id).await?;
    condition_context(&view, cid, json!({}))?;
    conditions::evidence_allowed(&ctx, who.actor(), cid).await?;
    let form = Upload::read(&req, payload, &who.visitor).await?;
    let mut file_errors = FieldErrors::new();
    let file = parse_files(form.files("file"), "file", 1, "evidence", &mut file_errors)
        .into_iter()
        .next()
        .map(|u| EvidenceFile { name: u.name, content_type: u.content_type, data: u.data, sha256: u.sha256 });
    let value = Some(form.get("reported_value").to_string()).filter(|v| !v.trim().is_empty());
    let parsed =
        match (EvidenceBody::from_form(Some(form.get("body").to_string()), value).parse(), file_errors.is_empty()) {
            (Ok(t), true) => Ok(t),
            (Ok(_), false) => Err(file_errors),
            (Err(mut e), _) => {
                e.0.extend(file_errors.0);
                Err(e)
            }
        };
    match conditions::submit_evidence(&ctx, who.actor(), cid, parsed, file).await {
        Ok(_) => {
            done(&ctx, &who.visitor, &format!("/applications/{id}"), "Your evidence has been sent to the inspector")
                .await
        }
        Err(AppError::Validation(e)) => {
            let kept = json!({ "body": form.get("body"), "reported_value": form.get("reported_value") });
            let mut context = condition_context(&view, cid, kept)?;
            let e = on_box(e, "file", "The file");
            let labels = [("body", "What you did"), ("reported_value", "The figure")];
            merge(&mut context, errors_json(&e, &labels));
            page_status(&who.visitor, StatusCode::UNPROCESSABLE_ENTITY, "applications/evidence.html", context)
        }
        Err(e) => refused(&ctx, &who, id, e).await,
    }
}

async fn attachment(ctx: web::Data<AppContext>, who: SignedIn, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (_, aid) = path.into_inner();
    let (a, data) = cases::information_attachment(&ctx, who.actor(), aid).await?;
    Ok(download(&a.file_name, &a.content_type, data))
}

async fn evidence_download(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (_, eid) = path.into_inner();
    let (e, data) = conditions::evidence_file(&ctx, who.actor(), eid).await?;
    let name = e.file_name.clone().unwrap_or_else(|| "evidence".into());
    let content_type = e.file_type.clone().unwrap_or_else(|| "application/octet-stream".into());
    Ok(download(&name, &content_type, data))
}
