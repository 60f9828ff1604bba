//! Roles: what an account may do. Stored as text with a fixed spelling.

use serde::{Deserialize, Serialize};

/// A role held by an account. Spelling matches the reference system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Operator: trust store, partners, approvals, accounts.
    PartnerAdmin,
    /// Operator: policy groups and policies.
    #[serde(rename = "POLICYMANAGER")]
    PolicyManager,
    /// Relying party.
    AuthPartner,
    /// Credential / print partner.
    CredentialPartner,
    /// Biometric device maker.
    DeviceProvider,
    /// Secure-chip maker.
    FtmProvider,
    /// Infrastructure service provider.
    MispPartner,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 7] = [
        Role::PartnerAdmin,
        Role::PolicyManager,
        Role::AuthPartner,
        Role::CredentialPartner,
        Role::DeviceProvider,
        Role::FtmProvider,
        Role::MispPartner,
    ];

    /// Roles held by the operator's staff (created by a partner admin, not by sign-up).
    pub const OPERATOR: [Role; 2] = [Role::PartnerAdmin, Role::PolicyManager];

    /// Roles held by partner organisations' accounts (one per partner type family).
    pub const PARTNER: [Role; 5] = [
        Role::AuthPartner,
        Role::CredentialPartner,
        Role::DeviceProvider,
        Role::FtmProvider,
        Role::MispPartner,
    ];

    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::PartnerAdmin => "PARTNER_ADMIN",
            Role::PolicyManager => "POLICYMANAGER",
            Role::AuthPartner => "AUTH_PARTNER",
            Role::CredentialPartner => "CREDENTIAL_PARTNER",
            Role::DeviceProvider => "DEVICE_PROVIDER",
            Role::FtmProvider => "FTM_PROVIDER",
            Role::MispPartner => "MISP_PARTNER",
        }
    }

    /// Parse the stored spelling.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::PartnerAdmin => "Partner admin",
            Role::PolicyManager => "Policy manager",
            Role::AuthPartner => "Authentication partner",
            Role::CredentialPartner => "Credential partner",
            Role::DeviceProvider => "Device provider",
            Role::FtmProvider => "FTM chip provider",
            Role::MispPartner => "MISP partner",
        }
    }

    /// Whether this is an operator role.
    pub fn is_operator(self) -> bool {
        Role::OPERATOR.contains(&self)
    }

    /// What a holder of this role does in the portal (shown on the dashboard).
    pub fn capabilities(self) -> &'static [&'static str] {
        match self {
            Role::PartnerAdmin => &[
                "Create and deactivate operator accounts",
                "Run the certificate trust store (root and intermediate CAs)",
                "Approve, reject, deactivate and reactivate partners",
                "Decide policy requests, SBIs, devices and FTM chips",
                "See every API key, OIDC client and the audit trail",
            ],
            Role::PolicyManager => &[
                "Create and manage policy groups",
                "Write, validate and publish Auth, DataShare and MISP policies",
                "Clone and deactivate policies",
            ],
            Role::AuthPartner => &[
                "Upload your certificate and download its re-signed form",
                "Request authentication policies",
                "Generate API keys and create OIDC clients",
            ],
            Role::CredentialPartner => &[
                "Upload your certificate and download its re-signed form",
                "Request data-share policies",
            ],
            Role::DeviceProvider => &[
                "Upload your DEVICE certificate",
                "Declare SBIs and device models for approval",
            ],
            Role::FtmProvider => &[
                "Upload your FTM certificate",
                "Declare secure chips with their certificates for approval",
            ],
            Role::MispPartner => &[
                "Upload your certificate",
                "Generate and renew MISP license keys",
            ],
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_round_trips_for_every_role() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).expect("serialize");
            assert_eq!(json, format!("\"{}\"", role.as_str()));
            let back: Role = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, role);
        }
        assert_eq!(Role::parse("partner_admin"), None);
    }
}
