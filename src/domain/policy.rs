//! The permission policy: one pure function of the actor, the action and (where it matters) the
//! record. Every handler asks it; `access.md` is the table it implements.

use super::account::Role;
use super::case::{CaseAction, Status};

/// Who is asking. `None` in [`authorize`] is the public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    pub email_verified: bool,
}

/// What they want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read one's own account.
    ReadOwnAccount,
    /// List, read, create, disable or change the role of users.
    ManageUsers,
    /// See the email outbox and resend dead mail.
    ManageOutbox,
    /// Read the public register, statistics, feeds and learning register (and the zones and
    /// provisions catalogue).
    ReadPublic,
    /// Add, amend or retire zones and provisions.
    ManageCatalogue,
    /// Start a new application.
    CreateApplication,
    /// List the applications one may see.
    ListApplications,
    /// Staff casework outside one case: a case's staff page, the inspectors one may assign a case
    /// to, and the observations awaiting moderation (inspectors and admins).
    Casework,
}

/// Why a request is refused, which decides the status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No valid token: 401.
    Unauthenticated,
    /// Known but not allowed: 403.
    Forbidden,
    /// Not even allowed to know the record exists: 404.
    Hidden,
    /// Allowed once the email address is verified: 403 saying so.
    EmailUnverified,
}

pub type Decision = Result<(), Refusal>;

pub fn authorize(actor: Option<&Actor>, action: Action) -> Decision {
    if action == Action::ReadPublic {
        return Ok(());
    }
    let Some(actor) = actor else {
        return Err(Refusal::Unauthenticated);
    };
    match action {
        Action::ReadPublic | Action::ReadOwnAccount => Ok(()),
        Action::ManageUsers | Action::ManageOutbox | Action::ManageCatalogue => allow_if(actor.role == Role::Admin),
        Action::CreateApplication => allow_if(actor.role == Role::Innovator),
        Action::ListApplications => allow_if(actor.role != Role::Community),
        Action::Casework => allow_if(matches!(actor.role, Role::Inspector | Role::Admin)),
    }
}

/// What the permission check needs to know about a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    pub author_id: i64,
    pub assigned_inspector_id: Option<i64>,
    pub status: Status,
}

/// What someone wants to do with a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseRequest {
    /// The full record (personal data, screening, internal notes).
    Read,
    /// The audit trail (the author sees its public events).
    ReadHistory,
    /// A lifecycle action.
    Act(CaseAction),
    /// Submit a milestone report.
    ReportMilestone,
    /// Accept a milestone report or ask for a revision.
    ReviewMilestone,
    /// Add, edit or remove conditions; edit the milestone schedule; verify or reject evidence;
    /// mark conditions breached or waived; waive milestones.
    Monitor,
    /// Submit evidence against a condition.
    SubmitEvidence,
    /// Post an observation on a public trial, or attest a condition's evidence.
    Observe,
    /// Reply to an observation.
    Reply,
    /// Hide an observation or publish a redacted text.
    Moderate,
    /// Read the public parts of a trial (conditions, milestones, published observations).
    ReadPublicTrial,
    /// Publish a file of an information request with the decision notice, or withdraw it.
    PublishDocument,
    /// Report an observation on a public trial as inappropriate (see [`authorize_report`]).
    Report,
}

