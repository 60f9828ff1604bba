//! Policy groups and policies: what data each partner may receive and how it may authenticate
//! people. Types, the structured document model and field rules are shared with the browser;
//! storage, schema validation and use cases (feature `server`) live in `service` and
//! `validate`.

use crate::error::{AppError, AppResult};
use crate::page::Page;
use serde::{Deserialize, Serialize};

mod lists;
pub use lists::*;
pub mod document;
#[cfg(feature = "server")]
pub mod group;
#[cfg(feature = "server")]
pub mod listing;
#[cfg(feature = "server")]
mod seed;
#[cfg(feature = "server")]
mod service;
#[cfg(feature = "server")]
pub mod validate;
#[cfg(feature = "server")]
pub use seed::seed_policies;
#[cfg(feature = "server")]
pub use service::*;

/// Longest policy group name (reference rule).
pub const MAX_GROUP_NAME_LEN: usize = 128;
/// Longest policy group description (reference rule).
pub const MAX_GROUP_DESCRIPTION_LEN: usize = 256;
/// Longest policy name.
pub const MAX_POLICY_NAME_LEN: usize = 128;
/// Longest policy description.
pub const MAX_POLICY_DESCRIPTION_LEN: usize = 256;
/// Largest policy document accepted, in bytes. Real policies are a few KB; the limit keeps a
/// pasted log file or a hostile upload from being parsed and stored.
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// Deepest nesting of arrays/objects accepted in a policy document (the schemas need 6).
pub const MAX_DOCUMENT_DEPTH: usize = 32;

/// The kinds of policy, each with its own JSON Schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PolicyType {
    /// How a relying party authenticates people (auth types, KYC attributes).
    Auth,
    /// What a credential/print/ABIS partner receives and how it is shared.
    DataShare,
    /// What an infrastructure provider may do for its relying parties.
    #[serde(rename = "MISP")]
    Misp,
}

impl PolicyType {
    /// Every type, in display order.
    pub const ALL: [PolicyType; 3] = [PolicyType::Auth, PolicyType::DataShare, PolicyType::Misp];

    /// Stored spelling (as the reference).
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::Auth => "Auth",
            PolicyType::DataShare => "DataShare",
            PolicyType::Misp => "MISP",
        }
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            PolicyType::Auth => "Authentication",
            PolicyType::DataShare => "Data share",
            PolicyType::Misp => "MISP",
        }
    }

    /// Parse the stored spelling.
    pub fn parse(s: &str) -> Option<PolicyType> {
        PolicyType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// A document to start a new draft from: valid for its schema except where the author
    /// must choose (e.g. which attributes to share).
    pub fn template(self) -> &'static str {
        match self {
            PolicyType::Auth => {
                "{\n  \"authTokenType\": \"partner\",\n  \"allowedAuthTypes\": [\n    {\n      \"authType\": \"otp\",\n      \"mandatory\": false\n    }\n  ],\n  \"allowedKycAttributes\": []\n}"
            }
            PolicyType::DataShare => {
                "{\n  \"dataSharePolicies\": {\n    \"typeOfShare\": \"Data Share\",\n    \"validForInMinutes\": \"30\",\n    \"transactionsAllowed\": \"2\",\n    \"encryptionType\": \"Partner Based\",\n    \"shareDomain\": \"datashare.datashare\",\n    \"source\": \"ID Repository\"\n  },\n  \"shareableAttributes\": []\n}"
            }
            PolicyType::Misp => {
                "{\n  \"allowAuthRequestDelegation\": false,\n  \"allowKycRequestDelegation\": false,\n  \"trustBindedAuthVerificationToken\": false\n}"
            }
        }
    }
}

/// Where a policy is in its lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PolicyStatus {
    /// Being written; editable and deletable; invisible to partners.
    Draft,
    /// Live: partners of its group see it and may request it.
    Published,
    /// Withdrawn; kept for history.
    Deactivated,
}

impl PolicyStatus {
    /// Every status, in display order.
    pub const ALL: [PolicyStatus; 3] = [
        PolicyStatus::Draft,
        PolicyStatus::Published,
        PolicyStatus::Deactivated,
    ];

    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyStatus::Draft => "DRAFT",
            PolicyStatus::Published => "PUBLISHED",
            PolicyStatus::Deactivated => "DEACTIVATED",
        }
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            PolicyStatus::Draft => "Draft",
            PolicyStatus::Published => "Published",
            PolicyStatus::Deactivated => "Deactivated",
        }
    }

    /// Parse the stored spelling.
    pub fn parse(s: &str) -> Option<PolicyStatus> {
        PolicyStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

pub use crate::error::Violation;

/// A policy group as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyGroupRow {
    /// Id.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// Description (may be empty).
    pub description: String,
    /// False once deactivated.
    pub active: bool,
    /// Policies in the group (any status).
    pub policies: i64,
    /// Draft or published policies (those block deactivation).
    pub live_policies: i64,
    /// Partners in the group.
    pub partners: i64,
    /// Created, UTC ms.
    pub created_at: i64,
    /// Last change, UTC ms.
    pub updated_at: i64,
}

