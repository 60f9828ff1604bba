//! Device providers' SBIs (secure biometric interfaces) and device models, FTM providers'
//! secure chips, and their approval by partner admins.
//!
//! Types are shared with the browser; storage and rules are server-only.

use serde::{Deserialize, Serialize};

mod lists;
pub use lists::*;
#[cfg(feature = "server")]
pub mod chip;
#[cfg(feature = "server")]
pub mod model;
#[cfg(feature = "server")]
pub(crate) mod part;
#[cfg(feature = "server")]
pub mod sbi;
#[cfg(feature = "server")]
pub(crate) mod shared;

/// Longest make or model.
pub const MAX_MAKE_LEN: usize = 36;
/// Longest SBI version.
pub const MAX_VERSION_LEN: usize = 64;
/// Default: an SBI may expire at most this many years from today.
pub const DEFAULT_SBI_MAX_YEARS: i64 = 5;

/// Event topic of an SBI's status change.
pub const SBI_UPDATED: &str = "SBI_UPDATED";
/// Event topic of a device's status change.
pub const DEVICE_UPDATED: &str = "DEVICE_UPDATED";
/// Event topic of an FTM chip's status change.
pub const FTM_CHIP_UPDATED: &str = "FTM_CHIP_UPDATED";

/// Where an SBI, device or chip is in its approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ItemStatus {
    /// A chip waiting for its certificate.
    PendingCertUpload,
    /// Waiting for a partner admin.
    PendingApproval,
    /// Approved and usable.
    Approved,
    /// Refused, with a reason.
    Rejected,
    /// Was approved, withdrawn with a reason.
    Deactivated,
}

impl ItemStatus {
    /// Every status.
    pub const ALL: [ItemStatus; 5] = [
        ItemStatus::PendingCertUpload,
        ItemStatus::PendingApproval,
        ItemStatus::Approved,
        ItemStatus::Rejected,
        ItemStatus::Deactivated,
    ];

    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::PendingCertUpload => "PENDING_CERT_UPLOAD",
            ItemStatus::PendingApproval => "PENDING_APPROVAL",
            ItemStatus::Approved => "APPROVED",
            ItemStatus::Rejected => "REJECTED",
            ItemStatus::Deactivated => "DEACTIVATED",
        }
    }

    /// Parse the stored spelling.
    pub fn parse(s: &str) -> Option<ItemStatus> {
        ItemStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::PendingCertUpload => "Certificate needed",
            ItemStatus::PendingApproval => "Pending approval",
            ItemStatus::Approved => "Approved",
            ItemStatus::Rejected => "Rejected",
            ItemStatus::Deactivated => "Deactivated",
        }
    }
}

/// A new SBI, as the provider enters it (dates as YYYY-MM-DD).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SbiInput {
    /// Version, unique per provider.
    pub version: String,
    /// Hash of the SBI binary, hex or base64.
    pub binary_hash: String,
    /// Day the binary was built (not in the future).
    pub created_on: String,
    /// Day it expires (after today, within the configured years).
    pub expires_on: String,
}

/// An SBI as lists and pages show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SbiView {
    /// Id.
    pub id: String,
    /// Provider's partner id.
    pub partner_id: String,
    /// Provider's organisation.
    pub organisation: String,
    /// Version.
    pub version: String,
    /// Binary hash.
    pub binary_hash: String,
    /// Built on, UTC ms (midnight).
    pub created_on: i64,
    /// Expires on, UTC ms (end of day).
    pub expires_on: i64,
    /// Status.
    pub status: ItemStatus,
    /// Reason of a rejection or deactivation.
    pub reason: Option<String>,
    /// Devices linked to it.
    pub devices: i64,
    /// Submitted, UTC ms.
    pub created_at: i64,
    /// Last change, UTC ms.
    pub updated_at: i64,
}

/// A new device model.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInput {
    /// SBIs it works with (at least one; approved, active, unexpired, the provider's own).
    pub sbi_ids: Vec<String>,
    /// Finger, Iris or Face.
    pub device_type: String,
    /// Sub-type of the type.
    pub sub_type: String,
    /// Make (<= 36).
    pub make: String,
    /// Model (<= 36).
    pub model: String,
}

/// An SBI a device is linked to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SbiLink {
    /// SBI id.
    pub id: String,
    /// Version.
    pub version: String,
    /// Its status.
    pub status: ItemStatus,
}