/// Who may do what with a case (`access.md`). Those who may not see the case at all get `Hidden`,
/// so that another innovator's application is indistinguishable from one that does not exist.
pub fn authorize_case(actor: Option<&Actor>, request: CaseRequest, case: &CaseFacts) -> Decision {
    let Some(actor) = actor else {
        return Err(Refusal::Unauthenticated);
    };
    let is_author = actor.role == Role::Innovator && actor.user_id == case.author_id;
    let is_staff = matches!(actor.role, Role::Inspector | Role::Admin);
    let is_assigned = actor.role == Role::Inspector && case.assigned_inspector_id == Some(actor.user_id);
    let public = case.status.is_public_trial();
    match request {
        CaseRequest::ReadPublicTrial if public => return Ok(()),
        CaseRequest::Observe if public && actor.role == Role::Community => {
            return if actor.email_verified { Ok(()) } else { Err(Refusal::EmailUnverified) };
        }
        CaseRequest::Observe | CaseRequest::Reply if public && !is_author && !is_staff => {
            return Err(Refusal::Forbidden);
        }
        // Anyone can see a public trial's observations; only staff moderate them.
        CaseRequest::Moderate if public && !is_staff => return Err(Refusal::Forbidden),
        // Anyone signed in with a verified email may report what the public reads; there is
        // nothing to report on a case that is not a public trial.
        CaseRequest::Report if public => {
            return if actor.email_verified { Ok(()) } else { Err(Refusal::EmailUnverified) };
        }
        CaseRequest::Report => return Err(Refusal::Hidden),
        _ => {}
    }
    let can_see = is_author || (is_staff && case.status != Status::Draft);
    if !can_see {
        return Err(Refusal::Hidden);
    }
    use CaseAction as A;
    match request {
        CaseRequest::Read | CaseRequest::ReadHistory | CaseRequest::ReadPublicTrial => Ok(()),
        CaseRequest::SubmitEvidence => allow_if(is_author),
        CaseRequest::Monitor => allow_if(is_assigned),
        CaseRequest::Observe => Err(Refusal::Forbidden),
        CaseRequest::Report => Err(Refusal::Hidden),
        CaseRequest::Reply => allow_if(public && (is_author || actor.role == Role::Inspector)),
        CaseRequest::Moderate => allow_if(is_staff),
        CaseRequest::Act(A::Submit) if is_author && !actor.email_verified => Err(Refusal::EmailUnverified),
        CaseRequest::Act(A::Edit | A::Submit | A::Withdraw | A::Answer) | CaseRequest::ReportMilestone => {
            allow_if(is_author)
        }
        CaseRequest::Act(A::Assign) => allow_if(is_staff),
        CaseRequest::Act(A::Start) => allow_if(is_author || is_assigned),
        CaseRequest::Act(
            A::Screen
            | A::RequestInformation
            | A::Approve
            | A::Refuse
            | A::Suspend
            | A::Reinstate
            | A::Revoke
            | A::Extend
            | A::Complete,
        )
        | CaseRequest::ReviewMilestone
        | CaseRequest::PublishDocument => allow_if(is_assigned),
    }
}

/// Whether `actor` may report an observation by `observation_author_id` on `case` as
/// inappropriate: anyone signed in with a verified email, on a public trial, except its own author
/// (who can ask a moderator instead). Once per person is the use-case's to check.
pub fn authorize_report(actor: Option<&Actor>, case: &CaseFacts, observation_author_id: i64) -> Decision {
    authorize_case(actor, CaseRequest::Report, case)?;
    allow_if(actor.is_some_and(|a| a.user_id != observation_author_id))
}

