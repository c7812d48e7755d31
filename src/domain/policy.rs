//! The permission policy: one pure function of the actor, the action and (where it matters) the
//! record. Every handler asks it; `access.md` is the table it implements.

use super::account::Role;

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
    /// Read the public register, statistics, feeds and learning register.
    ReadPublic,
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
        Action::ManageUsers | Action::ManageOutbox => allow_if(actor.role == Role::Admin),
    }
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

    #[test]
    fn own_account_needs_a_login() {
        assert_eq!(authorize(None, Action::ReadOwnAccount), Err(Refusal::Unauthenticated));
        for role in Role::ALL {
            assert_eq!(authorize(Some(&actor(role)), Action::ReadOwnAccount), Ok(()));
        }
    }
}
