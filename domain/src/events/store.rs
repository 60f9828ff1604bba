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

/// A subscribe or unsubscribe request as posted to the hub (form fields, unparsed).
#[derive(Clone, Debug, Default)]
pub struct HubRequest {
    /// `hub.mode`.
    pub mode: Option<String>,
    /// `hub.topic`.
    pub topic: Option<String>,
    /// `hub.callback`.
    pub callback: Option<String>,
    /// `hub.secret`.
    pub secret: Option<String>,
    /// `hub.lease_seconds`.
    pub lease_seconds: Option<String>,
}

/// What the hub accepted (before the callback confirms).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// Subscription id.
    pub id: String,
    /// `subscribe` or `unsubscribe`.
    pub mode: &'static str,
    /// The callback, normalised.
    pub callback: String,
}

fn bad(field: &str, code: &str, message: impl Into<String>) -> AppError {
    AppError::new(ErrorKind::BadRequest, code, message).with_field(field)
}

/// A callback URL as the hub accepts it: absolute http(s), https unless its host is in
/// `insecure_hosts` (local and test receivers), no user info, no fragment. Address checks
/// (loopback, private, metadata) happen on every connection, after DNS.
pub fn parse_callback(raw: &str, insecure_hosts: &[String]) -> AppResult<url::Url> {
    let field = "hub.callback";
    if raw.is_empty() {
        return Err(bad(field, "PMS_HUB_CALLBACK", "hub.callback is required."));
    }
    if raw.len() > MAX_CALLBACK_LEN {
        return Err(bad(
            field,
            "PMS_HUB_CALLBACK",
            format!("hub.callback is longer than {MAX_CALLBACK_LEN} characters."),
        ));
    }
    if raw
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return Err(bad(
            field,
            "PMS_HUB_CALLBACK",
            "hub.callback must not contain spaces, control characters or backslashes.",
        ));
    }
    let url = url::Url::parse(raw).map_err(|e| {
        bad(
            field,
            "PMS_HUB_CALLBACK",
            format!("hub.callback is not an absolute URL ({e})."),
        )
    })?;
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    if host.is_empty() {
        return Err(bad(field, "PMS_HUB_CALLBACK", "hub.callback has no host."));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            field,
            "PMS_HUB_CALLBACK",
            "hub.callback must not carry a user name or password.",
        ));
    }
    if url.fragment().is_some() {
        return Err(bad(
            field,
            "PMS_HUB_CALLBACK",
            "hub.callback must not have a fragment (#...).",
        ));
    }
    let insecure_ok = host_listed(&host, insecure_hosts);
    match url.scheme() {
        "https" => {}
        "http" if insecure_ok => {}
        "http" => {
            return Err(bad(
                field,
                "PMS_HUB_CALLBACK_HTTPS",
                format!("hub.callback must use https ({host} is not allowed plain http)."),
            ))
        }
        other => {
            return Err(bad(
                field,
                "PMS_HUB_CALLBACK",
                format!("hub.callback must be an https URL, not {other}:."),
            ))
        }
    }
    Ok(url)
}

/// Whether `host` (lower case, brackets removed for IPv6) is one of `hosts`.
pub fn host_listed(host: &str, hosts: &[String]) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    hosts.iter().any(|h| {
        h.trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .eq_ignore_ascii_case(host)
    })
}

/// The topics a service token's scope string allows (`*`: every topic).
pub fn scope_allows(scopes: &str, topic: &str) -> bool {
    scopes
        .split(',')
        .map(str::trim)
        .any(|s| s == ALL_TOPICS || s == topic)
}

