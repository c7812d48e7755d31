//! Publishing a file of an information request with the decision notice, or withdrawing it: a
//! confirmation page that says who will be able to download it, then `documents::set_public`
//! (the use-case of `PUT /api/v1/information-request-attachments/{aid}/public`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::json;

use super::{load, publishes, refused};
use crate::app::{documents, AppContext};
use crate::domain::decision::AttachmentSide;
use crate::error::{AppError, AppResult};
use crate::web::casework::decision::header_json;
use crate::web::forms::{done, field, page_status, Form, Pairs};
use crate::web::session::SignedIn;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/casework/{id}/documents/{aid}").route(web::get().to(confirm_page)).route(web::post().to(set)),
    );
}

async fn confirm_page(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, aid) = path.into_inner();
    let view = load(&ctx, &who, id).await?;
    let file = view
        .information_attachments
        .iter()
        .find(|a| a.id == aid)
        .ok_or_else(|| AppError::NotFound(documents::NO_SUCH_DOCUMENT.into()))?;
    if !publishes(&view, &who) {
        return crate::web::casework::decision::not_now(&who.visitor, &view, "publish this case's files");
    }
    let context = json!({
        "case": header_json(&view),
        "file": { "id": file.id, "name": file.file_name, "size": file.size_bytes, "public": file.public,
                  "href": format!("/casework/{id}/attachments/{aid}"),
                  "sent_by": if file.sent_with == AttachmentSide::Request { "you or another inspector, with the question" } else { "the applicant, with their answer" } },
    });
    page_status(&who.visitor, StatusCode::OK, "casework/case_document.html", context)
}

async fn set(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, i64)>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let (id, aid) = path.into_inner();
    let public = field(&p, "public") == "true";
    match documents::set_public(&ctx, who.actor(), aid, public).await {
        Ok(file) => {
            let message = if public {
                format!("{} is published with the decision notice", file.file_name)
            } else {
                format!("{} is no longer published with the decision notice", file.file_name)
            };
            done(&ctx, &who.visitor, &format!("/casework/{id}#information-requests"), message).await
        }
        Err(e) => refused(&ctx, &who, id, e).await,
    }
}
