//! The inspectors' work queue: its tabs, each a filter over the case list in target order, and
//! their counts under the same filters.

use chrono::NaiveDate;

use super::cases::{list, scope, CaseSummary};
use super::{AppContext, Page, PageRequest, Remember};
use crate::db::cases::{self as repo, CaseFilter, CaseOrder, InspectorFilter};
use crate::domain::account::Role;
use crate::domain::policy::{authorize, Action, Actor, Refusal};
use crate::error::{AppError, AppResult};

/// The tabs of the inspectors' work queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueTab {
    Unassigned,
    Mine,
    NeedsReview,
    Overdue,
    All,
}

impl QueueTab {
    pub const ALL: [QueueTab; 5] =
        [QueueTab::Unassigned, QueueTab::Mine, QueueTab::NeedsReview, QueueTab::Overdue, QueueTab::All];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueTab::Unassigned => "unassigned",
            QueueTab::Mine => "mine",
            QueueTab::NeedsReview => "needs-review",
            QueueTab::Overdue => "overdue",
            QueueTab::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<QueueTab> {
        QueueTab::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The tab's own condition, added to the chosen filters; every tab is in target order.
    pub fn narrow(self, mut filter: CaseFilter, me: i64, today: NaiveDate) -> CaseFilter {
        match self {
            QueueTab::Unassigned => filter.inspector = Some(InspectorFilter::Unassigned),
            QueueTab::Mine => filter.inspector = Some(InspectorFilter::Is(me)),
            QueueTab::NeedsReview => filter.needs_review = true,
            QueueTab::Overdue => filter.overdue_on = Some(today),
            QueueTab::All => {}
        }
        filter.order = CaseOrder::Target;
        filter
    }
}

/// The other tabs' counts stop here ("1,000+"): a tab says how much is waiting, not an exact
/// total, so that the queue page costs the same however large the tabs grow.
pub const TAB_COUNT_CAP: i64 = 1000;

/// The work queue: a page of one tab, and how many cases each tab holds under the same filters.
#[derive(Debug, Clone)]
pub struct Queue {
    pub page: Page<CaseSummary>,
    /// Each tab's count (capped, as list totals are) and whether it reached the cap.
    pub counts: Vec<(QueueTab, i64, bool)>,
}

pub async fn queue(
    ctx: &AppContext,
    actor: &Actor,
    tab: QueueTab,
    filter: CaseFilter,
    page: PageRequest,
) -> AppResult<Queue> {
    authorize(Some(actor), Action::ListApplications).map_err(|r| AppError::refused(r, "list applications"))?;
    if actor.role == Role::Innovator {
        return Err(AppError::refused(Refusal::Forbidden, "see the work queue"));
    }
    let today = ctx.now().date();
    let me = actor.user_id;
    let shown = list(ctx, actor, tab.narrow(filter.clone(), me, today), page).await?;
    let cap = TAB_COUNT_CAP.min(ctx.settings.lists.total_count_cap);
    let keep = ctx.settings.lists.capped_count_seconds;
    let (counts, now, actor) = (ctx.capped_counts.clone(), ctx.now(), *actor);
    let (shown_total, shown_capped) = (shown.total, shown.capped);
    let counts = ctx
        .db
        .run(move |c| {
            let mut out = Vec::new();
            for t in QueueTab::ALL {
                if t == tab {
                    // The tab shown has its list's own count.
                    out.push((t, shown_total, shown_capped));
                    continue;
                }
                let mut f = t.narrow(filter.clone(), me, today);
                scope(&actor, &mut f);
                let key = format!("queue tab {f:?}");
                let n = counts
                    .count(key, now, (keep, Remember::PastTheCap), cap, || repo::count_applications(c, &f, cap))?;
                out.push((t, n.min(cap), n > cap));
            }
            Ok::<_, AppError>(out)
        })
        .await?;
    Ok(Queue { page: shown, counts })
}
