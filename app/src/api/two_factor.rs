//! Server functions for two-factor sign-in: the code step of a sign-in, the caller's own
//! set-up, and an admin's reset of another account's factor.

use domain::account::{TwoFactorEnrolment, TwoFactorStatus};
use domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::guard::{self, fail};

/// The cookie that carries a sign-in between the password and the code (HttpOnly, 5 minutes).
#[cfg(feature = "ssr")]
const CHALLENGE_COOKIE: &str = "pms_2fa";

/// The challenge cookie's `Set-Cookie` value (an empty `value` removes it).
#[cfg(feature = "ssr")]
pub fn challenge_cookie(value: &str, secure: bool) -> String {
    let max_age = if value.is_empty() {
        0
    } else {
        domain::account::CHALLENGE_TTL_MS / 1000
    };
    let mut cookie =
        format!("{CHALLENGE_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}");
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

#[cfg(feature = "ssr")]
pub(crate) fn set_challenge_cookie(value: &str, secure: bool) {
    guard::set_header(http::header::SET_COOKIE, &challenge_cookie(value, secure));
}

/// The code step of a sign-in: a code from the authenticator app or a recovery code. On
/// success the session cookie is set and the browser goes to `next` or the dashboard.
#[server(endpoint = "login/verify")]
pub async fn verify_sign_in(
    #[server(default)] code: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let state = guard::state()?;
    let client = guard::client_info();
    let challenge = guard::cookie(CHALLENGE_COOKIE).unwrap_or_default();
    let (sessions, limits) = (state.sessions, state.throttle);
    let key = state.certs.master_key.clone();
    let outcome = guard::open(move |conn| {
        Ok(domain::auth::verify_second_factor(
            conn, &key, &challenge, &code, &client, &sessions, &limits,
        ))
    })
    .await?;
    if outcome.delay_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(outcome.delay_ms)).await;
    }
    let (token, _user) = outcome.result.map_err(fail)?;
    set_challenge_cookie("", state.secure_cookies);
    guard::set_header(
        http::header::SET_COOKIE,
        &super::session_cookie(&token, state.secure_cookies, false),
    );
    leptos_axum::redirect(&crate::util::after_login(next.as_deref()));
    Ok(())
}

/// The caller's second factor: on or off, recovery codes left, whether the role needs it.
#[server(endpoint = "account/two_factor")]
pub async fn get_two_factor() -> Result<TwoFactorStatus, AppError> {
    let state = guard::state()?;
    let me = guard::Caller::before_second_factor()?;
    let required = state.two_factor_required_for(&me.user.roles);
    guard::open(move |conn| domain::account::two_factor_status(conn, &me.user, required)).await
}

/// Start setting up a second factor: the QR code and secret, shown until confirmed.
#[server(endpoint = "account/two_factor/begin")]
pub async fn begin_two_factor() -> Result<TwoFactorEnrolment, AppError> {
    let key = guard::state()?.certs.master_key.clone();
    let me = guard::Caller::before_second_factor()?;
    guard::open(move |conn| domain::account::begin_two_factor(conn, &key, &me.actor, &me.user))
        .await
}

/// Confirm the set-up with a code from the app; returns the recovery codes, shown once.
#[server(endpoint = "account/two_factor/confirm")]
pub async fn confirm_two_factor(#[server(default)] code: String) -> Result<Vec<String>, AppError> {
    let key = guard::state()?.certs.master_key.clone();
    let me = guard::Caller::before_second_factor()?;
    guard::open(move |conn| {
        domain::account::confirm_two_factor(conn, &key, &me.actor, &me.user, &code)
    })
    .await
}

/// New recovery codes after a current code from the app (the old ones stop working).
#[server(endpoint = "account/two_factor/recovery_codes")]
pub async fn renew_recovery_codes(
    #[server(default)] code: String,
) -> Result<Vec<String>, AppError> {
    let key = guard::state()?.certs.master_key.clone();
    let me = guard::Caller::signed_in()?;
    guard::open(move |conn| {
        domain::account::renew_recovery_codes(conn, &key, &me.actor, &me.user, &code)
    })
    .await
}

/// Turn the caller's second factor off with the account password (not where the role needs it).
#[server(endpoint = "account/two_factor/disable")]
pub async fn disable_two_factor(#[server(default)] password: String) -> Result<(), AppError> {
    let state = guard::state()?;
    let me = guard::Caller::signed_in()?;
    let required = state.two_factor_required_for(&me.user.roles);
    let _permit = guard::hashing_permit().await?;
    guard::open(move |conn| {
        domain::account::disable_two_factor(conn, &me.actor, &me.user, &password, required)
    })
    .await
}

/// A partner admin resets another account's second factor (a lost device); its sessions end.
#[server(endpoint = "accounts/reset_two_factor")]
pub async fn reset_two_factor(#[server(default)] id: String) -> Result<(), AppError> {
    guard::call(guard::ADMIN, move |conn, me| {
        domain::account::reset_two_factor(conn, &me.actor, &id)
    })
    .await
}
