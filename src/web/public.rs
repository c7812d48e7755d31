//! The public pages: home, register, statistics and learning register (the trial page, which
//! also carries a signed-in reader's controls, is `web::community::trial`). They render the same
//! DTOs the JSON API sends, so both always agree.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::charts::{bars, paired_bars, PERCENT};
use super::format::{self, label};
use super::pagination::links;
use super::render_string;
use crate::app::{catalogue, register, stats, AppContext, PageRequest};
use crate::db::register::RegisterOrder;
use crate::domain::account::OrganisationKind;
use crate::domain::case::{Intervention, Status};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::http::input::PageParams;
use crate::http::register::{cacheable, parse_filter, parse_sort, RegisterEntryResponse, RegisterParams};

pub const TEMPLATES: &[(&str, &str)] = crate::page_templates![
    "register.html",
    "trial.html",
    "trial_proposal.html",
    "trial_assessment.html",
    "stats.html",
    "learning.html"
];

fn html(req: &HttpRequest, page: String) -> HttpResponse {
    cacheable(req, "text/html; charset=utf-8", page.into_bytes(), Vec::new())
}

pub async fn home(req: HttpRequest) -> AppResult<HttpResponse> {
    Ok(html(&req, render_string("home.html", json!({}))?))
}

const NOT_A_FILTER: &str = "is not a filter of the register";

/// The register page's filters from its address, read by the same struct as the JSON register.
/// A parameter the page does not take is named in the page's error summary (the JSON register
/// answers `400`), so that a misspelt filter is never silently ignored.
fn page_params(req: &HttpRequest, e: &mut FieldErrors) -> RegisterParams {
    match web::Query::<RegisterParams>::from_query(req.query_string()) {
        Ok(q) => q.into_inner(),
        Err(err) => {
            e.add(crate::http::input::unknown_parameter(&err).unwrap_or_else(|| "query".into()), NOT_A_FILTER);
            RegisterParams::default()
        }
    }
}

pub async fn register(ctx: web::Data<AppContext>, req: HttpRequest) -> AppResult<HttpResponse> {
    let mut e = FieldErrors::new();
    let p = page_params(&req, &mut e);
    let filter = parse_filter(&p, &mut e);
    let order = parse_sort(&p, &mut e);
    let searched = filter.words.is_some();
    let lists = &ctx.settings.lists;
    let page = PageParams { page: p.page.clone(), per_page: p.per_page.clone() }.parse(
        &mut e,
        lists.default_per_page,
        lists.max_per_page,
    );
    let errors = e.0.clone();
    let result = if errors.is_empty() { Some(register::list(&ctx, filter, order, page).await?) } else { None };
    let zones = catalogue::list_zones(&ctx, PageRequest { page: 1, per_page: 100 }).await?;
    let mut authorities: Vec<(String, String)> =
        zones.items.iter().map(|z| (z.zone.lpa_code.clone(), z.zone.lpa_name.clone())).collect();
    authorities.sort();
    authorities.dedup();
    let link = |n: i64| {
        let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
            .filter(|(k, v)| k != "page" && !v.is_empty())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        pairs.push(("page".into(), n.to_string()));
        format!("/register?{}", url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish())
    };
    let (entries, total, capped, pagination, past_end) = match result {
        Some(r) => {
            let pagination = links(&r, link);
            let past_end =
                r.past_end().then(|| (r.page.page, r.last_page().unwrap_or(1), link(r.last_page().unwrap_or(1))));
            let (total, capped) = (r.total, r.capped);
            let entries: Vec<RegisterEntryResponse> = r.items.into_iter().map(Into::into).collect();
            (entries, total, capped, pagination, past_end)
        }
        None => (Vec::new(), 0, false, Value::Null, None),
    };
    let statuses: Vec<&str> =
        [Status::Approved, Status::Active, Status::Suspended, Status::Revoked, Status::Completed, Status::Refused]
            .map(|s| s.as_str())
            .to_vec();
    let query = if req.query_string().is_empty() { String::new() } else { format!("?{}", req.query_string()) };
    let context = json!({
        "past_end": past_end.map(|(page, last, href)| json!({ "page": page, "last": last, "href": href })),
        "entries": entries,
        "total": total,
        "capped": capped,
        "pagination": pagination,
        "searched": searched,
        "errors": errors,
        "query": query,
        "filter": {
            "zone": p.zone.unwrap_or_default(), "authority": p.authority.unwrap_or_default().to_uppercase(),
            "status": p.status.unwrap_or_default(), "intervention": p.intervention.unwrap_or_default(),
            "applicant_kind": p.applicant_kind.unwrap_or_default(), "year": p.year.unwrap_or_default(),
            "q": p.q.unwrap_or_default(), "sort": p.sort.unwrap_or_default(),
        },
        "sorts": [
            { "value": RegisterOrder::Newest.as_str(), "text": "Most recently decided" },
            { "value": RegisterOrder::Oldest.as_str(), "text": "Decided longest ago" },
        ],
        "zones": zones.items.iter().map(|z| json!({"id": z.zone.id, "name": z.zone.name})).collect::<Vec<_>>(),
        "authorities": authorities.into_iter().map(|(code, name)| json!({"code": code, "name": name})).collect::<Vec<_>>(),
        "statuses": statuses,
        "interventions": Intervention::ALL.iter().map(|i| i.as_str()).collect::<Vec<_>>(),
        "kinds": OrganisationKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
    });
    let page = render_string("register.html", context)?;
    if errors.is_empty() {
        Ok(html(&req, page))
    } else if errors.iter().any(|e| e.message == NOT_A_FILTER) {
        Ok(HttpResponse::BadRequest().content_type("text/html; charset=utf-8").body(page))
    } else {
        Ok(HttpResponse::UnprocessableEntity().content_type("text/html; charset=utf-8").body(page))
    }
}

