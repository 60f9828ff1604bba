//! Role dashboards: the partner admin's queue and decisions, the policy manager's policies,
//! and what needs a partner's attention. Every figure is a bounded, indexed read.
//!
//! Types are shared with the browser; queries are server-only.

use serde::{Deserialize, Serialize};

#[cfg(feature = "server")]
mod service;
#[cfg(feature = "server")]
pub use service::*;

/// Approvals and rejections of one UTC day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayDecisions {
    /// Day start, UTC ms.
    pub day: i64,
    /// Approvals.
    pub approved: i64,
    /// Rejections.
    pub rejected: i64,
}

/// Something that expires soon.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiringItem {
    /// What it is (e.g. "CA certificate").
    pub what: String,
    /// Its name.
    pub name: String,
    /// Partner id, if it belongs to one.
    pub partner_id: Option<String>,
    /// Expiry, UTC ms.
    pub due_at: i64,
    /// Where to look at it.
    pub link: String,
}

/// The partner admin's dashboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminDashboard {
    /// Pending items per kind.
    pub pending: Vec<crate::inbox::KindCount>,
    /// The last 90 days, oldest first (the 30-day view is its tail).
    pub decisions: Vec<DayDecisions>,
    /// Certificates and keys expiring within 30 days, soonest first (at most 20).
    pub expiring: Vec<ExpiringItem>,
    /// How many expire within 30 days in all.
    pub expiring_total: i64,
    /// Latest audit entries.
    pub recent: Vec<crate::history::AuditEntry>,
    /// Partners in all.
    pub partners: i64,
    /// Server time, UTC ms.
    pub now: i64,
}

/// Policies of one status and type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyCount {
    /// Status spelling.
    pub status: String,
    /// Type spelling.
    pub policy_type: String,
    /// How many.
    pub count: i64,
}

/// A policy in a short list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyLine {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Type spelling.
    pub policy_type: String,
    /// Group name.
    pub group_name: String,
    /// Last change (publication), UTC ms.
    pub at: i64,
}

/// The policy manager's dashboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDashboard {
    /// Counts by status and type.
    pub counts: Vec<PolicyCount>,
    /// Latest published policies.
    pub recently_published: Vec<PolicyLine>,
    /// Active groups without any policy: (id, name).
    pub empty_groups: Vec<(String, String)>,
    /// Active groups in all.
    pub active_groups: i64,
}

/// How urgent an attention item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Blocks the partner (missing or expired, rejected).
    Act,
    /// Soon (expiring, waiting for the operator).
    Soon,
    /// For information.
    Info,
}

/// One thing a partner should look at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attention {
    /// Urgency.
    pub urgency: Urgency,
    /// One line.
    pub title: String,
    /// Details (a reason, a date).
    pub detail: String,
    /// Where to act.
    pub link: String,
}

/// A partner's dashboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerDashboard {
    /// Partner type code.
    pub partner_type: String,
    /// Items needing attention, most urgent first.
    pub attention: Vec<Attention>,
    /// Figures by label (e.g. "Active API keys" -> 3) with their page.
    pub figures: Vec<(String, i64, String)>,
}
