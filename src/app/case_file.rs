//! A case as staff work on it: the full record with its history, the evidence against its
//! conditions, the community's confirmations and disputes, and its observations with their
//! original text, read together for the inspector's case page.

use std::collections::BTreeMap;

use super::cases::{history_of, load_for, view, CaseView, ClockRules, HistoryEntry};
use super::community::ObservationView;
use super::AppContext;
use crate::db::models::{Attestation, Evidence};
use crate::db::{community, monitoring, users};
use crate::domain::policy::{authorize, Action, Actor, CaseRequest};
use crate::error::{AppError, AppResult};

/// Everything the staff case page shows.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub view: CaseView,
    /// Every event, oldest first.
    pub history: Vec<HistoryEntry>,
    /// The evidence against the case's conditions, newest first.
    pub evidence: Vec<Evidence>,
    pub attestations: Vec<Attestation>,
    /// Every observation, hidden ones included, with the original text.
    pub observations: Vec<ObservationView>,
    /// The display names of the observations' and replies' authors.
    pub names: BTreeMap<i64, String>,
}

/// The case for inspectors and admins (`403` for anyone else, `404` for a draft).
pub async fn case_file(ctx: &AppContext, actor: &Actor, id: i64) -> AppResult<CaseFile> {
    authorize(Some(actor), Action::Casework).map_err(|r| AppError::refused(r, "work on cases"))?;
    let (actor, settings, today) = (*actor, ctx.settings.clone(), ctx.now().date());
    ctx.db
        .run(move |c| {
            let app = load_for(c, &actor, id, CaseRequest::Read)?;
            let history = history_of(c, &actor, &app)?;
            let evidence = monitoring::evidence_of_case(c, app.id)?;
            let attestations = community::attestations_of_case(c, app.id)?;
            let list = community::observations_of(c, app.id)?;
            let ids: Vec<i64> = list.iter().map(|o| o.id).collect();
            let replies = community::replies_to(c, &ids)?;
            let mut people: Vec<i64> = list.iter().map(|o| o.author_id).collect();
            people.extend(replies.iter().map(|r| r.author_id));
            let names = users::display_names(c, &people)?;
            let observations = list
                .into_iter()
                .map(|o| ObservationView {
                    replies: replies.iter().filter(|r| r.observation_id == o.id).cloned().collect(),
                    observation: o,
                    moderator_view: true,
                })
                .collect();
            let view = view(c, &actor, app, &ClockRules::new(&settings, today))?;
            Ok(CaseFile { view, history, evidence, attestations, observations, names })
        })
        .await
}
