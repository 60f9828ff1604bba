//! Audit entries as shown to administrators (shared with the browser); writing and querying
//! live in `audit` (server only).

use serde::{Deserialize, Serialize};

/// An audit row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(diesel::Queryable))]
pub struct AuditEntry {
    /// Row id.
    pub id: i64,
    /// When, UTC ms.
    pub at: i64,
    /// Acting account id.
    pub actor_id: Option<String>,
    /// Acting account email.
    pub actor_email: Option<String>,
    /// Action name, e.g. `ACCOUNT_CREATED`.
    pub action: String,
    /// Entity type, e.g. `account`.
    pub entity_type: String,
    /// Entity id.
    pub entity_id: String,
    /// JSON details (before/after, reason...).
    pub details: String,
    /// HTTP request id.
    pub request_id: Option<String>,
}

/// Filters of the audit page (URL query parameters).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// 1-based page.
    pub page: Option<i64>,
    /// Page size.
    pub page_size: Option<i64>,
    /// Actor email (exact, case-insensitive).
    pub actor: Option<String>,
    /// Entity type (`account`, `partner`...).
    pub entity_type: Option<String>,
    /// Entity id.
    pub entity_id: Option<String>,
    /// From, UTC ms inclusive.
    pub from: Option<i64>,
    /// To, UTC ms exclusive.
    pub to: Option<i64>,
}

/// Entity types that appear in the audit log (for the filter).
pub const ENTITY_TYPES: [&str; 16] = [
    "account",
    "partner",
    "policy_group",
    "policy",
    "policy_request",
    "api_key",
    "oidc_client",
    "oidc_mapping",
    "misp_license",
    "service_token",
    "ca_certificate",
    "sbi",
    "device",
    "ftm_chip",
    "notification",
    "event_subscription",
];

crate::list::declare! {
    /// The audit log (`/admin/audit`), declared once (see [`crate::list`]).
    pub struct AuditLog;
    query AuditQuery, row AuditEntry, out crate::page::Page<AuditEntry>;
    name "audit", path "/admin/audit", roles &[crate::Role::PartnerAdmin], default_sort "-at";
    keys &["actor", "type", "from", "to", "size", "page"];
    from_params |get| {
        use crate::list::{date_to_ms, number, text};
        AuditQuery {
            page: number(get, "page"),
            page_size: number(get, "size"),
            actor: text(get, "actor"),
            entity_type: text(get, "type"),
            entity_id: None,
            from: text(get, "from").and_then(|d| date_to_ms(&d)),
            // "To" is a whole day: up to the next midnight.
            to: text(get, "to")
                .and_then(|d| date_to_ms(&d))
                .map(|ms| ms + 86_400_000),
        }
    };
    run |conn, query| crate::audit::list(conn, query);
}
