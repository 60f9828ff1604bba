//! Partners: organisations onboarded by the operator. Types, views and validation shared with
//! the browser; storage and use cases (feature `server`) in `service`.

use crate::error::{AppError, AppResult, ErrorKind};
use crate::page::Page;
use crate::role::Role;
use serde::{Deserialize, Serialize};

mod lists;
pub use lists::*;
mod check;
mod kind;
#[cfg(feature = "server")]
mod mosip;
#[cfg(feature = "server")]
pub(crate) mod part;
#[cfg(feature = "server")]
mod seed;
#[cfg(feature = "server")]
mod service;
#[cfg(feature = "server")]
pub use mosip::{seed_mosip_defaults, MosipSeedReport};
#[cfg(feature = "server")]
pub use seed::*;
#[cfg(feature = "server")]
pub use service::*;

pub use check::*;
pub use kind::PartnerType;

/// Longest partner id (reference rule).
pub const MAX_PARTNER_ID_LEN: usize = 36;
/// Longest organisation name.
pub const MAX_ORGANISATION_LEN: usize = 128;
/// Longest phone number without its separators (reference rule: 16, room for E.164's 15
/// digits and a leading '+').
pub const MAX_PHONE_LEN: usize = 16;
/// Longest phone number as typed, separators included ("+33 1 23 45 67 89" is 17): inputs
/// allow this much so the browser never cuts a valid number short.
pub const MAX_PHONE_TYPED_LEN: usize = 32;
/// Longest postal address.
pub const MAX_ADDRESS_LEN: usize = 2000;
/// Longest reason of a rejection or deactivation.
pub const MAX_REASON_LEN: usize = 1024;
/// Most extra contacts a partner may keep.
pub const MAX_CONTACTS: i64 = 20;

/// Languages a partner may choose for its correspondence (ISO 639-3, as the reference).
pub const LANGUAGES: [(&str, &str); 8] = [
    ("eng", "English"),
    ("fra", "French"),
    ("ara", "Arabic"),
    ("spa", "Spanish"),
    ("por", "Portuguese"),
    ("hin", "Hindi"),
    ("kan", "Kannada"),
    ("tam", "Tamil"),
];

/// Where a partner is in its lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PartnerStatus {
    /// Registered by sign-up; waiting for its contact email to be verified before it reaches
    /// a partner admin (only when the portal can send mail).
    Unverified,
    /// Registered, waiting for a partner admin.
    Pending,
    /// Approved and active.
    Approved,
    /// Refused by a partner admin (with a reason); the partner may edit and resubmit.
    Rejected,
    /// Was approved, now inactive (with a reason).
    Deactivated,
}

impl PartnerStatus {
    /// Every status, in display order.
    pub const ALL: [PartnerStatus; 5] = [
        PartnerStatus::Unverified,
        PartnerStatus::Pending,
        PartnerStatus::Approved,
        PartnerStatus::Rejected,
        PartnerStatus::Deactivated,
    ];

    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerStatus::Unverified => "UNVERIFIED",
            PartnerStatus::Pending => "PENDING",
            PartnerStatus::Approved => "APPROVED",
            PartnerStatus::Rejected => "REJECTED",
            PartnerStatus::Deactivated => "DEACTIVATED",
        }
    }

    /// Parse the stored spelling.
    pub fn parse(s: &str) -> Option<PartnerStatus> {
        PartnerStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            PartnerStatus::Unverified => "Email not verified",
            PartnerStatus::Pending => "Pending approval",
            PartnerStatus::Approved => "Approved",
            PartnerStatus::Rejected => "Rejected",
            PartnerStatus::Deactivated => "Deactivated",
        }
    }
}

/// A decision on a partner's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Pending -> approved (admin).
    Approve,
    /// Pending -> rejected, reason required (admin).
    Reject,
    /// Approved -> deactivated, reason required (admin).
    Deactivate,
    /// Deactivated -> approved (admin).
    Reactivate,
    /// Rejected -> pending, after the partner fixed its profile (partner).
    Resubmit,
}

impl Decision {
    /// Parse the form spelling.
    pub fn parse(s: &str) -> Option<Decision> {
        Some(match s {
            "approve" => Decision::Approve,
            "reject" => Decision::Reject,
            "deactivate" => Decision::Deactivate,
            "reactivate" => Decision::Reactivate,
            "resubmit" => Decision::Resubmit,
            _ => return None,
        })
    }

