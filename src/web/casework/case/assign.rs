//! Assigning a case: the page with the enabled inspectors as radios ("me" first), and the one-click
//! "Assign to me" on the case page. Both build the API's `AssignBody` and call `lifecycle::assign`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::{load, refused, summary_json};
use crate::app::cases::CaseView;
use crate::app::input::decision::AssignBody;
use crate::app::{lifecycle, users, AppContext};
use crate::error::{AppError, AppResult};
use crate::web::applications::expected;
use crate::web::fields;
use crate::web::forms::{done, errors_json, field, merge, page_status, Form, Pairs};
use crate::web::session::SignedIn;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/casework/{id}/assign").route(web::get().to(assign_page)).route(web::post().to(assign)))
        .service(web::resource("/casework/{id}/assign-to-me").route(web::post().to(assign_to_me)));
}

async fn context(ctx: &AppContext, who: &SignedIn, view: &CaseView, chosen: &str) -> AppResult<Value> {
    let me = who.actor().user_id;
    let mut list = users::inspectors(ctx, who.actor()).await?;
    list.sort_by_key(|i| i.id != me);
    let options: Vec<Value> = list
        .iter()
        .map(|i| {
            let text = if i.id == me { format!("{} (me)", i.display_name) } else { i.display_name.clone() };
            let hint = (view.app.assigned_inspector_id == Some(i.id)).then_some("Assigned now");
            json!({ "value": i.id.to_string(), "text": text, "hint": hint })
        })
        .collect();
    let checked =
        if chosen.is_empty() { view.app.assigned_inspector_id.map(|i| i.to_string()) } else { Some(chosen.into()) };
    Ok(json!({ "case": summary_json(view, who), "options": options, "form": { "inspector_id": checked } }))
}

async fn assign_page(ctx: web::Data<AppContext>, who: SignedIn, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let view = load(&ctx, &who, id.into_inner()).await?;
    let context = context(&ctx, &who, &view, "").await?;
    page_status(&who.visitor, StatusCode::OK, "casework/case_assign.html", context)
}

/// The banner after an assignment.
fn assigned_message(view: &CaseView, me: i64) -> String {
    match &view.inspector {
        Some(i) if i.id == me => "The case has been assigned to you".to_string(),
        Some(i) => format!("The case has been assigned to {}", i.display_name),
        None => "The case has been assigned".to_string(),
    }
}

async fn assign(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    id: web::Path<i64>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let chosen = field(&p, "inspector_id");
    let body = AssignBody { inspector_id: fields::whole_number(chosen) };
    match lifecycle::assign(&ctx, who.actor(), id, expected(Some(field(&p, "version"))), body.parse()).await {
        Ok(view) => {
            let message = assigned_message(&view, who.actor().user_id);
            done(&ctx, &who.visitor, &format!("/casework/{id}"), message).await
        }
        Err(AppError::Validation(e)) => {
            let view = load(&ctx, &who, id).await?;
            let mut context = context(&ctx, &who, &view, chosen).await?;
            let e = e.0.into_iter().fold(crate::domain::FieldErrors::new(), |mut out, f| {
                let message = if f.message == "is required" { "must be chosen".to_string() } else { f.message };
                out.add(f.field, message);
                out
            });
            merge(&mut context, errors_json(&e, &[("inspector_id", "An inspector")]));
            page_status(&who.visitor, StatusCode::UNPROCESSABLE_ENTITY, "casework/case_assign.html", context)
        }
        Err(e) => refused(&ctx, &who, id, e).await,
    }
}

async fn assign_to_me(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    id: web::Path<i64>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let body = AssignBody { inspector_id: crate::app::input::Field::Value(who.actor().user_id) };
    match lifecycle::assign(&ctx, who.actor(), id, expected(Some(field(&p, "version"))), body.parse()).await {
        Ok(view) => {
            let message = assigned_message(&view, who.actor().user_id);
            done(&ctx, &who.visitor, &format!("/casework/{id}"), message).await
        }
        Err(e) => refused(&ctx, &who, id, e).await,
    }
}
