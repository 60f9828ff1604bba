//! Service tokens: partner admins issue one per downstream service (ID authentication,
//! eSignet...) that calls the key verification endpoint. Stored as SHA-256 only.

use super::shared::{changed_meanwhile, hash_secret, new_secret, text, visible_prefix};
use super::*;
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::schema::service_tokens;
use diesel::prelude::*;
use serde_json::json;

/// What a service token starts with.
pub const TOKEN_PREFIX: &str = "pst_";
const TOKEN_BODY_LEN: usize = 40;
const VISIBLE: usize = 10;

/// Issue a token for the named service; the secret is in the answer only.
pub fn issue(
    conn: &mut AnyConnection,
    actor: &Actor,
    name: &str,
    topics: &[String],
) -> AppResult<Issued<ServiceTokenView>> {
    let name = text("name", "Service name", name, 128)?;
    let topics = scope_text(topics)?;
    let secret = new_secret(TOKEN_PREFIX, TOKEN_BODY_LEN);
    let id = uuid::Uuid::new_v4().to_string();
    let now = clock::now_ms();
    crate::db::write_tx(conn, |conn| {
        diesel::insert_into(service_tokens::table)
            .values((
                service_tokens::id.eq(&id),
                service_tokens::name.eq(&name),
                service_tokens::prefix.eq(visible_prefix(&secret, VISIBLE)),
                service_tokens::token_hash.eq(hash_secret(&secret)),
                service_tokens::active.eq(true),
                service_tokens::created_at.eq(now),
                service_tokens::created_by.eq(actor.id.as_deref()),
                service_tokens::updated_at.eq(now),
                service_tokens::updated_by.eq(actor.id.as_deref()),
                service_tokens::topics.eq(&topics),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            "SERVICE_TOKEN_ISSUED",
            "service_token",
            &id,
            json!({ "name": name, "topics": topics }),
        )?;
        Ok(())
    })?;
    Ok(Issued {
        item: get(conn, &id)?,
        secret,
    })
}

/// The stored scope of WebSub topics: each known topic at most once, or `*` alone.
fn scope_text(topics: &[String]) -> AppResult<String> {
    let mut out: Vec<&str> = Vec::new();
    for t in topics.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if t != crate::events::ALL_TOPICS && !crate::events::is_topic(t) {
            return Err(AppError::validation(
                "topics",
                "PMS_TOPIC_UNKNOWN",
                format!(
                    "{} is not a topic of this portal.",
                    crate::text::clip(t, 60)
                ),
            ));
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.contains(&crate::events::ALL_TOPICS) {
        return Ok(crate::events::ALL_TOPICS.to_string());
    }
    Ok(out.join(","))
}

fn topics_of(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn get(conn: &mut AnyConnection, id: &str) -> AppResult<ServiceTokenView> {
    let row: (String, String, String, bool, i64, String) = service_tokens::table
        .find(id)
        .select((
            service_tokens::id,
            service_tokens::name,
            service_tokens::prefix,
            service_tokens::active,
            service_tokens::created_at,
            service_tokens::topics,
        ))
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("The service token"))?;
    Ok(ServiceTokenView {
        id: row.0,
        name: row.1,
        prefix: row.2,
        active: row.3,
        created_at: row.4,
        topics: topics_of(&row.5),
    })
}

/// Every token, newest first (a handful per installation; capped anyway).
pub fn list(conn: &mut AnyConnection) -> AppResult<Vec<ServiceTokenView>> {
    let rows: Vec<(String, String, String, bool, i64, String)> = service_tokens::table
        .order((service_tokens::created_at.desc(), service_tokens::id.desc()))
        .limit(200)
        .select((
            service_tokens::id,
            service_tokens::name,
            service_tokens::prefix,
            service_tokens::active,
            service_tokens::created_at,
            service_tokens::topics,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ServiceTokenView {
            id: r.0,
            name: r.1,
            prefix: r.2,
            active: r.3,
            created_at: r.4,
            topics: topics_of(&r.5),
        })
        .collect())
}

/// Revoke a token; its service is refused from then on.
pub fn revoke(conn: &mut AnyConnection, actor: &Actor, id: &str) -> AppResult<ServiceTokenView> {
    crate::db::write_tx(conn, |conn| {
        let token = get(conn, id)?;
        if !token.active {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_ILLEGAL_TRANSITION",
                "This token is already revoked.",
            ));
        }
        let n = diesel::update(
            service_tokens::table
                .find(id)
                .filter(service_tokens::active.eq(true)),
        )
        .set((
            service_tokens::active.eq(false),
            service_tokens::updated_at.eq(clock::now_ms()),
            service_tokens::updated_by.eq(actor.id.as_deref()),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(changed_meanwhile());
        }
        // Its WebSub subscriptions end with it: the service is no longer trusted.
        crate::events::store::deactivate_for_token(conn, id, clock::now_ms())?;
        audit::record(
            conn,
            actor,
            "SERVICE_TOKEN_REVOKED",
            "service_token",
            id,
            json!({ "name": token.name }),
        )?;
        get(conn, id)
    })
}

/// The id of the active token with this hash (see [`hash_secret`]), if any.
pub fn active_by_hash(conn: &mut AnyConnection, hash: &str) -> AppResult<Option<String>> {
    Ok(service_tokens::table
        .filter(service_tokens::token_hash.eq(hash))
        .filter(service_tokens::active.eq(true))
        .select(service_tokens::id)
        .first(conn)
        .optional()?)
}

/// The active token with this hash: (id, name, topic scope).
pub fn active_scope_by_hash(
    conn: &mut AnyConnection,
    hash: &str,
) -> AppResult<Option<(String, String, String)>> {
    Ok(service_tokens::table
        .filter(service_tokens::token_hash.eq(hash))
        .filter(service_tokens::active.eq(true))
        .select((
            service_tokens::id,
            service_tokens::name,
            service_tokens::topics,
        ))
        .first(conn)
        .optional()?)
}

pub use super::shared::hash_secret as hash;
