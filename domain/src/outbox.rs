//! Event outbox: events for downstream services, written in the same transaction as the
//! change they describe, so an event is never lost if the process dies after the commit.
//! Receivers read it in id order, each from its own cursor (see `events`).

use crate::clock;
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::schema::outbox;
use diesel::prelude::*;

/// Publisher name in event envelopes.
pub const PUBLISHER: &str = "pms";

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewEvent<'a> {
    event_id: &'a str,
    topic: &'a str,
    payload: String,
    created_at: i64,
    attempts: i32,
}

/// Enqueue an event `topic` with `data`, wrapped in the reference's envelope
/// `{publisher, publishedOn, topic, event: {id, timestamp, type, data}}`. Returns the event id.
pub fn enqueue(
    conn: &mut AnyConnection,
    topic: &str,
    data: serde_json::Value,
) -> AppResult<String> {
    let now = clock::now_ms();
    let event_id = uuid::Uuid::new_v4().to_string();
    let stamp = clock::rfc3339(now);
    // On PostgreSQL ids are taken before commit, so a reader going by id could pass an event
    // whose transaction commits later. Taking this lock before the insert (held to commit)
    // makes id order commit order, which every receiver's cursor relies on. SQLite has one
    // writer at a time already.
    if let AnyConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(74110)").execute(pg)?;
    }
    let payload = serde_json::json!({
        "publisher": PUBLISHER,
        "publishedOn": stamp,
        "topic": topic,
        "event": { "id": event_id, "timestamp": stamp, "type": topic, "data": data },
    });
    diesel::insert_into(outbox::table)
        .values(NewEvent {
            event_id: &event_id,
            topic,
            payload: payload.to_string(),
            created_at: now,
            attempts: 0,
        })
        .execute(conn)?;
    Ok(event_id)
}

/// An undelivered event.
#[derive(Clone, Debug, Queryable)]
pub struct PendingEvent {
    /// Row id (delivery order).
    pub id: i64,
    /// Event id inside the payload.
    pub event_id: String,
    /// Topic.
    pub topic: String,
    /// JSON envelope.
    pub payload: String,
}

/// The oldest `limit` undelivered events.
pub fn pending(conn: &mut AnyConnection, limit: i64) -> AppResult<Vec<PendingEvent>> {
    Ok(outbox::table
        .filter(outbox::delivered_at.is_null())
        .order(outbox::id.asc())
        .select((outbox::id, outbox::event_id, outbox::topic, outbox::payload))
        .limit(limit)
        .load(conn)?)
}

/// Mark an event delivered.
pub fn mark_delivered(conn: &mut AnyConnection, id: i64) -> AppResult<()> {
    diesel::update(outbox::table.find(id))
        .set(outbox::delivered_at.eq(Some(clock::now_ms())))
        .execute(conn)?;
    Ok(())
}
