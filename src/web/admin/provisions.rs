//! The provisions catalogue: the list, a new provision and a provision's edit page (where it is
//! also retired or restored), through `create_provision` / `update_provision` with the API's
//! [`ProvisionRequest`].

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::{boolean, expected, form_errors, refusal_notice};
use crate::app::catalogue;
use crate::app::input::catalogue::ProvisionRequest;
use crate::app::input::Field;
use crate::app::AppContext;
use crate::db::models::Provision;
use crate::error::AppResult;
use crate::web::fields;
use crate::web::forms::{done, field, invalid, page, page_status, Form, Pairs};
use crate::web::session::SignedIn;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/provisions").route(web::get().to(list)))
        .service(web::resource("/admin/provisions/new").route(web::get().to(new_page)).route(web::post().to(create)))
        .service(
            web::resource("/admin/provisions/{code}").route(web::get().to(edit_page)).route(web::post().to(update)),
        );
}

const LABELS: &[(&str, &str)] = &[
    ("code", "The code"),
    ("title", "The title"),
    ("legal_reference", "The legal reference"),
    ("summary", "The summary"),
    ("max_trial_months", "The longest trial"),
    ("retired", "Whether it is retired"),
];

fn provision_json(p: &Provision) -> Value {
    json!({
        "code": p.code, "title": p.title, "legal_reference": p.legal_reference, "summary": p.summary,
        "max_trial_months": p.max_trial_months, "retired": p.retired_at.is_some(), "retired_at": p.retired_at,
        "version": p.version, "updated_at": p.updated_at,
    })
}

async fn list(ctx: web::Data<AppContext>, who: SignedIn) -> AppResult<HttpResponse> {
    let all = catalogue::provisions_to_manage(&ctx, who.actor()).await?;
    let rows: Vec<Value> = all.iter().map(provision_json).collect();
    page(&who.visitor, "admin/provisions.html", json!({ "provisions": rows }))
}

fn stored_values(p: &Provision) -> Value {
    json!({
        "title": p.title, "legal_reference": p.legal_reference, "summary": p.summary,
        "max_trial_months": p.max_trial_months, "retired": if p.retired_at.is_some() { "true" } else { "false" },
    })
}

fn posted_values(p: &Pairs) -> Value {
    json!({
        "code": field(p, "code"), "title": field(p, "title"), "legal_reference": field(p, "legal_reference"),
        "summary": field(p, "summary"), "max_trial_months": field(p, "max_trial_months"), "retired": field(p, "retired"),
    })
}

/// The API's body from the form. A new provision has a code and no `retired`; an edit the
/// other way round.
fn request(p: &Pairs, new: bool) -> ProvisionRequest {
    ProvisionRequest {
        code: if new { fields::text(field(p, "code")) } else { Field::Missing },
        title: fields::text(field(p, "title")),
        legal_reference: fields::text(field(p, "legal_reference")),
        summary: fields::text(field(p, "summary")),
        max_trial_months: fields::whole_number(field(p, "max_trial_months")),
        retired: if new { Field::Missing } else { boolean(field(p, "retired")) },
    }
}

async fn new_page(who: SignedIn) -> AppResult<HttpResponse> {
    catalogue::must_manage(who.actor())?;
    page(&who.visitor, "admin/provision.html", json!({ "values": {} }))
}

async fn create(ctx: web::Data<AppContext>, who: SignedIn, Form(pairs): Form<Pairs>) -> AppResult<HttpResponse> {
    match catalogue::create_provision(&ctx, who.actor(), request(&pairs, true).parse_new()).await {
        Ok(p) => {
            done(&ctx, &who.visitor, "/admin/provisions", format!("{} – {} has been added", p.code, p.title)).await
        }
        Err(e) => match form_errors(&e) {
            Some(errors) => invalid(
                &who.visitor,
                "admin/provision.html",
                &errors,
                LABELS,
                json!({ "values": posted_values(&pairs) }),
            ),
            None => Err(e),
        },
    }
}

async fn edit_page(ctx: web::Data<AppContext>, who: SignedIn, code: web::Path<String>) -> AppResult<HttpResponse> {
    let p = catalogue::provision_to_manage(&ctx, who.actor(), code.into_inner().to_uppercase()).await?;
    page(&who.visitor, "admin/provision.html", json!({ "provision": provision_json(&p), "values": stored_values(&p) }))
}

async fn update(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    code: web::Path<String>,
    Form(pairs): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let code = code.into_inner().to_uppercase();
    let version = expected(field(&pairs, "version"));
    let patch = request(&pairs, false).parse_patch();
    match catalogue::update_provision(&ctx, who.actor(), code.clone(), version, patch).await {
        Ok(p) => {
            let what = if p.retired_at.is_some() { "retired" } else { "saved" };
            done(&ctx, &who.visitor, "/admin/provisions", format!("{} – {} has been {what}", p.code, p.title)).await
        }
        Err(e) => {
            let stored = catalogue::provision_to_manage(&ctx, who.actor(), code).await?;
            let context = json!({ "provision": provision_json(&stored), "values": posted_values(&pairs) });
            if let Some(errors) = form_errors(&e) {
                return invalid(&who.visitor, "admin/provision.html", &errors, LABELS, context);
            }
            match refusal_notice(&e, "provision") {
                Some(notice) => {
                    let mut context = context;
                    context["notice"] = json!(notice);
                    page_status(&who.visitor, StatusCode::CONFLICT, "admin/provision.html", context)
                }
                None => Err(e),
            }
        }
    }
}