/// Filters of the policy group list (URL query parameters).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyGroupQuery {
    /// 1-based page.
    pub page: Option<i64>,
    /// Page size.
    pub page_size: Option<i64>,
    /// Text in the name.
    pub q: Option<String>,
    /// `active` or `inactive`.
    pub state: Option<String>,
    /// `name`, `created`, `updated`, each optionally prefixed by `-`.
    pub sort: Option<String>,
}

/// A policy as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySummary {
    /// Id.
    pub id: String,
    /// Name (unique in its group).
    pub name: String,
    /// Type.
    pub policy_type: PolicyType,
    /// Status.
    pub status: PolicyStatus,
    /// Group id.
    pub group_id: String,
    /// Group name.
    pub group_name: String,
    /// Last published version (0 = never published).
    pub version: i32,
    /// A revision of a published policy is being prepared.
    pub has_revision: bool,
    /// Valid from (UTC ms), once published.
    pub valid_from: Option<i64>,
    /// Valid to (UTC ms), once published.
    pub valid_to: Option<i64>,
    /// Last change, UTC ms.
    pub updated_at: i64,
}

/// Filters of the policy list (URL query parameters).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyQuery {
    /// 1-based page.
    pub page: Option<i64>,
    /// Page size.
    pub page_size: Option<i64>,
    /// Text in the name.
    pub q: Option<String>,
    /// Type (stored spelling).
    pub policy_type: Option<String>,
    /// Status (stored spelling).
    pub status: Option<String>,
    /// Group id.
    pub group: Option<String>,
    /// `name`, `type`, `status`, `updated`, each optionally prefixed by `-`.
    pub sort: Option<String>,
}

/// A page of policies plus the number in each status (for the tabs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyList {
    /// The page.
    pub page: Page<PolicySummary>,
    /// (status, count) for every status.
    pub counts: Vec<(PolicyStatus, i64)>,
}

/// A published version of a policy (immutable).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersion {
    /// 1, 2, ...
    pub version: i32,
    /// The document as published (pretty JSON).
    pub document: String,
    /// Valid from, UTC ms.
    pub valid_from: i64,
    /// Valid to, UTC ms.
    pub valid_to: i64,
    /// When published, UTC ms.
    pub published_at: i64,
    /// Who published it.
    pub published_by: Option<String>,
}

/// A policy with everything its page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDetail {
    /// The summary.
    pub summary: PolicySummary,
    /// Description (may be empty).
    pub description: String,
    /// The document: the draft, or the live version once published (pretty JSON).
    pub document: String,
    /// A revision being prepared for a published policy (pretty JSON).
    pub draft_document: Option<String>,
    /// Published versions, newest first.
    pub versions: Vec<PolicyVersion>,
    /// Created, UTC ms.
    pub created_at: i64,
    /// Created by (email).
    pub created_by: Option<String>,
}

impl PolicyDetail {
    /// The document an author edits now: the draft, or the revision of a published policy.
    pub fn editable_document(&self) -> Option<&str> {
        match self.summary.status {
            PolicyStatus::Draft => Some(&self.document),
            PolicyStatus::Published => self.draft_document.as_deref(),
            PolicyStatus::Deactivated => None,
        }
    }
}

/// One line of a diff between two versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    /// `+` added, `-` removed, ` ` unchanged.
    pub op: char,
    /// The line, without its newline.
    pub text: String,
}

/// Check a group name; returns it trimmed.
pub fn check_group_name(value: &str) -> AppResult<String> {
    crate::partner::bounded_text(
        "name",
        "PMS_POLICY_GROUP_NAME",
        "Name",
        value,
        MAX_GROUP_NAME_LEN,
        false,
    )
}

/// Check a policy name; returns it trimmed.
pub fn check_policy_name(value: &str) -> AppResult<String> {
    crate::partner::bounded_text(
        "name",
        "PMS_POLICY_NAME",
        "Name",
        value,
        MAX_POLICY_NAME_LEN,
        false,
    )
}

/// Check an optional description (empty allowed); returns it trimmed.
pub fn check_description(value: &str, max: usize) -> AppResult<String> {
    if value.trim().is_empty() {
        return Ok(String::new());
    }
    crate::partner::bounded_text(
        "description",
        "PMS_DESCRIPTION",
        "Description",
        value,
        max,
        true,
    )
}

/// Parse a policy type named by a caller.
pub fn check_policy_type(value: &str) -> AppResult<PolicyType> {
    PolicyType::parse(value.trim()).ok_or_else(|| {
        AppError::validation(
            "policy_type",
            "PMS_POLICY_TYPE_UNKNOWN",
            "Choose a policy type: Auth, DataShare or MISP.",
        )
    })
}
