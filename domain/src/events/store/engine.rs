//! The delivery engine's steps: what is due, claims, and the record of each attempt.

use super::*;

/// A receiver as the engine works on it.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = event_subscriptions)]
pub struct Receiver {
    /// Id.
    pub id: String,
    /// Kind (stored spelling).
    pub kind: String,
    /// Topic.
    pub topic: String,
    /// Callback URL.
    pub callback: String,
    /// Sealed secret.
    pub secret: Option<Vec<u8>>,
    /// State (stored spelling).
    pub state: String,
    /// Pending verification.
    pub verify_mode: Option<String>,
    /// Sealed secret of a pending subscribe.
    pub verify_secret: Option<Vec<u8>>,
    /// Lease of a pending subscribe.
    pub verify_lease: Option<i64>,
    /// Failed verification attempts (unreachable callback).
    pub verify_attempts: i32,
    /// Lease (s).
    pub lease_seconds: i64,
    /// Outbox id reached.
    pub cursor: i64,
    /// Failures of the current event.
    pub attempts: i32,
    /// First failure of the current event.
    pub first_failure_at: Option<i64>,
}

impl Receiver {
    /// Kind.
    pub fn kind(&self) -> ReceiverKind {
        ReceiverKind::parse(&self.kind).unwrap_or(ReceiverKind::Websub)
    }

    /// Whether it is receiving events.
    pub fn active(&self) -> bool {
        self.state == SubscriptionState::Active.as_str()
    }

    /// The plain secret for HMAC signatures.
    pub fn secret(&self, key: &MasterKey) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        self.secret
            .as_ref()
            .and_then(|s| key.open(SECRET_SEAL, s).ok())
    }
}

/// Ids of receivers with work due at `now` whose claim is free: a verification, a dead letter
/// asked to be delivered again, or events after their cursor. `kinds` limits it to receivers
/// this instance is configured for.
pub fn due(
    conn: &mut AnyConnection,
    now: i64,
    kinds: &[ReceiverKind],
    limit: i64,
) -> AppResult<Vec<String>> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let rows: Vec<(String, String, String, i64, Option<String>, String)> =
        event_subscriptions::table
            .filter(event_subscriptions::kind.eq_any(&kinds))
            .filter(
                event_subscriptions::state
                    .eq(SubscriptionState::Active.as_str())
                    .or(event_subscriptions::verify_mode.is_not_null()),
            )
            .filter(
                event_subscriptions::next_attempt_at
                    .is_null()
                    .or(event_subscriptions::next_attempt_at.le(now)),
            )
            .filter(
                event_subscriptions::claim_until
                    .is_null()
                    .or(event_subscriptions::claim_until.lt(now)),
            )
            .order(event_subscriptions::id.asc())
            .limit(limit)
            .select((
                event_subscriptions::id,
                event_subscriptions::kind,
                event_subscriptions::topic,
                event_subscriptions::cursor,
                event_subscriptions::verify_mode,
                event_subscriptions::state,
            ))
            .load(conn)?;
    let mut out = Vec::new();
    for (id, kind, topic, cursor, verify, state) in rows {
        let kind = ReceiverKind::parse(&kind).unwrap_or(ReceiverKind::Websub);
        let work = verify.is_some()
            || (state == SubscriptionState::Active.as_str()
                && (!events_after(conn, kind, &topic, cursor, 1)?.is_empty()
                    || has_requeued(conn, &id)?));
        if work {
            out.push(id);
        }
    }
    Ok(out)
}

