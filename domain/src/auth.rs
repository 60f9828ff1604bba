//! Sign-in and sign-out use cases.

use crate::account::{self, CurrentUser};
use crate::audit::{self, Actor};
use crate::cert::seal::MasterKey;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::session::{self, SessionPolicy};
use crate::throttle::{self, ThrottlePolicy};
use serde_json::json;

/// The one message for a wrong email or password: it never says which.
pub const INVALID_CREDENTIALS: &str = "Email or password is incorrect.";

/// Outcome of a sign-in attempt plus the delay the caller must wait before answering.
#[derive(Debug)]
pub struct LoginOutcome {
    /// Token and user on success.
    pub result: AppResult<(String, CurrentUser)>,
    /// The password was right and the account has a second factor: no session yet, `result`
    /// is `PMS_AUTH_SECOND_FACTOR` and this token (for a short-lived cookie) goes with the
    /// code to [`verify_second_factor`].
    pub challenge: Option<String>,
    /// Milliseconds to wait before answering (throttling); spent by the async caller.
    pub delay_ms: u64,
}

/// Client facts recorded with a sign-in.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    /// Peer address.
    pub ip: Option<String>,
    /// User-Agent header.
    pub user_agent: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
}

fn invalid() -> AppError {
    AppError::new(
        ErrorKind::Unauthenticated,
        "PMS_AUTH_INVALID_CREDENTIALS",
        INVALID_CREDENTIALS,
    )
}

/// Check credentials, apply throttling, and start a session.
pub fn login(
    conn: &mut AnyConnection,
    email: &str,
    password: &str,
    client: &ClientInfo,
    sessions: &SessionPolicy,
    limits: &ThrottlePolicy,
) -> LoginOutcome {
    login_with(conn, email, password, client, sessions, limits, None)
}

/// As [`login`]; `sso_only` names the single sign-on button when operator accounts must use
/// it, and their correct password is then refused with a pointer to it.
pub fn login_with(
    conn: &mut AnyConnection,
    email: &str,
    password: &str,
    client: &ClientInfo,
    sessions: &SessionPolicy,
    limits: &ThrottlePolicy,
    sso_only: Option<&str>,
) -> LoginOutcome {
    outcome(login_inner(
        conn, email, password, client, sessions, limits, sso_only,
    ))
}

fn outcome(attempt: AppResult<Attempt>) -> LoginOutcome {
    let (result, challenge, delay_ms) = match attempt {
        Ok(Ok(Step::Session(token, user))) => (Ok((token, user)), None, 0),
        Ok(Ok(Step::SecondFactor(challenge))) => (Err(second_factor()), Some(challenge), 0),
        Ok(Err((err, delay_ms))) => (Err(err), None, delay_ms),
        Err(err) => (Err(err), None, 0),
    };
    LoginOutcome {
        result,
        challenge,
        delay_ms,
    }
}

/// Where a sign-in attempt got to.
enum Step {
    Session(String, CurrentUser),
    SecondFactor(String),
}

type Attempt = Result<Step, (AppError, u64)>;

fn second_factor() -> AppError {
    AppError::new(
        ErrorKind::Unauthenticated,
        "PMS_AUTH_SECOND_FACTOR",
        "Enter the code from your authenticator app.",
    )
}

fn login_inner(
    conn: &mut AnyConnection,
    email: &str,
    password: &str,
    client: &ClientInfo,
    sessions: &SessionPolicy,
    limits: &ThrottlePolicy,
    sso_only: Option<&str>,
) -> AppResult<Attempt> {
    let email = email.trim().to_lowercase();
    if email.is_empty()
        || password.is_empty()
        || email.len() > account::MAX_EMAIL_LEN
        || password.len() > account::MAX_PASSWORD_LEN * 4
    {
        return Ok(Err((invalid(), 0)));
    }
    let (acct_key, addr_key) = match throttle_keys(conn, &email, client) {
        Ok(keys) => keys,
        Err(locked) => return Ok(Err((locked, 0))),
    };

    let row = account::find_by_email(conn, &email)?;
    let verified = match &row {
        Some(row) => account::verify_password(&row.password_hash, password),
        None => {
            account::verify_dummy(password);
            false
        }
    };
    let actor = Actor {
        id: row.as_ref().map(|r| r.id.clone()),
        email: Some(email.clone()),
        request_id: client.request_id.clone(),
    };
    let row = match row {
        Some(row) if verified => row,
        _ => {
            let addr_key = addr_key.as_deref();
            let failure = record_failure(conn, &actor, &email, client, &acct_key, addr_key, limits);
            return Ok(Err(failure?));
        }
    };
    if !row.active {
        // Said only after a correct password, so it reveals nothing to a guesser.
        return Ok(Err((
            AppError::new(
                ErrorKind::Forbidden,
                "PMS_AUTH_ACCOUNT_INACTIVE",
                "This account is deactivated. Contact your administrator.",
            ),
            0,
        )));
    }
    // Like the deactivation above, said only after a correct password (and before any second
    // factor: the password itself is not to be used).
    if sso_only.is_some() {
        let user = account::load_user(conn, &row.id)?.ok_or_else(invalid)?;
        if let Some(refused) = crate::sso::sign_in::password_refusal(&user, sso_only) {
            return Ok(Err((refused, 0)));
        }
    }
    if account::two_factor_on(conn, &row.id)? {
        let challenge = crate::db::write_tx(conn, |conn| account::open_challenge(conn, &row.id))?;
        return Ok(Ok(Step::SecondFactor(challenge)));
    }
    let user = account::load_user(conn, &row.id)?.ok_or_else(invalid)?;
    let how = json!({ "ip": client.ip });
    let token = start_session(conn, &actor, &row.id, client, &acct_key, sessions, how)?;
    Ok(Ok(Step::Session(token, user)))
}

