//! The scheduler: moves overdue conditions and milestones to `overdue` (escalating an overdue
//! milestone to its inspector once), and queues milestone reminders before their due dates. It
//! reads only the rows whose next look has come (`scheduler_check_on`, set with every change of
//! a row and moved on by each look; `domain::monitoring::milestone_visit`).
//!
//! A pass is idempotent and safe to run from several replicas at once: status changes are
//! conditional on the row's version, and every email has a deduplication key, so a second pass
//! (or a concurrent one) finds nothing left to do.

use std::collections::HashSet;
use std::time::Duration;

use chrono::NaiveDate;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::app::case_mail::{notify, reminder_key, To};
use crate::app::AppContext;
use crate::db::models::{Condition, Milestone};
use crate::db::{audit, cases as case_repo, monitoring as repo, DbConn};
use crate::domain::monitoring::{
    condition_transition, condition_visit, milestone_transition, milestone_visit, past_due, ConditionEvent,
    ConditionStatus, MilestoneEvent, MilestoneStatus,
};
use crate::email::human_date;
use crate::error::{AppError, AppResult};

const BATCH: i64 = 200;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PassReport {
    pub conditions_overdue: usize,
    pub milestones_overdue: usize,
    pub reminders: usize,
}

/// One pass, as of the application clock's today, over what is due: the conditions and
/// milestones whose next look (`scheduler_check_on`) has come, read from its index. Each one
/// looked at is moved on to its next look (or none), so that a second pass finds nothing and a
/// pass costs what is due, not what exists.
pub async fn run_once(ctx: &AppContext) -> AppResult<PassReport> {
    let today = ctx.now().date();
    let mut report = PassReport::default();
    if let Err(e) = ctx.db.run(|c| crate::db::refresh_planner_statistics(c).map_err(AppError::from)).await {
        tracing::warn!(error = %e, "scheduler: could not refresh the query planner's statistics");
    }
    let start = (NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default(), 0);

    let mut after = start;
    loop {
        let (batch, monitored) = due_batch(ctx, today, after, repo::conditions_to_check, |r| r.application_id).await?;
        let Some(last) = batch.last() else { break };
        after = (last.scheduler_check_on.unwrap_or(today), last.id);
        let mut moved_on = Vec::new();
        for cond in batch {
            match condition_visit(cond.status, monitored.contains(&cond.application_id), cond.due_on, today) {
                (true, _) => match condition_overdue(ctx, cond).await {
                    Ok(true) => report.conditions_overdue += 1,
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "scheduler: condition skipped; the next pass retries it"),
                },
                (false, next) => moved_on.push((cond.id, cond.version, next)),
            }
        }
        move_on(ctx, repo::set_condition_check, moved_on).await?;
    }

    let mut days = ctx.settings.scheduler.reminder_days.clone();
    days.sort_unstable();
    let mut after = start;
    loop {
        let (batch, monitored) = due_batch(ctx, today, after, repo::milestones_to_check, |r| r.application_id).await?;
        let Some(last) = batch.last() else { break };
        after = (last.scheduler_check_on.unwrap_or(today), last.id);
        let mut moved_on = Vec::new();
        for m in batch {
            let visit = milestone_visit(m.status, monitored.contains(&m.application_id), m.due_on, today, &days);
            let outcome = if visit.overdue {
                milestone_overdue(ctx, m).await.map(|done| report.milestones_overdue += usize::from(done))
            } else if let Some(threshold) = visit.remind {
                reminder(ctx, m, threshold, today, visit.next).await.map(|queued| report.reminders += queued)
            } else {
                moved_on.push((m.id, m.version, visit.next));
                Ok(())
            };
            if let Err(e) = outcome {
                tracing::warn!(error = %e, "scheduler: milestone skipped; the next pass retries it");
            }
        }
        move_on(ctx, repo::set_milestone_check, moved_on).await?;
    }
    Ok(report)
}

/// A query for the rows due a look on a day, after a position, at most so many.
type DueRows<T> = fn(&mut DbConn, NaiveDate, (NaiveDate, i64), i64) -> diesel::QueryResult<Vec<T>>;

/// The next batch of rows due a look after `after`, and which of their cases are monitored.
async fn due_batch<T: Send + 'static>(
    ctx: &AppContext,
    today: NaiveDate,
    after: (NaiveDate, i64),
    load: DueRows<T>,
    case_of: fn(&T) -> i64,
) -> AppResult<(Vec<T>, HashSet<i64>)> {
    ctx.db
        .run(move |c| {
            let rows = load(c, today, after, BATCH)?;
            let ids: Vec<i64> = rows.iter().map(case_of).collect();
            Ok::<_, AppError>((rows, repo::monitored_among(c, &ids)?))
        })
        .await
}

/// Moves the next look of rows that needed nothing else on, in one transaction.
type MoveOn = fn(&mut DbConn, i64, i64, Option<NaiveDate>) -> diesel::QueryResult<()>;
async fn move_on(ctx: &AppContext, set: MoveOn, rows: Vec<(i64, i64, Option<NaiveDate>)>) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    ctx.db
        .write(move |c| {
            for (id, version, next) in rows {
                set(c, id, version, next)?;
            }
            Ok::<_, AppError>(())
        })
        .await
}

