//! The public register: decided cases and their trials as anyone may see them. Personal data is
//! left out here, once, for JSON and HTML alike: no email addresses, no names of private people,
//! only the postcode district of a site. Organisations and inspectors are named.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::community::ObservationView;
use super::{AppContext, Page, PageRequest, Remember};
use crate::db::cases as case_repo;
use crate::db::models::{
    Application, Condition, EnforcementAction, InformationRequest, InformationRequestAttachment, Milestone, Provision,
    RequestedDerogation, Screening, Zone,
};
use crate::db::register::{self as repo, RegisterFilter, RegisterOrder};
use crate::db::{community, information, monitoring, users, DbConn};
use crate::domain::case::Status;
use crate::domain::community::AttestationStance;
use crate::domain::decision::ScreeningCriterion;
use crate::domain::monitoring::EvidenceOutcome;
use crate::domain::redaction::without_personal_data;
use crate::error::{AppError, AppResult};

/// A register entry: the case and what is public about its context.
#[derive(Debug, Clone)]
pub struct Entry {
    pub app: Application,
    pub zone: Option<Zone>,
    pub organisation_name: Option<String>,
}

/// Attaches zones and organisation names, each loaded in one query for the whole page.
fn entries(c: &mut DbConn, apps: Vec<Application>) -> diesel::QueryResult<Vec<Entry>> {
    use crate::db::schema::zones;
    use diesel::prelude::*;
    let zone_ids: Vec<i64> = apps.iter().filter_map(|a| a.zone_id).collect();
    let org_ids: Vec<i64> = apps.iter().filter_map(|a| a.organisation_id).collect();
    let zone_rows: BTreeMap<i64, Zone> = if zone_ids.is_empty() {
        BTreeMap::new()
    } else {
        zones::table
            .filter(zones::id.eq_any(zone_ids))
            .select(Zone::as_select())
            .load(c)?
            .into_iter()
            .map(|z| (z.id, z))
            .collect()
    };
    let org_names = users::organisation_names(c, &org_ids)?;
    Ok(apps
        .into_iter()
        .map(|app| Entry {
            zone: app.zone_id.and_then(|z| zone_rows.get(&z).cloned()),
            organisation_name: app.organisation_id.and_then(|o| org_names.get(&o).cloned()),
            app,
        })
        .collect())
}

/// A page of the register (or of the entries matching a search) in `order` of decision.
pub async fn list(
    ctx: &AppContext,
    filter: RegisterFilter,
    order: RegisterOrder,
    page: PageRequest,
) -> AppResult<Page<Entry>> {
    let cap = ctx.settings.lists.total_count_cap;
    let keep = ctx.settings.lists.capped_count_seconds;
    let (counts, now) = (ctx.capped_counts.clone(), ctx.now());
    ctx.db
        .run(move |c| {
            let apps = repo::list(c, &filter, order, page.offset(), page.per_page)?;
            let key = format!("register {filter:?}");
            // A search's matches change only when a decision is published: a count a few seconds
            // old is good enough, and counting them all on every page is what would cost.
            let remember = if filter.words.is_some() { Remember::Always } else { Remember::PastTheCap };
            let counted = counts.count(key, now, (keep, remember), cap, || repo::count(c, &filter, cap))?;
            Ok::<_, AppError>(Page::new(entries(c, apps)?, page, counted, cap))
        })
        .await
}

/// The next `limit` entries after `after_id`, in id order (for exports); with a search, in
/// decision order, most recent first.
pub async fn entries_after(
    ctx: &AppContext,
    filter: RegisterFilter,
    after_id: i64,
    limit: i64,
) -> AppResult<Vec<Entry>> {
    ctx.db
        .run(move |c| {
            let apps = repo::list_after(c, &filter, after_id, limit)?;
            Ok::<_, AppError>(entries(c, apps)?)
        })
        .await
}

/// A condition as published: its status, the value last verified, and the community's word.
#[derive(Debug, Clone)]
pub struct PublicCondition {
    pub condition: Condition,
    pub verified_value: Option<f64>,
    pub confirmations: usize,
    pub disputes: usize,
    pub attestation_comments: Vec<(AttestationStance, String, chrono::NaiveDateTime)>,
    /// The evidence sent last: what members confirm or dispute.
    pub latest_evidence: Option<crate::db::models::Evidence>,
}

/// Everything the trial page and decision notice show.
#[derive(Debug, Clone)]
pub struct TrialRecord {
    pub entry: Entry,
    pub inspector_name: Option<String>,
    pub derogations: Vec<(RequestedDerogation, Provision)>,
    pub conditions: Vec<PublicCondition>,
    pub milestones: Vec<Milestone>,
    pub enforcement: Vec<EnforcementAction>,
    pub observations: Vec<ObservationView>,
    pub evaluation: Option<case_repo::EvaluationRecord>,
    /// The screening: each criterion's latest outcome, in the order of the criteria, with its
    /// note (personal data removed).
    pub screening: Vec<Screening>,
    /// The information requests with their answers (personal data removed) and the files the
    /// inspector published with the notice.
    pub information: Vec<PublicExchange>,
}

/// An information request as published.
#[derive(Debug, Clone)]
pub struct PublicExchange {
    pub request: InformationRequest,
    pub documents: Vec<InformationRequestAttachment>,
}

