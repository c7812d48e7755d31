//! Screening: the seven criteria, each met or not met with notes; then a check page that says what
//! will happen (assessment, or refusal with the applicant emailed and the refusal published)
//! before anything is saved; and the confirmation, which builds the API's `ScreeningBody` and
//! calls `lifecycle::screen`. The check page carries the answers in hidden fields, so changing
//! them needs no JavaScript.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::{load, refused, summary_json};
use crate::app::cases::CaseView;
use crate::app::input::decision::ScreeningBody;
use crate::app::input::Field;
use crate::app::{lifecycle, AppContext};
use crate::domain::case::CaseAction;
use crate::domain::decision::ScreeningCriterion;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::applications::expected;
use crate::web::format::label;
use crate::web::forms::{done, errors_json, field, merge, page_status, Form, Pairs};
use crate::web::session::SignedIn;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/casework/{id}/screening").route(web::get().to(screening_page)).route(web::post().to(screen)),
    );
}

/// The question an inspector answers for each criterion.
pub fn question(c: ScreeningCriterion) -> &'static str {
    match c {
        ScreeningCriterion::GenuineInnovation => {
            "Is the project genuinely innovative, testing something not yet common?"
        }
        ScreeningCriterion::CarbonReduction => "Will the project reduce carbon emissions?",
        ScreeningCriterion::CommunityBenefit => "Will the local community benefit from the project?",
        ScreeningCriterion::NeedForDerogation => "Does the project need a derogation from planning rules to go ahead?",
        ScreeningCriterion::Readiness => "Is the applicant ready to start the trial on the dates proposed?",
        ScreeningCriterion::Safeguards => "Are the proposed safeguards enough to protect people and places nearby?",
        ScreeningCriterion::ExitPlan => "Is there a credible plan to restore the site when the trial ends?",
    }
}

/// The form's answers as posted: for criterion `i`, `criteria[i].outcome` and `criteria[i].note`.
fn answers(p: &Pairs) -> Vec<(ScreeningCriterion, String, String)> {
    ScreeningCriterion::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let outcome = field(p, &format!("criteria[{i}].outcome")).to_string();
            (*c, outcome, field(p, &format!("criteria[{i}].note")).to_string())
        })
        .collect()
}

/// The API's raw input from the answers: a criterion left blank is a `null` outcome.
fn body(answers: &[(ScreeningCriterion, String, String)]) -> ScreeningBody {
    let list = answers
        .iter()
        .map(|(c, outcome, note)| {
            let or_null = |s: &str| if s.trim().is_empty() { Value::Null } else { Value::String(s.trim().to_string()) };
            json!({ "criterion": c.as_str(), "outcome": or_null(outcome), "note": or_null(note) })
        })
        .collect();
    ScreeningBody { criteria: Field::Value(list) }
}

/// The parse's errors as sentences naming the criterion, each on its criterion's fields. A
/// criterion "not recorded" (its outcome was left blank) is said once, on its radios.
fn sentences(errors: FieldErrors) -> FieldErrors {
    let mut out = FieldErrors::new();
    let mut list = errors.0;
    for e in list.iter_mut().filter(|e| e.field == "criteria") {
        let named = e.message.split(' ').next().and_then(|n| n.parse::<ScreeningCriterion>().ok());
        if let Some(i) = named.and_then(|c| ScreeningCriterion::ALL.iter().position(|x| *x == c)) {
            e.field = format!("criteria[{i}].outcome");
        }
    }
    let mut seen: Vec<String> = Vec::new();
    for e in list {
        if seen.contains(&e.field) {
            continue;
        }
        seen.push(e.field.clone());
        let index = e
            .field
            .strip_prefix("criteria[")
            .and_then(|rest| rest.split(']').next())
            .and_then(|n| n.parse::<usize>().ok());
        let Some(c) = index.and_then(|i| ScreeningCriterion::ALL.get(i)) else {
            out.add(e.field, e.message);
            continue;
        };
        let name = label(c.as_str()).to_lowercase();
        let message = if e.field.ends_with(".outcome") {
            format!("Say whether {name} is met or not met")
        } else if e.message.starts_with("explain why") {
            format!("Explain why {name} is not met")
        } else {
            format!("The notes on {name} {}", e.message)
        };
        out.add(e.field, message);
    }
    out
}