    /// Audit action name.
    pub fn action(self) -> &'static str {
        match self {
            Decision::Approve => "PARTNER_APPROVED",
            Decision::Reject => "PARTNER_REJECTED",
            Decision::Deactivate => "PARTNER_DEACTIVATED",
            Decision::Reactivate => "PARTNER_REACTIVATED",
            Decision::Resubmit => "PARTNER_RESUBMITTED",
        }
    }

    /// Whether a reason must be given.
    pub fn needs_reason(self) -> bool {
        matches!(self, Decision::Reject | Decision::Deactivate)
    }
}

/// The status a decision leads to from `from`, or why it is not allowed.
pub fn transition(from: PartnerStatus, decision: Decision) -> AppResult<PartnerStatus> {
    use Decision as D;
    use PartnerStatus as S;
    let to = match (decision, from) {
        (D::Approve, S::Pending) => S::Approved,
        (D::Reject, S::Pending) => S::Rejected,
        (D::Deactivate, S::Approved) => S::Deactivated,
        (D::Reactivate, S::Deactivated) => S::Approved,
        (D::Resubmit, S::Rejected) => S::Pending,
        _ => {
            let hint = match (decision, from) {
                (D::Approve | D::Reject, S::Deactivated) => {
                    " It was approved before; reactivate it instead."
                }
                (D::Approve | D::Reject, S::Rejected) => {
                    " The partner must correct its profile and resubmit first."
                }
                (D::Deactivate, S::Pending) => " Reject a pending partner instead.",
                (_, S::Unverified) => {
                    " Its contact email is not verified yet; it reaches the queue once it is."
                }
                _ => "",
            };
            let verb = match decision {
                D::Approve => "Only a pending partner can be approved",
                D::Reject => "Only a pending partner can be rejected",
                D::Deactivate => "Only an approved partner can be deactivated",
                D::Reactivate => "Only a deactivated partner can be reactivated",
                D::Resubmit => "Only a rejected registration can be resubmitted",
            };
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_PARTNER_ILLEGAL_TRANSITION",
                format!(
                    "{verb}; this partner is {}.{hint}",
                    from.label().to_lowercase()
                ),
            ));
        }
    };
    Ok(to)
}

/// A partner type (seed data).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerTypeInfo {
    /// Code, e.g. `Auth_Partner`.
    pub code: String,
    /// Description.
    pub description: String,
    /// Whether partners of this type belong to a policy group.
    pub policy_required: bool,
    /// Whether a partner may register itself with this type.
    pub self_registrable: bool,
    /// Role of the partner's account; None for types without portal use.
    pub portal_role: Option<Role>,
    /// Certificate domain (AUTH, DEVICE, FTM).
    pub cert_domain: String,
}

/// A policy group a partner may choose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyGroupOption {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
}

/// What the sign-up and create forms offer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerFormOptions {
    /// Types the caller may choose.
    pub types: Vec<PartnerTypeInfo>,
    /// Active policy groups.
    pub policy_groups: Vec<PolicyGroupOption>,
}

/// A partner's profile, as entered at registration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerInput {
    /// Chosen partner id.
    pub partner_id: String,
    /// Organisation name (must later match the certificate's O=).
    pub organisation: String,
    /// Partner type code.
    pub partner_type: String,
    /// Contact email (also the sign-in email at registration).
    pub email: String,
    /// Phone.
    pub phone: String,
    /// Postal address.
    pub address: String,
    /// Language code.
    pub language: String,
    /// Policy group id, when the type needs one.
    #[serde(default)]
    pub policy_group_id: Option<String>,
}

/// Editable part of a profile.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileUpdate {
    /// Contact email.
    pub email: String,
    /// Phone.
    pub phone: String,
    /// Postal address.
    pub address: String,
    /// Language code.
    pub language: String,
    /// Policy group (only changes while the partner is not active).
    #[serde(default)]
    pub policy_group_id: Option<String>,
}

/// A partner as shown on its pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerView {
    /// Partner id.
    pub id: String,
    /// Organisation.
    pub organisation: String,
    /// Type code.
    pub partner_type: String,
    /// Whether the type needs a policy group.
    pub policy_required: bool,
    /// Certificate domain of the type.
    pub cert_domain: String,
    /// Policy group id.
    pub policy_group_id: Option<String>,
    /// Policy group name.
    pub policy_group_name: Option<String>,
    /// Contact email.
    pub email: String,
    /// Phone.
    pub phone: String,
    /// Address.
    pub address: String,
    /// Language code.
    pub language: String,
    /// Status.
    pub status: PartnerStatus,
    /// Reason of the last rejection or deactivation.
    pub status_reason: Option<String>,
    /// Sign-in email of the partner's account.
    pub account_email: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Updated (RFC 3339).
    pub updated_at: String,
}

