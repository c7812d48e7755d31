//! The register's events as an Atom feed (`GET /register/feed.atom`).

use actix_web::get;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{cacheable, parse_filter, RegisterParams};
use crate::app::register;
use crate::app::AppContext;
use crate::domain::FieldErrors;
use crate::error::AppResult;

/// What each part of the feed and of its entries holds, for the open data page.
pub const FEED_FIELDS: [(&str, &str); 9] = [
    ("feed id, title, updated", "The feed's address; \"Planning Sandbox register\"; the time of its newest event."),
    ("feed links", "self: the feed; alternate: the register page."),
    ("entry id", "A permanent address of the event (one entry per event, never reused)."),
    (
        "entry title",
        "The reference, what happened (Approved, Refused, Trial started, Trial suspended, Trial reinstated, Derogations revoked, Trial completed) and the trial's title.",
    ),
    ("entry updated", "When it happened (UTC)."),
    ("entry link", "The trial's page (the decision notice)."),
    ("entry summary", "The status the case moved to."),
    ("size", "The latest 50 events; with the register's filters, the events of the 50 matching entries decided last."),
    (
        "audit checkpoint entry",
        "The latest daily checkpoint of the audit trail: its day, the chains and events it covers and its SHA-256 digest, linking to `/api/v1/audit/checkpoints`.",
    ),
];

fn describe(action: &str, to: &str) -> &'static str {
    match (action, to) {
        ("application.approved", _) => "Approved",
        ("application.refused", _) | ("application.screened", _) => "Refused",
        ("trial.started", _) => "Trial started",
        ("trial.suspended", _) => "Trial suspended",
        ("trial.reinstated", _) => "Trial reinstated",
        ("trial.revoked", _) => "Derogations revoked",
        ("trial.completed", _) => "Trial completed",
        _ => "Updated",
    }
}

/// Register events (decisions, starts, suspensions, revocations, completions) as Atom. Takes the
/// register's filters; filtered, it has the events of the 50 matching entries decided last.
#[utoipa::path(tag = "register", params(RegisterParams),
    responses((status = 200, description = "Atom feed", content_type = "application/atom+xml")))]
#[get("/register/feed.atom")]
pub async fn feed(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    params: web::Query<RegisterParams>,
) -> AppResult<HttpResponse> {
    use atom_syndication::{Entry as AtomEntry, Feed, FixedDateTime, Link, Person, Text};
    let mut e = FieldErrors::new();
    let filter = parse_filter(&params, &mut e);
    super::check_unused(&params, &ctx, &mut e);
    e.into_result()?;
    let items = register::feed(&ctx, filter, 50).await?;
    let checkpoint = crate::app::checkpoints::latest(&ctx, 1).await?.into_iter().next();
    let base = ctx.mailer.base_url().to_string();
    let fixed = |t: chrono::NaiveDateTime| -> FixedDateTime { t.and_utc().fixed_offset() };
    let newest = items.first().map(|i| i.at).max(checkpoint.as_ref().map(|c| c.created_at));
    let updated = fixed(newest.unwrap_or_default());
    let mut entries: Vec<AtomEntry> = items
        .into_iter()
        .map(|i| {
            let link = format!("{base}/register/{}", i.reference);
            let mut entry = AtomEntry::default();
            entry.set_id(format!("{base}/register/events/{}", i.id));
            entry.set_title(Text::plain(format!(
                "{}: {} – {}",
                i.reference,
                describe(&i.action, &i.to_status),
                i.title
            )));
            entry.set_updated(fixed(i.at));
            entry.set_links(vec![Link {
                href: link,
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Default::default()
            }]);
            entry.set_summary(Some(Text::plain(format!("{} is now {}.", i.reference, i.to_status.replace('_', " ")))));
            entry
        })
        .collect();
    if let Some(c) = checkpoint {
        // The day's digest of every audit chain, for anyone to keep (see /api/v1/audit/checkpoints).
        let mut entry = AtomEntry::default();
        entry.set_id(format!("{base}/api/v1/audit/checkpoints/{}", c.day));
        entry.set_title(Text::plain(format!("Audit checkpoint for {}", c.day.format("%-d %B %Y"))));
        entry.set_updated(fixed(c.created_at));
        entry.set_links(vec![Link {
            href: format!("{base}/api/v1/audit/checkpoints"),
            rel: "alternate".into(),
            mime_type: Some("application/json".into()),
            ..Default::default()
        }]);
        entry.set_summary(Some(Text::plain(format!(
            "{} audit chain(s) and {} event(s) up to {} UTC; SHA-256 digest {}.",
            c.streams, c.events, c.up_to, c.digest
        ))));
        let at = entries.iter().position(|e| *e.updated() < fixed(c.created_at)).unwrap_or(entries.len());
        entries.insert(at, entry);
    }
    let mut feed = Feed::default();
    feed.set_id(format!("{base}/api/v1/register/feed.atom"));
    feed.set_title(Text::plain("Planning Sandbox register"));
    feed.set_updated(updated);
    feed.set_authors(vec![Person { name: "Planning Inspectorate sandbox".into(), ..Default::default() }]);
    feed.set_links(vec![
        Link {
            href: format!("{base}/api/v1/register/feed.atom"),
            rel: "self".into(),
            mime_type: Some("application/atom+xml".into()),
            ..Default::default()
        },
        Link {
            href: format!("{base}/register"),
            rel: "alternate".into(),
            mime_type: Some("text/html".into()),
            ..Default::default()
        },
    ]);
    feed.set_entries(entries);
    Ok(cacheable(&req, "application/atom+xml; charset=utf-8", feed.to_string().into_bytes(), Vec::new()))
}