/// A file published with a decision notice, for the page's download links.
pub async fn document(ctx: web::Data<AppContext>, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    let (reference, id) = path.into_inner();
    let (file, bytes) = crate::app::documents::public_document(&ctx, reference, id).await?;
    Ok(crate::http::upload::download(&file.file_name, &file.content_type, bytes))
}

/// Quarters the decisions chart shows: the latest two years (the table below it has them all).
const CHART_QUARTERS: usize = 8;

pub async fn stats(ctx: web::Data<AppContext>, req: HttpRequest) -> AppResult<HttpResponse> {
    let s = stats::stats(&ctx).await?;
    let pct = |share: Option<f64>| share.map(|r| (r * 100.0).round()).unwrap_or(0.0);
    let mut quarters: Vec<(String, f64, f64)> = Vec::new();
    for r in &s.decisions_by_quarter.value {
        match quarters.last_mut() {
            Some(q) if q.0 == r.quarter => {
                q.1 += r.decided as f64;
                q.2 += r.approved as f64;
            }
            _ => quarters.push((r.quarter.clone(), r.decided as f64, r.approved as f64)),
        }
    }
    let first = quarters.len().saturating_sub(CHART_QUARTERS);
    let recent: Vec<(String, f64, f64)> =
        quarters[first..].iter().map(|(q, d, a)| (format::quarter(q).unwrap_or_else(|| q.clone()), *d, *a)).collect();
    let charts = json!({
        "inclusion": bars(
            "Approval rate by applicant kind",
            &s.inclusion.value.iter().filter(|r| r.decided > 0).map(|r| (label(&r.applicant_kind).into_owned(), pct(r.approval_rate))).collect::<Vec<_>>(),
            PERCENT,
        ),
        "quarters": paired_bars("Decisions and approvals by quarter", &recent, ("Decisions", "Approvals"), ""),
        "within_target": bars(
            "Decisions within target by applicant kind",
            &s.timeliness.value.within_target.iter().map(|r| (label(&r.applicant_kind).into_owned(), pct(r.share_within_target))).collect::<Vec<_>>(),
            PERCENT,
        ),
        "zones": bars(
            "Trials by zone",
            &s.trials_by_zone.value.iter().map(|r| (r.name.clone(), r.trials as f64)).collect::<Vec<_>>(),
            "trials",
        ),
        "conditions": bars(
            "Conditions by status",
            &s.conditions_by_status.value.iter().map(|(k, v)| (label(k).into_owned(), *v as f64)).collect::<Vec<_>>(),
            "conditions",
        ),
        "carbon": bars(
            "Annual carbon savings",
            &[("Estimated".to_string(), s.carbon.value.estimated_annual_tco2e), ("Reported".to_string(), s.carbon.value.reported_annual_tco2e)],
            "tCO2e",
        ),
    });
    let sv = serde_json::to_value(&s).map_err(AppError::internal)?;
    let chart_from = quarters.get(first).map(|q| q.0.clone());
    Ok(html(&req, render_string("stats.html", json!({ "s": sv, "charts": charts, "chart_from": chart_from }))?))
}

pub async fn learning(ctx: web::Data<AppContext>, req: HttpRequest) -> AppResult<HttpResponse> {
    let entries = stats::learning(&ctx).await?;
    Ok(html(&req, render_string("learning.html", json!({ "entries": entries }))?))
}
