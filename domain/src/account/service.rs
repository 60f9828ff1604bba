//! Account storage and use cases (server only).

use super::{
    check_display_name, check_password, normalize_email, AccountQuery, AccountView, CurrentUser,
};
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::page::{self, Page};
use crate::role::Role;
use crate::schema::{account_roles, accounts, sessions};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use std::sync::OnceLock;

diesel::define_sql_function! {
    /// SQL `lower()`, on both backends (PostgreSQL's LIKE is case-sensitive).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A stored account row. Holds the password hash, so it is never serialised.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = accounts)]
pub struct AccountRow {
    /// Id.
    pub id: String,
    /// Lower-case email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// False once deactivated.
    pub active: bool,
    /// Created, UTC ms.
    pub created_at: i64,
    /// Updated, UTC ms.
    pub updated_at: i64,
    /// Creator account id.
    pub created_by: Option<String>,
    /// Last updater account id.
    pub updated_by: Option<String>,
}

/// What is needed to create an account.
#[derive(Clone, Debug, Deserialize)]
pub struct NewAccount {
    /// Login email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Initial password (plain; hashed here, never stored or logged).
    pub password: String,
    /// Roles to grant.
    pub roles: Vec<Role>,
}

/// Hash a password with argon2id (PHC string with its own salt).
pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::internal()
        })
}

/// Check a password against a stored PHC hash.
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spend the same time as a real verification, so a response time never tells whether an
/// email has an account.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let hash = DUMMY.get_or_init(|| hash_password("dummy password for timing").unwrap_or_default());
    let _ = verify_password(hash, password);
}

fn check_roles(roles: &[Role]) -> AppResult<Vec<Role>> {
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        return Err(AppError::validation(
            "roles",
            "PMS_ROLES_REQUIRED",
            "Choose at least one role.",
        ));
    }
    Ok(roles)
}

/// Validate input and hash the password; done before any transaction (hashing is slow).
pub fn prepare(input: &NewAccount) -> AppResult<(String, String, String, Vec<Role>)> {
    // Every field is checked before the (slow) hash, so one submit reports every problem.
    let mut errs = crate::error::FieldErrors::new();
    let email = errs.take(normalize_email("email", &input.email));
    let name = errs.take(check_display_name("display_name", &input.display_name));
    errs.take(check_password(
        "password",
        &input.password,
        input.email.trim(),
    ));
    let roles = errs.take(check_roles(&input.roles));
    errs.finish()?;
    let (Some(email), Some(name), Some(roles)) = (email, name, roles) else {
        return Err(AppError::internal());
    };
    let hash = hash_password(&input.password)?;
    Ok((email, name, hash, roles))
}

fn insert_prepared(
    conn: &mut AnyConnection,
    actor: &Actor,
    (email, name, hash, roles): (String, String, String, Vec<Role>),
) -> AppResult<AccountView> {
    let taken = accounts::table
        .filter(accounts::email.eq(&email))
        .select(accounts::id)
        .first::<String>(conn)
        .optional()?;
    if taken.is_some() {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_EMAIL_TAKEN",
            "An account with this email already exists.",
        )
        .with_field("email"));
    }
    let now = clock::now_ms();
    let row = AccountRow {
        id: uuid::Uuid::new_v4().to_string(),
        email,
        display_name: name,
        password_hash: hash,
        active: true,
        created_at: now,
        updated_at: now,
        created_by: actor.id.clone(),
        updated_by: actor.id.clone(),
    };
    diesel::insert_into(accounts::table)
        .values(&row)
        .execute(conn)?;
    // One row per statement: diesel's multi-backend connection has no batch insert.
    for role in &roles {
        diesel::insert_into(account_roles::table)
            .values((
                account_roles::account_id.eq(&row.id),
                account_roles::role.eq(role.as_str()),
            ))
            .execute(conn)?;
    }
    let role_names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    audit::record(
        conn,
        actor,
        "ACCOUNT_CREATED",
        "account",
        &row.id,
        json!({ "after": { "email": row.email, "display_name": row.display_name, "roles": role_names, "active": true } }),
    )?;
    Ok(view(row, roles))
}

