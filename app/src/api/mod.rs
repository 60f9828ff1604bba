//! Server functions: the API the UI calls. Each is thin: check the caller, run one domain
//! use case off the async workers, map the result.

use domain::account::{AccountQuery, AccountView, CurrentUser};
use domain::page::Page;
use domain::AppError;
#[cfg(feature = "ssr")]
use domain::Role;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::guard::{self, fail};

pub mod access;
pub mod certificates;
pub mod devices;
pub mod events;
pub mod identity;
pub mod partners;
pub mod policies;
pub mod sso;
pub mod triage;
pub mod two_factor;

/// The session cookie's `Set-Cookie` value (`clear`: the one that removes it).
#[cfg(feature = "ssr")]
pub fn session_cookie(value: &str, secure: bool, clear: bool) -> String {
    let mut cookie = format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax",
        domain::session::COOKIE_NAME
    );
    if clear {
        cookie.push_str("; Max-Age=0");
    }
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

/// The signed-in account, or None.
#[server(endpoint = "me")]
pub async fn get_me() -> Result<Option<CurrentUser>, AppError> {
    Ok(guard::session().map(|s| s.user))
}

/// Sign in with email and password; on success the session cookie is set and the browser
/// goes to `next` (a local path) or the dashboard.
#[server(endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    let state = guard::state()?;
    let client = guard::client_info();
    let (sessions, limits) = (state.sessions, state.throttle);
    let sso_only = state
        .sso
        .as_ref()
        .filter(|s| s.operators_sso_only)
        .map(|s| s.button.clone());
    let permit = guard::hashing_permit().await?;
    let outcome = guard::open(move |conn| {
        Ok(domain::auth::login_with(
            conn,
            &email,
            &password,
            &client,
            &sessions,
            &limits,
            sso_only.as_deref(),
        ))
    })
    .await?;
    drop(permit);
    if outcome.delay_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(outcome.delay_ms)).await;
    }
    if let Some(challenge) = outcome.challenge {
        // The password was right; the code comes next, on its own page.
        two_factor::set_challenge_cookie(&challenge, state.secure_cookies);
        let next = crate::util::encode_query(next.as_deref().unwrap_or_default());
        leptos_axum::redirect(&format!("/login/verify?next={next}"));
        return Ok(());
    }
    let (token, _user) = outcome.result.map_err(fail)?;
    guard::set_header(
        http::header::SET_COOKIE,
        &session_cookie(&token, state.secure_cookies, false),
    );
    leptos_axum::redirect(&crate::util::after_login(next.as_deref()));
    Ok(())
}

/// Sign out: the session row is deleted and the cookie cleared.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let state = guard::state()?;
    if let Some(session) = guard::session() {
        let rid = guard::request_id();
        guard::open(move |conn| domain::auth::logout(conn, &session, rid)).await?;
    }
    guard::set_header(
        http::header::SET_COOKIE,
        &session_cookie("", state.secure_cookies, true),
    );
    leptos_axum::redirect("/login");
    Ok(())
}

/// Change the caller's password (other sessions end).
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    let session = guard::session().ok_or_else(|| fail(AppError::unauthenticated()))?;
    if new_password != confirm_password {
        return Err(fail(AppError::validation(
            "confirm_password",
            "PMS_PASSWORD_MISMATCH",
            "The two new passwords do not match.",
        )));
    }
    let rid = guard::request_id();
    let _permit = guard::hashing_permit().await?;
    guard::open(move |conn| {
        domain::account::change_password(
            conn,
            &session.user,
            Some(&session.token_hash),
            &current_password,
            &new_password,
            rid,
        )
    })
    .await
}

/// Whether the one-time set-up page is still open (no partner admin yet).
#[server(endpoint = "setup_needed")]
pub async fn setup_needed() -> Result<bool, AppError> {
    let exists = guard::open(domain::account::admin_exists).await?;
    Ok(!exists)
}

/// Create the first partner admin with the set-up token printed by the server at start.
#[server(endpoint = "setup")]
pub async fn setup_admin(
    token: String,
    email: String,
    display_name: String,
    password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    let state = guard::state()?;
    let given = domain::session::hash_token(token.trim());
    if token.trim().is_empty() || given.as_str() != &*state.setup_token_hash {
        return Err(fail(AppError::validation(
            "token",
            "PMS_SETUP_TOKEN_INVALID",
            "The set-up token is not correct. It is printed in the server log at start-up.",
        )));
    }
    if password != confirm_password {
        return Err(fail(AppError::validation(
            "confirm_password",
            "PMS_PASSWORD_MISMATCH",
            "The two passwords do not match.",
        )));
    }
    let _permit = guard::hashing_permit().await?;
    guard::open(move |conn| {
        domain::account::create_first_admin(conn, &email, &display_name, &password)
    })
    .await?;
    leptos_axum::redirect("/login?setup=done");
    Ok(())
}

/// Accounts, operators and partners (PARTNER_ADMIN only).
#[server(endpoint = "accounts")]
pub async fn list_accounts(
    #[server(default)] query: AccountQuery,
) -> Result<Page<AccountView>, AppError> {
    guard::list::<domain::account::Accounts>(query).await
}

/// Create an operator account (PARTNER_ADMIN only).
#[server(endpoint = "accounts/create")]
pub async fn create_operator(
    email: String,
    display_name: String,
    password: String,
    role: String,
) -> Result<AccountView, AppError> {
    let me = guard::Caller::with_role(guard::ADMIN)?;
    let role = Role::parse(&role).ok_or_else(|| {
        fail(AppError::validation(
            "role",
            "PMS_ROLE_UNKNOWN",
            "Choose PARTNER_ADMIN or POLICYMANAGER.",
        ))
    })?;
    let _permit = guard::hashing_permit().await?;
    guard::open(move |conn| {
        domain::account::create_operator(
            conn,
            &me.actor,
            &domain::account::NewAccount {
                email,
                display_name,
                password,
                roles: vec![role],
            },
        )
    })
    .await
}

/// Lock (`active = false`) or unlock an account, operator or partner (PARTNER_ADMIN only).
#[server(endpoint = "accounts/status")]
pub async fn set_account_active(id: String, active: bool) -> Result<AccountView, AppError> {
    guard::call(guard::ADMIN, move |conn, me| {
        if active {
            domain::account::reactivate_account(conn, &me.actor, &id)
        } else {
            domain::account::deactivate_account(conn, &me.actor, &id)
        }
    })
    .await
}
