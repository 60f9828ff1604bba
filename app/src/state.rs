//! What server functions need from the running server (provided through Leptos context).

use domain::db::Pool;
use domain::session::SessionPolicy;
use domain::throttle::ThrottlePolicy;
use std::sync::Arc;

/// Shared server state: database pool and security settings.
#[derive(Clone)]
pub struct AppState {
    /// Database pool.
    pub pool: Pool,
    /// Session lifetimes.
    pub sessions: SessionPolicy,
    /// Login throttling.
    pub throttle: ThrottlePolicy,
    /// Mark cookies `Secure` (the portal is served over https).
    pub secure_cookies: bool,
    /// SHA-256 of the one-time set-up token, while no partner admin exists.
    pub setup_token_hash: Arc<str>,
    /// Certificate settings and the key that opens the signing CAs.
    pub certs: Arc<domain::cert::signing::CertConfig>,
    /// An SBI may expire at most this many years from today.
    pub sbi_max_years: i64,
    /// Validity periods of API keys and MISP licenses.
    pub access: domain::access::AccessConfig,
    /// Service tokens recently seen valid, so the verification endpoint hashes only the key.
    pub service_tokens: Arc<crate::state::TokenCache>,
    /// SMTP is configured: notifications are also mailed (queued with them).
    pub mail_enabled: bool,
    /// The portal's public address, for links in mail (password reset).
    pub public_url: Arc<str>,
    /// eSignet sync is configured: client pages say whether eSignet has each client.
    pub esignet_enabled: bool,
    /// Partner admins and policy managers must sign in with a second factor.
    pub two_factor_required: bool,
    /// Single sign-on, when configured (the sign-in page's button, password refusals).
    pub sso: Option<Arc<domain::sso::SsoPolicy>>,
}

impl AppState {
    /// Whether an account with these roles must sign in with a second factor.
    pub fn two_factor_required_for(&self, roles: &[domain::Role]) -> bool {
        use domain::Role;
        self.two_factor_required
            && roles
                .iter()
                .any(|r| matches!(r, Role::PartnerAdmin | Role::PolicyManager))
    }

    /// Where the links in the portal's mails point, and whether mail can be sent.
    pub fn mail(&self) -> domain::account::PortalMail {
        domain::account::PortalMail {
            base_url: self.public_url.to_string(),
            enabled: self.mail_enabled,
        }
    }
}

/// Service tokens seen valid in the last few seconds. Only valid tokens are kept (random
/// guesses cannot fill it); a revoked token stops working within [`TokenCache::TTL`].
#[derive(Default)]
pub struct TokenCache {
    seen: std::sync::RwLock<std::collections::HashMap<String, std::time::Instant>>,
}

impl TokenCache {
    /// How long a token is trusted without looking at the database again.
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(10);
    const MAX: usize = 1024;

    /// Whether `token` was seen valid within the TTL.
    pub fn fresh(&self, token: &str) -> bool {
        self.seen
            .read()
            .ok()
            .and_then(|m| m.get(token).map(|t| t.elapsed() < Self::TTL))
            .unwrap_or(false)
    }

    /// Remember that `token` is valid now.
    pub fn remember(&self, token: &str) {
        if let Ok(mut m) = self.seen.write() {
            if m.len() >= Self::MAX {
                m.retain(|_, t| t.elapsed() < Self::TTL);
            }
            if m.len() < Self::MAX {
                m.insert(token.to_string(), std::time::Instant::now());
            }
        }
    }

    /// Forget every token (after a revocation on this instance).
    pub fn clear(&self) {
        if let Ok(mut m) = self.seen.write() {
            m.clear();
        }
    }
}

/// The session resolved for this request by the server's session layer (None: anonymous).
#[derive(Clone, Debug, Default)]
pub struct RequestSession(pub Option<domain::session::Session>);

/// The peer address of the connection, inserted by the server (for throttling and audit).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub std::net::IpAddr);