async fn condition_overdue(ctx: &AppContext, stale: Condition) -> AppResult<bool> {
    let (now, mailer) = (ctx.now(), ctx.mailer.clone());
    ctx.db
        .write(move |c| {
            // The case first, as every writer on a case holds it (see `app::tx`).
            let Some(app) = case_repo::lock_application(c, stale.application_id)? else { return Ok(false) };
            let Some(cond) = repo::find_condition(c, stale.id)? else { return Ok(false) };
            let status: ConditionStatus = cond.status;
            let Ok(next) = condition_transition(status, ConditionEvent::MarkOverdue) else { return Ok(false) };
            if !past_due(cond.due_on, now.date())
                || !repo::set_condition_status(c, cond.id, cond.version, next, None, now)?
            {
                return Ok(false);
            }
            audit::append(
                c,
                audit::Entry {
                    stream: crate::app::cases::case_stream(app.id),
                    actor_user_id: None,
                    action: "condition.overdue",
                    from_status: Some(status.as_str()),
                    to_status: Some(next.as_str()),
                    details: json!({ "condition_id": cond.id, "due_on": cond.due_on }),
                    public: true,
                    at: now,
                },
            )?;
            case_repo::refresh_needs_review(c, app.id, app.id)?;
            notify(
                c,
                &mailer,
                &app,
                "condition_overdue",
                &cond.id.to_string(),
                &[To::Author, To::AssignedInspector],
                &format!("A condition is overdue: {}", cond.description),
                &format!("It was due on {}.", human_date(cond.due_on)),
                None,
                now,
            )?;
            Ok(true)
        })
        .await
}

async fn milestone_overdue(ctx: &AppContext, stale: Milestone) -> AppResult<bool> {
    let (now, mailer) = (ctx.now(), ctx.mailer.clone());
    ctx.db
        .write(move |c| {
            let Some(app) = case_repo::lock_application(c, stale.application_id)? else { return Ok(false) };
            let Some(m) = case_repo::find_milestone(c, stale.id)? else { return Ok(false) };
            let status: MilestoneStatus = m.status;
            let Ok(next) = milestone_transition(status, MilestoneEvent::MarkOverdue) else { return Ok(false) };
            if !past_due(m.due_on, now.date())
                || !case_repo::update_milestone(c, m.id, m.version, next, None, None, now)?
            {
                return Ok(false);
            }
            audit::append(
                c,
                audit::Entry {
                    stream: crate::app::cases::case_stream(app.id),
                    actor_user_id: None,
                    action: "milestone.overdue",
                    from_status: Some(status.as_str()),
                    to_status: Some(next.as_str()),
                    details: json!({ "milestone_id": m.id, "title": m.title, "due_on": m.due_on }),
                    public: true,
                    at: now,
                },
            )?;
            case_repo::refresh_needs_review(c, app.id, app.id)?;
            // The escalation goes once: its key is the milestone's.
            notify(
                c,
                &mailer,
                &app,
                "milestone_overdue",
                &m.id.to_string(),
                &[To::Author, To::AssignedInspector],
                &format!("A milestone is overdue: {}", m.title),
                &format!("It was due on {}.", human_date(m.due_on)),
                None,
                now,
            )?;
            Ok(true)
        })
        .await
}

/// Queues the reminder `threshold` days before `m` is due (once: its key is the milestone's and
/// the threshold's) and moves the milestone's next look on to `next`, in one transaction.
async fn reminder(
    ctx: &AppContext,
    m: Milestone,
    threshold: i64,
    today: NaiveDate,
    next: Option<NaiveDate>,
) -> AppResult<usize> {
    let (now, mailer) = (ctx.now(), ctx.mailer.clone());
    ctx.db
        .write(move |c| {
            let Some(app) = case_repo::find_application(c, m.application_id)? else { return Ok(0) };
            repo::set_milestone_check(c, m.id, m.version, next)?;
            let days_left = (m.due_on - today).num_days();
            notify(
                c,
                &mailer,
                &app,
                "milestone_reminder",
                &reminder_key(m.id, threshold),
                &[To::Author],
                &format!("{} is due in {days_left} day{}", m.title, if days_left == 1 { "" } else { "s" }),
                &format!("Due on {}. Submit the report from your trial's page.", human_date(m.due_on)),
                None,
                now,
            )
        })
        .await
}

/// Runs passes every `scheduler.interval_seconds` until `stop` is cancelled.
pub async fn run(ctx: AppContext, stop: CancellationToken) {
    let interval = Duration::from_secs(ctx.settings.scheduler.interval_seconds.max(1));
    loop {
        match run_once(&ctx).await {
            Ok(report) if report != PassReport::default() => tracing::info!(?report, "scheduler pass"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "scheduler pass failed"),
        }
        match crate::app::checkpoints::make_if_due(&ctx).await {
            Ok(Some(c)) => tracing::info!(day = %c.day, streams = c.streams, digest = %c.digest, "audit checkpoint"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "audit checkpoint failed; the next pass retries it"),
        }
        // Login failures and per-address counts older than a day count towards no limit.
        let window = chrono::TimeDelta::minutes(ctx.settings.auth.login_window_minutes);
        let before = ctx.now() - window.max(chrono::TimeDelta::days(1));
        if let Err(e) =
            ctx.db.write(move |c| crate::db::users::prune_login_failures(c, before).map_err(AppError::from)).await
        {
            tracing::warn!(error = %e, "could not prune old login failures");
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(interval) => {}
        }
    }
    tracing::info!("scheduler stopped");
}
