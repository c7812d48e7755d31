//! The moderators' queue: observations held back by three people's reports first, then those no
//! inspector or admin has acted on yet, oldest first, with their original text and how many
//! people reported them; and one observation as a moderator reads it before hiding or redacting it
//! (the change itself is `community::moderate`).

use super::community::{ObservationView, NO_SUCH_OBSERVATION};
use super::tx;
use super::{AppContext, Page, PageRequest};
use crate::db::community as repo;
use crate::db::{reports, users};
use crate::domain::policy::{authorize, Action, Actor, CaseRequest};
use crate::error::{AppError, AppResult};

/// An observation with the case it is about and the name of its author.
#[derive(Debug, Clone)]
pub struct ModerationItem {
    pub view: ObservationView,
    pub case_id: i64,
    pub reference: Option<String>,
    pub title: String,
    pub author_name: Option<String>,
    /// How many people reported it since a moderator last acted on it.
    pub reports: i64,
}

fn must_moderate(actor: &Actor) -> AppResult<()> {
    authorize(Some(actor), Action::Casework).map_err(|r| AppError::refused(r, "moderate observations"))
}

/// The observations awaiting moderation (inspectors and admins), oldest first.
pub async fn queue(ctx: &AppContext, actor: &Actor, page: PageRequest) -> AppResult<Page<ModerationItem>> {
    must_moderate(actor)?;
    let cap = ctx.settings.lists.total_count_cap;
    ctx.db
        .run(move |c| {
            let rows = repo::awaiting_moderation(c, page.offset(), page.per_page)?;
            let counted = repo::count_awaiting_moderation(c, cap)?;
            let case_ids: Vec<i64> = rows.iter().map(|o| o.application_id).collect();
            let cases = repo::case_titles(c, &case_ids)?;
            let author_ids: Vec<i64> = rows.iter().map(|o| o.author_id).collect();
            let names = users::display_names(c, &author_ids)?;
            let ids: Vec<i64> = rows.iter().map(|o| o.id).collect();
            let times = reports::report_times(c, &ids)?;
            let items = rows
                .into_iter()
                .map(|o| {
                    let (reference, title) = cases.get(&o.application_id).cloned().unwrap_or_default();
                    ModerationItem {
                        case_id: o.application_id,
                        reference,
                        title,
                        author_name: names.get(&o.author_id).cloned(),
                        reports: reports::reports_since_moderation(&times, o.id, o.moderated_at),
                        view: ObservationView { observation: o, replies: Vec::new(), moderator_view: true },
                    }
                })
                .collect();
            Ok::<_, AppError>(Page::new(items, page, counted, cap))
        })
        .await
}

/// One observation as a moderator reads it: the original text, the case and any earlier
/// moderation (`403` for anyone who may not moderate it).
pub async fn observation(ctx: &AppContext, actor: &Actor, id: i64) -> AppResult<ModerationItem> {
    must_moderate(actor)?;
    let actor = *actor;
    ctx.db
        .run(move |c| {
            let not_found = || AppError::NotFound(NO_SUCH_OBSERVATION.into());
            let o = repo::find_observation(c, id)?.ok_or_else(not_found)?;
            let app = crate::db::cases::find_application(c, o.application_id)?.ok_or_else(not_found)?;
            tx::authorize(&actor, CaseRequest::Moderate, &app, NO_SUCH_OBSERVATION)?;
            let replies = repo::replies_to(c, &[o.id])?;
            let author_name = users::display_names(c, &[o.author_id])?.remove(&o.author_id);
            let times = reports::report_times(c, &[o.id])?;
            Ok(ModerationItem {
                reports: reports::reports_since_moderation(&times, o.id, o.moderated_at),
                case_id: app.id,
                reference: app.reference,
                title: app.title,
                author_name,
                view: ObservationView { observation: o, replies, moderator_view: true },
            })
        })
        .await
}
