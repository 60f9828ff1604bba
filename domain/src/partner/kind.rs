//! Partner types as a type: each knows its stored code (MOSIP's spelling), the role its
//! accounts get, its certificate domain and whether its partners belong to a policy group.
//! The `partner_types` table (MOSIP's seed data, kept for its foreign key and MOSIP's
//! partner-type calls) holds the same facts; a test keeps the two in step.

use crate::cert::CertDomain;
use crate::role::Role;
use serde::{Deserialize, Serialize};

/// A partner type, stored and sent as MOSIP's code (`Auth_Partner`, `Device_Provider`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PartnerType {
    /// Relying party (authentication partner).
    #[serde(rename = "Auth_Partner")]
    AuthPartner,
    /// Credential partner.
    #[serde(rename = "Credential_Partner")]
    CredentialPartner,
    /// Biometric deduplication vendor.
    #[serde(rename = "ABIS_Partner")]
    AbisPartner,
    /// Manual adjudication vendor.
    #[serde(rename = "Manual_Adjudication")]
    ManualAdjudication,
    /// Print partner.
    #[serde(rename = "Print_Partner")]
    PrintPartner,
    /// Biometric device maker.
    #[serde(rename = "Device_Provider")]
    DeviceProvider,
    /// Secure-chip (FTM) maker.
    #[serde(rename = "FTM_Provider")]
    FtmProvider,
    /// Infrastructure service provider.
    #[serde(rename = "MISP_Partner")]
    MispPartner,
    /// Online verification partner (created by an admin).
    #[serde(rename = "Online_Verification_Partner")]
    OnlineVerificationPartner,
    /// The ID system's own modules sharing certificates.
    #[serde(rename = "Internal_Partner")]
    InternalPartner,
    /// Wallet binding partner (created by an admin).
    #[serde(rename = "Binding_Partner")]
    BindingPartner,
    /// Biometric SDK vendor (no portal use).
    #[serde(rename = "SDK_Partner")]
    SdkPartner,
    /// MOSIP's type of the operator itself (no portal use).
    #[serde(rename = "Partner_Admin")]
    PartnerAdmin,
}

impl PartnerType {
    /// Every type, in MOSIP's seed order.
    pub const ALL: [PartnerType; 13] = [
        PartnerType::AuthPartner,
        PartnerType::CredentialPartner,
        PartnerType::AbisPartner,
        PartnerType::ManualAdjudication,
        PartnerType::PrintPartner,
        PartnerType::DeviceProvider,
        PartnerType::FtmProvider,
        PartnerType::MispPartner,
        PartnerType::OnlineVerificationPartner,
        PartnerType::InternalPartner,
        PartnerType::BindingPartner,
        PartnerType::SdkPartner,
        PartnerType::PartnerAdmin,
    ];

    /// Stored code (MOSIP's spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerType::AuthPartner => "Auth_Partner",
            PartnerType::CredentialPartner => "Credential_Partner",
            PartnerType::AbisPartner => "ABIS_Partner",
            PartnerType::ManualAdjudication => "Manual_Adjudication",
            PartnerType::PrintPartner => "Print_Partner",
            PartnerType::DeviceProvider => "Device_Provider",
            PartnerType::FtmProvider => "FTM_Provider",
            PartnerType::MispPartner => "MISP_Partner",
            PartnerType::OnlineVerificationPartner => "Online_Verification_Partner",
            PartnerType::InternalPartner => "Internal_Partner",
            PartnerType::BindingPartner => "Binding_Partner",
            PartnerType::SdkPartner => "SDK_Partner",
            PartnerType::PartnerAdmin => "Partner_Admin",
        }
    }

    /// Parse a stored code (exact spelling, as MOSIP compares them).
    pub fn parse(code: &str) -> Option<PartnerType> {
        PartnerType::ALL.into_iter().find(|t| t.as_str() == code)
    }

    /// Name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            PartnerType::AuthPartner => "Authentication partner",
            PartnerType::CredentialPartner => "Credential partner",
            PartnerType::AbisPartner => "ABIS partner",
            PartnerType::ManualAdjudication => "Manual adjudication",
            PartnerType::PrintPartner => "Print partner",
            PartnerType::DeviceProvider => "Device provider",
            PartnerType::FtmProvider => "FTM provider",
            PartnerType::MispPartner => "MISP partner",
            PartnerType::OnlineVerificationPartner => "Online verification partner",
            PartnerType::InternalPartner => "Internal partner",
            PartnerType::BindingPartner => "Binding partner",
            PartnerType::SdkPartner => "SDK partner",
            PartnerType::PartnerAdmin => "Partner admin",
        }
    }

    /// Role of the partner's account; `None` for types without portal use.
    pub fn role(self) -> Option<Role> {
        Some(match self {
            PartnerType::AuthPartner
            | PartnerType::OnlineVerificationPartner
            | PartnerType::BindingPartner => Role::AuthPartner,
            PartnerType::CredentialPartner
            | PartnerType::AbisPartner
            | PartnerType::ManualAdjudication
            | PartnerType::PrintPartner
            | PartnerType::InternalPartner => Role::CredentialPartner,
            PartnerType::DeviceProvider => Role::DeviceProvider,
            PartnerType::FtmProvider => Role::FtmProvider,
            PartnerType::MispPartner => Role::MispPartner,
            PartnerType::SdkPartner | PartnerType::PartnerAdmin => return None,
        })
    }

    /// The domain its certificates are issued in.
    pub fn cert_domain(self) -> CertDomain {
        match self {
            PartnerType::DeviceProvider => CertDomain::Device,
            PartnerType::FtmProvider => CertDomain::Ftm,
            _ => CertDomain::Auth,
        }
    }

    /// Whether its partners belong to a policy group (and request policies).
    pub fn has_policy_group(self) -> bool {
        self.role()
            .is_some_and(|r| matches!(r, Role::AuthPartner | Role::CredentialPartner))
    }

    /// Whether a partner may register itself with this type (the others an admin creates).
    pub fn self_registrable(self) -> bool {
        !matches!(
            self,
            PartnerType::OnlineVerificationPartner
                | PartnerType::InternalPartner
                | PartnerType::BindingPartner
                | PartnerType::SdkPartner
                | PartnerType::PartnerAdmin
        )
    }
}

impl std::fmt::Display for PartnerType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_parse_and_serde() {
        for t in PartnerType::ALL {
            assert_eq!(PartnerType::parse(t.as_str()), Some(t));
            let json = serde_json::to_string(&t).expect("serialize");
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
        assert_eq!(PartnerType::parse("auth_partner"), None);
    }
}
