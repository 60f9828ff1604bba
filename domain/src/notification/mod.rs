//! Notifications: expiry warnings for admins and partners, created by a daily job that one
//! instance runs under a database lease, shown by the bell and the notifications page, and
//! mailed through a database queue when SMTP is configured.
//!
//! Types are shared with the browser; the job, the queue and the queries are server-only.

use serde::{Deserialize, Serialize};

#[cfg(feature = "server")]
mod mail;
#[cfg(feature = "server")]
mod service;
#[cfg(feature = "server")]
pub mod status;
#[cfg(feature = "server")]
pub use mail::*;
#[cfg(feature = "server")]
pub use service::*;

/// Days before an expiry at which a warning is raised: 30, 15, 10 and each of the last 9.
pub const THRESHOLDS: [i64; 12] = [30, 15, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
/// Notifications older than this are purged.
pub const RETENTION_DAYS: i64 = 60;
/// The weekly summary covers what expires within this many days.
pub const SUMMARY_DAYS: i64 = 7;

/// What a notification is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationKind {
    /// A root or intermediate CA certificate of the trust store (admins).
    CaCertExpiry,
    /// The partner's own certificate.
    PartnerCertExpiry,
    /// An FTM chip model's certificate.
    ChipCertExpiry,
    /// An API key.
    ApiKeyExpiry,
    /// An SBI.
    SbiExpiry,
    /// A MISP license.
    LicenseExpiry,
    /// The admins' weekly summary of what expires soon.
    WeeklySummary,
}

impl NotificationKind {
    /// Every kind.
    pub const ALL: [NotificationKind; 7] = [
        NotificationKind::CaCertExpiry,
        NotificationKind::PartnerCertExpiry,
        NotificationKind::ChipCertExpiry,
        NotificationKind::ApiKeyExpiry,
        NotificationKind::SbiExpiry,
        NotificationKind::LicenseExpiry,
        NotificationKind::WeeklySummary,
    ];

    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::CaCertExpiry => "CA_CERT_EXPIRY",
            NotificationKind::PartnerCertExpiry => "PARTNER_CERT_EXPIRY",
            NotificationKind::ChipCertExpiry => "CHIP_CERT_EXPIRY",
            NotificationKind::ApiKeyExpiry => "APIKEY_EXPIRY",
            NotificationKind::SbiExpiry => "SBI_EXPIRY",
            NotificationKind::LicenseExpiry => "LICENSE_EXPIRY",
            NotificationKind::WeeklySummary => "WEEKLY_SUMMARY",
        }
    }

    /// Parse the stored spelling.
    pub fn parse(s: &str) -> Option<NotificationKind> {
        NotificationKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Name shown in filters.
    pub fn label(self) -> &'static str {
        match self {
            NotificationKind::CaCertExpiry => "CA certificate expiry",
            NotificationKind::PartnerCertExpiry => "Certificate expiry",
            NotificationKind::ChipCertExpiry => "Chip certificate expiry",
            NotificationKind::ApiKeyExpiry => "API key expiry",
            NotificationKind::SbiExpiry => "SBI expiry",
            NotificationKind::LicenseExpiry => "License expiry",
            NotificationKind::WeeklySummary => "Weekly summary",
        }
    }
}

/// The threshold bracket of an expiry `days_left` whole days away (rounded up): the smallest
/// threshold at or above it, so a day the job missed is caught up the next day, once.
pub fn bracket(days_left: i64) -> Option<i64> {
    if !(1..=THRESHOLDS[0]).contains(&days_left) {
        return None;
    }
    THRESHOLDS.iter().rev().copied().find(|t| *t >= days_left)
}

/// A notification as the bell and the page show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: NotificationKind,
    /// One line.
    pub title: String,
    /// Details.
    pub body: String,
    /// Where to act on it.
    pub link: String,
    /// When the thing expires, UTC ms.
    pub due_at: Option<i64>,
    /// Read already.
    pub read: bool,
    /// Created, UTC ms.
    pub created_at: i64,
}

/// Filters and page of the notifications page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationQuery {
    /// One kind only.
    #[serde(default)]
    pub kind: Option<String>,
    /// `unread` for unread only.
    #[serde(default)]
    pub state: Option<String>,
    /// 1-based page.
    #[serde(default)]
    pub page: Option<i64>,
    /// Page size.
    #[serde(default)]
    pub page_size: Option<i64>,
}

/// What the bell shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BellSummary {
    /// Unread, not dismissed.
    pub unread: i64,
    /// The latest few, newest first.
    pub latest: Vec<NotificationView>,
}

/// What one run of the daily job did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyReport {
    /// Notifications created.
    pub created: usize,
    /// Mails queued.
    pub mails: usize,
    /// Weekly summaries created.
    pub summaries: usize,
    /// Old notifications purged.
    pub purged: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_follow_the_thresholds() {
        assert_eq!(bracket(31), None);
        assert_eq!(bracket(30), Some(30));
        assert_eq!(bracket(16), Some(30));
        assert_eq!(bracket(15), Some(15));
        assert_eq!(bracket(11), Some(15));
        assert_eq!(bracket(10), Some(10));
        for d in 1..=9 {
            assert_eq!(bracket(d), Some(d));
        }
        assert_eq!(bracket(0), None);
        assert_eq!(bracket(-3), None);
    }
}
