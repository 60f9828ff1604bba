//! Sessions: stored in the database (so several server processes share them), looked up by
//! the SHA-256 of a random token; the token itself lives only in the browser's cookie.

use crate::account::{self, CurrentUser};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::schema::sessions;
use base64::Engine;
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

/// Cookie that carries the session token.
pub const COOKIE_NAME: &str = "pms_session";

/// How long sessions live.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    /// A session unused for this long ends (ms).
    pub idle_ms: i64,
    /// A session ends this long after sign-in whatever its use (ms).
    pub absolute_ms: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle_ms: 30 * 60 * 1000,
            absolute_ms: 12 * 60 * 60 * 1000,
        }
    }
}

/// An authenticated request's session.
#[derive(Clone, Debug)]
pub struct Session {
    /// The signed-in account.
    pub user: CurrentUser,
    /// SHA-256 of the token (the row key), for logout and "keep this session".
    pub token_hash: String,
}

/// Hash of a token as stored.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new random token: 32 bytes from the OS, base64url.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Start a session for `account_id`; returns the token for the cookie.
pub fn create(
    conn: &mut AnyConnection,
    account_id: &str,
    ip: Option<&str>,
    user_agent: Option<&str>,
    policy: &SessionPolicy,
) -> AppResult<String> {
    let token = new_token();
    let now = clock::now_ms();
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(hash_token(&token)),
            sessions::account_id.eq(account_id),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(now + policy.absolute_ms),
            sessions::ip.eq(ip),
            sessions::user_agent.eq(user_agent.map(|ua| ua.chars().take(256).collect::<String>())),
        ))
        .execute(conn)?;
    Ok(token)
}

/// How long a resolved session is reused without reading the database. A page load makes
/// several requests; each would otherwise read the session, the account and its roles.
/// Revocation on this process is immediate ([`forget_account`]); another process sharing the
/// database sees it within this time.
const RESOLVED_MS: i64 = 2_000;
/// At most this many sessions are kept resolved (full: the expired ones are dropped first).
const RESOLVED_MAX: usize = 20_000;

struct Resolved {
    session: Session,
    /// When it was read from the database (ms).
    at: i64,
    /// Its absolute end (ms).
    expires: i64,
}

/// Sessions resolved recently, by token hash.
static RESOLVED: LazyLock<Mutex<HashMap<String, Resolved>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn resolved() -> std::sync::MutexGuard<'static, HashMap<String, Resolved>> {
    // A panic while holding the lock leaves a map of plain values: still usable.
    RESOLVED.lock().unwrap_or_else(|e| e.into_inner())
}

fn recently_resolved(hash: &str, now: i64) -> Option<Session> {
    let map = resolved();
    let hit = map.get(hash)?;
    (now >= hit.at && now - hit.at < RESOLVED_MS && now < hit.expires).then(|| hit.session.clone())
}

fn remember(session: &Session, now: i64, expires: i64) {
    let mut map = resolved();
    if map.len() >= RESOLVED_MAX {
        map.retain(|_, r| now - r.at < RESOLVED_MS);
        if map.len() >= RESOLVED_MAX {
            map.clear();
        }
    }
    map.insert(
        session.token_hash.clone(),
        Resolved {
            session: session.clone(),
            at: now,
            expires,
        },
    );
}

/// Drop the account's resolved sessions: called wherever its sessions end or its roles or
/// active flag change, so this process never serves the old state.
pub fn forget_account(account_id: &str) {
    resolved().retain(|_, r| r.session.user.id != account_id);
}

/// Resolve a cookie token to its session, ending it if idle or past its absolute expiry.
pub fn authenticate(
    conn: &mut AnyConnection,
    token: &str,
    policy: &SessionPolicy,
) -> AppResult<Option<Session>> {
    authenticate_with(conn, token, policy, true)
}

/// [`authenticate`], where `touch` says whether the request counts as use of the session
/// (the browser's own background checks do not, or an open tab would never go idle).
pub fn authenticate_with(
    conn: &mut AnyConnection,
    token: &str,
    policy: &SessionPolicy,
    touch: bool,
) -> AppResult<Option<Session>> {
    // A token of the wrong shape cannot exist; skip the query.
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let hash = hash_token(token);
    let now = clock::now_ms();
    if let Some(session) = recently_resolved(&hash, now) {
        return Ok(Some(session));
    }
    let row: Option<(String, i64, i64)> = sessions::table
        .find(&hash)
        .select((
            sessions::account_id,
            sessions::last_seen_at,
            sessions::expires_at,
        ))
        .first(conn)
        .optional()?;
    let Some((account_id, last_seen, expires)) = row else {
        return Ok(None);
    };
    if now >= expires || now - last_seen >= policy.idle_ms {
        diesel::delete(sessions::table.find(&hash)).execute(conn)?;
        return Ok(None);
    }
    let Some(user) = account::load_user(conn, &account_id)? else {
        diesel::delete(sessions::table.find(&hash)).execute(conn)?;
        return Ok(None);
    };
    // Write the idle clock at most once a minute: reads stay reads.
    if touch && now - last_seen > 60_000 {
        diesel::update(sessions::table.find(&hash))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    let session = Session {
        user,
        token_hash: hash,
    };
    remember(&session, now, expires);
    Ok(Some(session))
}

/// End the session with this token hash.
pub fn delete(conn: &mut AnyConnection, token_hash: &str) -> AppResult<()> {
    resolved().remove(token_hash);
    diesel::delete(sessions::table.find(token_hash)).execute(conn)?;
    Ok(())
}

/// End every session of an account (deactivation of the account or of its partner).
pub fn delete_for_account(conn: &mut AnyConnection, account_id: &str) -> AppResult<usize> {
    forget_account(account_id);
    Ok(
        diesel::delete(sessions::table.filter(sessions::account_id.eq(account_id)))
            .execute(conn)?,
    )
}

/// Remove sessions past their absolute expiry or idle limit; returns how many.
pub fn purge_expired(conn: &mut AnyConnection, policy: &SessionPolicy) -> AppResult<usize> {
    let now = clock::now_ms();
    Ok(diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .le(now)
                .or(sessions::last_seen_at.le(now - policy.idle_ms)),
        ),
    )
    .execute(conn)?)
}

