//! Certificates: the trust store (root and intermediate CAs per domain), partner certificates
//! and their re-signed form, and the portal's own signing CAs.
//!
//! The types here are shared with the browser; parsing, verification and signing (x509-parser,
//! rustls-webpki, rcgen, ring) are server-only.

use crate::error::Violation;
use serde::{Deserialize, Serialize};

mod lists;
pub use lists::*;
#[cfg(feature = "server")]
pub mod inspect;
#[cfg(feature = "server")]
pub mod parse;
#[cfg(feature = "server")]
pub(crate) mod part;
#[cfg(feature = "server")]
pub mod partner;
#[cfg(feature = "server")]
pub mod seal;
#[cfg(feature = "server")]
pub mod signing;
#[cfg(feature = "server")]
pub mod trust;

/// Largest certificate upload (PEM, DER or PKCS#7): a bundle of a few dozen certificates fits.
pub const MAX_UPLOAD_BYTES: usize = 256 * 1024;

/// Longest chain accepted for a partner certificate, in certificates, leaf and root included.
pub const MAX_PATH_DEPTH: usize = 4;

/// Default minimum remaining validity of a CA certificate added to the trust store.
pub const DEFAULT_MIN_CA_VALIDITY_DAYS: i64 = 365;

/// Validity of a re-signed partner certificate (never beyond the uploaded one's).
pub const RESIGNED_VALIDITY_DAYS: i64 = 365;

/// What a certificate is trusted for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CertDomain {
    /// Relying parties, credential/print partners, MISP and the rest.
    #[serde(rename = "AUTH")]
    Auth,
    /// Biometric device providers.
    #[serde(rename = "DEVICE")]
    Device,
    /// Secure-chip (FTM) providers and their chips.
    #[serde(rename = "FTM")]
    Ftm,
}

impl CertDomain {
    /// Every domain.
    pub const ALL: [CertDomain; 3] = [CertDomain::Auth, CertDomain::Device, CertDomain::Ftm];

    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CertDomain::Auth => "AUTH",
            CertDomain::Device => "DEVICE",
            CertDomain::Ftm => "FTM",
        }
    }

    /// Parse the stored spelling (case-insensitive).
    pub fn parse(s: &str) -> Option<CertDomain> {
        CertDomain::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// What the domain is for, in words.
    pub fn label(self) -> &'static str {
        match self {
            CertDomain::Auth => "Authentication (AUTH)",
            CertDomain::Device => "Biometric devices (DEVICE)",
            CertDomain::Ftm => "Secure chips (FTM)",
        }
    }
}

/// Root (self-signed) or intermediate CA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CaKind {
    /// Self-signed.
    #[serde(rename = "ROOT")]
    Root,
    /// Signed by a stored CA of the same domain.
    #[serde(rename = "INTERMEDIATE")]
    Intermediate,
}

impl CaKind {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CaKind::Root => "ROOT",
            CaKind::Intermediate => "INTERMEDIATE",
        }
    }

    /// Parse the stored spelling (case-insensitive).
    pub fn parse(s: &str) -> Option<CaKind> {
        [CaKind::Root, CaKind::Intermediate]
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// What a certificate says about itself, as shown before confirming an upload and on detail
/// pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertFacts {
    /// Subject DN (RFC 4514 style).
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Serial number, colon-separated hex.
    pub serial: String,
    /// Start of validity, UTC ms.
    pub not_before: i64,
    /// End of validity, UTC ms.
    pub not_after: i64,
    /// Key type and size ("RSA 2048", "EC P-256", "Ed25519").
    pub key_type: String,
    /// Signature algorithm ("SHA256withRSA", "SHA256withECDSA"...).
    pub sig_alg: String,
    /// SHA-256 of the DER, lowercase hex.
    pub thumbprint: String,
    /// X.509 version (3 for v3).
    pub version: u32,
    /// Basic constraints say CA.
    pub is_ca: bool,
    /// Subject equals issuer and the certificate verifies with its own key.
    pub self_signed: bool,
}

/// One certificate of a trust-store upload: what it is, and whether it was stored and why not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaUploadItem {
    /// Position in the upload (1-based), as the user sees the file.
    pub position: usize,
    /// Its facts, when it could be parsed.
    pub facts: Option<CertFacts>,
    /// ROOT or INTERMEDIATE, when it would be (or was) stored.
    pub kind: Option<CaKind>,
    /// Stored (or, in a preview, would be stored).
    pub accepted: bool,
    /// Id of the stored row.
    pub id: Option<String>,
    /// Every check that failed, in plain words.
    pub problems: Vec<Violation>,
}

/// Result of checking (preview) or storing a trust-store upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaUploadReport {
    /// The domain uploaded to.
    pub domain: CertDomain,
    /// One entry per certificate found in the input, in input order.
    pub items: Vec<CaUploadItem>,
    /// True when this was only a check and nothing was stored.
    pub preview: bool,
}

impl CaUploadReport {
    /// Certificates accepted (stored, or that would be).
    pub fn accepted(&self) -> usize {
        self.items.iter().filter(|i| i.accepted).count()
    }
}

