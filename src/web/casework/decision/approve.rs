//! Approving a case: the form (reasons, trial dates, the derogations granted from those
//! requested, the conditions builder, the milestone schedule), its check page, and the approval.
//!
//! The builder works without JavaScript: "Add another condition", "Remove" and the schedule's
//! buttons post the form back and it is shown again with the rows changed and every input kept.
//! The check page runs every check the approval will run (`lifecycle::approval_allowed`) and
//! carries the input in hidden fields; "Change" posts it back to the form.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde_json::{json, Value};

use super::trial::carried;
use super::{header_json, load, not_now, refused, step};
use crate::app::cases::CaseView;
use crate::app::input::decision::ApproveBody;
use crate::app::input::Field;
use crate::app::{lifecycle, AppContext};
use crate::domain::application::{default_milestones, Approval};
use crate::domain::calendar::add_months;
use crate::domain::case::CaseAction;
use crate::domain::monitoring::{ConditionCategory, MilestoneKind};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::applications::expected;
use crate::web::fields;
use crate::web::format::label;
use crate::web::forms::{done, errors_json, field, merge, page_status, Form, Pairs};
use crate::web::session::SignedIn;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/casework/{id}/approve").route(web::get().to(form_page)).route(web::post().to(post)));
}

type Row = BTreeMap<String, String>;

/// The form as posted (or as first shown): every value as text, the rows of the two lists.
struct ApproveForm {
    pairs: Pairs,
    conditions: Vec<Row>,
    milestones: Vec<Row>,
}

/// The rows of a list posted as `list[0].name`, `list[1].name`, ... in order.
fn rows(p: &Pairs, list: &str) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    for (k, v) in p {
        let Some((i, name)) = k.strip_prefix(list).and_then(|r| r.strip_prefix('[')).and_then(|r| r.split_once("]."))
        else {
            continue;
        };
        let Ok(i) = i.parse::<usize>() else { continue };
        if i >= 100 {
            continue;
        }
        if out.len() <= i {
            out.resize_with(i + 1, Row::new);
        }
        out[i].insert(name.to_string(), v.clone());
    }
    out
}

fn date_row(prefix: &str, d: NaiveDate, row: &mut Row) {
    use chrono::Datelike;
    row.insert(format!("{prefix}-day"), d.day().to_string());
    row.insert(format!("{prefix}-month"), d.month().to_string());
    row.insert(format!("{prefix}-year"), d.year().to_string());
}

fn schedule_rows(start: NaiveDate, end: NaiveDate) -> Vec<Row> {
    default_milestones(start, end)
        .into_iter()
        .map(|(kind, title, due)| {
            let mut r = Row::from([("kind".to_string(), kind.as_str().to_string()), ("title".to_string(), title)]);
            date_row("due_on", due, &mut r);
            r
        })
        .collect()
}

fn get_date(p: &Pairs, name: &str) -> Field<NaiveDate> {
    fields::date(
        field(p, &format!("{name}-day")),
        field(p, &format!("{name}-month")),
        field(p, &format!("{name}-year")),
    )
}

fn row_date(r: &Row, name: &str) -> Field<NaiveDate> {
    let part = |s: &str| r.get(&format!("{name}-{s}")).map(String::as_str).unwrap_or("");
    fields::date(part("day"), part("month"), part("year"))
}

/// A page's value as the JSON body would carry it. A value the page could not read goes as
/// text, so that the parse names its field; `unread` keeps the page's own words for it.
fn raw<T: serde::Serialize>(f: Field<T>, path: String, unread: &mut Vec<(String, String)>) -> Value {
    match f {
        Field::Value(v) => json!(v),
        Field::Missing | Field::Null => Value::Null,
        Field::Invalid(message) => {
            unread.push((path, message));
            json!("unreadable")
        }
    }
}

fn text_or_null(s: Option<&String>) -> Value {
    match s.map(|s| s.trim()) {
        Some(s) if !s.is_empty() => json!(s),
        _ => Value::Null,
    }
}

impl ApproveForm {
    fn posted(p: &Pairs) -> Self {
        ApproveForm { pairs: p.clone(), conditions: rows(p, "conditions"), milestones: rows(p, "milestones") }
    }

