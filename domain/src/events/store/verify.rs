//! Verifications of intent, lease expiry and the purge of old rows.

use super::*;

/// The answer of a callback to a verification of intent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// 2xx with the challenge echoed.
    Confirmed,
    /// The callback answered but did not confirm.
    Refused(String),
    /// No answer (connection, timeout, address refused): tried again a few times.
    Unreachable(String),
}

/// Attempts at an unreachable callback before the request counts as refused.
pub const VERIFY_ATTEMPTS: i32 = 3;

/// Record a verification of intent of receiver `r` (claimed by `owner`).
pub fn record_verification(
    conn: &mut AnyConnection,
    r: &mut Receiver,
    outcome: &Verification,
    retry: &RetryPolicy,
    now: i64,
) -> AppResult<()> {
    let Some(mode) = r.verify_mode.clone() else {
        return Ok(());
    };
    crate::db::write_tx(conn, |conn| {
        let (action, error) = match outcome {
            Verification::Confirmed if mode == "unsubscribe" => {
                confirm_unsubscribe(conn, r, now)?;
                ("WEBSUB_UNSUBSCRIBED", None)
            }
            Verification::Confirmed => {
                confirm_subscribe(conn, r, now)?;
                ("WEBSUB_SUBSCRIBED", None)
            }
            Verification::Unreachable(e) if r.verify_attempts + 1 < VERIFY_ATTEMPTS => {
                let at = now + retry.backoff_ms(r.verify_attempts + 1, 0.5);
                diesel::update(event_subscriptions::table.find(&r.id))
                    .set((
                        event_subscriptions::verify_attempts
                            .eq(event_subscriptions::verify_attempts + 1),
                        event_subscriptions::next_attempt_at.eq(Some(at)),
                        event_subscriptions::last_error.eq(Some(format!("Verification: {e}"))),
                        event_subscriptions::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                return Ok(());
            }
            Verification::Refused(e) | Verification::Unreachable(e) => {
                refuse_verification(conn, r, &mode, e, now)?;
                ("WEBSUB_VERIFICATION_REFUSED", Some(e.clone()))
            }
        };
        r.verify_mode = None;
        audit::record(
            conn,
            &Actor::system(),
            action,
            "event_subscription",
            &r.id,
            json!({ "topic": r.topic, "callback": r.callback, "mode": mode, "error": error }),
        )
    })
}

/// The callback confirmed an unsubscribe: the subscription ends.
fn confirm_unsubscribe(conn: &mut AnyConnection, r: &mut Receiver, now: i64) -> AppResult<()> {
    diesel::update(event_subscriptions::table.find(&r.id))
        .set((
            event_subscriptions::state.eq(SubscriptionState::Unsubscribed.as_str()),
            event_subscriptions::verify_mode.eq(None::<String>),
            event_subscriptions::next_attempt_at.eq(None::<i64>),
            event_subscriptions::last_error.eq(None::<String>),
            event_subscriptions::updated_at.eq(now),
        ))
        .execute(conn)?;
    r.state = SubscriptionState::Unsubscribed.as_str().into();
    Ok(())
}

/// The callback confirmed a subscribe: the subscription is active with the requested secret
/// and lease.
fn confirm_subscribe(conn: &mut AnyConnection, r: &mut Receiver, now: i64) -> AppResult<()> {
    let lease = r.verify_lease.unwrap_or(r.lease_seconds);
    diesel::update(event_subscriptions::table.find(&r.id))
        .set((
            event_subscriptions::state.eq(SubscriptionState::Active.as_str()),
            event_subscriptions::secret.eq(r.verify_secret.clone()),
            event_subscriptions::lease_seconds.eq(lease),
            event_subscriptions::lease_ends_at.eq(Some(now + lease * 1000)),
            event_subscriptions::verify_mode.eq(None::<String>),
            event_subscriptions::verify_secret.eq(None::<Vec<u8>>),
            event_subscriptions::verify_lease.eq(None::<i64>),
            event_subscriptions::verify_attempts.eq(0),
            event_subscriptions::next_attempt_at.eq(None::<i64>),
            event_subscriptions::updated_at.eq(now),
        ))
        .execute(conn)?;
    r.state = SubscriptionState::Active.as_str().into();
    r.secret = r.verify_secret.take();
    Ok(())
}

/// The callback refused (or stayed unreachable): the request is dropped; a new subscription
/// becomes refused, a renewal or unsubscribe leaves the subscription as it was.
fn refuse_verification(
    conn: &mut AnyConnection,
    r: &mut Receiver,
    mode: &str,
    e: &str,
    now: i64,
) -> AppResult<()> {
    // A refused renewal or unsubscribe leaves the subscription as it was.
    let pending = r.state == SubscriptionState::Pending.as_str();
    let state = if pending && mode == "subscribe" {
        SubscriptionState::Refused.as_str()
    } else {
        r.state.as_str()
    }
    .to_string();
    diesel::update(event_subscriptions::table.find(&r.id))
        .set((
            event_subscriptions::state.eq(&state),
            event_subscriptions::verify_mode.eq(None::<String>),
            event_subscriptions::verify_secret.eq(None::<Vec<u8>>),
            event_subscriptions::verify_lease.eq(None::<i64>),
            event_subscriptions::verify_attempts.eq(0),
            event_subscriptions::next_attempt_at.eq(None::<i64>),
            event_subscriptions::last_error
                .eq(Some(format!("Verification of {mode} refused: {e}"))),
            event_subscriptions::updated_at.eq(now),
        ))
        .execute(conn)?;
    r.state = state;
    Ok(())
}

/// End the subscriptions whose lease ran out; returns how many.
pub fn expire_leases(conn: &mut AnyConnection, now: i64) -> AppResult<usize> {
    crate::db::write_tx(conn, |conn| {
        let ids: Vec<String> = event_subscriptions::table
            .filter(event_subscriptions::state.eq(SubscriptionState::Active.as_str()))
            .filter(event_subscriptions::kind.eq(ReceiverKind::Websub.as_str()))
            .filter(event_subscriptions::lease_ends_at.lt(now))
            .select(event_subscriptions::id)
            .limit(500)
            .load(conn)?;
        for id in &ids {
            diesel::update(
                event_subscriptions::table
                    .find(id)
                    .filter(event_subscriptions::state.eq(SubscriptionState::Active.as_str())),
            )
            .set((
                event_subscriptions::state.eq(SubscriptionState::Expired.as_str()),
                event_subscriptions::verify_mode.eq(None::<String>),
                event_subscriptions::updated_at.eq(now),
            ))
            .execute(conn)?;
            audit::record(
                conn,
                &Actor::system(),
                "WEBSUB_LEASE_EXPIRED",
                "event_subscription",
                id,
                json!({}),
            )?;
        }
        Ok(ids.len())
    })
}

/// Purge what is older than `retention_ms`: delivery logs, and outbox events every active
/// receiver has passed (never one an active receiver still waits for). Returns rows removed.
pub fn purge(conn: &mut AnyConnection, now: i64, retention_ms: i64) -> AppResult<usize> {
    let before = now - retention_ms;
    let logs = diesel::delete(event_deliveries::table.filter(event_deliveries::at.lt(before)))
        .execute(conn)?;
    let floor: Option<i64> = event_subscriptions::table
        .filter(
            event_subscriptions::state
                .eq(SubscriptionState::Active.as_str())
                .or(event_subscriptions::verify_mode.is_not_null()),
        )
        .select(diesel::dsl::min(event_subscriptions::cursor))
        .first(conn)?;
    let mut q = diesel::delete(outbox::table.filter(outbox::created_at.lt(before))).into_boxed();
    if let Some(floor) = floor {
        q = q.filter(outbox::id.le(floor));
    }
    let events = q.execute(conn)?;
    Ok(logs + events)
}
