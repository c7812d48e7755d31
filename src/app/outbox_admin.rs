//! Admins see the outbox (above all its dead mail) and put dead mail back in the queue.

use super::{AppContext, Page, PageRequest};
use crate::db::models::OutboundEmail;
use crate::db::outbox;
use crate::domain::policy::{authorize, Action, Actor};
use crate::error::{AppError, AppResult};

fn must_manage(actor: &Actor) -> AppResult<()> {
    authorize(Some(actor), Action::ManageOutbox).map_err(|r| AppError::refused(r, "manage the outbox"))
}

pub async fn list(
    ctx: &AppContext,
    actor: &Actor,
    status: Option<String>,
    page: PageRequest,
) -> AppResult<Page<OutboundEmail>> {
    must_manage(actor)?;
    let cap = ctx.settings.lists.total_count_cap;
    ctx.db
        .run(move |conn| {
            let items = outbox::list(conn, status.as_deref(), page.offset(), page.per_page)?;
            let counted = outbox::count(conn, status.as_deref(), cap)?;
            Ok::<_, AppError>(Page::new(items, page, counted, cap))
        })
        .await
}

pub async fn resend(ctx: &AppContext, actor: &Actor, id: i64) -> AppResult<OutboundEmail> {
    must_manage(actor)?;
    let now = ctx.now();
    ctx.db
        .write(move |conn| {
            let row = outbox::find(conn, id)?.ok_or_else(|| AppError::NotFound("no such email".into()))?;
            if row.status != outbox::DEAD {
                return Err(AppError::conflict(format!("only dead mail can be resent; this one is {}", row.status)));
            }
            outbox::resend(conn, id, now)?;
            outbox::find(conn, id)?.ok_or_else(|| AppError::NotFound("no such email".into()))
        })
        .await
}