    /// The form as first shown: the trial dates the applicant proposed (from today at the
    /// earliest), one empty condition and the default schedule for those dates.
    fn first(view: &CaseView, today: NaiveDate) -> Self {
        let app = &view.app;
        let start = app.proposed_start_date.filter(|d| *d >= today).unwrap_or(today);
        let end = add_months(start, app.proposed_duration_months.unwrap_or(12).max(1) as u32);
        let mut top = Row::new();
        date_row("trial_start_date", start, &mut top);
        date_row("trial_end_date", end, &mut top);
        let pairs = top.into_iter().chain([("version".to_string(), app.version.to_string())]).collect();
        ApproveForm { pairs, conditions: vec![Row::new()], milestones: schedule_rows(start, end) }
    }

    /// The requested provisions in the order the page lists them, with whether each is granted.
    fn granted(&self, view: &CaseView) -> Vec<bool> {
        view.requested.iter().map(|(_, p)| self.pairs.iter().any(|(k, v)| k == "grant" && *v == p.code)).collect()
    }

    /// The API's raw input, and the page's words for the values it could not read.
    fn body(&self, view: &CaseView) -> (ApproveBody, Vec<(String, String)>) {
        let p = &self.pairs;
        let mut unread = Vec::new();
        let granted = self.granted(view);
        let mut derogations = Vec::new();
        for (j, (_, prov)) in view.requested.iter().enumerate().filter(|(j, _)| granted[*j]) {
            let i = derogations.len();
            derogations.push(json!({
                "provision_code": prov.code,
                "limits": text_or_null(Some(&field(p, &format!("derogations[{j}].limits")).to_string())),
                "ends_on": raw(get_date(p, &format!("derogations[{j}].ends_on")), format!("derogations[{i}].ends_on"), &mut unread),
            }));
        }
        let conditions = self
            .conditions
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let target = fields::number(r.get("target_value").map(String::as_str).unwrap_or(""));
                json!({
                    "category": text_or_null(r.get("category")), "description": text_or_null(r.get("description")),
                    "metric": text_or_null(r.get("metric")), "unit": text_or_null(r.get("unit")),
                    "target_value": raw(target, format!("conditions[{i}].target_value"), &mut unread),
                    "due_on": raw(row_date(r, "due_on"), format!("conditions[{i}].due_on"), &mut unread),
                })
            })
            .collect();
        let milestones = self
            .milestones
            .iter()
            .enumerate()
            .map(|(i, r)| {
                json!({
                    "kind": text_or_null(r.get("kind")), "title": text_or_null(r.get("title")),
                    "due_on": raw(row_date(r, "due_on"), format!("milestones[{i}].due_on"), &mut unread),
                })
            })
            .collect();
        let body = ApproveBody {
            reasons: fields::text(field(p, "reasons")),
            trial_start_date: get_date(p, "trial_start_date"),
            trial_end_date: get_date(p, "trial_end_date"),
            derogations: Field::Value(derogations),
            conditions: Field::Value(conditions),
            milestones: Field::Value(milestones),
        };
        (body, unread)
    }

    /// The use-case's errors named as the page names its fields: a granted derogation by its
    /// place in the page's list, a value the page could not read in the page's words.
    fn page_errors(&self, view: &CaseView, errors: FieldErrors, unread: &[(String, String)]) -> FieldErrors {
        let granted: Vec<usize> = self.granted(view).iter().enumerate().filter(|(_, g)| **g).map(|(j, _)| j).collect();
        let mut out = FieldErrors::new();
        for e in errors.0 {
            let message = unread.iter().find(|(f, _)| *f == e.field).map(|(_, m)| m.clone()).unwrap_or(e.message);
            let name = match e.field.strip_prefix("derogations[").and_then(|r| r.split_once("].")) {
                Some((i, "provision_code")) if i.parse::<usize>().is_ok() => "derogations".to_string(),
                Some((i, rest)) => match i.parse::<usize>().ok().and_then(|i| granted.get(i)) {
                    Some(j) => format!("derogations[{j}].{rest}"),
                    None => "derogations".to_string(),
                },
                None => e.field,
            };
            out.add(name, message);
        }
        out
    }

    fn context(&self, view: &CaseView) -> Value {
        let p = &self.pairs;
        let granted = self.granted(view);
        let derogations: Vec<Value> = view
            .requested
            .iter()
            .enumerate()
            .map(|(j, (r, prov))| {
                json!({ "j": j, "code": prov.code, "title": prov.title, "months": prov.max_trial_months,
                        "scope": r.scope, "justification": r.justification, "checked": granted[j],
                        "limits": field(p, &format!("derogations[{j}].limits")),
                        "ends_on": date_of(p, &format!("derogations[{j}].ends_on")) })
            })
            .collect();
        let (conditions, milestones) = (rows_json(&self.conditions), rows_json(&self.milestones));
        json!({
            "case": header_json(view),
            "version": field(p, "version"),
            "form": { "reasons": field(p, "reasons"),
                      "trial_start_date": date_of(p, "trial_start_date"), "trial_end_date": date_of(p, "trial_end_date") },
            "derogations": derogations, "conditions": conditions, "milestones": milestones,
            "categories": ConditionCategory::ALL.iter().map(|c| json!({"value": c.as_str(), "text": label(c.as_str())})).collect::<Vec<_>>(),
            "kinds": MilestoneKind::ALL.iter().map(|k| json!({"value": k.as_str(), "text": label(k.as_str())})).collect::<Vec<_>>(),
        })
    }

    /// The error messages' beginnings for the fields of this form.
    fn labels(&self, view: &CaseView, errors: &FieldErrors) -> Vec<(String, String)> {
        errors
            .0
            .iter()
            .filter_map(|e| {
                let l = match e.field.as_str() {
                    "reasons" => "The statement of reasons".to_string(),
                    "trial_start_date" => "The trial start date".to_string(),
                    "trial_end_date" => "The trial end date".to_string(),
                    f => {
                        let (list, rest) = f.split_once('[')?;
                        let (i, name) = rest.split_once("].")?;
                        let i: usize = i.parse().ok()?;
                        match list {
                            "derogations" => {
                                let title = &view.requested.get(i)?.1.title;
                                match name {
                                    "ends_on" => format!("The end date of {title}"),
                                    "limits" => format!("The limits of {title}"),
                                    _ => return None,
                                }
                            }
                            "conditions" | "milestones" => {
                                let what = if list == "conditions" { "Condition" } else { "Milestone" };
                                let name = match name {
                                    "due_on" => "due date",
                                    "target_value" => "target value",
                                    n => n,
                                };
                                format!("{what} {} {name}", i + 1)
                            }
                            _ => return None,
                        }
                    }
                };
                Some((e.field.clone(), l))
            })
            .collect()
    }
}

