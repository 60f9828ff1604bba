//! Storage and steps of event delivery. Each receiver (a row of `event_subscriptions`) has a
//! cursor into the outbox: it gets the events after it, in outbox order, one at a time, and a
//! failing event holds only that receiver's later ones. An instance works on a receiver only
//! while it holds the row's claim (owner + expiry, taken by a guarded update that one instance
//! wins), so several instances never send to one receiver at once, and a crashed instance's
//! claim simply runs out. The HTTP side lives in the server; this module decides what is due
//! and records what happened.

use super::*;
use crate::audit::{self, Actor};
use crate::cert::seal::MasterKey;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::outbox::PendingEvent;
use crate::page::{self, Page};
use crate::schema::{
    esignet_sync, event_dead_letters, event_deliveries, event_subscriptions, hub_topics, outbox,
};
use diesel::prelude::*;
use serde_json::json;

mod engine;
mod esignet;
mod hub;
mod operators;
mod verify;
pub use engine::*;
pub use esignet::*;
pub use hub::*;
pub use operators::*;
pub use verify::*;

/// Seal domain of subscription secrets (keeps them apart from CA keys sealed by the same key).
const SECRET_SEAL: &str = "websub-secret";

/// Topics eSignet receives.
pub const ESIGNET_TOPICS: &[&str] = &["OIDC_CLIENT_CREATED", "OIDC_CLIENT_UPDATED"];

/// Bounds on leases (seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaseLimits {
    /// When the subscriber names none.
    pub default: i64,
    /// Shortest accepted.
    pub min: i64,
    /// Longest accepted.
    pub max: i64,
}

impl Default for LeaseLimits {
    fn default() -> Self {
        LeaseLimits {
            default: 10 * 86_400,
            min: 60,
            max: 365 * 86_400,
        }
    }
}

/// When a failed event is tried again, and when it is given up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait after the first failure (ms); it doubles on each failure.
    pub first_ms: i64,
    /// Longest wait (ms).
    pub max_ms: i64,
    /// From the first failure of an event to its dead letter (ms).
    pub window_ms: i64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first_ms: 1_000,
            max_ms: 3_600_000,
            window_ms: 3 * 86_400_000,
        }
    }
}

impl RetryPolicy {
    /// Wait before attempt `failures + 1`, with `jitter` in [0, 1) spreading it by ±20%.
    pub fn backoff_ms(&self, failures: i32, jitter: f64) -> i64 {
        let exp = failures.clamp(1, 40) as u32 - 1;
        let base = self
            .first_ms
            .saturating_mul(1_i64.checked_shl(exp.min(40)).unwrap_or(i64::MAX))
            .min(self.max_ms)
            .max(1);
        let spread = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
        ((base as f64) * spread) as i64
    }
}