/// The latest outcome of each criterion, in the criteria's order, notes without personal data.
fn public_screening(rows: Vec<Screening>) -> Vec<Screening> {
    let mut latest: Vec<Screening> = Vec::new();
    for row in rows.into_iter().rev() {
        if !latest.iter().any(|s| s.criterion == row.criterion) {
            latest.push(Screening { note: without_personal_data(&row.note), ..row });
        }
    }
    latest.sort_by_key(|s| ScreeningCriterion::ALL.iter().position(|c| *c == s.criterion));
    latest
}

/// The case's requests with answers and questions without personal data, and its published files.
fn public_exchanges(c: &mut DbConn, case_id: i64) -> diesel::QueryResult<Vec<PublicExchange>> {
    let files = information::attachments_of_case(c, case_id)?;
    Ok(case_repo::information_requests(c, case_id)?
        .into_iter()
        .map(|r| PublicExchange {
            documents: files.iter().filter(|f| f.public && f.information_request_id == r.id).cloned().collect(),
            request: InformationRequest {
                question: without_personal_data(&r.question),
                answer: r.answer.as_deref().map(without_personal_data),
                ..r
            },
        })
        .collect())
}

pub async fn trial(ctx: &AppContext, reference: String) -> AppResult<TrialRecord> {
    ctx.db
        .run(move |c| {
            let app =
                repo::find(c, &reference)?.ok_or_else(|| AppError::NotFound("no such entry on the register".into()))?;
            let refused = app.status == Status::Refused;
            let inspector_name = match app.assigned_inspector_id {
                Some(i) => users::find_user(c, i)?.map(|u| u.display_name),
                None => None,
            };
            let derogations: Vec<_> =
                case_repo::requested(c, app.id)?.into_iter().filter(|(r, _)| refused || r.granted).collect();
            // One query each for the evidence and attestations of every condition.
            let evidence = monitoring::evidence_of_case(c, app.id)?;
            let attestations = community::attestations_of_case(c, app.id)?;
            let conditions = case_repo::conditions(c, app.id)?
                .into_iter()
                .map(|cond| {
                    let verified_value = evidence
                        .iter()
                        .find(|e| e.condition_id == cond.id && e.outcome == EvidenceOutcome::Verified)
                        .and_then(|e| e.reported_value);
                    let mine: Vec<_> = attestations.iter().filter(|a| a.condition_id == cond.id).collect();
                    PublicCondition {
                        latest_evidence: evidence.iter().find(|e| e.condition_id == cond.id).cloned(),
                        verified_value,
                        confirmations: mine.iter().filter(|a| a.stance == AttestationStance::Confirm).count(),
                        disputes: mine.iter().filter(|a| a.stance == AttestationStance::Dispute).count(),
                        attestation_comments: mine
                            .iter()
                            .map(|a| (a.stance, a.comment.clone(), a.created_at))
                            .collect(),
                        condition: cond,
                    }
                })
                .collect();
            let observations = {
                let list = community::observations_of(c, app.id)?;
                let visible: Vec<_> = list.into_iter().filter(super::community::publicly_visible).collect();
                let ids: Vec<i64> = visible.iter().map(|o| o.id).collect();
                let replies = community::replies_to(c, &ids)?;
                visible
                    .into_iter()
                    .map(|o| ObservationView {
                        replies: replies.iter().filter(|r| r.observation_id == o.id).cloned().collect(),
                        observation: o,
                        moderator_view: false,
                    })
                    .collect()
            };
            let record = TrialRecord {
                inspector_name,
                derogations,
                conditions,
                milestones: case_repo::milestones(c, app.id)?,
                enforcement: case_repo::enforcement_actions(c, app.id)?,
                observations,
                evaluation: case_repo::evaluation(c, app.id)?,
                screening: public_screening(case_repo::screenings(c, app.id)?),
                information: public_exchanges(c, app.id)?,
                entry: entries(c, vec![app])?.remove(0),
            };
            Ok(record)
        })
        .await
}

/// A register event for the feed.
#[derive(Debug, Clone)]
pub struct FeedItem {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub action: String,
    pub to_status: String,
    pub at: chrono::NaiveDateTime,
}

/// The newest register events, at most `limit`. With filters, the events of the `limit` matching
/// entries decided last (read in decision order from the register's indexes, so that a filtered
/// feed costs the same however large the register is).
pub async fn feed(ctx: &AppContext, filter: RegisterFilter, limit: i64) -> AppResult<Vec<FeedItem>> {
    ctx.db
        .run(move |c| {
            let events = if filter == RegisterFilter::default() {
                repo::feed_events(c, limit * 2)?
            } else {
                let ids: Vec<i64> =
                    repo::list(c, &filter, RegisterOrder::Newest, 0, limit)?.into_iter().map(|a| a.id).collect();
                repo::feed_events_of(c, &ids, limit * 2)?
            };
            let mut out = Vec::new();
            for e in events {
                if e.action == "application.screened" && e.to_status.as_deref() != Some("refused") {
                    continue;
                }
                let Some(id) = e.stream.strip_prefix("application:").and_then(|s| s.parse::<i64>().ok()) else {
                    continue;
                };
                let Some(app) = case_repo::find_application(c, id)? else { continue };
                let Some(reference) = app.reference.clone() else { continue };
                out.push(FeedItem {
                    id: e.id,
                    reference,
                    title: app.title.clone(),
                    action: e.action.clone(),
                    to_status: e.to_status.clone().unwrap_or_default(),
                    at: e.created_at,
                });
                if out.len() as i64 >= limit {
                    break;
                }
            }
            Ok(out)
        })
        .await
}

/// The day figures are computed for.
pub fn today(ctx: &AppContext) -> NaiveDate {
    ctx.now().date()
}