/// A device model as lists and pages show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceView {
    /// Id.
    pub id: String,
    /// Provider's partner id.
    pub partner_id: String,
    /// Provider's organisation.
    pub organisation: String,
    /// Type.
    pub device_type: String,
    /// Sub-type.
    pub sub_type: String,
    /// Make.
    pub make: String,
    /// Model.
    pub model: String,
    /// Status.
    pub status: ItemStatus,
    /// Reason of a rejection or deactivation.
    pub reason: Option<String>,
    /// Linked SBIs.
    pub sbis: Vec<SbiLink>,
    /// Submitted, UTC ms.
    pub created_at: i64,
}

/// A secure chip model as lists and pages show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChipView {
    /// Id.
    pub id: String,
    /// Provider's partner id.
    pub partner_id: String,
    /// Provider's organisation.
    pub organisation: String,
    /// Make.
    pub make: String,
    /// Model.
    pub model: String,
    /// Status.
    pub status: ItemStatus,
    /// Reason of a rejection or deactivation.
    pub reason: Option<String>,
    /// Subject of its certificate, once uploaded.
    pub cert_subject: Option<String>,
    /// End of its certificate's validity, UTC ms.
    pub cert_not_after: Option<i64>,
    /// Submitted, UTC ms.
    pub created_at: i64,
}

/// A chip's certificates for download.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChipCertificates {
    /// The uploaded certificate, PEM.
    pub pem: String,
    /// The portal's re-signed certificate, PEM.
    pub resigned_pem: String,
    /// The uploaded certificate has expired.
    pub expired: bool,
}

/// Filters, sort and page of an SBI, device or chip list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemQuery {
    /// Status spelling.
    pub status: Option<String>,
    /// Provider's partner id.
    pub partner: Option<String>,
    /// Device type (devices only).
    pub device_type: Option<String>,
    /// The devices linked to this SBI id (devices only).
    pub sbi: Option<String>,
    /// "created" (oldest first, the default) or "-created".
    pub sort: Option<String>,
    /// 1-based page.
    pub page: Option<i64>,
    /// Page size.
    pub page_size: Option<i64>,
}

/// What deactivating an SBI would do to its devices.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SbiImpact {
    /// Approved devices that would be deactivated.
    pub devices_deactivated: i64,
    /// Pending devices that would be rejected.
    pub devices_rejected: i64,
}

/// A device type with its sub-types.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceTypeOption {
    /// Type.
    pub device_type: String,
    /// Its sub-types.
    pub sub_types: Vec<String>,
}

/// Columns a device list can be filtered ("contains") and sorted by, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceColumn {
    /// Device id.
    Id,
    /// Provider's partner id.
    Partner,
    /// Provider's organisation.
    Organisation,
    /// Type.
    Type,
    /// Sub-type.
    SubType,
    /// Make.
    Make,
    /// Model.
    Model,
    /// A linked SBI's id (sorting: the smallest).
    SbiId,
    /// A linked SBI's version (sorting: the smallest).
    SbiVersion,
    /// Status (sort only).
    Status,
    /// Submitted (sort only).
    Created,
}

/// Columns an SBI list can be filtered ("contains") and sorted by, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbiColumn {
    /// SBI id.
    Id,
    /// Provider's partner id.
    Partner,
    /// Provider's organisation.
    Organisation,
    /// Version.
    Version,
    /// Built on (sort only).
    CreatedOn,
    /// Expires on (sort only; also the order of "expired or valid").
    ExpiresOn,
    /// Status (sort only).
    Status,
    /// Number of linked devices (sort only).
    Devices,
    /// Submitted (sort only).
    Created,
}

/// An SBI list's filters beyond its columns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SbiFilter {
    /// Column filters and sort.
    pub columns: crate::page::Columns<SbiColumn>,
    /// Only expired (`true`) or unexpired (`false`) SBIs.
    pub expired: Option<bool>,
    /// Only SBIs expiring within this many days from now.
    pub expiring_within_days: Option<i64>,
}

/// Columns a chip list can be filtered ("contains") and sorted by, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChipColumn {
    /// Chip id.
    Id,
    /// Provider's partner id.
    Partner,
    /// Provider's organisation.
    Organisation,
    /// Make.
    Make,
    /// Model.
    Model,
    /// Status (sort only).
    Status,
    /// Submitted (sort only).
    Created,
}
