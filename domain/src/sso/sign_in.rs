//! Which account a verified identity signs in as, and what that changes.
//!
//! Accounts are found by the provider's email, which must be verified there. Operator roles
//! come from the provider: at every sign-in of an operator account its operator roles become
//! the ones the role claim maps to (none mapped: refused, the provider no longer grants it
//! anything). A partner account keeps its roles (they follow its partner organisation, never
//! the provider). An email without an account gets an operator account when the claim maps
//! operator roles (it has no usable password), and is refused otherwise: partners register.
//! Sign-in, link, creation and role change are audited in the session's transaction.

use super::Refusal;
use crate::account::{self, AccountRow, CurrentUser};
use crate::audit::{self, Actor};
use crate::auth::ClientInfo;
use crate::clock;
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::role::Role;
use crate::schema::{account_roles, accounts, sso_links};
use crate::session::{self, SessionPolicy};
use diesel::prelude::*;
use serde_json::{json, Map, Value};

/// Stored instead of a password hash for accounts made by single sign-on: not a PHC string, so
/// no password ever matches it.
const NO_PASSWORD: &str = "!sso";

/// How the portal reads a provider's identities.
#[derive(Clone, Debug)]
pub struct SsoPolicy {
    /// The provider's issuer identifier, exactly as its ID tokens name it.
    pub issuer: String,
    /// The sign-in button's text, e.g. "Sign in with Keycloak".
    pub button: String,
    /// The claim holding roles: a name, or a dotted path (`realm_access.roles`).
    pub role_claim: String,
    /// Claim values and the operator role each grants.
    pub role_map: Vec<(String, Role)>,
    /// Operator accounts may not sign in with a password.
    pub operators_sso_only: bool,
}

impl SsoPolicy {
    /// The operator roles a set of claim values grants, sorted.
    pub fn mapped_roles(&self, values: &[String]) -> Vec<Role> {
        let mut roles: Vec<Role> = self
            .role_map
            .iter()
            .filter(|(value, role)| role.is_operator() && values.contains(value))
            .map(|(_, role)| *role)
            .collect();
        roles.sort();
        roles.dedup();
        roles
    }

    /// The role claim's values: a list of strings, or one string of space-separated values.
    /// The claim is looked up by its whole name first (names may hold dots, as URLs do).
    pub fn role_values(&self, claims: &Map<String, Value>) -> Vec<String> {
        let found = claims.get(&self.role_claim).or_else(|| {
            let mut parts = self.role_claim.split('.');
            let first = claims.get(parts.next()?)?;
            parts.try_fold(first, |v, p| v.get(p))
        });
        match found {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
            _ => Vec::new(),
        }
    }
}

/// A person as the provider vouched for them (from a verified ID token and, for claims it
/// left out, the userinfo answer).
#[derive(Clone, Debug, Default)]
pub struct Identity {
    /// Issuer.
    pub issuer: String,
    /// The provider's subject identifier.
    pub subject: String,
    /// Email, if shared.
    pub email: Option<String>,
    /// `email_verified` is true (a JSON true, or the string "true" some providers send).
    pub email_verified: bool,
    /// Display name, if shared.
    pub name: Option<String>,
    /// The role claim's values.
    pub roles: Vec<String>,
}

impl Identity {
    /// The identity in a set of claims.
    pub fn from_claims(issuer: &str, claims: &Map<String, Value>, policy: &SsoPolicy) -> Self {
        let text = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_string);
        Identity {
            issuer: issuer.to_string(),
            subject: text("sub").unwrap_or_default(),
            email: text("email"),
            email_verified: matches!(claims.get("email_verified"), Some(Value::Bool(true)))
                || text("email_verified").as_deref() == Some("true"),
            name: text("name").or_else(|| text("preferred_username")),
            roles: policy.role_values(claims),
        }
    }
}

/// What a sign-in does to the account before the session starts.
enum Plan {
    /// Sign in as it is.
    Keep(CurrentUser),
    /// Set its operator roles to these first.
    Roles(CurrentUser, Vec<Role>),
    /// Create an operator account with these roles.
    Create(Vec<Role>),
}

