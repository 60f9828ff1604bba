//! What operators see and do: receivers, dead letters, replays.

use super::*;

// ---- operators ----

pub use crate::events::ReceiverFilter;

/// Receivers, newest first, one page.
pub fn list(conn: &mut AnyConnection, f: &ReceiverFilter) -> AppResult<Page<SubscriptionView>> {
    let (page, size, offset) = page::clamp(f.page, f.page_size);
    let filtered = || {
        let mut q = event_subscriptions::table.into_boxed();
        if let Some(k) = f.kind {
            q = q.filter(event_subscriptions::kind.eq(k.as_str()));
        }
        if let Some(s) = f.state {
            q = q.filter(event_subscriptions::state.eq(s.as_str()));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let ids: Vec<String> = filtered()
        .order((
            event_subscriptions::created_at.desc(),
            event_subscriptions::id.desc(),
        ))
        .limit(size)
        .offset(offset)
        .select(event_subscriptions::id)
        .load(conn)?;
    let mut items = Vec::with_capacity(ids.len());
    for id in ids {
        items.push(view(conn, &id)?);
    }
    Ok(Page::new(items, total, page, size))
}

/// One receiver.
pub fn view(conn: &mut AnyConnection, id: &str) -> AppResult<SubscriptionView> {
    #[derive(Queryable, Selectable)]
    #[diesel(table_name = event_subscriptions)]
    struct Row {
        id: String,
        kind: String,
        topic: String,
        callback: String,
        secret: Option<Vec<u8>>,
        state: String,
        verify_mode: Option<String>,
        lease_seconds: i64,
        lease_ends_at: Option<i64>,
        last_delivery_at: Option<i64>,
        delivered_count: i64,
        failure_count: i64,
        attempts: i32,
        next_attempt_at: Option<i64>,
        last_error: Option<String>,
        cursor: i64,
        created_at: i64,
    }
    let r: Row = event_subscriptions::table
        .find(id)
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("The subscription"))?;
    let kind = ReceiverKind::parse(&r.kind).unwrap_or(ReceiverKind::Websub);
    let waiting = events_after(conn, kind, &r.topic, r.cursor, WAITING_CAP)?.len() as i64;
    let dead_letters: i64 = event_dead_letters::table
        .filter(event_dead_letters::subscription_id.eq(id))
        .filter(event_dead_letters::redelivered_at.is_null())
        .count()
        .get_result(conn)?;
    let callback_host = url::Url::parse(&r.callback)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    Ok(SubscriptionView {
        id: r.id,
        kind,
        topic: r.topic,
        callback: r.callback,
        callback_host,
        state: SubscriptionState::parse(&r.state).unwrap_or(SubscriptionState::Deactivated),
        verifying: r.verify_mode,
        signed: r.secret.is_some(),
        lease_seconds: r.lease_seconds,
        lease_ends_at: r.lease_ends_at,
        last_delivery_at: r.last_delivery_at,
        waiting,
        delivered: r.delivered_count,
        failures: r.failure_count,
        attempts: r.attempts,
        next_attempt_at: r.next_attempt_at,
        last_error: r.last_error,
        dead_letters,
        cursor: r.cursor,
        created_at: r.created_at,
    })
}

/// A receiver with its newest attempts and dead letters.
pub fn detail(conn: &mut AnyConnection, id: &str) -> AppResult<SubscriptionDetail> {
    let subscription = view(conn, id)?;
    let deliveries = recent_deliveries(conn, id)?;
    let dead_letters = recent_dead_letters(conn, id)?;
    Ok(SubscriptionDetail {
        subscription,
        deliveries,
        dead_letters,
    })
}

/// The receiver's 50 newest delivery log rows, newest first.
fn recent_deliveries(conn: &mut AnyConnection, id: &str) -> AppResult<Vec<DeliveryView>> {
    Ok(event_deliveries::table
        .filter(event_deliveries::subscription_id.eq(id))
        .order(event_deliveries::id.desc())
        .limit(50)
        .select((
            event_deliveries::id,
            event_deliveries::outbox_id,
            event_deliveries::event_id,
            event_deliveries::attempt,
            event_deliveries::ok,
            event_deliveries::status,
            event_deliveries::error,
            event_deliveries::latency_ms,
            event_deliveries::at,
            event_deliveries::next_try_at,
            event_deliveries::first_outbox_id,
            event_deliveries::events,
        ))
        .load::<(
            i64,
            i64,
            String,
            i32,
            bool,
            Option<i32>,
            Option<String>,
            i64,
            i64,
            Option<i64>,
            Option<i64>,
            i32,
        )>(conn)?
        .into_iter()
        .map(|r| DeliveryView {
            id: r.0,
            outbox_id: r.1,
            event_id: r.2,
            attempt: r.3,
            ok: r.4,
            status: r.5,
            error: r.6,
            latency_ms: r.7,
            at: r.8,
            next_try_at: r.9,
            first_outbox_id: r.10,
            events: r.11,
        })
        .collect())
}

/// The receiver's 100 newest dead letters, newest first.
fn recent_dead_letters(conn: &mut AnyConnection, id: &str) -> AppResult<Vec<DeadLetterView>> {
    Ok(event_dead_letters::table
        .filter(event_dead_letters::subscription_id.eq(id))
        .order((
            event_dead_letters::dead_at.desc(),
            event_dead_letters::id.desc(),
        ))
        .limit(100)
        .select((
            event_dead_letters::id,
            event_dead_letters::outbox_id,
            event_dead_letters::event_id,
            event_dead_letters::topic,
            event_dead_letters::attempts,
            event_dead_letters::error,
            event_dead_letters::dead_at,
            event_dead_letters::requeued_at,
            event_dead_letters::redelivered_at,
        ))
        .load::<(
            String,
            i64,
            String,
            String,
            i32,
            String,
            i64,
            Option<i64>,
            Option<i64>,
        )>(conn)?
        .into_iter()
        .map(|r| DeadLetterView {
            id: r.0,
            outbox_id: r.1,
            event_id: r.2,
            topic: r.3,
            attempts: r.4,
            error: r.5,
            dead_at: r.6,
            requeued_at: r.7,
            redelivered_at: r.8,
        })
        .collect())
}

/// Ask for a dead letter to be delivered again (before the receiver's next event).
pub fn requeue(
    conn: &mut AnyConnection,
    actor: &Actor,
    subscription_id: &str,
    letter_id: &str,
    now: i64,
) -> AppResult<DeadLetterView> {
    crate::db::write_tx(conn, |conn| {
        let n = diesel::update(
            event_dead_letters::table
                .find(letter_id)
                .filter(event_dead_letters::subscription_id.eq(subscription_id))
                .filter(event_dead_letters::redelivered_at.is_null()),
        )
        .set(event_dead_letters::requeued_at.eq(Some(now)))
        .execute(conn)?;
        if n == 0 {
            return Err(AppError::not_found("The dead letter"));
        }
        audit::record(
            conn,
            actor,
            "EVENT_DEAD_LETTER_REQUEUED",
            "event_subscription",
            subscription_id,
            json!({ "deadLetter": letter_id }),
        )?;
        detail(conn, subscription_id)?
            .dead_letters
            .into_iter()
            .find(|d| d.id == letter_id)
            .ok_or_else(|| AppError::not_found("The dead letter"))
    })
}

/// Stop a receiver (an operator's decision; the subscriber cannot revive it).
pub fn deactivate(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    now: i64,
) -> AppResult<SubscriptionView> {
    crate::db::write_tx(conn, |conn| {
        let before = view(conn, id)?;
        if before.state == SubscriptionState::Deactivated {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_ILLEGAL_TRANSITION",
                "This subscription is already deactivated.",
            ));
        }
        diesel::update(event_subscriptions::table.find(id))
            .set((
                event_subscriptions::state.eq(SubscriptionState::Deactivated.as_str()),
                event_subscriptions::verify_mode.eq(None::<String>),
                event_subscriptions::updated_at.eq(now),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            "EVENT_SUBSCRIPTION_DEACTIVATED",
            "event_subscription",
            id,
            json!({ "topic": before.topic, "callback": before.callback, "from": before.state.as_str() }),
        )?;
        view(conn, id)
    })
}

