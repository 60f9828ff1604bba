//! Access for relying parties: policy requests, API keys (and the verification that downstream
//! services call), OIDC clients, MISP license keys, and the service tokens of downstream callers.
//!
//! Types are shared with the browser; storage and rules are server-only.

use serde::{Deserialize, Serialize};

mod lists;
pub use lists::*;
#[cfg(feature = "server")]
pub mod apikey;
#[cfg(feature = "server")]
pub mod cascade;
#[cfg(feature = "server")]
pub mod credential_type;
#[cfg(feature = "server")]
pub mod jwk;
#[cfg(feature = "server")]
pub mod license;
#[cfg(feature = "server")]
pub mod listing;
#[cfg(feature = "server")]
pub mod oidc;
#[cfg(feature = "server")]
pub(crate) mod part;
#[cfg(feature = "server")]
pub mod request;
#[cfg(feature = "server")]
pub mod seed;
#[cfg(feature = "server")]
mod shared;
#[cfg(feature = "server")]
pub mod token;

/// Longest use-case description of a policy request.
pub const MAX_USE_CASE_LEN: usize = 4000;
/// Longest API key label.
pub const MAX_LABEL_LEN: usize = 64;
/// Longest OIDC client name.
pub const MAX_CLIENT_NAME_LEN: usize = 256;
/// Longest logo URI.
pub const MAX_LOGO_URI_LEN: usize = 2048;
/// Longest redirect URI.
pub const MAX_REDIRECT_URI_LEN: usize = 2048;
/// Redirect URIs per client.
pub const MAX_REDIRECT_URIS: usize = 5;
/// Grant types an OIDC client may use; the first is the default.
pub const GRANT_TYPES: [&str; 3] = ["authorization_code", "refresh_token", "client_credentials"];
/// Client authentication methods; the first is the default.
pub const AUTH_METHODS: [&str; 3] = [
    "private_key_jwt",
    "tls_client_auth",
    "self_signed_tls_client_auth",
];
/// Default validity of a new API key, in days (configurable).
pub const DEFAULT_API_KEY_DAYS: i64 = 365;
/// Default validity of a new MISP license, in days (configurable).
pub const DEFAULT_LICENSE_DAYS: i64 = 365;
/// Length of a MISP license key.
pub const LICENSE_KEY_LEN: usize = 50;

/// Where a policy request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RequestStatus {
    /// Waiting for a partner admin.
    Pending,
    /// The partner may use the policy.
    Approved,
    /// Refused, with a comment.
    Rejected,
}

impl RequestStatus {
    /// Every status.
    pub const ALL: [RequestStatus; 3] = [
        RequestStatus::Pending,
        RequestStatus::Approved,
        RequestStatus::Rejected,
    ];
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "PENDING",
            RequestStatus::Approved => "APPROVED",
            RequestStatus::Rejected => "REJECTED",
        }
    }
    /// Parse the stored spelling.
    pub fn parse(s: &str) -> Option<RequestStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Shown to people.
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Pending => "Pending",
            RequestStatus::Approved => "Approved",
            RequestStatus::Rejected => "Rejected",
        }
    }
}

/// Status of an API key, a MISP license or an OIDC client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum KeyStatus {
    /// Usable (within its validity).
    Active,
    /// Withdrawn by its partner or an admin.
    Deactivated,
    /// Its validity ended (set by the scheduled job).
    Expired,
}

impl KeyStatus {
    /// Every status.
    pub const ALL: [KeyStatus; 3] = [
        KeyStatus::Active,
        KeyStatus::Deactivated,
        KeyStatus::Expired,
    ];
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "ACTIVE",
            KeyStatus::Deactivated => "DEACTIVATED",
            KeyStatus::Expired => "EXPIRED",
        }
    }
    /// Parse the stored spelling.
    pub fn parse(s: &str) -> Option<KeyStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Shown to people.
    pub fn label(self) -> &'static str {
        match self {
            KeyStatus::Active => "Active",
            KeyStatus::Deactivated => "Deactivated",
            KeyStatus::Expired => "Expired",
        }
    }
}