/// A row of the partners list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerSummary {
    /// Partner id.
    pub id: String,
    /// Organisation.
    pub organisation: String,
    /// Type code.
    pub partner_type: String,
    /// Policy group name.
    pub policy_group_name: Option<String>,
    /// Contact email.
    pub email: String,
    /// Status.
    pub status: PartnerStatus,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Policy group id (not in the page's payload nor its CSV: MOSIP's list shows it).
    #[serde(skip)]
    pub policy_group_id: Option<String>,
    /// Whether it has a current certificate (likewise).
    #[serde(skip)]
    pub has_certificate: bool,
}

/// Filters, sort and page of the partners list (all optional; URL query parameters).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PartnerQuery {
    /// 1-based page.
    pub page: Option<i64>,
    /// Page size.
    pub page_size: Option<i64>,
    /// Free text on id, organisation, email.
    pub q: Option<String>,
    /// Status.
    pub status: Option<PartnerStatus>,
    /// Type code.
    pub partner_type: Option<String>,
    /// Policy group id.
    pub policy_group: Option<String>,
    /// `id`, `organisation`, `type`, `status`, `created`, `email`, `group`, `group_name`,
    /// `certificate`, `active`, each optionally prefixed by `-`.
    pub sort: Option<String>,
    /// MOSIP's admin-partners filters: case-insensitive "contains" on the partner id.
    pub id_contains: Option<String>,
    /// ... on the organisation.
    pub organisation_contains: Option<String>,
    /// ... on the contact email.
    pub email_contains: Option<String>,
    /// ... on the type code.
    pub type_contains: Option<String>,
    /// ... on the policy group's name (an empty text keeps partners that have a group).
    pub group_name_contains: Option<String>,
    /// Approved (true) or any other status (false).
    pub active: Option<bool>,
    /// With a current certificate (true) or without (false).
    pub certificate: Option<bool>,
}

/// A page of partners plus the number of partners in each status (over the whole table).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerList {
    /// The page.
    pub page: Page<PartnerSummary>,
    /// (status, count) for every status.
    pub counts: Vec<(PartnerStatus, i64)>,
}

/// An extra contact of a partner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    /// Id.
    pub id: i64,
    /// Email.
    pub email: String,
    /// Phone (may be empty).
    pub phone: String,
    /// Added (RFC 3339).
    pub created_at: String,
}

/// One change of status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// Before (None at registration).
    pub from: Option<PartnerStatus>,
    /// After.
    pub to: PartnerStatus,
    /// Reason given.
    pub reason: Option<String>,
    /// Who.
    pub actor_email: Option<String>,
    /// When (RFC 3339).
    pub at: String,
}

/// Everything the admin detail page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerDetail {
    /// Profile.
    pub partner: PartnerView,
    /// Extra contacts.
    pub contacts: Vec<ContactView>,
    /// Status history, newest first.
    pub history: Vec<StatusChange>,
    /// Audit trail of the partner, newest first.
    pub audit: Vec<crate::history::AuditEntry>,
    /// What a deactivation would stop now (live keys, licenses, clients).
    pub cascade: crate::access::PartnerCascade,
}

/// What a verification link confirms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerifyPurpose {
    /// The address given at sign-up: its registration then goes to a partner admin.
    Registration,
    /// A new contact email: it replaces the old one.
    ContactChange,
}

impl VerifyPurpose {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyPurpose::Registration => "REGISTRATION",
            VerifyPurpose::ContactChange => "CONTACT_CHANGE",
        }
    }

    /// Parse the stored spelling (anything else is a registration).
    pub fn parse(s: &str) -> VerifyPurpose {
        if s == "CONTACT_CHANGE" {
            VerifyPurpose::ContactChange
        } else {
            VerifyPurpose::Registration
        }
    }
}

/// A link mailed and not yet used, as its partner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEmail {
    /// The address waiting for verification.
    pub email: String,
    /// What verifying it does.
    pub purpose: VerifyPurpose,
    /// When the newest link was sent (RFC 3339).
    pub sent_at: String,
    /// Until when it works (RFC 3339).
    pub expires_at: String,
}

/// What a usable link confirms (the page shows it before the confirm button), and after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailLink {
    /// The address it verifies.
    pub email: String,
    /// What verifying it does.
    pub purpose: VerifyPurpose,
    /// The partner's organisation.
    pub organisation: String,
}

