//! Asking the applicant for more information: the question, the date to answer by (offered as
//! `calendar.information_request_working_days` working days from today, bank holidays skipped) and
//! files sent with the question. The form builds the API's `InformationRequestBody` and calls
//! `lifecycle::request_information`; the decision clock pauses until the answer.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::{load, refused, summary_json};
use crate::app::cases::CaseView;
use crate::app::input::decision::{InformationRequestBody, MAX_ATTACHMENTS};
use crate::app::{lifecycle, AppContext};
use crate::domain::case::CaseAction;
use crate::error::{AppError, AppResult};
use crate::web::applications::expected;
use crate::web::applications::files::on_box;
use crate::web::fields;
use crate::web::forms::{done, errors_json, merge, page_status};
use crate::web::session::SignedIn;
use crate::web::upload::Upload;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/casework/{id}/request-information")
            .route(web::get().to(request_page))
            .route(web::post().to(request_information)),
    );
}

const TEMPLATE: &str = "casework/case_request_information.html";

fn context(view: &CaseView, who: &SignedIn, form: Value, days: u32) -> Value {
    json!({ "case": summary_json(view, who), "form": form, "version": view.app.version,
            "working_days": days, "max_files": MAX_ATTACHMENTS })
}

async fn request_page(ctx: web::Data<AppContext>, who: SignedIn, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let view = load(&ctx, &who, id.into_inner()).await?;
    if !view.allowed_actions.contains(&CaseAction::RequestInformation) {
        return Err(AppError::Forbidden("only the assigned inspector can ask for information now".into()));
    }
    let days = ctx.settings.calendar.information_request_working_days;
    let due = ctx.settings.holidays().add_working_days(ctx.now().date(), days);
    let form = json!({ "question": "", "due_on": fields::date_parts(Some(due)) });
    page_status(&who.visitor, StatusCode::OK, TEMPLATE, context(&view, &who, form, days))
}

async fn request_information(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    req: HttpRequest,
    id: web::Path<i64>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let form = Upload::read(&req, payload, &who.visitor).await?;
    let (d, m, y) = (form.get("due_on-day"), form.get("due_on-month"), form.get("due_on-year"));
    let body = InformationRequestBody {
        question: fields::text(form.get("question")),
        due_on: fields::date(d, m, y),
        attachments: form.files("attachments"),
    };
    let version = expected(Some(form.get("version")));
    match lifecycle::request_information(&ctx, who.actor(), id, version, body.parse()).await {
        Ok(_) => {
            done(&ctx, &who.visitor, &format!("/casework/{id}"), "Your question has been sent to the applicant").await
        }
        Err(AppError::Validation(e)) => {
            let view = load(&ctx, &who, id).await?;
            let kept = json!({ "question": form.get("question"), "due_on": { "day": d, "month": m, "year": y } });
            let days = ctx.settings.calendar.information_request_working_days;
            let mut context = context(&view, &who, kept, days);
            merge(&mut context, json!({ "version": form.get("version") }));
            let e = on_box(e, "attachments", "The file");
            merge(&mut context, errors_json(&e, &[("question", "The question"), ("due_on", "The date to answer by")]));
            page_status(&who.visitor, StatusCode::UNPROCESSABLE_ENTITY, TEMPLATE, context)
        }
        Err(e) => refused(&ctx, &who, id, e).await,
    }
}