/// A partner's request for a policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestInput {
    /// The published policy of the partner's group.
    pub policy_id: String,
    /// Why the partner needs it (at most 4000 characters).
    pub use_case: String,
}

/// A policy request as partners and admins see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestView {
    /// Id.
    pub id: String,
    /// Partner id.
    pub partner_id: String,
    /// Partner's organisation.
    pub organisation: String,
    /// Partner type code.
    pub partner_type: String,
    /// Policy id.
    pub policy_id: String,
    /// Policy name.
    pub policy_name: String,
    /// Policy type spelling (Auth, DataShare, MISP).
    pub policy_type: String,
    /// Policy group name.
    pub group_name: String,
    /// The partner's use case.
    pub use_case: String,
    /// Status.
    pub status: RequestStatus,
    /// The admin's comment on the decision.
    pub comment: Option<String>,
    /// Requested at (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
}

/// Filters, sort and page of request lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestQuery {
    /// Status spelling.
    pub status: Option<String>,
    /// Partner id.
    pub partner: Option<String>,
    /// Policy id or name text.
    pub policy: Option<String>,
    /// Policy type spelling.
    pub policy_type: Option<String>,
    /// "created" (oldest first, the default) or "-created".
    pub sort: Option<String>,
    /// 1-based page.
    pub page: Option<i64>,
    /// Page size.
    pub page_size: Option<i64>,
}

/// A published policy of the partner's group, with the partner's latest request for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestablePolicy {
    /// Policy id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Type spelling.
    pub policy_type: String,
    /// The partner's latest request for it.
    pub request: Option<RequestStatus>,
}

/// An API client of MOSIP's REST door, as listed (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiClientView {
    /// Row id.
    pub id: String,
    /// Client id.
    pub client_id: String,
    /// Roles.
    pub roles: Vec<crate::role::Role>,
    /// Not revoked.
    pub active: bool,
    /// Created, UTC ms.
    pub created_at: i64,
}

/// A new API key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyInput {
    /// An approved policy of the partner.
    pub policy_id: String,
    /// Label, unique per partner and policy.
    pub label: String,
    /// Last valid day (YYYY-MM-DD); empty = the configured default period.
    pub valid_to: Option<String>,
}

/// An API key (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    /// Id.
    pub id: String,
    /// Partner id.
    pub partner_id: String,
    /// Partner's organisation.
    pub organisation: String,
    /// Policy id.
    pub policy_id: String,
    /// Policy name.
    pub policy_name: String,
    /// Label.
    pub label: String,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    /// Valid from (ms).
    pub valid_from: i64,
    /// Valid to (ms, inclusive).
    pub valid_to: i64,
    /// Status.
    pub status: KeyStatus,
    /// Created at (ms).
    pub created_at: i64,
}

/// A secret shown exactly once, with what it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issued<T> {
    /// What was created.
    pub item: T,
    /// The secret; it is not stored and cannot be shown again.
    pub secret: String,
}

/// Filters, sort and page of key, license and client lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyQuery {
    /// Status spelling.
    pub status: Option<String>,
    /// Partner id (admins).
    pub partner: Option<String>,
    /// Policy id.
    pub policy: Option<String>,
    /// "-created" (newest first, the default) or "created"; keys also "valid_to".
    pub sort: Option<String>,
    /// 1-based page.
    pub page: Option<i64>,
    /// Page size.
    pub page_size: Option<i64>,
}

/// An approved policy a key or client can be made for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovedPolicy {
    /// Policy id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Type spelling.
    pub policy_type: String,
}

/// A downstream service's token (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceTokenView {
    /// Id.
    pub id: String,
    /// Who uses it ("ID authentication, zone A").
    pub name: String,
    /// First characters of the token.
    pub prefix: String,
    /// Usable.
    pub active: bool,
    /// Created at (ms).
    pub created_at: i64,
    /// WebSub topics it may subscribe to (`*`: all; empty: none).
    pub topics: Vec<String>,
}