fn allow_if(cond: bool) -> Decision {
    if cond {
        Ok(())
    } else {
        Err(Refusal::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor { user_id: 1, role, email_verified: true }
    }

    #[test]
    fn public_reads_are_open_to_all() {
        assert_eq!(authorize(None, Action::ReadPublic), Ok(()));
        for role in Role::ALL {
            assert_eq!(authorize(Some(&actor(role)), Action::ReadPublic), Ok(()));
        }
    }

    #[test]
    fn user_management_is_admin_only() {
        for action in [Action::ManageUsers, Action::ManageOutbox] {
            assert_eq!(authorize(None, action), Err(Refusal::Unauthenticated));
            for role in [Role::Innovator, Role::Community, Role::Inspector] {
                assert_eq!(authorize(Some(&actor(role)), action), Err(Refusal::Forbidden), "{role} {action:?}");
            }
            assert_eq!(authorize(Some(&actor(Role::Admin)), action), Ok(()));
        }
    }

    fn facts(status: Status) -> CaseFacts {
        CaseFacts { author_id: 10, assigned_inspector_id: Some(20), status }
    }

    fn who(id: i64, role: Role) -> Actor {
        Actor { user_id: id, role, email_verified: true }
    }

    #[test]
    fn drafts_are_hidden_from_all_but_their_author() {
        let draft = facts(Status::Draft);
        assert_eq!(authorize_case(Some(&who(10, Role::Innovator)), CaseRequest::Read, &draft), Ok(()));
        for actor in
            [who(11, Role::Innovator), who(20, Role::Inspector), who(30, Role::Admin), who(40, Role::Community)]
        {
            assert_eq!(authorize_case(Some(&actor), CaseRequest::Read, &draft), Err(Refusal::Hidden), "{actor:?}");
        }
        assert_eq!(authorize_case(None, CaseRequest::Read, &draft), Err(Refusal::Unauthenticated));
    }

    #[test]
    fn other_innovators_and_community_never_see_a_case() {
        for &status in Status::ALL {
            for request in [CaseRequest::Read, CaseRequest::ReadHistory, CaseRequest::Act(CaseAction::Withdraw)] {
                for actor in [who(11, Role::Innovator), who(40, Role::Community)] {
                    assert_eq!(authorize_case(Some(&actor), request, &facts(status)), Err(Refusal::Hidden));
                }
            }
        }
    }

    #[test]
    fn the_case_matrix() {
        use CaseAction as A;
        let author = who(10, Role::Innovator);
        let assigned = who(20, Role::Inspector);
        let other_inspector = who(21, Role::Inspector);
        let admin = who(30, Role::Admin);
        let case = facts(Status::Assessment);
        let expect = |actor: &Actor, request: CaseRequest| authorize_case(Some(actor), request, &case);
        for a in [A::Edit, A::Submit, A::Withdraw, A::Answer] {
            assert_eq!(expect(&author, CaseRequest::Act(a)), Ok(()));
            for staff in [&assigned, &other_inspector, &admin] {
                assert_eq!(expect(staff, CaseRequest::Act(a)), Err(Refusal::Forbidden), "{a}");
            }
        }
        for a in [
            A::Screen,
            A::RequestInformation,
            A::Approve,
            A::Refuse,
            A::Suspend,
            A::Reinstate,
            A::Revoke,
            A::Extend,
            A::Complete,
        ] {
            assert_eq!(expect(&assigned, CaseRequest::Act(a)), Ok(()), "{a}");
            for other in [&author, &other_inspector, &admin] {
                assert_eq!(expect(other, CaseRequest::Act(a)), Err(Refusal::Forbidden), "{a} {other:?}");
            }
        }
        for staff in [&assigned, &other_inspector, &admin] {
            assert_eq!(expect(staff, CaseRequest::Act(A::Assign)), Ok(()));
            assert_eq!(expect(staff, CaseRequest::Read), Ok(()));
        }
        assert_eq!(expect(&author, CaseRequest::Act(A::Assign)), Err(Refusal::Forbidden));
        assert_eq!(expect(&author, CaseRequest::Act(A::Start)), Ok(()));
        assert_eq!(expect(&assigned, CaseRequest::Act(A::Start)), Ok(()));
        assert_eq!(expect(&admin, CaseRequest::Act(A::Start)), Err(Refusal::Forbidden));
        assert_eq!(expect(&author, CaseRequest::ReportMilestone), Ok(()));
        assert_eq!(expect(&assigned, CaseRequest::ReviewMilestone), Ok(()));
        assert_eq!(expect(&admin, CaseRequest::ReviewMilestone), Err(Refusal::Forbidden));
        let unverified = Actor { email_verified: false, ..author };
        let draft = facts(Status::Draft);
        assert_eq!(
            authorize_case(Some(&unverified), CaseRequest::Act(A::Submit), &draft),
            Err(Refusal::EmailUnverified)
        );
        assert_eq!(authorize_case(Some(&unverified), CaseRequest::Act(A::Edit), &draft), Ok(()));
    }

    #[test]
    fn only_the_assigned_inspector_publishes_documents_with_the_notice() {
        let (author, assigned, other_inspector, admin) =
            (who(10, Role::Innovator), who(20, Role::Inspector), who(21, Role::Inspector), who(30, Role::Admin));
        for status in [Status::Approved, Status::Refused, Status::Active] {
            let case = facts(status);
            assert_eq!(authorize_case(Some(&assigned), CaseRequest::PublishDocument, &case), Ok(()));
            for refused in [&author, &other_inspector, &admin] {
                assert_eq!(
                    authorize_case(Some(refused), CaseRequest::PublishDocument, &case),
                    Err(Refusal::Forbidden),
                    "{:?} on {status}",
                    refused.role
                );
            }
            assert_eq!(
                authorize_case(Some(&who(40, Role::Community)), CaseRequest::PublishDocument, &case),
                Err(Refusal::Hidden)
            );
            assert_eq!(authorize_case(None, CaseRequest::PublishDocument, &case), Err(Refusal::Unauthenticated));
        }
    }

    #[test]
    fn community_monitoring_needs_a_public_trial_and_a_verified_email() {
        let member = who(40, Role::Community);
        let unverified = Actor { email_verified: false, ..member };
        for &status in Status::ALL {
            let case = facts(status);
            let observe = authorize_case(Some(&member), CaseRequest::Observe, &case);
            let read = authorize_case(Some(&member), CaseRequest::ReadPublicTrial, &case);
            if status.is_public_trial() {
                assert_eq!(observe, Ok(()), "{status}");
                assert_eq!(read, Ok(()));
                assert_eq!(
                    authorize_case(Some(&unverified), CaseRequest::Observe, &case),
                    Err(Refusal::EmailUnverified)
                );
                assert_eq!(
                    authorize_case(Some(&who(10, Role::Innovator)), CaseRequest::Observe, &case),
                    Err(Refusal::Forbidden)
                );
                assert_eq!(
                    authorize_case(Some(&who(20, Role::Inspector)), CaseRequest::Observe, &case),
                    Err(Refusal::Forbidden)
                );
                assert_eq!(authorize_case(Some(&member), CaseRequest::Reply, &case), Err(Refusal::Forbidden));
                assert_eq!(authorize_case(Some(&who(10, Role::Innovator)), CaseRequest::Reply, &case), Ok(()));
                assert_eq!(authorize_case(Some(&who(21, Role::Inspector)), CaseRequest::Reply, &case), Ok(()));
            } else {
                assert_eq!(observe, Err(Refusal::Hidden), "{status}");
                assert_eq!(read, Err(Refusal::Hidden));
            }
        }
        let active = facts(Status::Active);
        assert_eq!(authorize_case(Some(&who(20, Role::Inspector)), CaseRequest::Monitor, &active), Ok(()));
        assert_eq!(
            authorize_case(Some(&who(21, Role::Inspector)), CaseRequest::Monitor, &active),
            Err(Refusal::Forbidden)
        );
        assert_eq!(authorize_case(Some(&who(30, Role::Admin)), CaseRequest::Monitor, &active), Err(Refusal::Forbidden));
        assert_eq!(authorize_case(Some(&who(10, Role::Innovator)), CaseRequest::SubmitEvidence, &active), Ok(()));
        assert_eq!(
            authorize_case(Some(&who(20, Role::Inspector)), CaseRequest::SubmitEvidence, &active),
            Err(Refusal::Forbidden)
        );
        assert_eq!(authorize_case(Some(&who(30, Role::Admin)), CaseRequest::Moderate, &active), Ok(()));
        assert_eq!(
            authorize_case(Some(&who(10, Role::Innovator)), CaseRequest::Moderate, &active),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            authorize_case(Some(&who(40, Role::Community)), CaseRequest::Moderate, &active),
            Err(Refusal::Forbidden)
        );
    }

    #[test]
    fn reporting_an_observation_needs_a_verified_email_a_public_trial_and_someone_else_s_words() {
        let observer = 41;
        let active = facts(Status::Active);
        for role in Role::ALL {
            let a = who(50, role);
            assert_eq!(authorize_report(Some(&a), &active, observer), Ok(()), "{role} may report");
            let unverified = Actor { email_verified: false, ..a };
            assert_eq!(authorize_report(Some(&unverified), &active, observer), Err(Refusal::EmailUnverified), "{role}");
        }
        assert_eq!(authorize_report(None, &active, observer), Err(Refusal::Unauthenticated));
        assert_eq!(
            authorize_report(Some(&who(observer, Role::Community)), &active, observer),
            Err(Refusal::Forbidden),
            "not one's own observation"
        );
        for &status in Status::ALL.iter().filter(|s| !s.is_public_trial()) {
            for a in [who(50, Role::Community), who(20, Role::Inspector), who(10, Role::Innovator)] {
                assert_eq!(authorize_report(Some(&a), &facts(status), observer), Err(Refusal::Hidden), "{status}");
            }
        }
    }

    #[test]
    fn applications_are_created_by_innovators_and_listed_by_all_but_community() {
        for role in Role::ALL {
            let a = actor(role);
            assert_eq!(authorize(Some(&a), Action::CreateApplication).is_ok(), role == Role::Innovator);
            assert_eq!(authorize(Some(&a), Action::ListApplications).is_ok(), role != Role::Community);
            assert_eq!(
                authorize(Some(&a), Action::Casework).is_ok(),
                matches!(role, Role::Inspector | Role::Admin),
                "{role}"
            );
            assert_eq!(authorize(Some(&a), Action::ManageCatalogue).is_ok(), role == Role::Admin);
        }
    }

    #[test]
    fn own_account_needs_a_login() {
        assert_eq!(authorize(None, Action::ReadOwnAccount), Err(Refusal::Unauthenticated));
        for role in Role::ALL {
            assert_eq!(authorize(Some(&actor(role)), Action::ReadOwnAccount), Ok(()));
        }
    }
}
