//! Event delivery: the topics the outbox holds, WebSub subscriptions of downstream services,
//! and the two built-in receivers (an external hub and eSignet). Every receiver reads the
//! outbox in order from its own cursor; the storage and the engine's steps are in
//! [`store`], the HTTP side (verification, POSTs, address checks) in the server.

use serde::{Deserialize, Serialize};

#[cfg(feature = "server")]
pub mod store;

/// Every event type the outbox holds; each is a WebSub topic (MOSIP's names).
pub const TOPICS: &[&str] = &[
    "PARTNER_UPDATED",
    "POLICY_UPDATED",
    "APIKEY_APPROVED",
    "APIKEY_UPDATED",
    "MISP_LICENSE_GENERATED",
    "MISP_LICENSE_UPDATED",
    "CA_CERTIFICATE_UPLOADED",
    "OIDC_CLIENT_CREATED",
    "OIDC_CLIENT_UPDATED",
    // The portal's own: status changes of SBIs, devices and chips (MOSIP has none).
    "SBI_UPDATED",
    "DEVICE_UPDATED",
    "FTM_CHIP_UPDATED",
];

/// Whether `topic` is one the portal publishes.
pub fn is_topic(topic: &str) -> bool {
    TOPICS.contains(&topic)
}

/// Scope value on a service token that allows every topic.
pub const ALL_TOPICS: &str = "*";

/// Longest `hub.secret`, in bytes (WebSub leaves it to the hub; the issue fixes 200).
pub const MAX_SECRET_BYTES: usize = 200;

/// Longest callback URL kept.
pub const MAX_CALLBACK_LEN: usize = 2000;

/// Who receives events through a subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiverKind {
    /// A WebSub subscriber of this portal's hub.
    Websub,
    /// The external hub the portal publishes to (`PMS_WEBSUB_PUBLISH_URL`).
    Hub,
    /// eSignet's client-management API (`PMS_ESIGNET_URL`), OIDC client events only.
    Esignet,
}

impl ReceiverKind {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiverKind::Websub => "websub",
            ReceiverKind::Hub => "hub",
            ReceiverKind::Esignet => "esignet",
        }
    }

    /// From the stored spelling.
    pub fn parse(s: &str) -> Option<ReceiverKind> {
        match s {
            "websub" => Some(ReceiverKind::Websub),
            "hub" => Some(ReceiverKind::Hub),
            "esignet" => Some(ReceiverKind::Esignet),
            _ => None,
        }
    }

    /// Shown to operators.
    pub fn label(self) -> &'static str {
        match self {
            ReceiverKind::Websub => "WebSub subscriber",
            ReceiverKind::Hub => "External hub",
            ReceiverKind::Esignet => "eSignet",
        }
    }
}

/// A subscription's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionState {
    /// Asked for; the callback has not confirmed yet.
    Pending,
    /// Receiving events.
    Active,
    /// The callback did not confirm (wrong or no challenge, or unreachable).
    Refused,
    /// Its lease ended without a renewal.
    Expired,
    /// Ended by the subscriber (verified).
    Unsubscribed,
    /// Stopped by an operator (or its token was revoked).
    Deactivated,
}