/// A new OIDC client.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientInput {
    /// An approved Auth policy of the partner.
    pub policy_id: String,
    /// Name (at most 256 characters).
    pub name: String,
    /// https logo URI.
    pub logo_uri: String,
    /// 1 to 5 redirect URIs.
    pub redirect_uris: Vec<String>,
    /// 1 to 3 grant types (empty = authorization_code).
    pub grant_types: Vec<String>,
    /// 1 to 3 client auth methods (empty = private_key_jwt).
    pub auth_methods: Vec<String>,
    /// The public key as a JWK (JSON text).
    pub public_key: String,
}

/// What may change on an OIDC client.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientUpdate {
    /// Name.
    pub name: String,
    /// Logo URI.
    pub logo_uri: String,
    /// Redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Grant types.
    pub grant_types: Vec<String>,
    /// Client auth methods.
    pub auth_methods: Vec<String>,
    /// The last change the editor saw (ms), so that a concurrent edit is not overwritten.
    pub updated_at: i64,
}

/// An OIDC client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientView {
    /// Client id (RFC 7638 thumbprint of the public key).
    pub id: String,
    /// Partner id.
    pub partner_id: String,
    /// Partner's organisation.
    pub organisation: String,
    /// Policy id.
    pub policy_id: String,
    /// Policy name.
    pub policy_name: String,
    /// Name.
    pub name: String,
    /// Logo URI.
    pub logo_uri: String,
    /// Redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Grant types.
    pub grant_types: Vec<String>,
    /// Client auth methods.
    pub auth_methods: Vec<String>,
    /// The public JWK (JSON).
    pub public_key: String,
    /// Claims from the policy's KYC attributes.
    pub claims: Vec<String>,
    /// ACR values from the policy's auth types.
    pub acr_values: Vec<String>,
    /// ACTIVE or DEACTIVATED.
    pub status: KeyStatus,
    /// Created at (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
    /// Whether eSignet has this version (filled only when eSignet sync is configured).
    #[serde(default)]
    pub esignet: Option<crate::events::EsignetState>,
}

/// One row of a claim or ACR mapping (policy attribute or auth type -> OIDC value).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// KYC attribute name, or auth type.
    pub key: String,
    /// OIDC claim, or ACR value.
    pub value: String,
}

/// A MISP license (never its key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseView {
    /// Id.
    pub id: String,
    /// Partner id.
    pub partner_id: String,
    /// Partner's organisation.
    pub organisation: String,
    /// Its MISP policy, when the partner has one.
    pub policy_name: Option<String>,
    /// First characters of the key.
    pub prefix: String,
    /// Valid from (ms).
    pub valid_from: i64,
    /// Valid to (ms, inclusive).
    pub valid_to: i64,
    /// Status.
    pub status: KeyStatus,
    /// Created at (ms).
    pub created_at: i64,
}

/// Validity periods from configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessConfig {
    /// Default API key validity (days); also the longest one a partner may choose.
    pub api_key_days: i64,
    /// MISP license validity (days).
    pub license_days: i64,
}

impl Default for AccessConfig {
    fn default() -> Self {
        AccessConfig {
            api_key_days: DEFAULT_API_KEY_DAYS,
            license_days: DEFAULT_LICENSE_DAYS,
        }
    }
}

/// What a partner's deactivation stops (or would stop): live API keys, MISP licenses and OIDC
/// clients. Reactivation restores none of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerCascade {
    /// Active API keys.
    pub api_keys: i64,
    /// Active MISP licenses.
    pub licenses: i64,
    /// Active OIDC clients.
    pub oidc_clients: i64,
}

impl PartnerCascade {
    /// Nothing is affected.
    pub fn is_empty(&self) -> bool {
        self.api_keys == 0 && self.licenses == 0 && self.oidc_clients == 0
    }

    /// "2 API keys, 1 OIDC client" (empty when nothing).
    pub fn describe(&self) -> String {
        let part = |n: i64, one: &str, many: &str| match n {
            0 => None,
            1 => Some(format!("1 {one}")),
            n => Some(format!("{n} {many}")),
        };
        [
            part(self.api_keys, "API key", "API keys"),
            part(self.licenses, "MISP license", "MISP licenses"),
            part(self.oidc_clients, "OIDC client", "OIDC clients"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    }
}
