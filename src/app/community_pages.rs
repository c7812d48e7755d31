//! What the community's pages need in one call each: a trial page with what its reader may do
//! there (follow, post, reply, report), a zone page with its rules and trials, and what one
//! follows. The changes themselves are `community`'s and `reports`' use-cases.

use super::catalogue::{self, ZoneView};
use super::register::{self, Entry, TrialRecord};
use super::tx::facts_of;
use super::{AppContext, Page, PageRequest};
use crate::db::models::{Provision, Subscription};
use crate::db::register::{RegisterFilter, RegisterOrder};
use crate::db::{community as repo, reports};
use crate::domain::policy::{authorize_case, Actor, CaseRequest, Refusal};
use crate::error::{AppError, AppResult};

/// What the person reading a trial page may do there.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub actor: Actor,
    /// Their subscription to the trial and to its zone, if they follow them.
    pub trial_subscription: Option<i64>,
    pub zone_subscription: Option<i64>,
    /// Whether they may post observations and confirm or dispute evidence, and if not why.
    pub observe: Result<(), Refusal>,
    /// Whether they may reply to observations (the trial's author and inspectors).
    pub reply: bool,
    /// The observations on the page they have reported.
    pub reported: Vec<i64>,
}

/// A trial page and, for a signed-in reader, what they may do there.
#[derive(Debug, Clone)]
pub struct TrialPage {
    pub record: TrialRecord,
    pub viewer: Option<Viewer>,
}

pub async fn trial(ctx: &AppContext, actor: Option<&Actor>, reference: String) -> AppResult<TrialPage> {
    let record = register::trial(ctx, reference).await?;
    let Some(actor) = actor.copied() else {
        return Ok(TrialPage { record, viewer: None });
    };
    let facts = facts_of(&record.entry.app);
    let (case_id, zone_id) = (record.entry.app.id, record.entry.app.zone_id);
    let ids: Vec<i64> = record.observations.iter().map(|o| o.observation.id).collect();
    let (subscriptions, reported) = ctx
        .db
        .run(move |c| {
            let subs = repo::subscriptions_of(c, actor.user_id)?;
            let reported = reports::reported_by(c, actor.user_id, &ids)?;
            Ok::<_, AppError>((subs, reported))
        })
        .await?;
    let trial_subscription =
        subscriptions.iter().find(|s| s.application_id == Some(case_id) && s.zone_id.is_none()).map(|s| s.id);
    let zone_subscription = zone_id
        .and_then(|z| subscriptions.iter().find(|s| s.zone_id == Some(z) && s.application_id.is_none()).map(|s| s.id));
    let viewer = Viewer {
        trial_subscription,
        zone_subscription,
        observe: authorize_case(Some(&actor), CaseRequest::Observe, &facts),
        reply: authorize_case(Some(&actor), CaseRequest::Reply, &facts).is_ok(),
        reported,
        actor,
    };
    Ok(TrialPage { record, viewer: Some(viewer) })
}

/// A zone as the public reads it: its rules, the provisions it allows and its trials.
#[derive(Debug, Clone)]
pub struct ZonePage {
    pub zone: ZoneView,
    pub provisions: Vec<Provision>,
    pub trials: Page<Entry>,
    /// The reader's subscription to the zone, if they follow it.
    pub subscription: Option<i64>,
}

pub async fn zone(ctx: &AppContext, actor: Option<&Actor>, id: i64, page: PageRequest) -> AppResult<ZonePage> {
    let zone = catalogue::get_zone(ctx, id).await?;
    let provisions = catalogue::list_provisions(ctx, false)
        .await?
        .into_iter()
        .filter(|p| zone.allowed_provisions.contains(&p.code))
        .collect();
    let filter = RegisterFilter { zone_id: Some(id), ..RegisterFilter::default() };
    let trials = register::list(ctx, filter, RegisterOrder::default(), page).await?;
    let subscription = match actor {
        Some(a) => super::community::subscriptions(ctx, a)
            .await?
            .into_iter()
            .find(|s| s.zone_id == Some(id) && s.application_id.is_none())
            .map(|s| s.id),
        None => None,
    };
    Ok(ZonePage { zone, provisions, trials, subscription })
}

/// Something one follows, named as the pages name it.
#[derive(Debug, Clone)]
pub enum Followed {
    Trial { subscription: Subscription, reference: Option<String>, title: String },
    Zone { subscription: Subscription, zone_id: i64, name: String },
}

/// What `actor` follows: trials first, then zones, each in the order they were followed.
pub async fn following(ctx: &AppContext, actor: &Actor) -> AppResult<Vec<Followed>> {
    let user = actor.user_id;
    ctx.db
        .run(move |c| {
            let subs = repo::subscriptions_of(c, user)?;
            let case_ids: Vec<i64> = subs.iter().filter_map(|s| s.application_id).collect();
            let zone_ids: Vec<i64> = subs.iter().filter_map(|s| s.zone_id).collect();
            let titles = repo::case_titles(c, &case_ids)?;
            let zones = repo::zone_names(c, &zone_ids)?;
            let mut trials = Vec::new();
            let mut followed_zones = Vec::new();
            for s in subs {
                match (s.application_id, s.zone_id) {
                    (Some(a), _) => {
                        let (reference, title) = titles.get(&a).cloned().unwrap_or_default();
                        trials.push(Followed::Trial { subscription: s, reference, title });
                    }
                    (None, Some(z)) => {
                        let name = zones.get(&z).cloned().unwrap_or_default();
                        followed_zones.push(Followed::Zone { subscription: s, zone_id: z, name });
                    }
                    (None, None) => {}
                }
            }
            trials.extend(followed_zones);
            Ok::<_, AppError>(trials)
        })
        .await
}
