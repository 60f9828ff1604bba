//! Server functions for password reset, terms of use and the caller's own sessions.

use domain::account::{AccountSession, SessionClock, Terms, TermsStatus};
use domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::guard::{self, fail};

/// "Forgot password": mails a reset link when the email has an active account; the answer is
/// the same either way (the page then says "if an account exists…").
#[server(endpoint = "password/forgot")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    let state = guard::state()?;
    let mail = state.mail();
    let ip = guard::client_info().ip;
    guard::open(move |conn| domain::account::request_reset(conn, &email, ip.as_deref(), &mail))
        .await?;
    leptos_axum::redirect("/forgot-password?sent=1");
    Ok(())
}

/// Whether a reset link can still be used (the reset page asks before showing its form).
#[server(endpoint = "password/reset_usable")]
pub async fn reset_link_usable(token: String) -> Result<bool, AppError> {
    guard::open(move |conn| domain::account::token_usable(conn, token.trim())).await
}

/// Set a new password with a reset link; every session of the account ends.
#[server(endpoint = "password/reset")]
pub async fn reset_password(
    token: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    if new_password != confirm_password {
        return Err(fail(AppError::validation(
            "confirm_password",
            "PMS_PASSWORD_MISMATCH",
            "The two new passwords do not match.",
        )));
    }
    let rid = guard::request_id();
    let _permit = guard::hashing_permit().await?;
    guard::open(move |conn| domain::account::complete_reset(conn, &token, &new_password, rid))
        .await?;
    leptos_axum::redirect("/login?reset=done");
    Ok(())
}

/// A partner admin forces another account to choose a new password: the password stops
/// working, its sessions end and a reset link is mailed.
#[server(endpoint = "accounts/force_reset")]
pub async fn force_password_reset(id: String) -> Result<(), AppError> {
    let state = guard::state()?;
    let mail = state.mail();
    guard::call(guard::ADMIN, move |conn, me| {
        domain::account::force_reset(conn, &me.actor, &id, &mail)
    })
    .await
}

/// The caller's live sessions (the account page).
#[server(endpoint = "account/sessions")]
pub async fn my_sessions() -> Result<Vec<AccountSession>, AppError> {
    let policy = guard::state()?.sessions;
    let session = guard::session().ok_or_else(|| fail(AppError::unauthenticated()))?;
    guard::signed_in(move |conn, me| {
        domain::session::list_for_account(conn, &me.user.id, &session.token_hash, &policy)
    })
    .await
}

/// Sign out one of the caller's own sessions.
#[server(endpoint = "account/sessions/end")]
pub async fn end_my_session(id: String) -> Result<(), AppError> {
    guard::signed_in(move |conn, me| domain::session::end_own(conn, &me.actor, &me.user.id, &id))
        .await
}

/// The session's idle deadline, for the warning before it ends (None when signed out). Not
/// counted as use of the session (see the server's session layer).
#[server(endpoint = "account/session_clock")]
pub async fn get_session_clock() -> Result<Option<SessionClock>, AppError> {
    let policy = guard::state()?.sessions;
    let Some(session) = guard::session() else {
        return Ok(None);
    };
    guard::open(move |conn| domain::session::clock_of(conn, &session.token_hash, &policy)).await
}

/// "Stay signed in": the session counts as used now; returns its new deadline.
#[server(endpoint = "account/session_clock/extend")]
pub async fn stay_signed_in() -> Result<Option<SessionClock>, AppError> {
    let policy = guard::state()?.sessions;
    let session = guard::session().ok_or_else(|| fail(AppError::unauthenticated()))?;
    guard::open(move |conn| domain::session::keep_alive(conn, &session.token_hash, &policy)).await
}

/// The current terms and the caller's acceptance. Open to an account that has not accepted
/// yet (it is how it reads them).
#[server(endpoint = "terms")]
pub async fn get_terms() -> Result<TermsStatus, AppError> {
    let me = guard::Caller::before_terms()?;
    guard::open(move |conn| domain::account::terms_status(conn, &me.user.id)).await
}

/// Accept the terms of `version`, then go on to `next` (a local path) or the dashboard.
#[server(endpoint = "terms/accept")]
pub async fn accept_terms(version: String, next: Option<String>) -> Result<(), AppError> {
    // Read as text so an anonymous caller hears 401 before any complaint about the form.
    let me = guard::Caller::before_terms()?;
    let version: i32 = version.trim().parse().map_err(|_| {
        fail(AppError::validation(
            "version",
            "PMS_TERMS_VERSION",
            "The terms version is not a number.",
        ))
    })?;
    let rid = guard::request_id();
    guard::open(move |conn| domain::account::accept_terms(conn, &me.user, version, rid)).await?;
    leptos_axum::redirect(&crate::util::after_login(next.as_deref()));
    Ok(())
}

/// Publish a new version of the terms (partner admins); every other account accepts it at
/// its next page.
#[server(endpoint = "terms/publish")]
pub async fn publish_terms(#[server(default)] body: String) -> Result<Terms, AppError> {
    guard::call(guard::ADMIN, move |conn, me| {
        domain::account::publish_terms(conn, &me.actor, &body)
    })
    .await
}