/// Deliver again from event `event_id` (inclusive) for a receiver that lost data: its cursor
/// moves back to just before that event. The event must still be in the outbox and be one the
/// receiver gets.
pub fn replay(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    event_id: &str,
    now: i64,
) -> AppResult<SubscriptionView> {
    let event_id = event_id.trim();
    if event_id.is_empty() || event_id.len() > 64 {
        return Err(AppError::validation(
            "event_id",
            "PMS_EVENT_ID",
            "Give the id of the first event to deliver again.",
        ));
    }
    crate::db::write_tx(conn, |conn| {
        let before = view(conn, id)?;
        if before.state != SubscriptionState::Active {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_ILLEGAL_TRANSITION",
                "Only an active subscription can be replayed.",
            ));
        }
        let found: Option<(i64, String)> = outbox::table
            .filter(outbox::event_id.eq(event_id))
            .select((outbox::id, outbox::topic))
            .first(conn)
            .optional()?;
        let Some((outbox_id, topic)) = found else {
            return Err(AppError::validation(
                "event_id",
                "PMS_EVENT_UNKNOWN",
                "No such event in the outbox (it may have been purged).",
            ));
        };
        let gets = match before.kind {
            ReceiverKind::Websub => topic == before.topic,
            ReceiverKind::Hub => true,
            ReceiverKind::Esignet => ESIGNET_TOPICS.contains(&topic.as_str()),
        };
        if !gets {
            return Err(AppError::validation(
                "event_id",
                "PMS_EVENT_TOPIC",
                format!("That event is a {topic}; this subscription does not receive it."),
            ));
        }
        diesel::update(event_subscriptions::table.find(id))
            .set((
                event_subscriptions::cursor.eq(outbox_id - 1),
                event_subscriptions::attempts.eq(0),
                event_subscriptions::first_failure_at.eq(None::<i64>),
                event_subscriptions::next_attempt_at.eq(None::<i64>),
                event_subscriptions::updated_at.eq(now),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            "EVENT_SUBSCRIPTION_REPLAYED",
            "event_subscription",
            id,
            json!({ "fromEvent": event_id, "previousCursor": before.cursor }),
        )?;
        view(conn, id)
    })
}

/// Deactivate the subscriptions made with a token that is being revoked.
pub fn deactivate_for_token(
    conn: &mut AnyConnection,
    token_id: &str,
    now: i64,
) -> AppResult<usize> {
    Ok(diesel::update(
        event_subscriptions::table
            .filter(event_subscriptions::token_id.eq(token_id))
            .filter(event_subscriptions::state.ne(SubscriptionState::Deactivated.as_str())),
    )
    .set((
        event_subscriptions::state.eq(SubscriptionState::Deactivated.as_str()),
        event_subscriptions::verify_mode.eq(None::<String>),
        event_subscriptions::updated_at.eq(now),
    ))
    .execute(conn)?)
}