/// Create an account with any roles (CLI and later sign-up flows).
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: &NewAccount,
) -> AppResult<AccountView> {
    let prepared = prepare(input)?;
    crate::db::write_tx(conn, |conn| insert_prepared(conn, actor, prepared))
}

/// A partner admin creates an operator account (PARTNER_ADMIN / POLICYMANAGER only).
pub fn create_operator(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: &NewAccount,
) -> AppResult<AccountView> {
    if let Some(role) = input.roles.iter().find(|r| !r.is_operator()) {
        return Err(AppError::validation(
            "roles",
            "PMS_ROLE_NOT_OPERATOR",
            format!(
                "{} is a partner role; partner accounts are created by partner sign-up.",
                role.as_str()
            ),
        ));
    }
    create(conn, actor, input)
}

/// Whether an active partner admin exists (the setup page disappears once one does).
pub fn admin_exists(conn: &mut AnyConnection) -> AppResult<bool> {
    let n: i64 = accounts::table
        .inner_join(account_roles::table)
        .filter(account_roles::role.eq(Role::PartnerAdmin.as_str()))
        .filter(accounts::active.eq(true))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Create the first partner admin; refused once any partner admin exists.
pub fn create_first_admin(
    conn: &mut AnyConnection,
    email: &str,
    display_name: &str,
    password: &str,
) -> AppResult<AccountView> {
    let prepared = prepare(&NewAccount {
        email: email.to_string(),
        display_name: display_name.to_string(),
        password: password.to_string(),
        roles: vec![Role::PartnerAdmin],
    })?;
    crate::db::write_tx(conn, |conn| {
        if admin_exists(conn)? {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_SETUP_DONE",
                "Set-up is already complete: a partner admin exists. Sign in instead.",
            ));
        }
        insert_prepared(conn, &Actor::system(), prepared)
    })
}

/// Find an account row by (normalised) email.
pub fn find_by_email(conn: &mut AnyConnection, email: &str) -> AppResult<Option<AccountRow>> {
    Ok(accounts::table
        .filter(accounts::email.eq(email.trim().to_lowercase()))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?)
}

/// The account with this id, active or not.
pub fn find_by_id(conn: &mut AnyConnection, id: &str) -> AppResult<Option<AccountRow>> {
    Ok(accounts::table
        .find(id)
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?)
}

fn roles_of(conn: &mut AnyConnection, id: &str) -> AppResult<Vec<Role>> {
    let names: Vec<String> = account_roles::table
        .filter(account_roles::account_id.eq(id))
        .select(account_roles::role)
        .load(conn)?;
    let mut roles: Vec<Role> = names.iter().filter_map(|n| Role::parse(n)).collect();
    roles.sort();
    Ok(roles)
}

/// The signed-in view of an active account.
pub fn load_user(conn: &mut AnyConnection, id: &str) -> AppResult<Option<CurrentUser>> {
    let row: Option<AccountRow> = accounts::table
        .find(id)
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?;
    match row {
        Some(row) if row.active => {
            let roles = roles_of(conn, &row.id)?;
            let terms_to_accept = super::terms_to_accept(conn, &row.id)?;
            let two_factor = super::two_factor_on(conn, &row.id)?;
            Ok(Some(CurrentUser {
                id: row.id,
                email: row.email,
                display_name: row.display_name,
                roles,
                terms_to_accept,
                two_factor,
                two_factor_setup_needed: false,
            }))
        }
        _ => Ok(None),
    }
}

fn view(row: AccountRow, roles: Vec<Role>) -> AccountView {
    AccountView {
        id: row.id,
        email: row.email,
        display_name: row.display_name,
        roles,
        active: row.active,
        created_at: clock::rfc3339(row.created_at),
        two_factor: false,
    }
}

