//! Audit log: who did what to which entity, when. Written in the same transaction as the change.

use crate::clock;
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::page::{self, Page};
use crate::schema::audit_log;
use diesel::prelude::*;

/// Who acted: an account, or the system itself (start-up, CLI, scheduled jobs).
#[derive(Clone, Debug, Default)]
pub struct Actor {
    /// Account id, None for the system.
    pub id: Option<String>,
    /// Email at the time of the action (kept even if the account is later renamed).
    pub email: Option<String>,
    /// Request id of the HTTP request, if any.
    pub request_id: Option<String>,
}

impl Actor {
    /// The system (CLI, jobs).
    pub fn system() -> Actor {
        Actor {
            id: None,
            email: Some("system".into()),
            request_id: None,
        }
    }

    /// An account.
    pub fn account(id: &str, email: &str) -> Actor {
        Actor {
            id: Some(id.to_string()),
            email: Some(email.to_string()),
            request_id: None,
        }
    }

    /// The same actor, tagged with a request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Actor {
        self.request_id = request_id;
        self
    }
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewAudit<'a> {
    at: i64,
    actor_id: Option<&'a str>,
    actor_email: Option<&'a str>,
    action: &'a str,
    entity_type: &'a str,
    entity_id: &'a str,
    details: String,
    request_id: Option<&'a str>,
}

/// Record one audited action. `details` is free-form JSON (before/after, reason...).
pub fn record(
    conn: &mut AnyConnection,
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    details: serde_json::Value,
) -> AppResult<()> {
    diesel::insert_into(audit_log::table)
        .values(NewAudit {
            at: clock::now_ms(),
            actor_id: actor.id.as_deref(),
            actor_email: actor.email.as_deref(),
            action,
            entity_type,
            entity_id,
            details: details.to_string(),
            request_id: actor.request_id.as_deref(),
        })
        .execute(conn)?;
    Ok(())
}

pub use crate::history::{AuditEntry, AuditQuery};

/// Audit rows of one entity, newest first (at most `limit`).
pub fn for_entity(
    conn: &mut AnyConnection,
    entity_type: &str,
    entity_id: &str,
    limit: i64,
) -> AppResult<Vec<AuditEntry>> {
    Ok(audit_log::table
        .filter(audit_log::entity_type.eq(entity_type))
        .filter(audit_log::entity_id.eq(entity_id))
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(limit)
        .load(conn)?)
}

/// The audit log, newest first, filtered and paged on the server.
pub fn list(conn: &mut AnyConnection, query: &AuditQuery) -> AppResult<Page<AuditEntry>> {
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
    let filtered = || {
        let mut q = audit_log::table.into_boxed();
        if let Some(actor) = query
            .actor
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            q = q.filter(audit_log::actor_email.eq(actor.to_lowercase()));
        }
        if let Some(t) = query.entity_type.as_deref().filter(|t| !t.is_empty()) {
            q = q.filter(audit_log::entity_type.eq(t.to_string()));
        }
        if let Some(id) = query.entity_id.as_deref().filter(|t| !t.is_empty()) {
            q = q.filter(audit_log::entity_id.eq(id.to_string()));
        }
        if let Some(from) = query.from {
            q = q.filter(audit_log::at.ge(from));
        }
        if let Some(to) = query.to {
            q = q.filter(audit_log::at.lt(to));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let items = filtered()
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(size)
        .offset(offset)
        .load(conn)?;
    Ok(Page::new(items, total, page_no, size))
}
