//! `/casework`: the inspectors' work queue. Tabs (Unassigned · Assigned to me · Needs review ·
//! Overdue · All) each with its count, over the filters of the JSON queue (`QueueParams`, parsed by
//! the same code), oldest target decision date first, a page at a time.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::app::cases::CaseSummary;
use crate::app::queue::{self, QueueTab};
use crate::app::{catalogue, AppContext, PageRequest};
use crate::domain::account::OrganisationKind;
use crate::domain::case::{Intervention, Status};
use crate::domain::FieldErrors;
use crate::error::AppResult;
use crate::http::applications::QueueParams;
use crate::web::format::label;
use crate::web::forms::{errors_json, merge, page};
use crate::web::pagination::links;
use crate::web::session::SignedIn;

pub const TEMPLATES: &[(&str, &str)] = crate::page_templates!["casework/queue.html"];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/casework").route(web::get().to(queue)));
}

/// The page's own parameter (`tab`) and the JSON queue's filters, read from one query string.
fn read_query(req: &HttpRequest, e: &mut FieldErrors) -> (QueueTab, QueueParams, Vec<(String, String)>) {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    let tab = match pairs.iter().find(|(k, _)| k == "tab") {
        None => QueueTab::Unassigned,
        Some((_, v)) => QueueTab::parse(v).unwrap_or_else(|| {
            e.add("tab", "Choose one of the tabs");
            QueueTab::Unassigned
        }),
    };
    // The tabs set who and what is shown; the page offers the other filters.
    let filters: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| !matches!(k.as_str(), "tab" | "inspector" | "overdue" | "needs_review" | "sort"))
        .collect();
    let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&filters).finish();
    let params = match web::Query::<QueueParams>::from_query(&query) {
        Ok(q) => q.into_inner(),
        Err(err) => {
            let name = crate::http::input::unknown_parameter(&err).unwrap_or_else(|| "query".into());
            e.add(name, "This is not one of the filters");
            QueueParams::default()
        }
    };
    (tab, params, filters)
}

/// How an error about a filter begins.
const LABELS: &[(&str, &str)] = &[
    ("zone", "Zone"),
    ("status", "Status"),
    ("intervention", "Intervention"),
    ("applicant_kind", "Applicant kind"),
    ("q", "Search text"),
    ("page", "Page"),
    ("per_page", "Items per page"),
];

fn href(tab: QueueTab, filters: &[(String, String)], page: Option<i64>) -> String {
    let mut pairs: Vec<(String, String)> = vec![("tab".into(), tab.as_str().into())];
    pairs.extend(filters.iter().filter(|(k, _)| k != "page").cloned());
    if let Some(n) = page.filter(|n| *n > 1) {
        pairs.push(("page".into(), n.to_string()));
    }
    format!("/casework?{}", url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish())
}

/// A select's options: each stored value with its label.
fn options<'a>(values: impl Iterator<Item = &'a str>) -> Vec<Value> {
    values.map(|v| json!({ "value": v, "text": label(v) })).collect()
}

fn tab_label(tab: QueueTab) -> &'static str {
    match tab {
        QueueTab::Unassigned => "Unassigned",
        QueueTab::Mine => "Assigned to me",
        QueueTab::NeedsReview => "Needs review",
        QueueTab::Overdue => "Overdue",
        QueueTab::All => "All",
    }
}

fn row(s: &CaseSummary) -> Value {
    let a = &s.app;
    json!({
        "id": a.id, "reference": a.reference, "title": a.title, "status": a.status.as_str(),
        "zone": s.zone_name, "organisation": s.organisation_name,
        "applicant_kind": a.applicant_kind.map(|k| k.as_str()), "inspector": s.inspector_name,
        "received": a.submitted_at,
        "clock": s.decision_clock.map(|c| json!({ "target": c.target, "days_left": c.working_days_left, "paused": c.paused })),
    })
}

async fn queue(ctx: web::Data<AppContext>, who: SignedIn, req: HttpRequest) -> AppResult<HttpResponse> {
    let mut e = FieldErrors::new();
    let (tab, params, filters) = read_query(&req, &mut e);
    let actor = *who.actor();
    let parsed = match params.parse(actor.user_id, ctx.now().date(), &ctx.settings.lists) {
        Ok(p) if e.is_empty() => Some(p),
        Ok(_) => None,
        Err(bad) => {
            e.0.extend(bad.0);
            None
        }
    };
    let q = match parsed {
        Some((filter, page_request)) => queue::queue(&ctx, &actor, tab, filter, page_request).await?,
        None => {
            // The tabs keep their counts (unfiltered) above the error; no rows are shown.
            let mut q =
                queue::queue(&ctx, &actor, tab, Default::default(), PageRequest { page: 1, per_page: 1 }).await?;
            q.page.items.clear();
            q.page.total = 0;
            q.page.capped = false;
            q
        }
    };
    let tabs: Vec<Value> = q
        .counts
        .iter()
        .map(|(t, n, capped)| {
            json!({ "label": tab_label(*t), "count": n, "capped": capped, "href": href(*t, &filters, None),
                "current": *t == tab })
        })
        .collect();
    let p = &q.page;
    let nav = links(p, |n| href(tab, &filters, Some(n)));
    let zones = catalogue::list_zones(&ctx, PageRequest { page: 1, per_page: 100 }).await?;
    let value = |name: &str| filters.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let context = json!({
        "tab": { "name": tab.as_str(), "label": tab_label(tab) },
        "tabs": tabs,
        "rows": p.items.iter().map(row).collect::<Vec<_>>(),
        "total": p.total, "capped": p.capped,
        "pagination": nav,
        "filter": { "zone": value("zone"), "status": value("status"), "intervention": value("intervention"),
            "applicant_kind": value("applicant_kind"), "q": value("q") },
        "filtered": filters.iter().any(|(k, _)| k != "page"),
        "zones": zones.items.iter().map(|z| json!({"value": z.zone.id.to_string(), "text": z.zone.name})).collect::<Vec<_>>(),
        "statuses": options(Status::ALL.iter().filter(|s| **s != Status::Draft).map(|s| s.as_str())),
        "interventions": options(Intervention::ALL.iter().map(|i| i.as_str())),
        "kinds": options(OrganisationKind::ALL.iter().map(|k| k.as_str())),
        "staff_admin": actor.role == crate::domain::account::Role::Admin,
    });
    let mut context = context;
    merge(&mut context, errors_json(&e, LABELS));
    page(&who.visitor, "casework/queue.html", context)
}
