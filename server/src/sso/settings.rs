//! Single sign-on settings: flags and environment variables (flattened into the server's
//! [`crate::config::Config`]).

use anyhow::{bail, Context};
use clap::Args;
use domain::sso::SsoPolicy;
use domain::Role;

/// A secret setting: its value is never printed (Debug shows `…`).
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// The value, for the one call that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_string()))
    }
}

/// OpenID Connect single sign-on. Off while no issuer is set.
#[derive(Debug, Clone, Args)]
pub struct SsoArgs {
    /// The provider's issuer URL, e.g. `https://keycloak.example.org/realms/mosip` (its
    /// discovery document is `{issuer}/.well-known/openid-configuration`). Unset: no single
    /// sign-on, no button.
    #[arg(long, env = "PMS_SSO_ISSUER", global = true)]
    pub sso_issuer: Option<String>,
    /// The portal's client id at the provider (a confidential client whose redirect URI is
    /// `{PMS_PUBLIC_URL}/auth/sso/callback`).
    #[arg(long, env = "PMS_SSO_CLIENT_ID", global = true)]
    pub sso_client_id: Option<String>,
    /// The client's secret.
    #[arg(
        long,
        env = "PMS_SSO_CLIENT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub sso_client_secret: Option<Secret>,
    /// The sign-in button's text.
    #[arg(
        long,
        env = "PMS_SSO_BUTTON",
        default_value = "Sign in with single sign-on",
        global = true
    )]
    pub sso_button: String,
    /// The claim holding the person's roles: a claim name or a dotted path into the claims
    /// (Keycloak's realm roles: `realm_access.roles`).
    #[arg(
        long,
        env = "PMS_SSO_ROLE_CLAIM",
        default_value = "roles",
        global = true
    )]
    pub sso_role_claim: String,
    /// Operator roles granted by claim values, comma-separated `ROLE=value` pairs, e.g.
    /// `PARTNER_ADMIN=pms-admin,POLICYMANAGER=pms-policy`.
    #[arg(long, env = "PMS_SSO_ROLE_MAP", value_delimiter = ',', global = true)]
    pub sso_role_map: Vec<String>,
    /// Operator accounts (partner admins, policy managers) sign in only through single
    /// sign-on: their passwords are refused.
    #[arg(
        long,
        env = "PMS_SSO_REQUIRED_FOR_OPERATORS",
        default_value_t = false,
        global = true
    )]
    pub sso_required_for_operators: bool,
    /// Scopes asked for.
    #[arg(
        long,
        env = "PMS_SSO_SCOPES",
        default_value = "openid email profile",
        global = true
    )]
    pub sso_scopes: String,
}

/// Everything the provider client needs.
#[derive(Clone, Debug)]
pub struct ProviderSettings {
    /// How identities are read (issuer, button, roles).
    pub policy: SsoPolicy,
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: Secret,
    /// `{public url}/auth/sso/callback`.
    pub redirect_uri: String,
    /// Scopes, space-separated (always with `openid`).
    pub scopes: String,
}

/// `ROLE=value` pairs as (claim value, operator role).
pub fn parse_role_map(pairs: &[String]) -> anyhow::Result<Vec<(String, Role)>> {
    let mut map = Vec::new();
    for pair in pairs.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let Some((role, value)) = pair.split_once('=') else {
            bail!("PMS_SSO_ROLE_MAP: `{pair}` is not ROLE=value");
        };
        let Some(role) = Role::parse(role.trim()) else {
            bail!("PMS_SSO_ROLE_MAP: `{}` is not a portal role", role.trim());
        };
        // Partner roles come with a partner organisation (registration, approval), which a
        // provider cannot vouch for.
        if !role.is_operator() {
            bail!(
                "PMS_SSO_ROLE_MAP: {role} is a partner role; only PARTNER_ADMIN and POLICYMANAGER can be mapped"
            );
        }
        let value = value.trim();
        if value.is_empty() {
            bail!("PMS_SSO_ROLE_MAP: `{pair}` has no claim value");
        }
        map.push((value.to_string(), role));
    }
    Ok(map)
}

/// Codes and tokens travel to the issuer: plain http only on this machine (tests, demos).
fn check_issuer(issuer: &str) -> anyhow::Result<()> {
    let url = url::Url::parse(issuer).context("PMS_SSO_ISSUER is not a URL")?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        bail!("PMS_SSO_ISSUER must be an https URL (plain http only for localhost)");
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!("PMS_SSO_ISSUER must not have a query or fragment");
    }
    Ok(())
}

impl SsoArgs {
    /// The provider settings, None when single sign-on is off; an error names what is missing
    /// or wrong.
    pub fn provider(&self, public_url: &str) -> anyhow::Result<Option<ProviderSettings>> {
        fn set(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        let Some(issuer) = set(&self.sso_issuer) else {
            if self.sso_required_for_operators {
                bail!("PMS_SSO_REQUIRED_FOR_OPERATORS needs single sign-on (PMS_SSO_ISSUER)");
            }
            return Ok(None);
        };
        check_issuer(issuer)?;
        let client_id = set(&self.sso_client_id).context("PMS_SSO_CLIENT_ID is required")?;
        let client_secret = self
            .sso_client_secret
            .clone()
            .filter(|s| !s.0.trim().is_empty())
            .context("PMS_SSO_CLIENT_SECRET is required")?;
        let button = self.sso_button.trim();
        if button.is_empty() || button.chars().count() > 64 {
            bail!("PMS_SSO_BUTTON must be 1 to 64 characters");
        }
        let mut scopes: Vec<&str> = self.sso_scopes.split_whitespace().collect();
        if !scopes.contains(&"openid") {
            scopes.insert(0, "openid");
        }
        Ok(Some(ProviderSettings {
            policy: SsoPolicy {
                issuer: issuer.to_string(),
                button: button.to_string(),
                role_claim: self.sso_role_claim.trim().to_string(),
                role_map: parse_role_map(&self.sso_role_map)?,
                operators_sso_only: self.sso_required_for_operators,
            },
            client_id: client_id.to_string(),
            client_secret,
            redirect_uri: format!("{}/auth/sso/callback", public_url.trim_end_matches('/')),
            scopes: scopes.join(" "),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_maps_take_operator_roles_only() {
        let map = parse_role_map(&[
            "PARTNER_ADMIN=pms-admin".into(),
            " POLICYMANAGER = pms-policy ".into(),
        ])
        .expect("map");
        assert_eq!(
            map,
            vec![
                ("pms-admin".to_string(), Role::PartnerAdmin),
                ("pms-policy".to_string(), Role::PolicyManager)
            ]
        );
        assert!(parse_role_map(&["AUTH_PARTNER=x".into()]).is_err());
        assert!(parse_role_map(&["NOPE=x".into()]).is_err());
        assert!(parse_role_map(&["PARTNER_ADMIN=".into()]).is_err());
        assert!(parse_role_map(&["PARTNER_ADMIN".into()]).is_err());
    }

    #[test]
    fn issuers_are_https_except_on_this_machine_and_secrets_never_print() {
        assert!(check_issuer("https://id.example.org/realms/x").is_ok());
        assert!(check_issuer("http://127.0.0.1:3130").is_ok());
        assert!(check_issuer("http://localhost:8080/realms/x").is_ok());
        assert!(check_issuer("http://id.example.org").is_err());
        assert!(check_issuer("https://id.example.org?x=1").is_err());
        let secret: Secret = "hunter2".parse().expect("secret");
        assert!(!format!("{secret:?}").contains("hunter2"));
    }
}
