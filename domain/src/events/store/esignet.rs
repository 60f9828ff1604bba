//! Bookkeeping of the external hub's topics and of eSignet's state per client.

use super::*;

// ---- external hub and eSignet bookkeeping ----

/// Whether `topic` is registered at the external hub of receiver `id`.
pub fn hub_registered(conn: &mut AnyConnection, id: &str, topic: &str) -> AppResult<bool> {
    Ok(hub_topics::table
        .find((id, topic))
        .select(hub_topics::topic)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Note that `topic` is registered at the external hub of receiver `id`.
pub fn mark_hub_registered(
    conn: &mut AnyConnection,
    id: &str,
    topic: &str,
    now: i64,
) -> AppResult<()> {
    if !hub_registered(conn, id, topic)? {
        diesel::insert_into(hub_topics::table)
            .values((
                hub_topics::subscription_id.eq(id),
                hub_topics::topic.eq(topic),
                hub_topics::registered_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Record eSignet's answer for client `client_id` at outbox event `outbox_id`.
pub fn record_esignet(
    conn: &mut AnyConnection,
    client_id: &str,
    outbox_id: i64,
    error: Option<&str>,
    now: i64,
) -> AppResult<()> {
    let exists = esignet_sync::table
        .find(client_id)
        .select(esignet_sync::client_id)
        .first::<String>(conn)
        .optional()?
        .is_some();
    if !exists {
        diesel::insert_into(esignet_sync::table)
            .values((
                esignet_sync::client_id.eq(client_id),
                esignet_sync::latest_outbox_id.eq(outbox_id),
                esignet_sync::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    match error {
        None => diesel::update(esignet_sync::table.find(client_id))
            .set((
                esignet_sync::synced_outbox_id.eq(Some(outbox_id)),
                esignet_sync::synced_at.eq(Some(now)),
                esignet_sync::last_error.eq(None::<String>),
                esignet_sync::updated_at.eq(now),
            ))
            .execute(conn)?,
        Some(e) => diesel::update(esignet_sync::table.find(client_id))
            .set((
                esignet_sync::last_error.eq(Some(e)),
                esignet_sync::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// eSignet's state of each client in `ids` (those it never heard of are absent).
pub fn esignet_states(
    conn: &mut AnyConnection,
    ids: &[String],
) -> AppResult<std::collections::HashMap<String, EsignetState>> {
    // The latest event of a client is found through the sync row, kept when events are made.
    type SyncRow = (String, i64, Option<i64>, Option<i64>, Option<String>);
    let rows: Vec<SyncRow> = esignet_sync::table
        .filter(esignet_sync::client_id.eq_any(ids))
        .select((
            esignet_sync::client_id,
            esignet_sync::latest_outbox_id,
            esignet_sync::synced_outbox_id,
            esignet_sync::synced_at,
            esignet_sync::last_error,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, latest, synced, at, error)| {
            (
                id,
                EsignetState {
                    in_sync: synced.is_some_and(|s| s >= latest),
                    synced_at: at,
                    last_error: error,
                },
            )
        })
        .collect())
}

/// Note that client `client_id` has a new version, event `event_id` (called in the change's
/// transaction, so the pages can say whether eSignet has it).
pub fn esignet_note_version(
    conn: &mut AnyConnection,
    client_id: &str,
    event_id: &str,
    now: i64,
) -> AppResult<()> {
    let outbox_id: i64 = outbox::table
        .filter(outbox::event_id.eq(event_id))
        .select(outbox::id)
        .first(conn)?;
    let n = diesel::update(esignet_sync::table.find(client_id))
        .set((
            esignet_sync::latest_outbox_id.eq(outbox_id),
            esignet_sync::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(esignet_sync::table)
            .values((
                esignet_sync::client_id.eq(client_id),
                esignet_sync::latest_outbox_id.eq(outbox_id),
                esignet_sync::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}