/// A row of the trust-store list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaSummary {
    /// Id.
    pub id: String,
    /// Domain.
    pub domain: CertDomain,
    /// Root or intermediate.
    pub kind: CaKind,
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// End of validity, UTC ms.
    pub not_after: i64,
    /// Key type.
    pub key_type: String,
    /// Still trusted.
    pub active: bool,
    /// Added, UTC ms.
    pub created_at: i64,
}

/// Filters, sort and page of the trust-store list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaQuery {
    /// AUTH, DEVICE or FTM.
    pub domain: Option<String>,
    /// ROOT or INTERMEDIATE.
    pub kind: Option<String>,
    /// "active" or "inactive".
    pub status: Option<String>,
    /// Only certificates that expire within this many days (expired ones included).
    pub expiring_within_days: Option<i64>,
    /// Text in the subject.
    pub q: Option<String>,
    /// created | not_after | subject, "-" in front for descending (default -created).
    pub sort: Option<String>,
    /// 1-based page.
    pub page: Option<i64>,
    /// Page size.
    pub page_size: Option<i64>,
}

/// A link of a CA's chain, from the certificate itself up to its root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainLink {
    /// Id.
    pub id: String,
    /// Subject DN.
    pub subject: String,
    /// Root or intermediate.
    pub kind: CaKind,
    /// Still trusted.
    pub active: bool,
}

/// Everything the trust-store detail page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaDetail {
    /// The list row.
    pub summary: CaSummary,
    /// Parsed facts.
    pub facts: CertFacts,
    /// From this certificate up to its root.
    pub chain: Vec<ChainLink>,
    /// Active intermediates issued by it.
    pub issued_active: i64,
    /// Who added it.
    pub created_by: Option<String>,
    /// The certificate as PEM, for download.
    pub pem: String,
}

/// A partner certificate's state, as the partner and admins see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerCertView {
    /// Upload id.
    pub id: String,
    /// Partner id.
    pub partner_id: String,
    /// Domain it was validated for.
    pub domain: CertDomain,
    /// Facts of the uploaded (CA-signed) certificate.
    pub facts: CertFacts,
    /// Uploaded certificate, PEM.
    pub pem: String,
    /// The uploaded certificate has expired.
    pub expired: bool,
    /// Whole days until the uploaded certificate expires (negative once expired).
    pub days_left: i64,
    /// The portal's re-signed certificate for the same key, PEM.
    pub resigned_pem: String,
    /// End of the re-signed certificate's validity, UTC ms.
    pub resigned_not_after: i64,
    /// The re-signed certificate has expired.
    pub resigned_expired: bool,
    /// Uploaded, UTC ms.
    pub uploaded_at: i64,
    /// Earlier uploads, newest first (renewals; the latest 20).
    pub history: Vec<PartnerCertHistory>,
    /// How many earlier uploads there are in all.
    pub history_total: i64,
}

/// One earlier upload of a partner certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerCertHistory {
    /// Upload id.
    pub id: String,
    /// Subject DN.
    pub subject: String,
    /// Thumbprint.
    pub thumbprint: String,
    /// End of validity, UTC ms.
    pub not_after: i64,
    /// Uploaded, UTC ms.
    pub uploaded_at: i64,
    /// The uploaded certificate, PEM.
    pub pem: String,
    /// The uploaded certificate has expired.
    pub expired: bool,
    /// Its re-signed certificate, PEM.
    pub resigned_pem: String,
    /// The re-signed certificate has expired.
    pub resigned_expired: bool,
}

/// What checking a partner certificate found, before it is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerCertCheck {
    /// The domain the partner's type uses.
    pub domain: CertDomain,
    /// Facts, when the input held one parseable certificate.
    pub facts: Option<CertFacts>,
    /// Every failed check, in plain words (empty: it can be uploaded).
    pub problems: Vec<Violation>,
}

/// One of the portal's signing CAs, public part only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningCaView {
    /// Domain.
    pub domain: CertDomain,
    /// Subject DN.
    pub subject: String,
    /// End of validity, UTC ms.
    pub not_after: i64,
    /// Certificate, PEM.
    pub pem: String,
}

/// Days left from `now_ms` until `until_ms`, rounded up: the last 24 hours count as one day
/// (0 once past, negative after). The portal's one rule for day counts: certificate pages,
/// the inbox, dashboards and the expiry notifications all use it, so they never disagree.
pub fn days_until(now_ms: i64, until_ms: i64) -> i64 {
    const DAY: i64 = 86_400_000;
    (until_ms - now_ms + DAY - 1).div_euclid(DAY)
}

#[cfg(test)]
mod tests {
    use super::days_until;

    #[test]
    fn day_counts_round_up_so_every_page_says_the_same() {
        const DAY: i64 = 86_400_000;
        let now = 1_800_000_000_000;
        // 19 days and an hour left reads "20 days", as the bell says.
        assert_eq!(days_until(now, now + 19 * DAY + 3_600_000), 20);
        assert_eq!(days_until(now, now + 20 * DAY), 20);
        assert_eq!(days_until(now, now + 1), 1);
        assert_eq!(days_until(now, now), 0);
        assert_eq!(days_until(now, now - DAY), -1);
    }
}
