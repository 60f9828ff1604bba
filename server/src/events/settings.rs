//! Settings of the hub and the delivery engine, with their defaults.

use super::*;

/// Settings of the hub and the engine.
#[derive(Clone, Debug)]
pub struct EventSettings {
    /// Hosts allowed plain http and private or loopback addresses (local and test receivers).
    pub allow_hosts: Vec<String>,
    /// Lease bounds.
    pub lease: LeaseLimits,
    /// Retry schedule.
    pub retry: RetryPolicy,
    /// How long a claim lasts without progress (ms).
    pub claim_ttl_ms: i64,
    /// The portal's public base URL (for the `Link` headers).
    pub public_url: String,
    /// Delivered events and attempt logs are kept this long (ms).
    pub retention_ms: i64,
    /// Connect timeout of outbound calls.
    pub connect_timeout: Duration,
    /// Total timeout of outbound calls.
    pub timeout: Duration,
    /// Events sent to one receiver per claim before others get a turn.
    pub batch: i64,
    /// The external hub every event is also published to.
    pub publish: Option<crate::outbound::Target>,
    /// eSignet, told of every OIDC client change.
    pub esignet: Option<crate::outbound::Target>,
}

impl Default for EventSettings {
    fn default() -> Self {
        EventSettings {
            allow_hosts: Vec::new(),
            lease: LeaseLimits::default(),
            retry: RetryPolicy::default(),
            claim_ttl_ms: 30_000,
            public_url: "http://127.0.0.1:3000".into(),
            retention_ms: 7 * 86_400_000,
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(10),
            batch: 1000,
            publish: None,
            esignet: None,
        }
    }
}