/// Validate and store a hub request from the holder of service token `token_id` (with its
/// topic `scopes`). A subscribe creates (or renews) the subscription awaiting verification;
/// an unsubscribe marks an active one for verification. Nothing is stored for a bad request.
#[expect(clippy::too_many_arguments)]
pub fn request(
    conn: &mut AnyConnection,
    actor: &Actor,
    token_id: &str,
    scopes: &str,
    req: &HubRequest,
    limits: LeaseLimits,
    insecure_hosts: &[String],
    key: &MasterKey,
    now: i64,
) -> AppResult<Accepted> {
    let mode = match req.mode.as_deref().map(str::trim) {
        Some("subscribe") => "subscribe",
        Some("unsubscribe") => "unsubscribe",
        Some("") | None => return Err(bad("hub.mode", "PMS_HUB_MODE", "hub.mode is required.")),
        Some(other) => {
            return Err(bad(
                "hub.mode",
                "PMS_HUB_MODE",
                format!(
                    "hub.mode {:?} is not known; use subscribe or unsubscribe.",
                    crate::text::clip(other, 40)
                ),
            ))
        }
    };
    let topic = req.topic.as_deref().map(str::trim).unwrap_or("");
    if topic.is_empty() {
        return Err(bad("hub.topic", "PMS_HUB_TOPIC", "hub.topic is required."));
    }
    if !is_topic(topic) {
        return Err(bad(
            "hub.topic",
            "PMS_HUB_TOPIC",
            format!(
                "hub.topic {:?} is not published here; GET /websub/topics lists the topics.",
                crate::text::clip(topic, 60)
            ),
        ));
    }
    if !scope_allows(scopes, topic) {
        return Err(AppError::new(
            ErrorKind::Forbidden,
            "PMS_HUB_TOPIC_SCOPE",
            format!("This service token may not subscribe to {topic}."),
        )
        .with_field("hub.topic"));
    }
    let callback = parse_callback(
        req.callback.as_deref().map(str::trim).unwrap_or(""),
        insecure_hosts,
    )?
    .to_string();
    let secret = match req.secret.as_deref() {
        None | Some("") => None,
        Some(s) if s.len() > MAX_SECRET_BYTES => {
            return Err(bad(
                "hub.secret",
                "PMS_HUB_SECRET",
                format!(
                    "hub.secret is {} bytes long; at most {MAX_SECRET_BYTES} are allowed.",
                    s.len()
                ),
            ))
        }
        Some(s) => Some(key.seal(SECRET_SEAL, s.as_bytes())?),
    };
    let lease = match req.lease_seconds.as_deref().map(str::trim) {
        None | Some("") => limits.default,
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (limits.min..=limits.max).contains(&n) => n,
            _ => {
                return Err(bad(
                    "hub.lease_seconds",
                    "PMS_HUB_LEASE",
                    format!(
                        "hub.lease_seconds must be a whole number from {} to {}.",
                        limits.min, limits.max
                    ),
                ))
            }
        },
    };
    crate::db::write_tx(conn, |conn| {
        let existing: Option<(String, String, Option<String>)> = event_subscriptions::table
            .filter(event_subscriptions::kind.eq(ReceiverKind::Websub.as_str()))
            .filter(event_subscriptions::topic.eq(topic))
            .filter(event_subscriptions::callback.eq(&callback))
            .select((
                event_subscriptions::id,
                event_subscriptions::state,
                event_subscriptions::token_id,
            ))
            .first(conn)
            .optional()?;
        let id = match (mode, existing) {
            ("unsubscribe", None) => {
                return Err(AppError::new(
                    ErrorKind::NotFound,
                    "PMS_HUB_NO_SUBSCRIPTION",
                    format!("No subscription of this callback to {topic}."),
                ))
            }
            ("unsubscribe", Some((id, state, _))) => {
                if state != SubscriptionState::Active.as_str()
                    && state != SubscriptionState::Pending.as_str()
                {
                    return Err(AppError::new(
                        ErrorKind::NotFound,
                        "PMS_HUB_NO_SUBSCRIPTION",
                        format!("This callback's subscription to {topic} is already {state}."),
                    ));
                }
                diesel::update(event_subscriptions::table.find(&id))
                    .set((
                        event_subscriptions::verify_mode.eq(Some("unsubscribe")),
                        event_subscriptions::verify_attempts.eq(0),
                        event_subscriptions::next_attempt_at.eq(None::<i64>),
                        event_subscriptions::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                id
            }
            (_, Some((id, state, _))) if state == SubscriptionState::Deactivated.as_str() => {
                let _ = id;
                return Err(AppError::new(
                    ErrorKind::Forbidden,
                    "PMS_HUB_DEACTIVATED",
                    "An operator deactivated this subscription; ask them to remove it first.",
                ));
            }
            (_, Some((id, state, _))) => {
                // A renewal keeps delivering while the callback confirms; anything else
                // starts over from the events after this request.
                let live = state == SubscriptionState::Active.as_str();
                let cursor = if live {
                    None
                } else {
                    Some(max_outbox_id(conn)?)
                };
                diesel::update(event_subscriptions::table.find(&id))
                    .set((
                        event_subscriptions::verify_mode.eq(Some("subscribe")),
                        event_subscriptions::verify_secret.eq(secret.clone()),
                        event_subscriptions::verify_lease.eq(Some(lease)),
                        event_subscriptions::verify_attempts.eq(0),
                        event_subscriptions::next_attempt_at.eq(None::<i64>),
                        event_subscriptions::token_id.eq(Some(token_id)),
                        event_subscriptions::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                if let Some(cursor) = cursor {
                    diesel::update(event_subscriptions::table.find(&id))
                        .set((
                            event_subscriptions::state.eq(SubscriptionState::Pending.as_str()),
                            event_subscriptions::cursor.eq(cursor),
                            event_subscriptions::attempts.eq(0),
                            event_subscriptions::first_failure_at.eq(None::<i64>),
                            event_subscriptions::last_error.eq(None::<String>),
                        ))
                        .execute(conn)?;
                }
                id
            }
            (_, None) => {
                let id = uuid::Uuid::new_v4().to_string();
                let cursor = max_outbox_id(conn)?;
                diesel::insert_into(event_subscriptions::table)
                    .values((
                        event_subscriptions::id.eq(&id),
                        event_subscriptions::kind.eq(ReceiverKind::Websub.as_str()),
                        event_subscriptions::topic.eq(topic),
                        event_subscriptions::callback.eq(&callback),
                        event_subscriptions::token_id.eq(Some(token_id)),
                        event_subscriptions::state.eq(SubscriptionState::Pending.as_str()),
                        event_subscriptions::verify_mode.eq(Some("subscribe")),
                        event_subscriptions::verify_secret.eq(secret.clone()),
                        event_subscriptions::verify_lease.eq(Some(lease)),
                        event_subscriptions::lease_seconds.eq(lease),
                        event_subscriptions::cursor.eq(cursor),
                        event_subscriptions::created_at.eq(now),
                        event_subscriptions::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                id
            }
        };
        audit::record(
            conn,
            actor,
            if mode == "subscribe" {
                "WEBSUB_SUBSCRIBE_REQUESTED"
            } else {
                "WEBSUB_UNSUBSCRIBE_REQUESTED"
            },
            "event_subscription",
            &id,
            json!({ "topic": topic, "callback": callback, "leaseSeconds": lease, "signed": secret.is_some() }),
        )?;
        Ok(Accepted {
            id,
            mode,
            callback: callback.clone(),
        })
    })
}

fn max_outbox_id(conn: &mut AnyConnection) -> AppResult<i64> {
    Ok(outbox::table
        .select(diesel::dsl::max(outbox::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// Make sure the built-in receiver of `kind` (external hub or eSignet) exists for `url` and is
/// active; a receiver of that kind for another URL is deactivated (the setting changed). It
/// starts at the oldest event still in the outbox. Returns its id.
pub fn ensure_receiver(
    conn: &mut AnyConnection,
    kind: ReceiverKind,
    url: &str,
    now: i64,
) -> AppResult<String> {
    let topic = match kind {
        ReceiverKind::Hub => "*",
        ReceiverKind::Esignet => "OIDC_CLIENT_*",
        ReceiverKind::Websub => {
            return Err(AppError::internal());
        }
    };
    crate::db::write_tx(conn, |conn| {
        diesel::update(
            event_subscriptions::table
                .filter(event_subscriptions::kind.eq(kind.as_str()))
                .filter(event_subscriptions::callback.ne(url))
                .filter(event_subscriptions::state.eq(SubscriptionState::Active.as_str())),
        )
        .set((
            event_subscriptions::state.eq(SubscriptionState::Deactivated.as_str()),
            event_subscriptions::updated_at.eq(now),
        ))
        .execute(conn)?;
        let existing: Option<String> = event_subscriptions::table
            .filter(event_subscriptions::kind.eq(kind.as_str()))
            .filter(event_subscriptions::callback.eq(url))
            .select(event_subscriptions::id)
            .first(conn)
            .optional()?;
        if let Some(id) = existing {
            diesel::update(event_subscriptions::table.find(&id))
                .set((
                    event_subscriptions::state.eq(SubscriptionState::Active.as_str()),
                    event_subscriptions::updated_at.eq(now),
                ))
                .execute(conn)?;
            return Ok(id);
        }
        let id = uuid::Uuid::new_v4().to_string();
        diesel::insert_into(event_subscriptions::table)
            .values((
                event_subscriptions::id.eq(&id),
                event_subscriptions::kind.eq(kind.as_str()),
                event_subscriptions::topic.eq(topic),
                event_subscriptions::callback.eq(url),
                event_subscriptions::state.eq(SubscriptionState::Active.as_str()),
                event_subscriptions::lease_seconds.eq(0_i64),
                event_subscriptions::cursor.eq(0_i64),
                event_subscriptions::created_at.eq(now),
                event_subscriptions::updated_at.eq(now),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            &Actor::system(),
            "EVENT_RECEIVER_CONFIGURED",
            "event_subscription",
            &id,
            json!({ "kind": kind.as_str(), "url": url }),
        )?;
        Ok(id)
    })
}

/// Stop the built-in receivers of `kind` (its setting was removed), so they no longer hold
/// back the purge; audited. Returns how many stopped.
pub fn retire_receivers(
    conn: &mut AnyConnection,
    kind: ReceiverKind,
    now: i64,
) -> AppResult<usize> {
    if kind == ReceiverKind::Websub {
        return Err(AppError::internal());
    }
    crate::db::write_tx(conn, |conn| {
        let ids: Vec<String> = event_subscriptions::table
            .filter(event_subscriptions::kind.eq(kind.as_str()))
            .filter(event_subscriptions::state.eq(SubscriptionState::Active.as_str()))
            .select(event_subscriptions::id)
            .load(conn)?;
        for id in &ids {
            diesel::update(event_subscriptions::table.find(id))
                .set((
                    event_subscriptions::state.eq(SubscriptionState::Deactivated.as_str()),
                    event_subscriptions::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                &Actor::system(),
                "EVENT_RECEIVER_RETIRED",
                "event_subscription",
                id,
                json!({ "kind": kind.as_str(), "reason": "no longer configured" }),
            )?;
        }
        Ok(ids.len())
    })
}

/// A receiver as the engine works on it.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = event_subscriptions)]
pub struct Receiver {
    /// Id.
    pub id: String,
    /// Kind (stored spelling).
    pub kind: String,
    /// Topic.
    pub topic: String,
    /// Callback URL.
    pub callback: String,
    /// Sealed secret.
    pub secret: Option<Vec<u8>>,
    /// State (stored spelling).
    pub state: String,
    /// Pending verification.
    pub verify_mode: Option<String>,
    /// Sealed secret of a pending subscribe.
    pub verify_secret: Option<Vec<u8>>,
    /// Lease of a pending subscribe.
    pub verify_lease: Option<i64>,
    /// Failed verification attempts (unreachable callback).
    pub verify_attempts: i32,
    /// Lease (s).
    pub lease_seconds: i64,
    /// Outbox id reached.
    pub cursor: i64,
    /// Failures of the current event.
    pub attempts: i32,
    /// First failure of the current event.
    pub first_failure_at: Option<i64>,
}

impl Receiver {
    /// Kind.
    pub fn kind(&self) -> ReceiverKind {
        ReceiverKind::parse(&self.kind).unwrap_or(ReceiverKind::Websub)
    }

    /// Whether it is receiving events.
    pub fn active(&self) -> bool {
        self.state == SubscriptionState::Active.as_str()
    }

    /// The plain secret for HMAC signatures.
    pub fn secret(&self, key: &MasterKey) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        self.secret
            .as_ref()
            .and_then(|s| key.open(SECRET_SEAL, s).ok())
    }
}

/// Ids of receivers with work due at `now` whose claim is free: a verification, a dead letter
/// asked to be delivered again, or events after their cursor. `kinds` limits it to receivers
/// this instance is configured for.
pub fn due(
    conn: &mut AnyConnection,
    now: i64,
    kinds: &[ReceiverKind],
    limit: i64,
) -> AppResult<Vec<String>> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let rows: Vec<(String, String, String, i64, Option<String>, String)> =
        event_subscriptions::table
            .filter(event_subscriptions::kind.eq_any(&kinds))
            .filter(
                event_subscriptions::state
                    .eq(SubscriptionState::Active.as_str())
                    .or(event_subscriptions::verify_mode.is_not_null()),
            )
            .filter(
                event_subscriptions::next_attempt_at
                    .is_null()
                    .or(event_subscriptions::next_attempt_at.le(now)),
            )
            .filter(
                event_subscriptions::claim_until
                    .is_null()
                    .or(event_subscriptions::claim_until.lt(now)),
            )
            .order(event_subscriptions::id.asc())
            .limit(limit)
            .select((
                event_subscriptions::id,
                event_subscriptions::kind,
                event_subscriptions::topic,
                event_subscriptions::cursor,
                event_subscriptions::verify_mode,
                event_subscriptions::state,
            ))
            .load(conn)?;
    let mut out = Vec::new();
    for (id, kind, topic, cursor, verify, state) in rows {
        let kind = ReceiverKind::parse(&kind).unwrap_or(ReceiverKind::Websub);
        let work = verify.is_some()
            || (state == SubscriptionState::Active.as_str()
                && (!events_after(conn, kind, &topic, cursor, 1)?.is_empty()
                    || has_requeued(conn, &id)?));
        if work {
            out.push(id);
        }
    }
    Ok(out)
}

fn has_requeued(conn: &mut AnyConnection, id: &str) -> AppResult<bool> {
    Ok(event_dead_letters::table
        .filter(event_dead_letters::subscription_id.eq(id))
        .filter(event_dead_letters::requeued_at.is_not_null())
        .select(event_dead_letters::id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Events after `cursor` for a receiver, oldest first.
pub fn events_after(
    conn: &mut AnyConnection,
    kind: ReceiverKind,
    topic: &str,
    cursor: i64,
    limit: i64,
) -> AppResult<Vec<PendingEvent>> {
    let mut q = outbox::table
        .filter(outbox::id.gt(cursor))
        .select((outbox::id, outbox::event_id, outbox::topic, outbox::payload))
        .order(outbox::id.asc())
        .limit(limit)
        .into_boxed();
    q = match kind {
        ReceiverKind::Websub => q.filter(outbox::topic.eq(topic.to_string())),
        ReceiverKind::Hub => q,
        ReceiverKind::Esignet => q.filter(outbox::topic.eq_any(ESIGNET_TOPICS)),
    };
    Ok(q.load(conn)?)
}

/// Take the claim on receiver `id` for `owner` until `now + ttl_ms`; `None` when another
/// instance holds it (or it is gone).
pub fn claim(
    conn: &mut AnyConnection,
    id: &str,
    owner: &str,
    now: i64,
    ttl_ms: i64,
) -> AppResult<Option<Receiver>> {
    let free = || {
        event_subscriptions::table.find(id).filter(
            event_subscriptions::claim_until
                .is_null()
                .or(event_subscriptions::claim_until.lt(now)),
        )
    };
    let set = (
        event_subscriptions::claim_owner.eq(Some(owner)),
        event_subscriptions::claim_until.eq(Some(now + ttl_ms)),
    );
    let n = match conn {
        // A row another instance is claiming right now is skipped, not waited for.
        AnyConnection::Postgresql(pg) => {
            pg.transaction::<usize, diesel::result::Error, _>(|pg| {
                let free_row: Option<String> = free()
                    .select(event_subscriptions::id)
                    .for_update()
                    .skip_locked()
                    .first(pg)
                    .optional()?;
                match free_row {
                    Some(_) => diesel::update(event_subscriptions::table.find(id))
                        .set(set)
                        .execute(pg),
                    None => Ok(0),
                }
            })?
        }
        // SQLite has one writer at a time: the guarded update is the whole claim.
        AnyConnection::Sqlite(_) => diesel::update(free()).set(set).execute(conn)?,
    };
    if n == 0 {
        return Ok(None);
    }
    Ok(event_subscriptions::table
        .find(id)
        .select(Receiver::as_select())
        .first(conn)
        .optional()?)
}

/// Give the claim back (work done, or stopped at a failure).
pub fn release(conn: &mut AnyConnection, id: &str, owner: &str) -> AppResult<()> {
    diesel::update(
        event_subscriptions::table
            .find(id)
            .filter(event_subscriptions::claim_owner.eq(owner)),
    )
    .set(event_subscriptions::claim_until.eq(None::<i64>))
    .execute(conn)?;
    Ok(())
}

/// The outcome of one attempt.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// HTTP status, if one came back.
    pub status: Option<i32>,
    /// Delivered (2xx).
    pub ok: bool,
    /// What went wrong (never holds a secret).
    pub error: Option<String>,
    /// Time to answer (ms).
    pub latency_ms: i64,
}

/// What recording an attempt decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Go on with the next event.
    Continue,
    /// Stop: tried again at this time (ms).
    RetryAt(i64),
    /// Given up: the event is a dead letter; go on.
    DeadLettered,
    /// The claim was lost (expired and taken by another instance): stop at once.
    LostClaim,
}

/// Record an attempt at `event` for receiver `r` (claimed by `owner`): on success the cursor
/// moves past it; on failure it is retried with back-off, or after the retry window it becomes
/// a dead letter and the cursor moves on. The claim is extended by `ttl_ms` on success.
#[expect(clippy::too_many_arguments)]
pub fn record(
    conn: &mut AnyConnection,
    r: &mut Receiver,
    owner: &str,
    event: &PendingEvent,
    attempt: &Attempt,
    retry: &RetryPolicy,
    jitter: f64,
    now: i64,
    ttl_ms: i64,
) -> AppResult<Next> {
    crate::db::write_tx(conn, |conn| {
        let mine = event_subscriptions::table
            .find(&r.id)
            .filter(event_subscriptions::claim_owner.eq(owner))
            .filter(event_subscriptions::cursor.eq(r.cursor));
        let number = r.attempts + 1;
        let (next, n) = if attempt.ok {
            let n = diesel::update(mine)
                .set((
                    event_subscriptions::cursor.eq(event.id),
                    event_subscriptions::attempts.eq(0),
                    event_subscriptions::first_failure_at.eq(None::<i64>),
                    event_subscriptions::next_attempt_at.eq(None::<i64>),
                    event_subscriptions::last_error.eq(None::<String>),
                    event_subscriptions::last_delivery_at.eq(Some(now)),
                    event_subscriptions::delivered_count
                        .eq(event_subscriptions::delivered_count + 1),
                    event_subscriptions::claim_until.eq(Some(now + ttl_ms)),
                ))
                .execute(conn)?;
            (Next::Continue, n)
        } else {
            let first = r.first_failure_at.unwrap_or(now);
            let error = attempt
                .error
                .clone()
                .unwrap_or_else(|| "failed".to_string());
            if now - first >= retry.window_ms {
                let n = diesel::update(mine)
                    .set((
                        event_subscriptions::cursor.eq(event.id),
                        event_subscriptions::attempts.eq(0),
                        event_subscriptions::first_failure_at.eq(None::<i64>),
                        event_subscriptions::next_attempt_at.eq(None::<i64>),
                        event_subscriptions::last_error.eq(Some(&error)),
                        event_subscriptions::failure_count
                            .eq(event_subscriptions::failure_count + 1),
                        event_subscriptions::claim_until.eq(Some(now + ttl_ms)),
                    ))
                    .execute(conn)?;
                if n == 1 {
                    diesel::insert_into(event_dead_letters::table)
                        .values((
                            event_dead_letters::id.eq(uuid::Uuid::new_v4().to_string()),
                            event_dead_letters::subscription_id.eq(&r.id),
                            event_dead_letters::outbox_id.eq(event.id),
                            event_dead_letters::event_id.eq(&event.event_id),
                            event_dead_letters::topic.eq(&event.topic),
                            event_dead_letters::payload.eq(&event.payload),
                            event_dead_letters::attempts.eq(number),
                            event_dead_letters::error.eq(&error),
                            event_dead_letters::dead_at.eq(now),
                        ))
                        .execute(conn)?;
                }
                (Next::DeadLettered, n)
            } else {
                let at = now + retry.backoff_ms(number, jitter);
                let n = diesel::update(mine)
                    .set((
                        event_subscriptions::attempts.eq(number),
                        event_subscriptions::first_failure_at.eq(Some(first)),
                        event_subscriptions::next_attempt_at.eq(Some(at)),
                        event_subscriptions::last_error.eq(Some(&error)),
                        event_subscriptions::failure_count
                            .eq(event_subscriptions::failure_count + 1),
                        event_subscriptions::claim_until.eq(None::<i64>),
                    ))
                    .execute(conn)?;
                (Next::RetryAt(at), n)
            }
        };
        if n == 0 {
            return Ok(Next::LostClaim);
        }
        diesel::insert_into(event_deliveries::table)
            .values((
                event_deliveries::subscription_id.eq(&r.id),
                event_deliveries::outbox_id.eq(event.id),
                event_deliveries::event_id.eq(&event.event_id),
                event_deliveries::attempt.eq(number),
                event_deliveries::ok.eq(attempt.ok),
                event_deliveries::status.eq(attempt.status),
                event_deliveries::error.eq(attempt.error.as_deref()),
                event_deliveries::latency_ms.eq(attempt.latency_ms),
                event_deliveries::at.eq(now),
                event_deliveries::next_try_at.eq(match next {
                    Next::RetryAt(t) => Some(t),
                    _ => None,
                }),
            ))
            .execute(conn)?;
        match next {
            Next::RetryAt(_) => {
                r.attempts = number;
                r.first_failure_at = r.first_failure_at.or(Some(now));
            }
            _ => {
                r.cursor = event.id;
                r.attempts = 0;
                r.first_failure_at = None;
            }
        }
        Ok(next)
    })
}

/// Record a run of events `r` (claimed by `owner`) accepted, in one transaction: each attempt
/// is logged and the cursor moves past the last. One commit for a run instead of one per event
/// is what keeps the engine near a bare POST loop's rate; after a crash only the run being
/// sent is sent again. `false` when the claim was lost (nothing is recorded then).
pub fn record_delivered(
    conn: &mut AnyConnection,
    r: &mut Receiver,
    owner: &str,
    run: &[(PendingEvent, Attempt, i64)],
    ttl_ms: i64,
) -> AppResult<bool> {
    let (Some((last, _, last_at)), Some((_, _, first_at))) = (run.last(), run.first()) else {
        return Ok(true);
    };
    let now = *last_at.max(first_at);
    crate::db::write_tx(conn, |conn| {
        let n = diesel::update(
            event_subscriptions::table
                .find(&r.id)
                .filter(event_subscriptions::claim_owner.eq(owner))
                .filter(event_subscriptions::cursor.eq(r.cursor)),
        )
        .set((
            event_subscriptions::cursor.eq(last.id),
            event_subscriptions::attempts.eq(0),
            event_subscriptions::first_failure_at.eq(None::<i64>),
            event_subscriptions::next_attempt_at.eq(None::<i64>),
            event_subscriptions::last_error.eq(None::<String>),
            event_subscriptions::last_delivery_at.eq(Some(now)),
            event_subscriptions::delivered_count
                .eq(event_subscriptions::delivered_count + run.len() as i64),
            event_subscriptions::claim_until.eq(Some(now + ttl_ms)),
        ))
        .execute(conn)?;
        if n == 0 {
            return Ok(false);
        }
        // The run is one log row (first and last outbox ids, how many, the slowest answer):
        // a row per delivered event cost the engine more than the POSTs themselves. Failures
        // keep a row per attempt.
        let (first, first_attempt, _) = &run[0];
        let slowest = run.iter().map(|(_, a, _)| a.latency_ms).max().unwrap_or(0);
        diesel::insert_into(event_deliveries::table)
            .values((
                event_deliveries::subscription_id.eq(&r.id),
                event_deliveries::outbox_id.eq(last.id),
                event_deliveries::event_id.eq(&last.event_id),
                // Only the first of the run can have failed before.
                event_deliveries::attempt.eq(r.attempts + 1),
                event_deliveries::ok.eq(true),
                event_deliveries::status.eq(run
                    .last()
                    .and_then(|(_, a, _)| a.status)
                    .or(first_attempt.status)),
                event_deliveries::error.eq(None::<String>),
                event_deliveries::latency_ms.eq(slowest),
                event_deliveries::at.eq(now),
                event_deliveries::next_try_at.eq(None::<i64>),
                event_deliveries::first_outbox_id.eq(Some(first.id)),
                event_deliveries::events.eq(run.len() as i32),
            ))
            .execute(conn)?;
        r.cursor = last.id;
        r.attempts = 0;
        r.first_failure_at = None;
        Ok(true)
    })
}

/// Dead letters of `id` asked to be delivered again, oldest first.
pub fn requeued(conn: &mut AnyConnection, id: &str) -> AppResult<Vec<PendingEvent>> {
    let rows: Vec<(String, i64, String, String, String)> = event_dead_letters::table
        .filter(event_dead_letters::subscription_id.eq(id))
        .filter(event_dead_letters::requeued_at.is_not_null())
        .order(event_dead_letters::outbox_id.asc())
        .limit(100)
        .select((
            event_dead_letters::id,
            event_dead_letters::outbox_id,
            event_dead_letters::event_id,
            event_dead_letters::topic,
            event_dead_letters::payload,
        ))
        .load(conn)?;
    // A letter is found again by (subscription, outbox id), which is unique.
    Ok(rows
        .into_iter()
        .map(|(_, outbox_id, event_id, topic, payload)| PendingEvent {
            id: outbox_id,
            event_id,
            topic,
            payload,
        })
        .collect())
}

/// Record a second delivery of a dead letter: delivered, or left dead with the new error.
pub fn record_redelivery(
    conn: &mut AnyConnection,
    id: &str,
    event: &PendingEvent,
    attempt: &Attempt,
    now: i64,
) -> AppResult<()> {
    crate::db::write_tx(conn, |conn| {
        let letter = event_dead_letters::table
            .filter(event_dead_letters::subscription_id.eq(id))
            .filter(event_dead_letters::outbox_id.eq(event.id));
        if attempt.ok {
            diesel::update(letter)
                .set((
                    event_dead_letters::requeued_at.eq(None::<i64>),
                    event_dead_letters::redelivered_at.eq(Some(now)),
                ))
                .execute(conn)?;
        } else {
            diesel::update(letter)
                .set((
                    event_dead_letters::requeued_at.eq(None::<i64>),
                    event_dead_letters::attempts.eq(event_dead_letters::attempts + 1),
                    event_dead_letters::error
                        .eq(attempt.error.clone().unwrap_or_else(|| "failed".into())),
                ))
                .execute(conn)?;
        }
        diesel::insert_into(event_deliveries::table)
            .values((
                event_deliveries::subscription_id.eq(id),
                event_deliveries::outbox_id.eq(event.id),
                event_deliveries::event_id.eq(&event.event_id),
                event_deliveries::attempt.eq(0),
                event_deliveries::ok.eq(attempt.ok),
                event_deliveries::status.eq(attempt.status),
                event_deliveries::error.eq(attempt.error.as_deref()),
                event_deliveries::latency_ms.eq(attempt.latency_ms),
                event_deliveries::at.eq(now),
            ))
            .execute(conn)?;
        if attempt.ok {
            diesel::update(event_subscriptions::table.find(id))
                .set((
                    event_subscriptions::last_delivery_at.eq(Some(now)),
                    event_subscriptions::delivered_count
                        .eq(event_subscriptions::delivered_count + 1),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// The answer of a callback to a verification of intent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// 2xx with the challenge echoed.
    Confirmed,
    /// The callback answered but did not confirm.
    Refused(String),
    /// No answer (connection, timeout, address refused): tried again a few times.
    Unreachable(String),
}

/// Attempts at an unreachable callback before the request counts as refused.
pub const VERIFY_ATTEMPTS: i32 = 3;

/// Record a verification of intent of receiver `r` (claimed by `owner`).
pub fn record_verification(
    conn: &mut AnyConnection,
    r: &mut Receiver,
    outcome: &Verification,
    retry: &RetryPolicy,
    now: i64,
) -> AppResult<()> {
    let Some(mode) = r.verify_mode.clone() else {
        return Ok(());
    };
    crate::db::write_tx(conn, |conn| {
        let row = event_subscriptions::table.find(&r.id);
        let (action, error) = match outcome {
            Verification::Confirmed if mode == "unsubscribe" => {
                diesel::update(row)
                    .set((
                        event_subscriptions::state.eq(SubscriptionState::Unsubscribed.as_str()),
                        event_subscriptions::verify_mode.eq(None::<String>),
                        event_subscriptions::next_attempt_at.eq(None::<i64>),
                        event_subscriptions::last_error.eq(None::<String>),
                        event_subscriptions::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                r.state = SubscriptionState::Unsubscribed.as_str().into();
                ("WEBSUB_UNSUBSCRIBED", None)
            }
            Verification::Confirmed => {
                let lease = r.verify_lease.unwrap_or(r.lease_seconds);
                diesel::update(row)
                    .set((
                        event_subscriptions::state.eq(SubscriptionState::Active.as_str()),
                        event_subscriptions::secret.eq(r.verify_secret.clone()),
                        event_subscriptions::lease_seconds.eq(lease),
                        event_subscriptions::lease_ends_at.eq(Some(now + lease * 1000)),
                        event_subscriptions::verify_mode.eq(None::<String>),
                        event_subscriptions::verify_secret.eq(None::<Vec<u8>>),
                        event_subscriptions::verify_lease.eq(None::<i64>),
                        event_subscriptions::verify_attempts.eq(0),
                        event_subscriptions::next_attempt_at.eq(None::<i64>),
                        event_subscriptions::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                r.state = SubscriptionState::Active.as_str().into();
                r.secret = r.verify_secret.take();
                ("WEBSUB_SUBSCRIBED", None)
            }
            Verification::Unreachable(e) if r.verify_attempts + 1 < VERIFY_ATTEMPTS => {
                let at = now + retry.backoff_ms(r.verify_attempts + 1, 0.5);
                diesel::update(row)
                    .set((
                        event_subscriptions::verify_attempts
                            .eq(event_subscriptions::verify_attempts + 1),
                        event_subscriptions::next_attempt_at.eq(Some(at)),
                        event_subscriptions::last_error.eq(Some(format!("Verification: {e}"))),
                        event_subscriptions::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                return Ok(());
            }
            Verification::Refused(e) | Verification::Unreachable(e) => {
                // A refused renewal or unsubscribe leaves the subscription as it was.
                let pending = r.state == SubscriptionState::Pending.as_str();
                let state = if pending && mode == "subscribe" {
                    SubscriptionState::Refused.as_str()
                } else {
                    r.state.as_str()
                }
                .to_string();
                diesel::update(row)
                    .set((
                        event_subscriptions::state.eq(&state),
                        event_subscriptions::verify_mode.eq(None::<String>),
                        event_subscriptions::verify_secret.eq(None::<Vec<u8>>),
                        event_subscriptions::verify_lease.eq(None::<i64>),
                        event_subscriptions::verify_attempts.eq(0),
                        event_subscriptions::next_attempt_at.eq(None::<i64>),
                        event_subscriptions::last_error
                            .eq(Some(format!("Verification of {mode} refused: {e}"))),
                        event_subscriptions::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                r.state = state;
                ("WEBSUB_VERIFICATION_REFUSED", Some(e.clone()))
            }
        };
        r.verify_mode = None;
        audit::record(
            conn,
            &Actor::system(),
            action,
            "event_subscription",
            &r.id,
            json!({ "topic": r.topic, "callback": r.callback, "mode": mode, "error": error }),
        )
    })
}

/// End the subscriptions whose lease ran out; returns how many.
pub fn expire_leases(conn: &mut AnyConnection, now: i64) -> AppResult<usize> {
    crate::db::write_tx(conn, |conn| {
        let ids: Vec<String> = event_subscriptions::table
            .filter(event_subscriptions::state.eq(SubscriptionState::Active.as_str()))
            .filter(event_subscriptions::kind.eq(ReceiverKind::Websub.as_str()))
            .filter(event_subscriptions::lease_ends_at.lt(now))
            .select(event_subscriptions::id)
            .limit(500)
            .load(conn)?;
        for id in &ids {
            diesel::update(
                event_subscriptions::table
                    .find(id)
                    .filter(event_subscriptions::state.eq(SubscriptionState::Active.as_str())),
            )
            .set((
                event_subscriptions::state.eq(SubscriptionState::Expired.as_str()),
                event_subscriptions::verify_mode.eq(None::<String>),
                event_subscriptions::updated_at.eq(now),
            ))
            .execute(conn)?;
            audit::record(
                conn,
                &Actor::system(),
                "WEBSUB_LEASE_EXPIRED",
                "event_subscription",
                id,
                json!({}),
            )?;
        }
        Ok(ids.len())
    })
}

/// Purge what is older than `retention_ms`: delivery logs, and outbox events every active
/// receiver has passed (never one an active receiver still waits for). Returns rows removed.
pub fn purge(conn: &mut AnyConnection, now: i64, retention_ms: i64) -> AppResult<usize> {
    let before = now - retention_ms;
    let logs = diesel::delete(event_deliveries::table.filter(event_deliveries::at.lt(before)))
        .execute(conn)?;
    let floor: Option<i64> = event_subscriptions::table
        .filter(
            event_subscriptions::state
                .eq(SubscriptionState::Active.as_str())
                .or(event_subscriptions::verify_mode.is_not_null()),
        )
        .select(diesel::dsl::min(event_subscriptions::cursor))
        .first(conn)?;
    let mut q = diesel::delete(outbox::table.filter(outbox::created_at.lt(before))).into_boxed();
    if let Some(floor) = floor {
        q = q.filter(outbox::id.le(floor));
    }
    let events = q.execute(conn)?;
    Ok(logs + events)
}

// ---- operators ----

pub use super::ReceiverFilter;

/// Receivers, newest first, one page.
pub fn list(conn: &mut AnyConnection, f: &ReceiverFilter) -> AppResult<Page<SubscriptionView>> {
    let (page, size, offset) = page::clamp(f.page, f.page_size);
    let filtered = || {
        let mut q = event_subscriptions::table.into_boxed();
        if let Some(k) = f.kind {
            q = q.filter(event_subscriptions::kind.eq(k.as_str()));
        }
        if let Some(s) = f.state {
            q = q.filter(event_subscriptions::state.eq(s.as_str()));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let ids: Vec<String> = filtered()
        .order((
            event_subscriptions::created_at.desc(),
            event_subscriptions::id.desc(),
        ))
        .limit(size)
        .offset(offset)
        .select(event_subscriptions::id)
        .load(conn)?;
    let mut items = Vec::with_capacity(ids.len());
    for id in ids {
        items.push(view(conn, &id)?);
    }
    Ok(Page {
        items,
        total,
        page,
        page_size: size,
    })
}

/// One receiver.
pub fn view(conn: &mut AnyConnection, id: &str) -> AppResult<SubscriptionView> {
    #[derive(Queryable, Selectable)]
    #[diesel(table_name = event_subscriptions)]
    struct Row {
        id: String,
        kind: String,
        topic: String,
        callback: String,
        secret: Option<Vec<u8>>,
        state: String,
        verify_mode: Option<String>,
        lease_seconds: i64,
        lease_ends_at: Option<i64>,
        last_delivery_at: Option<i64>,
        delivered_count: i64,
        failure_count: i64,
        attempts: i32,
        next_attempt_at: Option<i64>,
        last_error: Option<String>,
        cursor: i64,
        created_at: i64,
    }
    let r: Row = event_subscriptions::table
        .find(id)
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("The subscription"))?;
    let kind = ReceiverKind::parse(&r.kind).unwrap_or(ReceiverKind::Websub);
    let waiting = events_after(conn, kind, &r.topic, r.cursor, WAITING_CAP)?.len() as i64;
    let dead_letters: i64 = event_dead_letters::table
        .filter(event_dead_letters::subscription_id.eq(id))
        .filter(event_dead_letters::redelivered_at.is_null())
        .count()
        .get_result(conn)?;
    let callback_host = url::Url::parse(&r.callback)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    Ok(SubscriptionView {
        id: r.id,
        kind,
        topic: r.topic,
        callback: r.callback,
        callback_host,
        state: SubscriptionState::parse(&r.state).unwrap_or(SubscriptionState::Deactivated),
        verifying: r.verify_mode,
        signed: r.secret.is_some(),
        lease_seconds: r.lease_seconds,
        lease_ends_at: r.lease_ends_at,
        last_delivery_at: r.last_delivery_at,
        waiting,
        delivered: r.delivered_count,
        failures: r.failure_count,
        attempts: r.attempts,
        next_attempt_at: r.next_attempt_at,
        last_error: r.last_error,
        dead_letters,
        cursor: r.cursor,
        created_at: r.created_at,
    })
}

/// A receiver with its newest attempts and dead letters.
pub fn detail(conn: &mut AnyConnection, id: &str) -> AppResult<SubscriptionDetail> {
    let subscription = view(conn, id)?;
    let deliveries = event_deliveries::table
        .filter(event_deliveries::subscription_id.eq(id))
        .order(event_deliveries::id.desc())
        .limit(50)
        .select((
            event_deliveries::id,
            event_deliveries::outbox_id,
            event_deliveries::event_id,
            event_deliveries::attempt,
            event_deliveries::ok,
            event_deliveries::status,
            event_deliveries::error,
            event_deliveries::latency_ms,
            event_deliveries::at,
            event_deliveries::next_try_at,
            event_deliveries::first_outbox_id,
            event_deliveries::events,
        ))
        .load::<(
            i64,
            i64,
            String,
            i32,
            bool,
            Option<i32>,
            Option<String>,
            i64,
            i64,
            Option<i64>,
            Option<i64>,
            i32,
        )>(conn)?
        .into_iter()
        .map(|r| DeliveryView {
            id: r.0,
            outbox_id: r.1,
            event_id: r.2,
            attempt: r.3,
            ok: r.4,
            status: r.5,
            error: r.6,
            latency_ms: r.7,
            at: r.8,
            next_try_at: r.9,
            first_outbox_id: r.10,
            events: r.11,
        })
        .collect();
    let dead_letters = event_dead_letters::table
        .filter(event_dead_letters::subscription_id.eq(id))
        .order((
            event_dead_letters::dead_at.desc(),
            event_dead_letters::id.desc(),
        ))
        .limit(100)
        .select((
            event_dead_letters::id,
            event_dead_letters::outbox_id,
            event_dead_letters::event_id,
            event_dead_letters::topic,
            event_dead_letters::attempts,
            event_dead_letters::error,
            event_dead_letters::dead_at,
            event_dead_letters::requeued_at,
            event_dead_letters::redelivered_at,
        ))
        .load::<(
            String,
            i64,
            String,
            String,
            i32,
            String,
            i64,
            Option<i64>,
            Option<i64>,
        )>(conn)?
        .into_iter()
        .map(|r| DeadLetterView {
            id: r.0,
            outbox_id: r.1,
            event_id: r.2,
            topic: r.3,
            attempts: r.4,
            error: r.5,
            dead_at: r.6,
            requeued_at: r.7,
            redelivered_at: r.8,
        })
        .collect();
    Ok(SubscriptionDetail {
        subscription,
        deliveries,
        dead_letters,
    })
}

/// Ask for a dead letter to be delivered again (before the receiver's next event).
pub fn requeue(
    conn: &mut AnyConnection,
    actor: &Actor,
    subscription_id: &str,
    letter_id: &str,
    now: i64,
) -> AppResult<DeadLetterView> {
    crate::db::write_tx(conn, |conn| {
        let n = diesel::update(
            event_dead_letters::table
                .find(letter_id)
                .filter(event_dead_letters::subscription_id.eq(subscription_id))
                .filter(event_dead_letters::redelivered_at.is_null()),
        )
        .set(event_dead_letters::requeued_at.eq(Some(now)))
        .execute(conn)?;
        if n == 0 {
            return Err(AppError::not_found("The dead letter"));
        }
        audit::record(
            conn,
            actor,
            "EVENT_DEAD_LETTER_REQUEUED",
            "event_subscription",
            subscription_id,
            json!({ "deadLetter": letter_id }),
        )?;
        detail(conn, subscription_id)?
            .dead_letters
            .into_iter()
            .find(|d| d.id == letter_id)
            .ok_or_else(|| AppError::not_found("The dead letter"))
    })
}

/// Stop a receiver (an operator's decision; the subscriber cannot revive it).
pub fn deactivate(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    now: i64,
) -> AppResult<SubscriptionView> {
    crate::db::write_tx(conn, |conn| {
        let before = view(conn, id)?;
        if before.state == SubscriptionState::Deactivated {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_ILLEGAL_TRANSITION",
                "This subscription is already deactivated.",
            ));
        }
        diesel::update(event_subscriptions::table.find(id))
            .set((
                event_subscriptions::state.eq(SubscriptionState::Deactivated.as_str()),
                event_subscriptions::verify_mode.eq(None::<String>),
                event_subscriptions::updated_at.eq(now),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            "EVENT_SUBSCRIPTION_DEACTIVATED",
            "event_subscription",
            id,
            json!({ "topic": before.topic, "callback": before.callback, "from": before.state.as_str() }),
        )?;
        view(conn, id)
    })
}

/// Deliver again from event `event_id` (inclusive) for a receiver that lost data: its cursor
/// moves back to just before that event. The event must still be in the outbox and be one the
/// receiver gets.
pub fn replay(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    event_id: &str,
    now: i64,
) -> AppResult<SubscriptionView> {
    let event_id = event_id.trim();
    if event_id.is_empty() || event_id.len() > 64 {
        return Err(AppError::validation(
            "event_id",
            "PMS_EVENT_ID",
            "Give the id of the first event to deliver again.",
        ));
    }
    crate::db::write_tx(conn, |conn| {
        let before = view(conn, id)?;
        if before.state != SubscriptionState::Active {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_ILLEGAL_TRANSITION",
                "Only an active subscription can be replayed.",
            ));
        }
        let found: Option<(i64, String)> = outbox::table
            .filter(outbox::event_id.eq(event_id))
            .select((outbox::id, outbox::topic))
            .first(conn)
            .optional()?;
        let Some((outbox_id, topic)) = found else {
            return Err(AppError::validation(
                "event_id",
                "PMS_EVENT_UNKNOWN",
                "No such event in the outbox (it may have been purged).",
            ));
        };
        let gets = match before.kind {
            ReceiverKind::Websub => topic == before.topic,
            ReceiverKind::Hub => true,
            ReceiverKind::Esignet => ESIGNET_TOPICS.contains(&topic.as_str()),
        };
        if !gets {
            return Err(AppError::validation(
                "event_id",
                "PMS_EVENT_TOPIC",
                format!("That event is a {topic}; this subscription does not receive it."),
            ));
        }
        diesel::update(event_subscriptions::table.find(id))
            .set((
                event_subscriptions::cursor.eq(outbox_id - 1),
                event_subscriptions::attempts.eq(0),
                event_subscriptions::first_failure_at.eq(None::<i64>),
                event_subscriptions::next_attempt_at.eq(None::<i64>),
                event_subscriptions::updated_at.eq(now),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            "EVENT_SUBSCRIPTION_REPLAYED",
            "event_subscription",
            id,
            json!({ "fromEvent": event_id, "previousCursor": before.cursor }),
        )?;
        view(conn, id)
    })
}

/// Deactivate the subscriptions made with a token that is being revoked.
pub fn deactivate_for_token(
    conn: &mut AnyConnection,
    token_id: &str,
    now: i64,
) -> AppResult<usize> {
    Ok(diesel::update(
        event_subscriptions::table
            .filter(event_subscriptions::token_id.eq(token_id))
            .filter(event_subscriptions::state.ne(SubscriptionState::Deactivated.as_str())),
    )
    .set((
        event_subscriptions::state.eq(SubscriptionState::Deactivated.as_str()),
        event_subscriptions::verify_mode.eq(None::<String>),
        event_subscriptions::updated_at.eq(now),
    ))
    .execute(conn)?)
}

// ---- external hub and eSignet bookkeeping ----

/// Whether `topic` is registered at the external hub of receiver `id`.
pub fn hub_registered(conn: &mut AnyConnection, id: &str, topic: &str) -> AppResult<bool> {
    Ok(hub_topics::table
        .find((id, topic))
        .select(hub_topics::topic)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Note that `topic` is registered at the external hub of receiver `id`.
pub fn mark_hub_registered(
    conn: &mut AnyConnection,
    id: &str,
    topic: &str,
    now: i64,
) -> AppResult<()> {
    if !hub_registered(conn, id, topic)? {
        diesel::insert_into(hub_topics::table)
            .values((
                hub_topics::subscription_id.eq(id),
                hub_topics::topic.eq(topic),
                hub_topics::registered_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Record eSignet's answer for client `client_id` at outbox event `outbox_id`.
pub fn record_esignet(
    conn: &mut AnyConnection,
    client_id: &str,
    outbox_id: i64,
    error: Option<&str>,
    now: i64,
) -> AppResult<()> {
    let exists = esignet_sync::table
        .find(client_id)
        .select(esignet_sync::client_id)
        .first::<String>(conn)
        .optional()?
        .is_some();
    if !exists {
        diesel::insert_into(esignet_sync::table)
            .values((
                esignet_sync::client_id.eq(client_id),
                esignet_sync::latest_outbox_id.eq(outbox_id),
                esignet_sync::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    match error {
        None => diesel::update(esignet_sync::table.find(client_id))
            .set((
                esignet_sync::synced_outbox_id.eq(Some(outbox_id)),
                esignet_sync::synced_at.eq(Some(now)),
                esignet_sync::last_error.eq(None::<String>),
                esignet_sync::updated_at.eq(now),
            ))
            .execute(conn)?,
        Some(e) => diesel::update(esignet_sync::table.find(client_id))
            .set((
                esignet_sync::last_error.eq(Some(e)),
                esignet_sync::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// eSignet's state of each client in `ids` (those it never heard of are absent).
pub fn esignet_states(
    conn: &mut AnyConnection,
    ids: &[String],
) -> AppResult<std::collections::HashMap<String, EsignetState>> {
    // The latest event of a client is found through the sync row, kept when events are made.
    type SyncRow = (String, i64, Option<i64>, Option<i64>, Option<String>);
    let rows: Vec<SyncRow> = esignet_sync::table
        .filter(esignet_sync::client_id.eq_any(ids))
        .select((
            esignet_sync::client_id,
            esignet_sync::latest_outbox_id,
            esignet_sync::synced_outbox_id,
            esignet_sync::synced_at,
            esignet_sync::last_error,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, latest, synced, at, error)| {
            (
                id,
                EsignetState {
                    in_sync: synced.is_some_and(|s| s >= latest),
                    synced_at: at,
                    last_error: error,
                },
            )
        })
        .collect())
}

/// Note that client `client_id` has a new version, event `event_id` (called in the change's
/// transaction, so the pages can say whether eSignet has it).
pub fn esignet_note_version(
    conn: &mut AnyConnection,
    client_id: &str,
    event_id: &str,
    now: i64,
) -> AppResult<()> {
    let outbox_id: i64 = outbox::table
        .filter(outbox::event_id.eq(event_id))
        .select(outbox::id)
        .first(conn)?;
    let n = diesel::update(esignet_sync::table.find(client_id))
        .set((
            esignet_sync::latest_outbox_id.eq(outbox_id),
            esignet_sync::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(esignet_sync::table)
            .values((
                esignet_sync::client_id.eq(client_id),
                esignet_sync::latest_outbox_id.eq(outbox_id),
                esignet_sync::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}