impl SubscriptionState {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionState::Pending => "pending",
            SubscriptionState::Active => "active",
            SubscriptionState::Refused => "refused",
            SubscriptionState::Expired => "expired",
            SubscriptionState::Unsubscribed => "unsubscribed",
            SubscriptionState::Deactivated => "deactivated",
        }
    }

    /// From the stored spelling.
    pub fn parse(s: &str) -> Option<SubscriptionState> {
        [
            SubscriptionState::Pending,
            SubscriptionState::Active,
            SubscriptionState::Refused,
            SubscriptionState::Expired,
            SubscriptionState::Unsubscribed,
            SubscriptionState::Deactivated,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// A receiver as operators see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionView {
    /// Id.
    pub id: String,
    /// Kind of receiver.
    pub kind: ReceiverKind,
    /// Topic (`*` for the external hub, `OIDC_CLIENT_*` for eSignet).
    pub topic: String,
    /// Callback URL (never carries a secret: user info is refused).
    pub callback: String,
    /// Host of the callback, for lists.
    pub callback_host: String,
    /// State.
    pub state: SubscriptionState,
    /// A pending subscribe or unsubscribe awaiting the callback's confirmation.
    pub verifying: Option<String>,
    /// Whether deliveries are signed (`X-Hub-Signature`).
    pub signed: bool,
    /// Lease length (s).
    pub lease_seconds: i64,
    /// End of the lease (ms), for WebSub subscribers.
    pub lease_ends_at: Option<i64>,
    /// Last successful delivery (ms).
    pub last_delivery_at: Option<i64>,
    /// Events waiting for it (capped at [`WAITING_CAP`]).
    pub waiting: i64,
    /// Events delivered.
    pub delivered: i64,
    /// Failed attempts, all time.
    pub failures: i64,
    /// Attempts at the event it is on now.
    pub attempts: i32,
    /// Next try of a failed event (ms).
    pub next_attempt_at: Option<i64>,
    /// Last error, if the last attempt failed.
    pub last_error: Option<String>,
    /// Dead letters not delivered again.
    pub dead_letters: i64,
    /// The outbox id it has reached.
    pub cursor: i64,
    /// Created (ms).
    pub created_at: i64,
}

/// Filter of the receivers list (the operators' events page).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiverFilter {
    /// Only this kind.
    #[serde(default)]
    pub kind: Option<ReceiverKind>,
    /// Only this state.
    #[serde(default)]
    pub state: Option<SubscriptionState>,
    /// 1-based page.
    #[serde(default)]
    pub page: Option<i64>,
    /// Page size.
    #[serde(default)]
    pub page_size: Option<i64>,
}

/// Counts of waiting events stop here (a list must not count a huge backlog).
pub const WAITING_CAP: i64 = 10_000;

/// One delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    /// Row id.
    pub id: i64,
    /// Outbox id (order).
    pub outbox_id: i64,
    /// Event id.
    pub event_id: String,
    /// Attempt number for that event.
    pub attempt: i32,
    /// Delivered.
    pub ok: bool,
    /// HTTP status answered, if any.
    pub status: Option<i32>,
    /// What went wrong.
    pub error: Option<String>,
    /// Time to answer (ms).
    pub latency_ms: i64,
    /// When (ms).
    pub at: i64,
    /// When it is tried again (ms), after a failure.
    pub next_try_at: Option<i64>,
    /// A run of delivered events logged as one row: its first outbox id (`outbox_id` and
    /// `event_id` are its last).
    #[serde(default)]
    pub first_outbox_id: Option<i64>,
    /// Events in the row (1 for a single attempt).
    #[serde(default = "one")]
    pub events: i32,
}

fn one() -> i32 {
    1
}

/// An event given up on for one receiver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetterView {
    /// Id.
    pub id: String,
    /// Outbox id.
    pub outbox_id: i64,
    /// Event id.
    pub event_id: String,
    /// Topic.
    pub topic: String,
    /// Attempts made.
    pub attempts: i32,
    /// Last error.
    pub error: String,
    /// Given up at (ms).
    pub dead_at: i64,
    /// Asked to be delivered again at (ms), not yet done.
    pub requeued_at: Option<i64>,
    /// Delivered again at (ms).
    pub redelivered_at: Option<i64>,
}

/// A receiver with its recent attempts and dead letters (the detail pane).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionDetail {
    /// The receiver.
    pub subscription: SubscriptionView,
    /// Newest attempts first (at most 50).
    pub deliveries: Vec<DeliveryView>,
    /// Newest first (at most 100).
    pub dead_letters: Vec<DeadLetterView>,
}

/// eSignet's copy of one OIDC client, shown on the client pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EsignetState {
    /// eSignet has the latest version.
    pub in_sync: bool,
    /// When it last accepted a version (ms).
    pub synced_at: Option<i64>,
    /// The last error, if the latest version was refused or could not be sent.
    pub last_error: Option<String>,
}
