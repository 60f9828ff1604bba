//! The structured model of policy documents, used by the editor in the browser. The JSON text
//! stays the source of truth: the structured view is offered only when the document round-trips
//! through this model unchanged, so the editor can never drop something it does not know.

use super::PolicyType;
use serde::{Deserialize, Serialize};

/// Auth types the editor offers (the schema's list), with their sub-types.
pub const AUTH_TYPES: [(&str, &str, &[&str]); 12] = [
    ("bio", "Biometric", &["FINGER", "IRIS", "FACE"]),
    ("otp", "One-time password", &[]),
    ("demo", "Demographic", &[]),
    ("kyc", "e-KYC", &[]),
    ("otp-request", "OTP request", &[]),
    ("kycauth", "KYC auth (eSignet)", &[]),
    ("kycexchange", "KYC exchange (eSignet)", &[]),
    ("token", "Token", &[]),
    ("keybinding", "Key binding (wallets)", &[]),
    ("kbt", "Key-bound token", &[]),
    ("wla", "Wallet-local authentication", &[]),
    ("vciexchange", "Verifiable credential issuance", &[]),
];

/// Token types of an auth policy.
pub const AUTH_TOKEN_TYPES: [&str; 3] = ["random", "partner", "policy"];

/// Ways of sharing data.
pub const SHARE_TYPES: [&str; 2] = ["Data Share", "direct"];

/// Encryption of shared data.
pub const ENCRYPTION_TYPES: [&str; 2] = ["Partner Based", "none"];

/// An auth policy document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthPolicy {
    /// `random`, `partner` or `policy`.
    pub auth_token_type: String,
    /// Allowed auth types.
    pub allowed_auth_types: Vec<AuthTypeRule>,
    /// KYC attributes the partner may receive.
    pub allowed_kyc_attributes: Vec<KycAttribute>,
    /// Languages of KYC answers (ISO 639-3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kyc_languages: Option<Vec<String>>,
}

/// One allowed auth type.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthTypeRule {
    /// `bio`, `otp`, ...
    pub auth_type: String,
    /// `FINGER`, `IRIS`, `FACE` for `bio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_sub_type: Option<String>,
    /// The partner must use it.
    pub mandatory: bool,
}

/// One KYC attribute.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KycAttribute {
    /// e.g. `fullName`.
    pub attribute_name: String,
}

/// A data-share policy document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSharePolicy {
    /// Delivery settings.
    pub data_share_policies: DataShareSettings,
    /// Attributes shared.
    pub shareable_attributes: Vec<ShareableAttribute>,
}

/// How shared data is delivered.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataShareSettings {
    /// `Data Share` or `direct`.
    pub type_of_share: String,
    /// Minutes a share stays readable (digits).
    pub valid_for_in_minutes: String,
    /// Reads allowed (digits).
    pub transactions_allowed: String,
    /// `Partner Based` or `none`.
    pub encryption_type: String,
    /// Data-share domain.
    pub share_domain: String,
    /// Where data comes from (`ID Repository`, `Packet Manager`, `Print`...).
    pub source: String,
    /// Delivery protocol, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

/// One shared attribute.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareableAttribute {
    /// Name in the share.
    pub attribute_name: String,
    /// Group (e.g. `CBEFF`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Where it is taken from.
    pub source: Vec<AttributeSource>,
    /// Encrypted for the partner.
    pub encrypted: bool,
    /// Output format (e.g. `extraction`, `yyyy/MM/dd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// A source of a shared attribute.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeSource {
    /// Source attribute path.
    pub attribute: String,
    /// Filters (biometric type and sub-types, or language).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<Vec<SourceFilter>>,
}

/// A filter on a source.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceFilter {
    /// Biometric type (`Finger`, `Iris`, `Face`).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Biometric sub-types (`Left Thumb`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<Vec<String>>,
    /// Language (ISO 639-3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// A MISP policy document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MispPolicy {
    /// May forward auth requests of its relying parties.
    pub allow_auth_request_delegation: bool,
    /// May forward KYC requests of its relying parties.
    pub allow_kyc_request_delegation: bool,
    /// Trusts binded auth verification tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_binded_auth_verification_token: Option<bool>,
}

/// A document in the structured editor.
#[derive(Clone, Debug, PartialEq)]
pub enum Structured {
    /// Auth policy.
    Auth(AuthPolicy),
    /// Data-share policy.
    DataShare(DataSharePolicy),
    /// MISP policy.
    Misp(MispPolicy),
}

impl Structured {
    /// Read `text` as a document of `kind`, or say why the structured editor cannot show it.
    pub fn parse(kind: PolicyType, text: &str) -> Result<Structured, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("The JSON is not valid: {e}."))?;
        let structured = match kind {
            PolicyType::Auth => Structured::Auth(from_value(&value)?),
            PolicyType::DataShare => Structured::DataShare(from_value(&value)?),
            PolicyType::Misp => Structured::Misp(from_value(&value)?),
        };
        // Anything the model would drop or add (unknown keys, nulls) keeps the JSON view only.
        if structured.to_value() != value {
            return Err(
                "This document has content the form does not show (unknown or empty fields); edit it as JSON."
                    .to_string(),
            );
        }
        Ok(structured)
    }

    /// The document as a JSON value.
    pub fn to_value(&self) -> serde_json::Value {
        let value = match self {
            Structured::Auth(d) => serde_json::to_value(d),
            Structured::DataShare(d) => serde_json::to_value(d),
            Structured::Misp(d) => serde_json::to_value(d),
        };
        value.unwrap_or(serde_json::Value::Null)
    }

    /// The document as pretty JSON text, keys in the model's order.
    pub fn to_json(&self) -> String {
        let text = match self {
            Structured::Auth(d) => serde_json::to_string_pretty(d),
            Structured::DataShare(d) => serde_json::to_string_pretty(d),
            Structured::Misp(d) => serde_json::to_string_pretty(d),
        };
        text.unwrap_or_default()
    }
}

fn from_value<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> Result<T, String> {
    T::deserialize(value)
        .map_err(|e| format!("The form cannot show this document ({e}); fix it in the JSON view."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_round_trip_through_the_form() {
        for kind in PolicyType::ALL {
            let s = Structured::parse(kind, kind.template()).expect("template parses");
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&s.to_json()).ok(),
                serde_json::from_str::<serde_json::Value>(kind.template()).ok()
            );
        }
    }

    #[test]
    fn unknown_keys_keep_the_json_view() {
        let text =
            r#"{"allowAuthRequestDelegation": true, "allowKycRequestDelegation": false, "x": 1}"#;
        assert!(Structured::parse(PolicyType::Misp, text).is_err());
        assert!(Structured::parse(PolicyType::Misp, "{").is_err());
        assert!(Structured::parse(PolicyType::Auth, "{}").is_err());
    }
}