fn challenge_gone() -> AppError {
    AppError::new(
        ErrorKind::Unauthenticated,
        "PMS_2FA_CHALLENGE_EXPIRED",
        "This sign-in has expired or had too many wrong codes. Sign in again with your password.",
    )
}

/// The code step of a sign-in: the challenge from [`login`] and a code from the account's
/// authenticator app (or a recovery code). A wrong code counts as a failed sign-in (the same
/// throttle and lock as a wrong password) and spends the challenge after a few tries.
pub fn verify_second_factor(
    conn: &mut AnyConnection,
    key: &MasterKey,
    challenge: &str,
    code: &str,
    client: &ClientInfo,
    sessions: &SessionPolicy,
    limits: &ThrottlePolicy,
) -> LoginOutcome {
    outcome(second_factor_inner(
        conn, key, challenge, code, client, sessions, limits,
    ))
}

fn second_factor_inner(
    conn: &mut AnyConnection,
    key: &MasterKey,
    challenge: &str,
    code: &str,
    client: &ClientInfo,
    sessions: &SessionPolicy,
    limits: &ThrottlePolicy,
) -> AppResult<Attempt> {
    let Some(account_id) = account::challenge_account(conn, challenge)? else {
        return Ok(Err((challenge_gone(), 0)));
    };
    let row = account::find_by_id(conn, &account_id)?.filter(|r| r.active);
    let Some(row) = row else {
        return Ok(Err((challenge_gone(), 0)));
    };
    let (acct_key, addr_key) = match throttle_keys(conn, &row.email, client) {
        Ok(keys) => keys,
        Err(locked) => return Ok(Err((locked, 0))),
    };
    let actor = Actor {
        id: Some(row.id.clone()),
        email: Some(row.email.clone()),
        request_id: client.request_id.clone(),
    };
    let proof = crate::db::write_tx(conn, |conn| {
        account::prove(conn, key, challenge, &row, code.trim())
    })?;
    let Some(proof) = proof else {
        let failure = record_failure(
            conn,
            &actor,
            &row.email,
            client,
            &acct_key,
            addr_key.as_deref(),
            limits,
        )?;
        let err = if failure.0.code == "PMS_AUTH_LOCKED" {
            failure.0
        } else {
            account::invalid_code()
        };
        return Ok(Err((err, failure.1)));
    };
    let user = account::load_user(conn, &row.id)?.ok_or_else(invalid)?;
    let how = json!({ "ip": client.ip, "second_factor": match proof {
        account::Proof::Code => "code",
        account::Proof::RecoveryCode => "recovery_code",
    } });
    let token = start_session(conn, &actor, &row.id, client, &acct_key, sessions, how)?;
    Ok(Ok(Step::Session(token, user)))
}

/// The sign-in throttle's keys for this email and client, or the refusal while either is
/// locked (password and code steps alike).
fn throttle_keys(
    conn: &mut AnyConnection,
    email: &str,
    client: &ClientInfo,
) -> Result<(String, Option<String>), AppError> {
    let acct_key = throttle::account_key(email);
    let addr_key = client.ip.as_deref().map(throttle::address_key);
    let mut keys = vec![acct_key.clone()];
    keys.extend(addr_key.clone());
    throttle::check(conn, &keys).map(|()| (acct_key, addr_key))
}

/// A failed sign-in: counted against the account and address keys and audited; returns the
/// error to show (locked or invalid) and the delay before answering.
fn record_failure(
    conn: &mut AnyConnection,
    actor: &Actor,
    email: &str,
    client: &ClientInfo,
    acct_key: &str,
    addr_key: Option<&str>,
    limits: &ThrottlePolicy,
) -> AppResult<(AppError, u64)> {
    let (delay, locked) = crate::db::write_tx(conn, |conn| {
        let outcome = throttle::record_failure(conn, acct_key, addr_key, limits)?;
        audit::record(
            conn,
            actor,
            if outcome.1 {
                "LOGIN_LOCKED"
            } else {
                "LOGIN_FAILED"
            },
            "account",
            actor.id.as_deref().unwrap_or("-"),
            json!({ "email": email, "ip": client.ip }),
        )?;
        Ok::<_, AppError>(outcome)
    })?;
    let err = if locked {
        AppError::new(
            ErrorKind::RateLimited,
            "PMS_AUTH_LOCKED",
            "Too many failed sign-in attempts. Try again in 15 minutes.",
        )
    } else {
        invalid()
    };
    Ok((err, delay))
}

/// A successful sign-in: the account's failures are forgotten, a session starts and the sign-in
/// is audited, together; returns the session token.
fn start_session(
    conn: &mut AnyConnection,
    actor: &Actor,
    account_id: &str,
    client: &ClientInfo,
    acct_key: &str,
    sessions: &SessionPolicy,
    details: serde_json::Value,
) -> AppResult<String> {
    crate::db::write_tx(conn, |conn| {
        throttle::reset(conn, acct_key)?;
        let token = session::create(
            conn,
            account_id,
            client.ip.as_deref(),
            client.user_agent.as_deref(),
            sessions,
        )?;
        audit::record(conn, actor, "LOGIN", "account", account_id, details)?;
        Ok::<_, AppError>(token)
    })
}

/// End a session and audit it.
pub fn logout(
    conn: &mut AnyConnection,
    session: &session::Session,
    request_id: Option<String>,
) -> AppResult<()> {
    let actor = Actor::account(&session.user.id, &session.user.email).with_request_id(request_id);
    crate::db::write_tx(conn, |conn| {
        session::delete(conn, &session.token_hash)?;
        audit::record(
            conn,
            &actor,
            "LOGOUT",
            "account",
            &session.user.id,
            json!({}),
        )
    })
}
