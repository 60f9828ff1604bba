//! The partner admin's triage inbox: everything waiting for a decision (new partners, policy
//! requests, SBIs, devices, FTM chips) in one list, with the facts a decision needs and single
//! or bulk decisions that reuse each aggregate's own rules.
//!
//! Types are shared with the browser; queries and decisions are server-only.

use crate::page::Page;
use serde::{Deserialize, Serialize};

mod lists;
pub use lists::*;
#[cfg(feature = "server")]
mod service;
#[cfg(feature = "server")]
pub use service::*;

/// Most items one bulk decision may name.
pub const MAX_BULK: usize = 100;

/// What kind of item waits for a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxKind {
    /// A partner's registration.
    Partner,
    /// A partner's request for a policy.
    PolicyRequest,
    /// A device provider's SBI.
    Sbi,
    /// A device provider's device model.
    Device,
    /// An FTM provider's chip model (with its certificate).
    Chip,
}

impl InboxKind {
    /// Every kind, in the order the inbox shows their counts.
    pub const ALL: [InboxKind; 5] = [
        InboxKind::Partner,
        InboxKind::PolicyRequest,
        InboxKind::Sbi,
        InboxKind::Device,
        InboxKind::Chip,
    ];

    /// Spelling in URLs, forms and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            InboxKind::Partner => "partner",
            InboxKind::PolicyRequest => "policy_request",
            InboxKind::Sbi => "sbi",
            InboxKind::Device => "device",
            InboxKind::Chip => "chip",
        }
    }

    /// Parse the URL spelling.
    pub fn parse(s: &str) -> Option<InboxKind> {
        InboxKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Name shown to people (plural for tabs).
    pub fn label(self) -> &'static str {
        match self {
            InboxKind::Partner => "Partners",
            InboxKind::PolicyRequest => "Policy requests",
            InboxKind::Sbi => "SBIs",
            InboxKind::Device => "Devices",
            InboxKind::Chip => "FTM chips",
        }
    }

    /// Name of one item.
    pub fn singular(self) -> &'static str {
        match self {
            InboxKind::Partner => "Partner",
            InboxKind::PolicyRequest => "Policy request",
            InboxKind::Sbi => "SBI",
            InboxKind::Device => "Device",
            InboxKind::Chip => "FTM chip",
        }
    }
}

/// Filters, sort and page of the inbox.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InboxQuery {
    /// One kind only (`partner`, `policy_request`, `sbi`, `device`, `chip`).
    pub kind: Option<String>,
    /// One partner id only.
    pub partner: Option<String>,
    /// Partners of one type only (type code, e.g. `Device_Provider`).
    pub partner_type: Option<String>,
    /// Only items waiting at least this many days.
    pub min_age_days: Option<i64>,
    /// `oldest` (default) or `newest`.
    pub sort: Option<String>,
    /// 1-based page.
    pub page: Option<i64>,
    /// Page size (<= 100).
    pub page_size: Option<i64>,
}

/// One item waiting for a decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    /// Kind.
    pub kind: InboxKind,
    /// Id of the item (partner id for a registration).
    pub id: String,
    /// Partner that submitted it.
    pub partner_id: String,
    /// Its organisation.
    pub organisation: String,
    /// Its type code.
    pub partner_type: String,
    /// What the item is, in a few words.
    pub title: String,
    /// Submitted, UTC ms.
    pub created_at: i64,
}

/// How many items of a kind wait (under the current filters) and since when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCount {
    /// Kind.
    pub kind: InboxKind,
    /// Items waiting.
    pub count: i64,
    /// Submission time of the oldest, UTC ms.
    pub oldest: Option<i64>,
}

/// A page of the inbox with the counts per kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxPage {
    /// Counts per kind, every kind, under the filters other than `kind`.
    pub counts: Vec<KindCount>,
    /// The page.
    pub page: Page<InboxItem>,
    /// Server time of the answer, UTC ms (ages are relative to it).
    pub now: i64,
}

/// The submitting partner's certificate, as far as a decision needs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertStatus {
    /// Subject of the current certificate.
    pub subject: String,
    /// End of validity, UTC ms.
    pub not_after: i64,
    /// Whole days left (negative once expired).
    pub days_left: i64,
    /// Expired.
    pub expired: bool,
    /// End of the portal's re-signed certificate (at most a year; what downstream trusts).
    pub resigned_not_after: i64,
}

/// What a decision on one item needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxDetail {
    /// The item.
    pub item: InboxItem,
    /// The partner's profile.
    pub partner: crate::partner::PartnerView,
    /// The partner's current certificate, if any.
    pub certificate: Option<CertStatus>,
    /// Facts of the item as label / value pairs.
    pub facts: Vec<(String, String)>,
    /// The policy document of a request (pretty JSON).
    pub document: Option<String>,
    /// The SBIs a device is linked to.
    pub sbis: Vec<crate::device::SbiView>,
}

/// One item named in a decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRef {
    /// Kind spelling.
    pub kind: String,
    /// Id.
    pub id: String,
}

/// What happened to one item of a (bulk) decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemOutcome {
    /// Kind spelling as named.
    pub kind: String,
    /// Id as named.
    pub id: String,
    /// The decision was applied.
    pub applied: bool,
    /// Error code when refused.
    pub code: Option<String>,
    /// What happened, in words.
    pub message: String,
}
