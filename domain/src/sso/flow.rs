//! A sign-in in flight: its `state`, PKCE verifier and nonce.
//!
//! The state is stored server-side, hashed, single use and short-lived; the browser that
//! started holds a random "binder" in an HttpOnly cookie. The PKCE verifier and the nonce are
//! derived from both, so the database holds nothing that completes a sign-in and a callback
//! replayed in another browser (login CSRF) fails. Server-side rather than a sealed cookie:
//! a sealed cookie can be replayed until it expires, since no instance knows another used it;
//! here one `DELETE` decides, on any number of instances.

use super::Refusal;
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult};
use crate::schema::sso_states;
use crate::session::{hash_token, new_token};
use crate::throttle::{self, ThrottlePolicy};
use base64::Engine;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

/// How long a sign-in may stay at the provider.
pub const STATE_TTL_MS: i64 = 10 * 60 * 1000;
/// At most this many sign-ins in flight: a flood of starts cannot grow the table without end.
const MAX_PENDING: i64 = 10_000;
/// Sign-ins one address may start within [`STATE_TTL_MS`]: one address cannot use up
/// [`MAX_PENDING`] for everyone (an office behind one address still signs in).
const STARTS_PER_ADDRESS: i32 = 100;

fn start_policy() -> ThrottlePolicy {
    ThrottlePolicy {
        account_max_failures: STARTS_PER_ADDRESS,
        address_max_failures: STARTS_PER_ADDRESS,
        window_ms: STATE_TTL_MS,
        lock_ms: STATE_TTL_MS,
        slow_after: i32::MAX,
        delay_step_ms: 0,
    }
}

/// What the authorization request carries.
#[derive(Debug)]
pub struct Started {
    /// The `state` parameter.
    pub state: String,
    /// The `nonce` parameter.
    pub nonce: String,
    /// The PKCE `code_challenge` (S256).
    pub challenge: String,
}

/// A sign-in the callback may complete.
#[derive(Debug)]
pub struct Resumed {
    /// Where to go afterwards (a local path, already checked at the start).
    pub next: Option<String>,
    /// The PKCE `code_verifier`.
    pub verifier: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn derive(purpose: &str, binder: &str, state: &str) -> String {
    b64(&Sha256::digest(
        format!("pms-sso:{purpose}\0{binder}\0{state}").as_bytes(),
    ))
}

/// The PKCE verifier and the nonce of a state started by a binder (43 characters each, in
/// PKCE's alphabet).
pub fn secrets(binder: &str, state: &str) -> (String, String) {
    (
        derive("pkce", binder, state),
        derive("nonce", binder, state),
    )
}

/// The S256 challenge of a verifier.
pub fn challenge(verifier: &str) -> String {
    b64(&Sha256::digest(verifier.as_bytes()))
}

/// A new browser binder (the cookie's value).
pub fn new_binder() -> String {
    new_token()
}

/// Whether a cookie value has the shape of a binder (reused rather than replaced, so sign-ins
/// started in two tabs both work).
pub fn is_binder(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Start a sign-in for the browser holding `binder` at address `ip`, going to `next`
/// afterwards; refused ([`Refusal::Busy`]) when too many are in flight.
pub fn begin(
    conn: &mut AnyConnection,
    binder: &str,
    next: Option<&str>,
    ip: Option<&str>,
) -> AppResult<Result<Started, Refusal>> {
    let state = new_token();
    let now = clock::now_ms();
    let key = ip.map(|ip| format!("sso-ip:{ip}"));
    let admitted = crate::db::write_tx(conn, |conn| {
        if let Some(key) = &key {
            if throttle::check(conn, std::slice::from_ref(key)).is_err() {
                return Ok(false);
            }
            throttle::record_failure(conn, key, None, &start_policy())?;
        }
        diesel::delete(sso_states::table.filter(sso_states::expires_at.le(now))).execute(conn)?;
        let pending: i64 = sso_states::table.count().get_result(conn)?;
        if pending >= MAX_PENDING {
            return Ok(false);
        }
        diesel::insert_into(sso_states::table)
            .values((
                sso_states::state_hash.eq(hash_token(&state)),
                sso_states::binder_hash.eq(hash_token(binder)),
                sso_states::next.eq(next),
                sso_states::created_at.eq(now),
                sso_states::expires_at.eq(now + STATE_TTL_MS),
            ))
            .execute(conn)?;
        Ok::<_, AppError>(true)
    })?;
    if !admitted {
        return Ok(Err(Refusal::Busy));
    }
    let (verifier, nonce) = secrets(binder, &state);
    Ok(Ok(Started {
        challenge: challenge(&verifier),
        state,
        nonce,
    }))
}

/// Use up a state: whatever the outcome it cannot be used again. Refused when it is unknown,
/// used, expired or was started by another browser.
pub fn resume(
    conn: &mut AnyConnection,
    state: &str,
    binder: Option<&str>,
) -> AppResult<Result<Resumed, Refusal>> {
    if state.is_empty() || state.len() > 128 {
        return Ok(Err(Refusal::State));
    }
    let hash = hash_token(state);
    let now = clock::now_ms();
    let row = crate::db::write_tx(conn, |conn| {
        let row: Option<(String, Option<String>, i64)> = sso_states::table
            .find(&hash)
            .select((
                sso_states::binder_hash,
                sso_states::next,
                sso_states::expires_at,
            ))
            .first(conn)
            .optional()?;
        // Only the request whose delete removed the row goes on (two racing callbacks).
        let deleted = diesel::delete(sso_states::table.find(&hash)).execute(conn)?;
        Ok::<_, AppError>(row.filter(|_| deleted == 1))
    })?;
    let Some((binder_hash, next, expires_at)) = row else {
        return Ok(Err(Refusal::State));
    };
    let Some(binder) = binder.filter(|b| hash_token(b) == binder_hash) else {
        return Ok(Err(Refusal::State));
    };
    if now >= expires_at {
        return Ok(Err(Refusal::State));
    }
    let (verifier, nonce) = secrets(binder, state);
    Ok(Ok(Resumed {
        next,
        verifier,
        nonce,
    }))
}

/// Sign-ins in flight (for tests).
pub fn pending(conn: &mut AnyConnection) -> AppResult<i64> {
    Ok(sso_states::table.count().get_result(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_pkce_shaped_and_depend_on_both_halves() {
        let (v, n) = secrets("binder", "state");
        assert_eq!(v.len(), 43);
        assert!(is_binder(&v) && is_binder(&n));
        assert_ne!(v, n);
        assert_ne!(secrets("other", "state").0, v);
        assert_ne!(secrets("binder", "other").0, v);
        // RFC 7636 appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
