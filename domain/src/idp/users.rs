//! Users by name, as Keycloak's admin API shows them to MOSIP's onboarder: created with a
//! password, looked up by user name, given realm roles, deleted. They are portal accounts:
//! a user created here signs in to the portal and to MOSIP's door at once, with these roles.

use super::Principal;
use crate::account::{self, check_password, normalize_email};
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::role::Role;
use crate::schema::{account_roles, accounts, partners};
use diesel::prelude::*;
use serde_json::json;

/// Longest user name (Keycloak's column is 255; MOSIP's partner ids, which equal it, are 36).
pub const MAX_USERNAME_LEN: usize = 64;

/// A user as the Keycloak door creates it.
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    /// User name (lower case, as Keycloak keeps it).
    pub username: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Email; when empty the account gets a placeholder under `.invalid`.
    pub email: String,
    /// Whether it may sign in.
    pub enabled: bool,
    /// Password (plain; hashed here).
    pub password: String,
}

/// A user as the Keycloak door lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserView {
    /// Account id.
    pub id: String,
    /// User name.
    pub username: String,
    /// Email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// May sign in.
    pub enabled: bool,
    /// Created, UTC ms.
    pub created_at: i64,
}

/// Check a user name: 1 to 64 of letters, digits and `. _ - @`; kept in lower case.
pub fn check_username(value: &str) -> AppResult<String> {
    let v = value.trim().to_lowercase();
    if v.is_empty() {
        return Err(AppError::validation(
            "username",
            "PMS_USERNAME_REQUIRED",
            "Enter a user name.",
        ));
    }
    if v.chars().count() > MAX_USERNAME_LEN {
        return Err(AppError::validation(
            "username",
            "PMS_USERNAME_TOO_LONG",
            format!("A user name has at most {MAX_USERNAME_LEN} characters."),
        ));
    }
    if !v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(AppError::validation(
            "username",
            "PMS_USERNAME_INVALID",
            "A user name has only letters, digits and . _ - @.",
        ));
    }
    Ok(v)
}

fn display_name(input: &NewUser, username: &str) -> String {
    let full = format!("{} {}", input.first_name.trim(), input.last_name.trim());
    let full = full.trim();
    let name = if full.is_empty() { username } else { full };
    name.chars().take(account::MAX_NAME_LEN).collect()
}

/// Create a user. When a user of that name was deleted through this door and its account
/// owned a partner whose id is that name, the new account takes the partner over: in MOSIP
/// the user name is the partner's identity, and MOSIP's onboarder deletes and re-creates its
/// user on every run.
pub fn create(conn: &mut AnyConnection, actor: &Actor, input: &NewUser) -> AppResult<String> {
    let username = check_username(&input.username)?;
    let email = if input.email.trim().is_empty() {
        format!("{username}@users.invalid")
    } else {
        normalize_email("email", &input.email)?
    };
    check_password("password", &input.password, &email)?;
    let name = display_name(input, &username);
    let hash = account::hash_password(&input.password)?;
    crate::db::write_tx(conn, |conn| {
        check_free(conn, &username, &email)?;
        let now = clock::now_ms();
        let id = uuid::Uuid::new_v4().to_string();
        diesel::insert_into(accounts::table)
            .values((
                accounts::id.eq(&id),
                accounts::email.eq(&email),
                accounts::display_name.eq(&name),
                accounts::password_hash.eq(&hash),
                accounts::active.eq(input.enabled),
                accounts::created_at.eq(now),
                accounts::updated_at.eq(now),
                accounts::created_by.eq(actor.id.as_deref()),
                accounts::updated_by.eq(actor.id.as_deref()),
                accounts::username.eq(&username),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            "ACCOUNT_CREATED",
            "account",
            &id,
            json!({ "after": { "username": username, "email": email, "display_name": name, "roles": [], "active": input.enabled } }),
        )?;
        take_over_orphan_partner(conn, actor, &username, &id, now)?;
        Ok(id)
    })
}

/// No account may have the user name or the email yet (checked in that order).
fn check_free(conn: &mut AnyConnection, username: &str, email: &str) -> AppResult<()> {
    let taken: i64 = accounts::table
        .filter(accounts::username.eq(username))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_USERNAME_TAKEN",
            "User exists with same username",
        )
        .with_field("username"));
    }
    let email_taken: i64 = accounts::table
        .filter(accounts::email.eq(email))
        .count()
        .get_result(conn)?;
    if email_taken > 0 {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_EMAIL_TAKEN",
            "User exists with same email",
        )
        .with_field("email"));
    }
    Ok(())
}