/// Live sessions of an account (for tests and the account page).
pub fn count_for_account(conn: &mut AnyConnection, account_id: &str) -> AppResult<i64> {
    Ok(sessions::table
        .filter(sessions::account_id.eq(account_id))
        .count()
        .get_result(conn)?)
}

/// Drop every resolved session: after a change that concerns every account (new terms).
pub fn forget_all() {
    resolved().clear();
}

/// The public id of a stored session: derived from its hash, so the page can name a session
/// without ever holding anything that opens it.
fn public_id(token_hash: &str) -> String {
    hex::encode(&Sha256::digest(format!("session:{token_hash}").as_bytes())[..10])
}

type SessionRow = (String, i64, i64, Option<String>, Option<String>);

fn rows_of(conn: &mut AnyConnection, account_id: &str) -> AppResult<Vec<SessionRow>> {
    // An account has a handful of sessions; the cap keeps a scripted sign-in storm bounded.
    Ok(sessions::table
        .filter(sessions::account_id.eq(account_id))
        .order(sessions::last_seen_at.desc())
        .select((
            sessions::token_hash,
            sessions::created_at,
            sessions::last_seen_at,
            sessions::ip,
            sessions::user_agent,
        ))
        .limit(100)
        .load(conn)?)
}

/// The account's live sessions, most recently used first; `current` marks this request's.
pub fn list_for_account(
    conn: &mut AnyConnection,
    account_id: &str,
    current_hash: &str,
    policy: &SessionPolicy,
) -> AppResult<Vec<crate::account::AccountSession>> {
    let now = clock::now_ms();
    Ok(rows_of(conn, account_id)?
        .into_iter()
        .filter(|(_, _, seen, _, _)| now - seen < policy.idle_ms)
        .map(
            |(hash, created, seen, ip, user_agent)| crate::account::AccountSession {
                id: public_id(&hash),
                created_at: clock::rfc3339(created),
                last_seen_at: clock::rfc3339(seen),
                ip,
                user_agent,
                current: hash == current_hash,
            },
        )
        .collect())
}

/// End one of the caller's own sessions by its public id (audited). Another account's id is
/// simply not found among the caller's.
pub fn end_own(
    conn: &mut AnyConnection,
    actor: &crate::audit::Actor,
    account_id: &str,
    id: &str,
) -> AppResult<()> {
    crate::db::write_tx(conn, |conn| {
        let hash = rows_of(conn, account_id)?
            .into_iter()
            .map(|row| row.0)
            .find(|hash| public_id(hash) == id)
            .ok_or_else(|| crate::error::AppError::not_found("The session"))?;
        delete(conn, &hash)?;
        crate::audit::record(
            conn,
            actor,
            "SESSION_ENDED",
            "account",
            account_id,
            serde_json::json!({ "session": id }),
        )
    })
}

/// The session's idle deadline as the browser's warning reads it (server times).
pub fn clock_of(
    conn: &mut AnyConnection,
    token_hash: &str,
    policy: &SessionPolicy,
) -> AppResult<Option<crate::account::SessionClock>> {
    let row: Option<(i64, i64)> = sessions::table
        .find(token_hash)
        .select((sessions::last_seen_at, sessions::expires_at))
        .first(conn)
        .optional()?;
    Ok(row.map(|(seen, expires)| crate::account::SessionClock {
        now_ms: clock::now_ms(),
        idle_deadline_ms: (seen + policy.idle_ms).min(expires),
        idle_ms: policy.idle_ms,
    }))
}

/// "Stay signed in": the session counts as used now; returns its new clock.
pub fn keep_alive(
    conn: &mut AnyConnection,
    token_hash: &str,
    policy: &SessionPolicy,
) -> AppResult<Option<crate::account::SessionClock>> {
    let now = clock::now_ms();
    diesel::update(
        sessions::table
            .find(token_hash)
            .filter(sessions::last_seen_at.gt(now - policy.idle_ms)),
    )
    .set(sessions::last_seen_at.eq(now))
    .execute(conn)?;
    clock_of(conn, token_hash, policy)
}