/// Change the caller's own password; other sessions of the account are signed out.
pub fn change_password(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    keep_session_hash: Option<&str>,
    current: &str,
    new: &str,
    request_id: Option<String>,
) -> AppResult<()> {
    let row: AccountRow = accounts::table
        .find(&user.id)
        .select(AccountRow::as_select())
        .first(conn)?;
    if !verify_password(&row.password_hash, current) {
        return Err(AppError::validation(
            "current_password",
            "PMS_PASSWORD_WRONG",
            "The current password is not correct.",
        ));
    }
    check_password("new_password", new, &row.email)?;
    if current == new {
        return Err(AppError::validation(
            "new_password",
            "PMS_PASSWORD_UNCHANGED",
            "The new password must differ from the current one.",
        ));
    }
    let hash = hash_password(new)?;
    let actor = Actor::account(&user.id, &user.email).with_request_id(request_id);
    crate::db::write_tx(conn, |conn| {
        diesel::update(accounts::table.find(&user.id))
            .set((
                accounts::password_hash.eq(&hash),
                accounts::updated_at.eq(clock::now_ms()),
                accounts::updated_by.eq(Some(&user.id)),
            ))
            .execute(conn)?;
        let others = sessions::table
            .filter(sessions::account_id.eq(&user.id))
            .filter(sessions::token_hash.ne(keep_session_hash.unwrap_or("")));
        let ended = diesel::delete(others).execute(conn)?;
        // The kept session is read again too: simpler than dropping all but one.
        crate::session::forget_account(&user.id);
        audit::record(
            conn,
            &actor,
            "PASSWORD_CHANGED",
            "account",
            &user.id,
            json!({ "other_sessions_ended": ended }),
        )
    })
}

fn load_target(conn: &mut AnyConnection, id: &str) -> AppResult<(AccountRow, Vec<Role>)> {
    let row: AccountRow = accounts::table
        .find(id)
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("The account"))?;
    let roles = roles_of(conn, id)?;
    Ok((row, roles))
}

/// Lock (deactivate) an account, operator or partner: it can no longer sign in and its
/// sessions end. Its partner, if any, keeps its own status.
pub fn deactivate_account(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<AccountView> {
    crate::db::write_tx(conn, |conn| {
        let (row, roles) = load_target(conn, id)?;
        if actor.id.as_deref() == Some(id) {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_ACCOUNT_SELF",
                "You cannot deactivate your own account.",
            ));
        }
        if !row.active {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_ACCOUNT_INACTIVE",
                "This account is already deactivated.",
            ));
        }
        diesel::update(accounts::table.find(id))
            .set((
                accounts::active.eq(false),
                accounts::updated_at.eq(clock::now_ms()),
                accounts::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)?;
        let ended = crate::session::delete_for_account(conn, id)?;
        audit::record(
            conn,
            actor,
            "ACCOUNT_DEACTIVATED",
            "account",
            id,
            json!({ "before": { "active": true }, "after": { "active": false }, "sessions_ended": ended }),
        )?;
        Ok(view(
            AccountRow {
                active: false,
                ..row
            },
            roles,
        ))
    })
}

/// Unlock (reactivate) a deactivated account.
pub fn reactivate_account(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<AccountView> {
    crate::db::write_tx(conn, |conn| {
        let (row, roles) = load_target(conn, id)?;
        if row.active {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_ACCOUNT_ACTIVE",
                "This account is already active.",
            ));
        }
        diesel::update(accounts::table.find(id))
            .set((
                accounts::active.eq(true),
                accounts::updated_at.eq(clock::now_ms()),
                accounts::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            "ACCOUNT_REACTIVATED",
            "account",
            id,
            json!({ "before": { "active": false }, "after": { "active": true } }),
        )?;
        Ok(view(
            AccountRow {
                active: true,
                ..row
            },
            roles,
        ))
    })
}

/// The database backend of boxed queries.
type Backend = <AnyConnection as diesel::Connection>::Backend;
/// A boxed query on accounts.
type Accounts<'a> = accounts::BoxedQuery<'a, Backend>;