/// Move the partner whose id is the user name to the new account `id` when its account was
/// removed, with its audit row.
fn take_over_orphan_partner(
    conn: &mut AnyConnection,
    actor: &Actor,
    username: &str,
    id: &str,
    now: i64,
) -> AppResult<()> {
    let orphan: Option<String> = partners::table
        .inner_join(accounts::table)
        .filter(partners::id.eq(username))
        .filter(accounts::removed_at.is_not_null())
        .select(partners::account_id)
        .first(conn)
        .optional()?;
    if let Some(previous) = orphan {
        diesel::update(partners::table.filter(partners::id.eq(username)))
            .set((
                partners::account_id.eq(id),
                partners::updated_at.eq(now),
                partners::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            "PARTNER_ACCOUNT_MOVED",
            "partner",
            username,
            json!({ "before": { "account": previous }, "after": { "account": id } }),
        )?;
    }
    Ok(())
}

type UserRow = (String, Option<String>, String, String, bool, i64);

fn view((id, username, email, display_name, enabled, created_at): UserRow) -> UserView {
    UserView {
        username: username.unwrap_or_else(|| email.clone()),
        id,
        email,
        display_name,
        enabled,
        created_at,
    }
}

crate::db::columns_fn! {
    fn user_columns() -> (
        accounts::id,
        accounts::username,
        accounts::email,
        accounts::display_name,
        accounts::active,
        accounts::created_at,
    )
}

/// The user of a name (or, for accounts made by the portal's own pages, of an email); none
/// when deleted through this door.
pub fn find(conn: &mut AnyConnection, name: &str) -> AppResult<Option<UserView>> {
    let name = name.trim().to_lowercase();
    let by_name: Option<UserRow> = accounts::table
        .filter(accounts::username.eq(&name))
        .filter(accounts::removed_at.is_null())
        .select(user_columns())
        .first(conn)
        .optional()?;
    if by_name.is_some() {
        return Ok(by_name.map(view));
    }
    Ok(accounts::table
        .filter(accounts::email.eq(&name))
        .filter(accounts::removed_at.is_null())
        .select(user_columns())
        .first::<UserRow>(conn)
        .optional()?
        .map(view))
}

/// A user by account id (not deleted).
pub fn get(conn: &mut AnyConnection, id: &str) -> AppResult<Option<UserView>> {
    Ok(accounts::table
        .find(id)
        .filter(accounts::removed_at.is_null())
        .select(user_columns())
        .first::<UserRow>(conn)
        .optional()?
        .map(view))
}

/// Grant realm roles; MOSIP's roles the portal does not enforce are accepted and ignored.
/// Returns the portal roles the user holds afterwards.
pub fn add_roles(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    names: &[String],
) -> AppResult<Vec<Role>> {
    let roles = super::parse_roles(names).map_err(|name| {
        AppError::new(
            ErrorKind::NotFound,
            "PMS_ROLE_UNKNOWN",
            format!("Could not find role {}", crate::text::clip(&name, 64)),
        )
    })?;
    crate::db::write_tx(conn, |conn| {
        get(conn, id)?.ok_or_else(|| AppError::not_found("The user"))?;
        let held: Vec<String> = account_roles::table
            .filter(account_roles::account_id.eq(id))
            .select(account_roles::role)
            .load(conn)?;
        let added: Vec<&str> = roles
            .iter()
            .map(|r| r.as_str())
            .filter(|r| !held.iter().any(|h| h == r))
            .collect();
        for role in &added {
            diesel::insert_into(account_roles::table)
                .values((
                    account_roles::account_id.eq(id),
                    account_roles::role.eq(*role),
                ))
                .execute(conn)?;
        }
        if !added.is_empty() {
            crate::session::forget_account(id);
            audit::record(
                conn,
                actor,
                "ACCOUNT_ROLES_ADDED",
                "account",
                id,
                json!({ "added": added }),
            )?;
        }
        let mut all: Vec<Role> = held
            .iter()
            .filter_map(|r| Role::parse(r))
            .chain(roles.iter().copied())
            .collect();
        all.sort();
        all.dedup();
        Ok(all)
    })
}

/// The portal roles a user holds.
pub fn roles(conn: &mut AnyConnection, id: &str) -> AppResult<Vec<Role>> {
    let names: Vec<String> = account_roles::table
        .filter(account_roles::account_id.eq(id))
        .select(account_roles::role)
        .load(conn)?;
    let mut roles: Vec<Role> = names.iter().filter_map(|n| Role::parse(n)).collect();
    roles.sort();
    Ok(roles)
}

/// Delete a user: it can no longer sign in, holds no roles and its sessions end. The account
/// row stays (its audit trail and partner refer to it); its name and email are freed.
pub fn remove(conn: &mut AnyConnection, actor: &Actor, id: &str) -> AppResult<()> {
    if actor.id.as_deref() == Some(id) {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_ACCOUNT_SELF",
            "You cannot delete your own account.",
        ));
    }
    crate::db::write_tx(conn, |conn| {
        let user = get(conn, id)?.ok_or_else(|| AppError::not_found("The user"))?;
        let now = clock::now_ms();
        // Nobody can sign in with a password that was never given out.
        let unusable = format!("!removed:{}", uuid::Uuid::new_v4());
        // The name and email are freed for a new user; the audit row keeps them.
        diesel::update(accounts::table.find(id))
            .set((
                accounts::active.eq(false),
                accounts::removed_at.eq(now),
                accounts::username.eq(None::<String>),
                accounts::email.eq(format!("removed+{id}@users.invalid")),
                accounts::password_hash.eq(&unusable),
                accounts::updated_at.eq(now),
                accounts::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)?;
        diesel::delete(account_roles::table.filter(account_roles::account_id.eq(id)))
            .execute(conn)?;
        crate::session::delete_for_account(conn, id)?;
        audit::record(
            conn,
            actor,
            "ACCOUNT_REMOVED",
            "account",
            id,
            json!({ "before": { "username": user.username, "email": user.email, "active": user.enabled } }),
        )?;
        Ok(())
    })
}

/// Password sign-in by user name or email: the principal, or `None` for a wrong name or
/// password (the same time is spent either way) or an inactive account.
pub fn sign_in(
    conn: &mut AnyConnection,
    name: &str,
    password: &str,
) -> AppResult<Option<Principal>> {
    let found: Option<(String, String, bool)> = match find(conn, name)? {
        Some(u) => accounts::table
            .find(&u.id)
            .select((accounts::id, accounts::password_hash, accounts::active))
            .first(conn)
            .optional()?,
        None => None,
    };
    let Some((id, hash, active)) = found else {
        account::verify_dummy(password);
        return Ok(None);
    };
    if !account::verify_password(&hash, password) || !active {
        return Ok(None);
    }
    // A password alone is not enough for an account that signs in with a second factor;
    // machines use client credentials.
    if account::two_factor_on(conn, &id)? {
        return Ok(None);
    }
    Ok(account::load_user(conn, &id)?.map(Principal::Account))
}
