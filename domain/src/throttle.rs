//! Login throttling: failures are counted per account email and per client address; past a
//! threshold answers slow down, then the key is locked for a while. Counters live in the
//! database so every server process sees the same picture.

use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::schema::login_throttle;
use diesel::prelude::*;

/// Thresholds for throttling.
#[derive(Clone, Copy, Debug)]
pub struct ThrottlePolicy {
    /// Failures on one email within the window before it locks.
    pub account_max_failures: i32,
    /// Failures from one address within the window before it locks.
    pub address_max_failures: i32,
    /// Failures older than this are forgotten (ms).
    pub window_ms: i64,
    /// How long a lock lasts (ms).
    pub lock_ms: i64,
    /// Failures after which each answer is delayed.
    pub slow_after: i32,
    /// Delay per failure beyond `slow_after` (ms), capped at 2 s.
    pub delay_step_ms: u64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            account_max_failures: 5,
            address_max_failures: 20,
            window_ms: 15 * 60 * 1000,
            lock_ms: 15 * 60 * 1000,
            slow_after: 2,
            delay_step_ms: 250,
        }
    }
}

/// Throttle key for an email (normalised).
pub fn account_key(email: &str) -> String {
    format!("acct:{}", email.trim().to_lowercase())
}

/// Throttle key for a client address.
pub fn address_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// Refuse if any key is locked, saying when to retry (never whether the email exists).
pub fn check(conn: &mut AnyConnection, keys: &[String]) -> AppResult<()> {
    let now = clock::now_ms();
    let locked: Option<i64> = login_throttle::table
        .filter(login_throttle::key.eq_any(keys))
        .filter(login_throttle::locked_until.gt(now))
        .select(diesel::dsl::max(login_throttle::locked_until))
        .first::<Option<i64>>(conn)?;
    match locked {
        Some(until) => {
            let minutes = ((until - now) + 59_999) / 60_000;
            Err(AppError::new(
                ErrorKind::RateLimited,
                "PMS_AUTH_LOCKED",
                format!(
                    "Too many failed sign-in attempts. Try again in {minutes} minute{}.",
                    if minutes == 1 { "" } else { "s" }
                ),
            ))
        }
        None => Ok(()),
    }
}

/// Count a failure on each key; returns (delay to apply in ms, whether a key just locked).
pub fn record_failure(
    conn: &mut AnyConnection,
    account: &str,
    address: Option<&str>,
    policy: &ThrottlePolicy,
) -> AppResult<(u64, bool)> {
    let now = clock::now_ms();
    let mut delay = 0u64;
    let mut locked = false;
    let mut keys = vec![(account.to_string(), policy.account_max_failures)];
    if let Some(addr) = address {
        keys.push((addr.to_string(), policy.address_max_failures));
    }
    for (key, max) in keys {
        let row: Option<(i32, i64)> = login_throttle::table
            .find(&key)
            .select((login_throttle::failures, login_throttle::last_failure_at))
            .first(conn)
            .optional()?;
        let failures = match row {
            Some((n, last)) if now - last < policy.window_ms => n + 1,
            _ => 1,
        };
        let (stored_failures, locked_until) = if failures >= max {
            locked = true;
            // The lock starts a new count: after it lapses, the next failures count afresh.
            (0, now + policy.lock_ms)
        } else {
            (failures, 0)
        };
        if failures > policy.slow_after {
            let step =
                policy.delay_step_ms * u64::try_from(failures - policy.slow_after).unwrap_or(0);
            delay = delay.max(step.min(2_000));
        }
        if row.is_some() {
            diesel::update(login_throttle::table.find(&key))
                .set((
                    login_throttle::failures.eq(stored_failures),
                    login_throttle::last_failure_at.eq(now),
                    login_throttle::locked_until.eq(locked_until),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(login_throttle::table)
                .values((
                    login_throttle::key.eq(&key),
                    login_throttle::failures.eq(stored_failures),
                    login_throttle::last_failure_at.eq(now),
                    login_throttle::locked_until.eq(locked_until),
                ))
                .execute(conn)?;
        }
    }
    Ok((delay, locked))
}

/// Forget failures of a key (after a successful sign-in).
pub fn reset(conn: &mut AnyConnection, key: &str) -> AppResult<()> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}