fn has_requeued(conn: &mut AnyConnection, id: &str) -> AppResult<bool> {
    Ok(event_dead_letters::table
        .filter(event_dead_letters::subscription_id.eq(id))
        .filter(event_dead_letters::requeued_at.is_not_null())
        .select(event_dead_letters::id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Events after `cursor` for a receiver, oldest first.
pub fn events_after(
    conn: &mut AnyConnection,
    kind: ReceiverKind,
    topic: &str,
    cursor: i64,
    limit: i64,
) -> AppResult<Vec<PendingEvent>> {
    let mut q = outbox::table
        .filter(outbox::id.gt(cursor))
        .select((outbox::id, outbox::event_id, outbox::topic, outbox::payload))
        .order(outbox::id.asc())
        .limit(limit)
        .into_boxed();
    q = match kind {
        ReceiverKind::Websub => q.filter(outbox::topic.eq(topic.to_string())),
        ReceiverKind::Hub => q,
        ReceiverKind::Esignet => q.filter(outbox::topic.eq_any(ESIGNET_TOPICS)),
    };
    Ok(q.load(conn)?)
}

/// Take the claim on receiver `id` for `owner` until `now + ttl_ms`; `None` when another
/// instance holds it (or it is gone).
pub fn claim(
    conn: &mut AnyConnection,
    id: &str,
    owner: &str,
    now: i64,
    ttl_ms: i64,
) -> AppResult<Option<Receiver>> {
    let free = || {
        event_subscriptions::table.find(id).filter(
            event_subscriptions::claim_until
                .is_null()
                .or(event_subscriptions::claim_until.lt(now)),
        )
    };
    let set = (
        event_subscriptions::claim_owner.eq(Some(owner)),
        event_subscriptions::claim_until.eq(Some(now + ttl_ms)),
    );
    let n = match conn {
        // A row another instance is claiming right now is skipped, not waited for.
        AnyConnection::Postgresql(pg) => {
            pg.transaction::<usize, diesel::result::Error, _>(|pg| {
                let free_row: Option<String> = free()
                    .select(event_subscriptions::id)
                    .for_update()
                    .skip_locked()
                    .first(pg)
                    .optional()?;
                match free_row {
                    Some(_) => diesel::update(event_subscriptions::table.find(id))
                        .set(set)
                        .execute(pg),
                    None => Ok(0),
                }
            })?
        }
        // SQLite has one writer at a time: the guarded update is the whole claim.
        AnyConnection::Sqlite(_) => diesel::update(free()).set(set).execute(conn)?,
    };
    if n == 0 {
        return Ok(None);
    }
    Ok(event_subscriptions::table
        .find(id)
        .select(Receiver::as_select())
        .first(conn)
        .optional()?)
}

/// Give the claim back (work done, or stopped at a failure).
pub fn release(conn: &mut AnyConnection, id: &str, owner: &str) -> AppResult<()> {
    diesel::update(
        event_subscriptions::table
            .find(id)
            .filter(event_subscriptions::claim_owner.eq(owner)),
    )
    .set(event_subscriptions::claim_until.eq(None::<i64>))
    .execute(conn)?;
    Ok(())
}

/// The outcome of one attempt.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// HTTP status, if one came back.
    pub status: Option<i32>,
    /// Delivered (2xx).
    pub ok: bool,
    /// What went wrong (never holds a secret).
    pub error: Option<String>,
    /// Time to answer (ms).
    pub latency_ms: i64,
}

/// What recording an attempt decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Go on with the next event.
    Continue,
    /// Stop: tried again at this time (ms).
    RetryAt(i64),
    /// Given up: the event is a dead letter; go on.
    DeadLettered,
    /// The claim was lost (expired and taken by another instance): stop at once.
    LostClaim,
}

/// Record an attempt at `event` for receiver `r` (claimed by `owner`): on success the cursor
/// moves past it; on failure it is retried with back-off, or after the retry window it becomes
/// a dead letter and the cursor moves on. The claim is extended by `ttl_ms` on success.
#[expect(clippy::too_many_arguments)]
pub fn record(
    conn: &mut AnyConnection,
    r: &mut Receiver,
    owner: &str,
    event: &PendingEvent,
    attempt: &Attempt,
    retry: &RetryPolicy,
    jitter: f64,
    now: i64,
    ttl_ms: i64,
) -> AppResult<Next> {
    crate::db::write_tx(conn, |conn| {
        let mine = event_subscriptions::table
            .find(&r.id)
            .filter(event_subscriptions::claim_owner.eq(owner))
            .filter(event_subscriptions::cursor.eq(r.cursor));
        let number = r.attempts + 1;
        let (next, n) = if attempt.ok {
            let n = diesel::update(mine)
                .set((
                    event_subscriptions::cursor.eq(event.id),
                    event_subscriptions::attempts.eq(0),
                    event_subscriptions::first_failure_at.eq(None::<i64>),
                    event_subscriptions::next_attempt_at.eq(None::<i64>),
                    event_subscriptions::last_error.eq(None::<String>),
                    event_subscriptions::last_delivery_at.eq(Some(now)),
                    event_subscriptions::delivered_count
                        .eq(event_subscriptions::delivered_count + 1),
                    event_subscriptions::claim_until.eq(Some(now + ttl_ms)),
                ))
                .execute(conn)?;
            (Next::Continue, n)
        } else {
            let first = r.first_failure_at.unwrap_or(now);
            let error = attempt
                .error
                .clone()
                .unwrap_or_else(|| "failed".to_string());
            if now - first >= retry.window_ms {
                let n = diesel::update(mine)
                    .set((
                        event_subscriptions::cursor.eq(event.id),
                        event_subscriptions::attempts.eq(0),
                        event_subscriptions::first_failure_at.eq(None::<i64>),
                        event_subscriptions::next_attempt_at.eq(None::<i64>),
                        event_subscriptions::last_error.eq(Some(&error)),
                        event_subscriptions::failure_count
                            .eq(event_subscriptions::failure_count + 1),
                        event_subscriptions::claim_until.eq(Some(now + ttl_ms)),
                    ))
                    .execute(conn)?;
                if n == 1 {
                    insert_dead_letter(conn, &r.id, event, number, &error, now)?;
                }
                (Next::DeadLettered, n)
            } else {
                let at = now + retry.backoff_ms(number, jitter);
                let n = diesel::update(mine)
                    .set((
                        event_subscriptions::attempts.eq(number),
                        event_subscriptions::first_failure_at.eq(Some(first)),
                        event_subscriptions::next_attempt_at.eq(Some(at)),
                        event_subscriptions::last_error.eq(Some(&error)),
                        event_subscriptions::failure_count
                            .eq(event_subscriptions::failure_count + 1),
                        event_subscriptions::claim_until.eq(None::<i64>),
                    ))
                    .execute(conn)?;
                (Next::RetryAt(at), n)
            }
        };
        if n == 0 {
            return Ok(Next::LostClaim);
        }
        log_attempt(conn, &r.id, event, attempt, number, next, now)?;
        follow(r, event, next, number, now);
        Ok(next)
    })
}

/// Keep the event that failed for the whole retry window as a dead letter of subscription `id`.
fn insert_dead_letter(
    conn: &mut AnyConnection,
    id: &str,
    event: &PendingEvent,
    number: i32,
    error: &str,
    now: i64,
) -> AppResult<()> {
    diesel::insert_into(event_dead_letters::table)
        .values((
            event_dead_letters::id.eq(uuid::Uuid::new_v4().to_string()),
            event_dead_letters::subscription_id.eq(id),
            event_dead_letters::outbox_id.eq(event.id),
            event_dead_letters::event_id.eq(&event.event_id),
            event_dead_letters::topic.eq(&event.topic),
            event_dead_letters::payload.eq(&event.payload),
            event_dead_letters::attempts.eq(number),
            event_dead_letters::error.eq(error),
            event_dead_letters::dead_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The delivery log row of one attempt (`number`) at `event` for subscription `id`.
fn log_attempt(
    conn: &mut AnyConnection,
    id: &str,
    event: &PendingEvent,
    attempt: &Attempt,
    number: i32,
    next: Next,
    now: i64,
) -> AppResult<()> {
    diesel::insert_into(event_deliveries::table)
        .values((
            event_deliveries::subscription_id.eq(id),
            event_deliveries::outbox_id.eq(event.id),
            event_deliveries::event_id.eq(&event.event_id),
            event_deliveries::attempt.eq(number),
            event_deliveries::ok.eq(attempt.ok),
            event_deliveries::status.eq(attempt.status),
            event_deliveries::error.eq(attempt.error.as_deref()),
            event_deliveries::latency_ms.eq(attempt.latency_ms),
            event_deliveries::at.eq(now),
            event_deliveries::next_try_at.eq(match next {
                Next::RetryAt(t) => Some(t),
                _ => None,
            }),
        ))
        .execute(conn)?;
    Ok(())
}

/// Bring the in-memory receiver in line with what was recorded.
fn follow(r: &mut Receiver, event: &PendingEvent, next: Next, number: i32, now: i64) {
    match next {
        Next::RetryAt(_) => {
            r.attempts = number;
            r.first_failure_at = r.first_failure_at.or(Some(now));
        }
        _ => {
            r.cursor = event.id;
            r.attempts = 0;
            r.first_failure_at = None;
        }
    }
}

/// Record a run of events `r` (claimed by `owner`) accepted, in one transaction: each attempt
/// is logged and the cursor moves past the last. One commit for a run instead of one per event
/// is what keeps the engine near a bare POST loop's rate; after a crash only the run being
/// sent is sent again. `false` when the claim was lost (nothing is recorded then).
pub fn record_delivered(
    conn: &mut AnyConnection,
    r: &mut Receiver,
    owner: &str,
    run: &[(PendingEvent, Attempt, i64)],
    ttl_ms: i64,
) -> AppResult<bool> {
    let (Some((last, _, last_at)), Some((_, _, first_at))) = (run.last(), run.first()) else {
        return Ok(true);
    };
    let now = *last_at.max(first_at);
    crate::db::write_tx(conn, |conn| {
        let n = diesel::update(
            event_subscriptions::table
                .find(&r.id)
                .filter(event_subscriptions::claim_owner.eq(owner))
                .filter(event_subscriptions::cursor.eq(r.cursor)),
        )
        .set((
            event_subscriptions::cursor.eq(last.id),
            event_subscriptions::attempts.eq(0),
            event_subscriptions::first_failure_at.eq(None::<i64>),
            event_subscriptions::next_attempt_at.eq(None::<i64>),
            event_subscriptions::last_error.eq(None::<String>),
            event_subscriptions::last_delivery_at.eq(Some(now)),
            event_subscriptions::delivered_count
                .eq(event_subscriptions::delivered_count + run.len() as i64),
            event_subscriptions::claim_until.eq(Some(now + ttl_ms)),
        ))
        .execute(conn)?;
        if n == 0 {
            return Ok(false);
        }
        // The run is one log row (first and last outbox ids, how many, the slowest answer):
        // a row per delivered event cost the engine more than the POSTs themselves. Failures
        // keep a row per attempt.
        let (first, first_attempt, _) = &run[0];
        let slowest = run.iter().map(|(_, a, _)| a.latency_ms).max().unwrap_or(0);
        diesel::insert_into(event_deliveries::table)
            .values((
                event_deliveries::subscription_id.eq(&r.id),
                event_deliveries::outbox_id.eq(last.id),
                event_deliveries::event_id.eq(&last.event_id),
                // Only the first of the run can have failed before.
                event_deliveries::attempt.eq(r.attempts + 1),
                event_deliveries::ok.eq(true),
                event_deliveries::status.eq(run
                    .last()
                    .and_then(|(_, a, _)| a.status)
                    .or(first_attempt.status)),
                event_deliveries::error.eq(None::<String>),
                event_deliveries::latency_ms.eq(slowest),
                event_deliveries::at.eq(now),
                event_deliveries::next_try_at.eq(None::<i64>),
                event_deliveries::first_outbox_id.eq(Some(first.id)),
                event_deliveries::events.eq(run.len() as i32),
            ))
            .execute(conn)?;
        r.cursor = last.id;
        r.attempts = 0;
        r.first_failure_at = None;
        Ok(true)
    })
}

/// Dead letters of `id` asked to be delivered again, oldest first.
pub fn requeued(conn: &mut AnyConnection, id: &str) -> AppResult<Vec<PendingEvent>> {
    let rows: Vec<(String, i64, String, String, String)> = event_dead_letters::table
        .filter(event_dead_letters::subscription_id.eq(id))
        .filter(event_dead_letters::requeued_at.is_not_null())
        .order(event_dead_letters::outbox_id.asc())
        .limit(100)
        .select((
            event_dead_letters::id,
            event_dead_letters::outbox_id,
            event_dead_letters::event_id,
            event_dead_letters::topic,
            event_dead_letters::payload,
        ))
        .load(conn)?;
    // A letter is found again by (subscription, outbox id), which is unique.
    Ok(rows
        .into_iter()
        .map(|(_, outbox_id, event_id, topic, payload)| PendingEvent {
            id: outbox_id,
            event_id,
            topic,
            payload,
        })
        .collect())
}

/// Record a second delivery of a dead letter: delivered, or left dead with the new error.
pub fn record_redelivery(
    conn: &mut AnyConnection,
    id: &str,
    event: &PendingEvent,
    attempt: &Attempt,
    now: i64,
) -> AppResult<()> {
    crate::db::write_tx(conn, |conn| {
        let letter = event_dead_letters::table
            .filter(event_dead_letters::subscription_id.eq(id))
            .filter(event_dead_letters::outbox_id.eq(event.id));
        if attempt.ok {
            diesel::update(letter)
                .set((
                    event_dead_letters::requeued_at.eq(None::<i64>),
                    event_dead_letters::redelivered_at.eq(Some(now)),
                ))
                .execute(conn)?;
        } else {
            diesel::update(letter)
                .set((
                    event_dead_letters::requeued_at.eq(None::<i64>),
                    event_dead_letters::attempts.eq(event_dead_letters::attempts + 1),
                    event_dead_letters::error
                        .eq(attempt.error.clone().unwrap_or_else(|| "failed".into())),
                ))
                .execute(conn)?;
        }
        diesel::insert_into(event_deliveries::table)
            .values((
                event_deliveries::subscription_id.eq(id),
                event_deliveries::outbox_id.eq(event.id),
                event_deliveries::event_id.eq(&event.event_id),
                event_deliveries::attempt.eq(0),
                event_deliveries::ok.eq(attempt.ok),
                event_deliveries::status.eq(attempt.status),
                event_deliveries::error.eq(attempt.error.as_deref()),
                event_deliveries::latency_ms.eq(attempt.latency_ms),
                event_deliveries::at.eq(now),
            ))
            .execute(conn)?;
        if attempt.ok {
            diesel::update(event_subscriptions::table.find(id))
                .set((
                    event_subscriptions::last_delivery_at.eq(Some(now)),
                    event_subscriptions::delivered_count
                        .eq(event_subscriptions::delivered_count + 1),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}