/// What a verified identity's sign-in gave.
#[derive(Debug)]
pub enum SignedIn {
    /// A session (its token) for the account.
    Session(String, CurrentUser),
    /// The account has the portal's own second factor: the code step's challenge, as after a
    /// correct password. The provider's authentication does not stand in for a factor the
    /// account's owner chose to add here.
    SecondFactor(String),
}

/// Sign `identity` in: a session or the code step, or why not (then nothing changed).
pub fn sign_in(
    conn: &mut AnyConnection,
    identity: &Identity,
    policy: &SsoPolicy,
    client: &ClientInfo,
    sessions: &SessionPolicy,
) -> AppResult<Result<SignedIn, Refusal>> {
    let Some(email) = identity
        .email
        .as_deref()
        .and_then(|e| account::normalize_email("email", e).ok())
    else {
        return Ok(Err(Refusal::NoEmail));
    };
    if !identity.email_verified {
        return Ok(Err(Refusal::EmailUnverified));
    }
    let mapped = policy.mapped_roles(&identity.roles);
    crate::db::write_tx(conn, |conn| {
        let plan = match plan(conn, &email, mapped)? {
            Ok(plan) => plan,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let account_id = match plan {
            Plan::Keep(user) => user.id,
            Plan::Roles(user, roles) => {
                set_operator_roles(conn, &user, &roles, client)?;
                user.id
            }
            Plan::Create(roles) => create(conn, identity, &email, &roles, client)?,
        };
        let actor = Actor {
            id: Some(account_id.clone()),
            email: Some(email.clone()),
            request_id: client.request_id.clone(),
        };
        link(conn, &actor, &account_id, identity)?;
        if account::two_factor_on(conn, &account_id)? {
            // The LOGIN is audited by the code step when it succeeds.
            let challenge = account::open_challenge(conn, &account_id)?;
            return Ok(Ok(SignedIn::SecondFactor(challenge)));
        }
        let token = session::create(
            conn,
            &account_id,
            client.ip.as_deref(),
            client.user_agent.as_deref(),
            sessions,
        )?;
        audit::record(
            conn,
            &actor,
            "LOGIN",
            "account",
            &account_id,
            json!({ "method": "sso", "issuer": identity.issuer, "ip": client.ip }),
        )?;
        let user = account::load_user(conn, &account_id)?.ok_or_else(crate::AppError::internal)?;
        Ok(Ok(SignedIn::Session(token, user)))
    })
}

/// Decide, reading only, what signing in as `email` with the `mapped` roles does.
fn plan(
    conn: &mut AnyConnection,
    email: &str,
    mapped: Vec<Role>,
) -> AppResult<Result<Plan, Refusal>> {
    let Some(row) = account::find_by_email(conn, email)? else {
        return Ok(if mapped.is_empty() {
            Err(Refusal::NoAccount)
        } else {
            Ok(Plan::Create(mapped))
        });
    };
    let user = match account::load_user(conn, &row.id)? {
        Some(user) if row.active => user,
        _ => return Ok(Err(Refusal::Inactive)),
    };
    let held: Vec<Role> = user
        .roles
        .iter()
        .copied()
        .filter(|r| r.is_operator())
        .collect();
    Ok(match (held.is_empty(), mapped.is_empty()) {
        (false, true) => Err(Refusal::NoRole),
        (_, true) => Ok(Plan::Keep(user)),
        _ if held == mapped => Ok(Plan::Keep(user)),
        _ => Ok(Plan::Roles(user, mapped)),
    })
}

/// Make the account's operator roles exactly `roles` (its partner roles stay).
fn set_operator_roles(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    roles: &[Role],
    client: &ClientInfo,
) -> AppResult<()> {
    for role in Role::OPERATOR {
        let row = account_roles::table
            .filter(account_roles::account_id.eq(&user.id))
            .filter(account_roles::role.eq(role.as_str()));
        match (user.has(role), roles.contains(&role)) {
            (true, false) => {
                diesel::delete(row).execute(conn)?;
            }
            (false, true) => {
                diesel::insert_into(account_roles::table)
                    .values((
                        account_roles::account_id.eq(&user.id),
                        account_roles::role.eq(role.as_str()),
                    ))
                    .execute(conn)?;
            }
            _ => {}
        }
    }
    let mut after: Vec<Role> = user
        .roles
        .iter()
        .copied()
        .filter(|r| !r.is_operator())
        .collect();
    after.extend_from_slice(roles);
    after.sort();
    session::forget_account(&user.id);
    let names = |roles: &[Role]| roles.iter().map(|r| r.as_str()).collect::<Vec<_>>();
    audit::record(
        conn,
        &Actor::account(&user.id, &user.email).with_request_id(client.request_id.clone()),
        "ACCOUNT_ROLES_CHANGED",
        "account",
        &user.id,
        json!({ "via": "sso", "before": { "roles": names(&user.roles) }, "after": { "roles": names(&after) } }),
    )
}

/// Create an operator account for a verified identity; returns its id.
fn create(
    conn: &mut AnyConnection,
    identity: &Identity,
    email: &str,
    roles: &[Role],
    client: &ClientInfo,
) -> AppResult<String> {
    let local = email.split('@').next().unwrap_or(email);
    let name = identity
        .name
        .as_deref()
        .and_then(|n| account::check_display_name("name", n).ok())
        .unwrap_or_else(|| local.to_string());
    let now = clock::now_ms();
    let row = AccountRow {
        id: uuid::Uuid::new_v4().to_string(),
        email: email.to_string(),
        display_name: name,
        password_hash: NO_PASSWORD.to_string(),
        active: true,
        created_at: now,
        updated_at: now,
        created_by: None,
        updated_by: None,
    };
    diesel::insert_into(accounts::table)
        .values(&row)
        .execute(conn)?;
    for role in roles {
        diesel::insert_into(account_roles::table)
            .values((
                account_roles::account_id.eq(&row.id),
                account_roles::role.eq(role.as_str()),
            ))
            .execute(conn)?;
    }
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    audit::record(
        conn,
        &Actor::account(&row.id, email).with_request_id(client.request_id.clone()),
        "ACCOUNT_CREATED",
        "account",
        &row.id,
        json!({ "via": "sso", "issuer": identity.issuer, "after": { "email": email, "display_name": row.display_name, "roles": names, "active": true } }),
    )?;
    Ok(row.id)
}

/// Record which identity at the provider the account signed in as: the first time, and when
/// the provider's subject for this email changed, audited.
fn link(
    conn: &mut AnyConnection,
    actor: &Actor,
    account_id: &str,
    identity: &Identity,
) -> AppResult<()> {
    let now = clock::now_ms();
    let mine = sso_links::table
        .filter(sso_links::account_id.eq(account_id))
        .filter(sso_links::issuer.eq(&identity.issuer));
    let previous: Option<String> = mine.select(sso_links::subject).first(conn).optional()?;
    match previous {
        Some(subject) if subject == identity.subject => {
            diesel::update(mine)
                .set(sso_links::last_sign_in_at.eq(now))
                .execute(conn)?;
            return Ok(());
        }
        Some(_) => {
            diesel::update(mine)
                .set((
                    sso_links::subject.eq(&identity.subject),
                    sso_links::linked_at.eq(now),
                    sso_links::last_sign_in_at.eq(now),
                ))
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(sso_links::table)
                .values((
                    sso_links::account_id.eq(account_id),
                    sso_links::issuer.eq(&identity.issuer),
                    sso_links::subject.eq(&identity.subject),
                    sso_links::linked_at.eq(now),
                    sso_links::last_sign_in_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    audit::record(
        conn,
        actor,
        "SSO_LINKED",
        "account",
        account_id,
        json!({ "issuer": identity.issuer, "subject": identity.subject, "previous_subject": previous }),
    )
}

/// The refusal of a correct password when operators must sign in through the provider named
/// `button` (None: the account may use its password).
pub fn password_refusal(user: &CurrentUser, button: Option<&str>) -> Option<crate::AppError> {
    let button = button?;
    user.roles.iter().any(|r| r.is_operator()).then(|| {
        crate::AppError::new(
            crate::ErrorKind::Forbidden,
            "PMS_AUTH_SSO_ONLY",
            format!("Password sign-in is turned off for operator accounts. Use “{button}”."),
        )
    })
}