fn form_context(view: &CaseView, who: &SignedIn, answers: &[(ScreeningCriterion, String, String)]) -> Value {
    let rows: Vec<Value> = answers
        .iter()
        .enumerate()
        .map(|(i, (c, outcome, note))| {
            json!({ "index": i, "criterion": c.as_str(), "question": question(*c), "outcome": outcome, "note": note })
        })
        .collect();
    json!({ "case": summary_json(view, who), "rows": rows })
}

/// The case, for a screening page: only for those who may screen it now.
async fn screenable(ctx: &AppContext, who: &SignedIn, id: i64) -> AppResult<CaseView> {
    let view = load(ctx, who, id).await?;
    if !view.allowed_actions.contains(&CaseAction::Screen) {
        return Err(AppError::Forbidden("only the assigned inspector can screen this application now".into()));
    }
    Ok(view)
}

async fn screening_page(ctx: web::Data<AppContext>, who: SignedIn, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let view = screenable(&ctx, &who, id.into_inner()).await?;
    let blank: Vec<_> = ScreeningCriterion::ALL.iter().map(|c| (*c, String::new(), String::new())).collect();
    let mut context = form_context(&view, &who, &blank);
    merge(&mut context, json!({ "version": view.app.version }));
    page_status(&who.visitor, StatusCode::OK, "casework/case_screening.html", context)
}

/// One form, three steps: the answers (checked, then the check page), "Change your answers" from
/// the check page (the form again, as it was), and the confirmation (`confirm=yes`).
async fn screen(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    id: web::Path<i64>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let answers = answers(&p);
    let version = field(&p, "version");
    if field(&p, "confirm") == "yes" {
        let to_assessment = answers.iter().all(|(_, o, _)| o == "met");
        return match lifecycle::screen(&ctx, who.actor(), id, expected(Some(version)), body(&answers).parse()).await {
            Ok(_) => {
                let message = if to_assessment {
                    "Screening recorded: the case is now in assessment"
                } else {
                    "Screening recorded: the application has been refused and the applicant told"
                };
                done(&ctx, &who.visitor, &format!("/casework/{id}"), message).await
            }
            Err(AppError::Validation(e)) => form_again(&ctx, &who, id, &answers, version, Some(e)).await,
            Err(e) => refused(&ctx, &who, id, e).await,
        };
    }
    if field(&p, "change") == "yes" {
        return form_again(&ctx, &who, id, &answers, version, None).await;
    }
    match body(&answers).parse() {
        Err(e) => form_again(&ctx, &who, id, &answers, version, Some(e)).await,
        Ok(criteria) => {
            let view = screenable(&ctx, &who, id).await?;
            let unmet = criteria.iter().filter(|c| !c.met).count();
            let mut context = form_context(&view, &who, &answers);
            merge(&mut context, json!({ "version": version, "unmet": unmet }));
            page_status(&who.visitor, StatusCode::OK, "casework/case_screening_check.html", context)
        }
    }
}

async fn form_again(
    ctx: &AppContext,
    who: &SignedIn,
    id: i64,
    answers: &[(ScreeningCriterion, String, String)],
    version: &str,
    errors: Option<FieldErrors>,
) -> AppResult<HttpResponse> {
    let view = screenable(ctx, who, id).await?;
    let mut context = form_context(&view, who, answers);
    merge(&mut context, json!({ "version": version }));
    let status = match errors {
        Some(e) => {
            merge(&mut context, errors_json(&sentences(e), &[]));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        None => StatusCode::OK,
    };
    page_status(&who.visitor, status, "casework/case_screening.html", context)
}
