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
}

/// The session resolved for this request by the server's session layer (None: anonymous).
#[derive(Clone, Debug, Default)]
pub struct RequestSession(pub Option<domain::session::Session>);

/// The peer address of the connection, inserted by the server (for throttling and audit).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub std::net::IpAddr);