fn date_of(p: &Pairs, name: &str) -> Value {
    json!({ "day": field(p, &format!("{name}-day")), "month": field(p, &format!("{name}-month")),
            "year": field(p, &format!("{name}-year")) })
}

/// A builder's rows as the page shows them: each with its place and its due date's boxes.
fn rows_json(rows: &[Row]) -> Vec<Value> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let mut row = json!(r);
            merge(&mut row, json!({ "i": i, "due_on": row_parts(r, "due_on") }));
            row
        })
        .collect()
}

fn row_parts(r: &Row, name: &str) -> Value {
    let part = |s: &str| r.get(&format!("{name}-{s}")).cloned().unwrap_or_default();
    json!({ "day": part("day"), "month": part("month"), "year": part("year") })
}

fn render(
    who: &SignedIn,
    view: &CaseView,
    form: &ApproveForm,
    errors: Option<(FieldErrors, &[(String, String)])>,
) -> AppResult<HttpResponse> {
    let mut context = form.context(view);
    let status = match errors {
        Some((errors, unread)) => {
            let errors = form.page_errors(view, errors, unread);
            let labels = form.labels(view, &errors);
            let labels: Vec<(&str, &str)> = labels.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            merge(&mut context, errors_json(&errors, &labels));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        None => StatusCode::OK,
    };
    page_status(&who.visitor, status, "casework/decision_approve.html", context)
}

async fn form_page(ctx: web::Data<AppContext>, who: SignedIn, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let view = load(&ctx, &who, id.into_inner()).await?;
    if !view.allowed_actions.contains(&CaseAction::Approve) {
        return not_now(&who.visitor, &view, "approve this application");
    }
    render(&who, &view, &ApproveForm::first(&view, ctx.now().date()), None)
}

/// What the check page shows of a valid approval.
fn check_context(view: &CaseView, a: &Approval, form: &ApproveForm) -> Value {
    let title = |code: &str| {
        view.requested.iter().find(|(_, p)| p.code == code).map(|(_, p)| p.title.clone()).unwrap_or(code.to_string())
    };
    json!({
        "case": header_json(view),
        "approval": {
            "reasons": a.reasons, "start": a.trial_start_date, "end": a.trial_end_date,
            "grants": a.grants.iter().map(|g| json!({ "title": title(&g.provision_code), "code": g.provision_code,
                "limits": g.limits, "ends_on": g.ends_on.unwrap_or(a.trial_end_date) })).collect::<Vec<_>>(),
            "conditions": a.conditions.iter().map(|c| json!({ "category": c.category.as_str(), "description": c.description,
                "metric": c.metric, "target_value": c.target_value, "unit": c.unit, "due_on": c.due_on })).collect::<Vec<_>>(),
            "milestones": a.schedule().iter().map(|m| json!({ "title": m.title, "kind": m.kind.as_str(), "due_on": m.due_on })).collect::<Vec<_>>(),
        },
        "carried": carried(&form.pairs),
    })
}

async fn post(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    id: web::Path<i64>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = load(&ctx, &who, id).await?;
    let mut form = ApproveForm::posted(&p);
    if !field(&p, "add_condition").is_empty() {
        form.conditions.push(Row::new());
        return render(&who, &view, &form, None);
    }
    if let Ok(n) = field(&p, "remove_condition").parse::<usize>() {
        if n < form.conditions.len() {
            form.conditions.remove(n);
        }
        return render(&who, &view, &form, None);
    }
    if !field(&p, "add_milestone").is_empty() {
        form.milestones.push(Row::from([("kind".to_string(), MilestoneKind::Custom.as_str().to_string())]));
        return render(&who, &view, &form, None);
    }
    if let Ok(n) = field(&p, "remove_milestone").parse::<usize>() {
        if n < form.milestones.len() {
            form.milestones.remove(n);
        }
        return render(&who, &view, &form, None);
    }
    let version = expected(Some(field(&p, "version")));
    let (body, unread) = form.body(&view);
    match step(&p) {
        "change" => render(&who, &view, &form, None),
        "default_schedule" => {
            if let (Field::Value(start), Field::Value(end)) = (body.trial_start_date, body.trial_end_date) {
                form.milestones = schedule_rows(start, end);
            }
            render(&who, &view, &form, None)
        }
        "confirm" => match lifecycle::approve(&ctx, who.actor(), id, version, body.parse()).await {
            Ok(_) => done(&ctx, &who.visitor, &format!("/casework/{id}"), "Application approved").await,
            Err(AppError::Validation(e)) => render(&who, &view, &form, Some((e, &unread))),
            Err(e) => refused(&ctx, &who, id, e).await,
        },
        _ => match lifecycle::approval_allowed(&ctx, who.actor(), id, version, body.parse()).await {
            Ok(approval) => page_status(
                &who.visitor,
                StatusCode::OK,
                "casework/decision_check.html",
                check_context(&view, &approval, &form),
            ),
            Err(AppError::Validation(e)) => render(&who, &view, &form, Some((e, &unread))),
            Err(e) => refused(&ctx, &who, id, e).await,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_in_order_with_gaps_kept() {
        let p: Pairs = vec![
            ("conditions[1].metric".into(), "b".into()),
            ("conditions[0].metric".into(), "a".into()),
            ("conditions[0].due_on-day".into(), "3".into()),
            ("milestones[0].title".into(), "m".into()),
            ("conditionsx[0].metric".into(), "no".into()),
        ];
        let r = rows(&p, "conditions");
        assert_eq!(r.len(), 2);
        assert_eq!(r[0]["metric"], "a");
        assert_eq!(r[0]["due_on-day"], "3");
        assert_eq!(r[1]["metric"], "b");
    }
}