/// Accounts (operators and partners), paged, filtered and sorted on the server.
pub fn list_accounts(
    conn: &mut AnyConnection,
    query: &AccountQuery,
) -> AppResult<Page<AccountView>> {
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
    let wanted = wanted_roles(query);
    let pattern = page::search_pattern(query.q.as_deref())?;
    let phrase = crate::search::phrase(conn, query.q.as_deref());
    let filtered = || operators(query, &wanted, pattern.as_deref(), phrase.as_deref());
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<AccountRow> = sorted(filtered(), query.sort.as_deref().unwrap_or("-created"))
        .select(AccountRow::as_select())
        .limit(size)
        .offset(offset)
        .load(conn)?;
    Ok(Page::new(with_roles(conn, rows)?, total, page_no, size))
}

/// The roles the list shows: the one asked for, else every role.
fn wanted_roles(query: &AccountQuery) -> Vec<&'static str> {
    match query.role {
        Some(role) => vec![role.as_str()],
        None => Role::ALL.iter().map(|r| r.as_str()).collect(),
    }
}

/// The accounts holding one of the `wanted` roles, matching the search text (through the
/// index's `phrase` where it serves, else the `LIKE` `pattern` on email and name) and the
/// query's active flag.
fn operators<'a>(
    query: &AccountQuery,
    wanted: &[&'a str],
    pattern: Option<&str>,
    phrase: Option<&str>,
) -> Accounts<'a> {
    let mut q = accounts::table
        .filter(
            accounts::id.eq_any(
                account_roles::table
                    .filter(account_roles::role.eq_any(wanted.to_vec()))
                    .select(account_roles::account_id),
            ),
        )
        .into_boxed();
    if let Some(phrase) = phrase {
        q = q.filter(crate::search::matching(
            crate::search::Index::Accounts,
            phrase,
        ));
    } else if let Some(pattern) = pattern.map(str::to_string) {
        q = q.filter(
            accounts::email
                .like(pattern.clone())
                .escape('\\')
                .or(lower(accounts::display_name).like(pattern).escape('\\')),
        );
    }
    if let Some(active) = query.active {
        q = q.filter(accounts::active.eq(active));
    }
    q
}

/// The accounts in the order `sort` names (newest first by default), ties broken by id.
fn sorted<'a>(q: Accounts<'a>, sort: &str) -> Accounts<'a> {
    match sort {
        "email" => q.order((accounts::email.asc(), accounts::id.asc())),
        "-email" => q.order((accounts::email.desc(), accounts::id.asc())),
        "name" => q.order((accounts::display_name.asc(), accounts::id.asc())),
        "-name" => q.order((accounts::display_name.desc(), accounts::id.asc())),
        "created" => q.order((accounts::created_at.asc(), accounts::id.asc())),
        _ => q.order((accounts::created_at.desc(), accounts::id.asc())),
    }
}

/// The views of the page's rows, each with its roles (sorted).
fn with_roles(conn: &mut AnyConnection, rows: Vec<AccountRow>) -> AppResult<Vec<AccountView>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let pairs: Vec<(String, String)> = account_roles::table
        .filter(account_roles::account_id.eq_any(&ids))
        .select((account_roles::account_id, account_roles::role))
        .load(conn)?;
    let with_factor: Vec<String> = crate::schema::two_factors::table
        .filter(crate::schema::two_factors::account_id.eq_any(&ids))
        .filter(crate::schema::two_factors::confirmed_at.is_not_null())
        .select(crate::schema::two_factors::account_id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut roles: Vec<Role> = pairs
                .iter()
                .filter(|(id, _)| *id == row.id)
                .filter_map(|(_, r)| Role::parse(r))
                .collect();
            roles.sort();
            let two_factor = with_factor.contains(&row.id);
            AccountView {
                two_factor,
                ..view(row, roles)
            }
        })
        .collect())
}