/// What a partner sees about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyPartner {
    /// Profile.
    pub partner: PartnerView,
    /// Extra contacts.
    pub contacts: Vec<ContactView>,
    /// Active policy groups (for a change while not active).
    pub policy_groups: Vec<PolicyGroupOption>,
    /// The address waiting for verification, if any.
    pub pending_email: Option<PendingEmail>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_ids_follow_the_rules() {
        assert_eq!(
            check_partner_id("  acme-auth_1.0 ").expect("ok"),
            "acme-auth_1.0"
        );
        let code = |v: &str| check_partner_id(v).expect_err(v).code;
        assert_eq!(code(""), "PMS_PARTNER_ID_REQUIRED");
        assert_eq!(code(&"a".repeat(37)), "PMS_PARTNER_ID_TOO_LONG");
        assert!(check_partner_id(&"a".repeat(36)).is_ok());
        assert_eq!(code("acme auth"), "PMS_PARTNER_ID_SPACES");
        assert_eq!(code("acme/auth"), "PMS_PARTNER_ID_INVALID");
        assert_eq!(code("acmé"), "PMS_PARTNER_ID_INVALID");
    }

    #[test]
    fn phones_addresses_languages_and_reasons() {
        assert_eq!(
            check_phone("phone", " +91 80-1234 ", true).expect("ok"),
            "+91 80-1234"
        );
        let code = |v: &str| check_phone("phone", v, true).expect_err(v).code;
        assert_eq!(code(""), "PMS_PHONE_REQUIRED");
        assert_eq!(code("12345678901234567"), "PMS_PHONE_TOO_LONG");
        assert_eq!(code("12a4567"), "PMS_PHONE_INVALID");
        assert_eq!(code("1+234567"), "PMS_PHONE_INVALID");
        assert_eq!(code("+1"), "PMS_PHONE_INVALID");
        assert_eq!(check_phone("phone", "", false).expect("optional"), "");
        assert_eq!(
            check_address("").expect_err("empty").code,
            "PMS_ADDRESS_REQUIRED"
        );
        assert_eq!(
            check_address(&"x".repeat(2001)).expect_err("long").code,
            "PMS_ADDRESS_TOO_LONG"
        );
        assert!(check_address("1 Main St\nSpringfield").is_ok());
        assert_eq!(
            check_address("a\u{7}").expect_err("bell").code,
            "PMS_TEXT_INVALID"
        );
        assert_eq!(check_language("eng").expect("ok"), "eng");
        assert_eq!(
            check_language("xx").expect_err("xx").code,
            "PMS_LANGUAGE_UNKNOWN"
        );
        assert_eq!(
            check_organisation("  ").expect_err("empty").code,
            "PMS_ORGANISATION_REQUIRED"
        );
        assert_eq!(
            check_organisation(&"o".repeat(129)).expect_err("long").code,
            "PMS_ORGANISATION_TOO_LONG"
        );
        assert_eq!(
            check_reason(Some(" "), true).expect_err("r").code,
            "PMS_REASON_REQUIRED"
        );
        assert_eq!(check_reason(None, false).expect("none"), None);
        assert_eq!(
            check_reason(Some(&"r".repeat(1025)), true)
                .expect_err("long")
                .code,
            "PMS_REASON_TOO_LONG"
        );
    }

    #[test]
    fn every_transition_legal_and_illegal() {
        use Decision as D;
        use PartnerStatus as S;
        let legal = [
            (S::Pending, D::Approve, S::Approved),
            (S::Pending, D::Reject, S::Rejected),
            (S::Approved, D::Deactivate, S::Deactivated),
            (S::Deactivated, D::Reactivate, S::Approved),
            (S::Rejected, D::Resubmit, S::Pending),
        ];
        for from in S::ALL {
            for d in [
                D::Approve,
                D::Reject,
                D::Deactivate,
                D::Reactivate,
                D::Resubmit,
            ] {
                let expected = legal
                    .iter()
                    .find(|(f, dd, _)| *f == from && *dd == d)
                    .map(|(_, _, t)| *t);
                match (transition(from, d), expected) {
                    (Ok(to), Some(t)) => assert_eq!(to, t),
                    (Err(e), None) => {
                        assert_eq!(e.code, "PMS_PARTNER_ILLEGAL_TRANSITION");
                        assert_eq!(e.kind, ErrorKind::Conflict);
                    }
                    (got, want) => panic!("{from:?} {d:?}: got {got:?}, want {want:?}"),
                }
            }
        }
        let msg = transition(S::Deactivated, D::Approve)
            .expect_err("x")
            .message;
        assert!(msg.contains("reactivate"), "{msg}");
    }
}
