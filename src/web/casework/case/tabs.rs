//! The tabs of the inspector's case page, each as the template shows it: what the applicant
//! wrote, the screening, the information requests with their files, the decision, monitoring
//! (conditions with their latest evidence and the community's view of it, milestones,
//! enforcement), the community's observations as staff see them, and the full history.

use serde_json::{json, Value};

use super::screening::question;
use crate::app::case_file::CaseFile;
use crate::domain::community::{AttestationStance, Visibility};
use crate::domain::decision::AttachmentSide;
use crate::web::events::{event_detail, event_text};

/// `publishes`: whether the viewer may publish the case's files with the decision notice.
pub(super) fn tabs_json(file: &CaseFile, publishes: bool) -> Value {
    json!({
        "application": application(file),
        "screening": screening(file),
        "requests": requests(file, publishes),
        "decision": decision(file),
        "monitoring": monitoring(file),
        "community": community(file),
        "history": history(file),
    })
}

fn application(file: &CaseFile) -> Value {
    let app = &file.view.app;
    json!({
        "summary": app.summary, "intervention": app.intervention.map(|i| i.as_str()),
        "innovation_statement": app.innovation_statement, "need_for_derogation": app.need_for_derogation,
        "site_address": app.site_address, "site_postcode": app.site_postcode,
        "proposed_start_date": app.proposed_start_date, "proposed_duration_months": app.proposed_duration_months,
        "co2e": app.estimated_annual_co2e_tonnes, "ownership": app.community_ownership_pct,
        "min_ownership": file.view.zone.as_ref().map(|z| z.min_community_ownership_pct),
        "safeguards": app.safeguards, "exit_plan": app.exit_plan,
        "derogations": file.view.requested.iter().map(|(r, p)| json!({
            "code": p.code, "title": p.title, "justification": r.justification, "scope": r.scope,
        })).collect::<Vec<_>>(),
    })
}

fn screening(file: &CaseFile) -> Value {
    let rows: Vec<Value> = file
        .view
        .screening
        .iter()
        .map(|s| {
            json!({ "criterion": s.criterion.as_str(), "question": question(s.criterion),
                    "outcome": s.outcome.as_str(), "note": s.note, "at": s.created_at })
        })
        .collect();
    json!({ "rows": rows })
}

fn requests(file: &CaseFile, publishes: bool) -> Value {
    let view = &file.view;
    let files = |rid: i64, side: AttachmentSide| -> Vec<Value> {
        view.information_attachments
            .iter()
            .filter(|a| a.information_request_id == rid && a.sent_with == side)
            .map(|a| {
                json!({ "name": a.file_name, "size": a.size_bytes, "public": a.public,
                        "href": format!("/casework/{}/attachments/{}", view.app.id, a.id),
                        "publish": publishes.then(|| format!("/casework/{}/documents/{}", view.app.id, a.id)) })
            })
            .collect()
    };
    let rows: Vec<Value> = view
        .information_requests
        .iter()
        .rev()
        .map(|r| {
            json!({
                "id": r.id, "question": r.question, "due_on": r.due_on, "requested_at": r.requested_at,
                "answer": r.answer, "answered_at": r.answered_at, "open": r.answered_at.is_none(),
                "files": files(r.id, AttachmentSide::Request), "attachments": files(r.id, AttachmentSide::Answer),
            })
        })
        .collect();
    json!({ "rows": rows })
}

fn decision(file: &CaseFile) -> Value {
    let app = &file.view.app;
    let granted: Vec<Value> = file
        .view
        .requested
        .iter()
        .filter(|(r, _)| r.granted)
        .map(|(r, p)| json!({ "code": p.code, "title": p.title, "limits": r.granted_limits, "until": r.granted_until }))
        .collect();
    let evaluation = file.view.evaluation.as_ref().map(|(e, recs)| {
        json!({
            "outcomes": e.outcomes, "lessons": e.lessons,
            "recommendations": recs.iter().map(|(r, p)| json!({
                "code": p.code, "title": p.title, "kind": r.recommendation.as_str(), "rationale": r.rationale,
            })).collect::<Vec<_>>(),
        })
    });
    json!({
        "outcome": app.decision.map(|d| d.as_str()), "reasons": app.decision_reasons, "at": app.decided_at,
        "trial_start_date": app.trial_start_date, "trial_end_date": app.trial_end_date,
        "granted": granted, "evaluation": evaluation,
    })
}

fn monitoring(file: &CaseFile) -> Value {
    let id = file.view.app.id;
    let conditions: Vec<Value> = file
        .view
        .conditions
        .iter()
        .map(|c| {
            let latest = file.evidence.iter().find(|e| e.condition_id == c.id);
            let count = |stance| {
                file.attestations.iter().filter(|a| a.condition_id == c.id && a.stance == stance).count()
            };
            json!({
                "id": c.id, "description": c.description, "metric": c.metric, "target_value": c.target_value,
                "unit": c.unit, "due_on": c.due_on, "status": c.status.as_str(), "reason": c.status_reason,
                "category": c.category.as_str(), "href": format!("/casework/{id}/conditions/{}", c.id),
                "latest": latest.map(|e| json!({
                    "value": e.reported_value, "body": e.body, "at": e.created_at, "outcome": e.outcome.as_str(),
                    "file": e.file_name.as_ref().map(|n| json!({ "name": n, "href": format!("/casework/{id}/evidence/{}", e.id) })),
                })),
                "confirmations": count(AttestationStance::Confirm), "disputes": count(AttestationStance::Dispute),
            })
        })
        .collect();
    let milestones: Vec<Value> = file
        .view
        .milestones
        .iter()
        .map(|m| {
            json!({ "id": m.id, "title": m.title, "kind": m.kind.as_str(), "due_on": m.due_on,
                    "status": m.status.as_str(), "reported_at": m.reported_at,
                    "href": format!("/casework/{id}/milestones/{}", m.id) })
        })
        .collect();
    let enforcement: Vec<Value> = file
        .view
        .enforcement
        .iter()
        .map(|e| json!({ "kind": e.kind.as_str(), "reasons": e.reasons, "at": e.created_at, "new_end_date": e.new_end_date }))
        .collect();
    json!({ "conditions": conditions, "milestones": milestones, "enforcement": enforcement })
}

fn community(file: &CaseFile) -> Value {
    let name = |id: i64| file.names.get(&id).cloned();
    let rows: Vec<Value> = file
        .observations
        .iter()
        .map(|v| {
            let o = &v.observation;
            json!({
                "id": o.id, "kind": o.kind.as_str(), "body": o.body, "visibility": o.visibility.as_str(),
                "hidden": o.visibility == Visibility::Hidden, "published_body": o.published_body,
                "reason": o.moderation_reason, "at": o.created_at, "by": name(o.author_id),
                "moderate": o.visibility == Visibility::Published,
                "replies": v.replies.iter().map(|r| json!({ "body": r.body, "at": r.created_at, "by": name(r.author_id) })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "rows": rows })
}

fn history(file: &CaseFile) -> Value {
    let rows: Vec<Value> = file
        .history
        .iter()
        .rev()
        .map(|h| {
            json!({ "text": event_text(&h.event.action), "detail": event_detail(&h.event),
                    "at": h.event.created_at, "by": h.actor_name, "public": h.event.public })
        })
        .collect();
    json!({ "rows": rows })
}
