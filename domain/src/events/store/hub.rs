//! Hub requests (subscribe, unsubscribe) and the built-in receivers (external hub, eSignet).

use super::*;

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
    let mode = request_mode(req)?;
    let topic = request_topic(req, scopes)?;
    let callback = parse_callback(
        req.callback.as_deref().map(str::trim).unwrap_or(""),
        insecure_hosts,
    )?
    .to_string();
    let secret = sealed_secret(req, key)?;
    let lease = request_lease(req, limits)?;
    crate::db::write_tx(conn, |conn| {
        let existing = find_websub(conn, topic, &callback)?;
        let wanted = Wanted {
            token_id,
            topic,
            callback: &callback,
            secret: secret.clone(),
            lease,
            now,
        };
        let id = match (mode, existing) {
            ("unsubscribe", None) => {
                return Err(AppError::new(
                    ErrorKind::NotFound,
                    "PMS_HUB_NO_SUBSCRIPTION",
                    format!("No subscription of this callback to {topic}."),
                ))
            }
            ("unsubscribe", Some((id, state, _))) => {
                mark_unsubscribe(conn, id, &state, topic, now)?
            }
            (_, Some((_, state, _))) if state == SubscriptionState::Deactivated.as_str() => {
                return Err(AppError::new(
                    ErrorKind::Forbidden,
                    "PMS_HUB_DEACTIVATED",
                    "An operator deactivated this subscription; ask them to remove it first.",
                ));
            }
            (_, Some((id, state, _))) => renew_subscription(conn, id, &state, wanted)?,
            (_, None) => insert_subscription(conn, wanted)?,
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

/// The WebSub subscription of `callback` to `topic`, if any: its id, state and token.
fn find_websub(
    conn: &mut AnyConnection,
    topic: &str,
    callback: &str,
) -> AppResult<Option<(String, String, Option<String>)>> {
    Ok(event_subscriptions::table
        .filter(event_subscriptions::kind.eq(ReceiverKind::Websub.as_str()))
        .filter(event_subscriptions::topic.eq(topic))
        .filter(event_subscriptions::callback.eq(callback))
        .select((
            event_subscriptions::id,
            event_subscriptions::state,
            event_subscriptions::token_id,
        ))
        .first(conn)
        .optional()?)
}

/// `hub.mode`: subscribe or unsubscribe.
fn request_mode(req: &HubRequest) -> AppResult<&'static str> {
    match req.mode.as_deref().map(str::trim) {
        Some("subscribe") => Ok("subscribe"),
        Some("unsubscribe") => Ok("unsubscribe"),
        Some("") | None => Err(bad("hub.mode", "PMS_HUB_MODE", "hub.mode is required.")),
        Some(other) => Err(bad(
            "hub.mode",
            "PMS_HUB_MODE",
            format!(
                "hub.mode {:?} is not known; use subscribe or unsubscribe.",
                crate::text::clip(other, 40)
            ),
        )),
    }
}

/// `hub.topic`: a published topic that the service token's `scopes` allow.
fn request_topic<'a>(req: &'a HubRequest, scopes: &str) -> AppResult<&'a str> {
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
    Ok(topic)
}

/// `hub.secret`, when given, sealed with the master key (None: deliveries are not signed).
fn sealed_secret(req: &HubRequest, key: &MasterKey) -> AppResult<Option<Vec<u8>>> {
    match req.secret.as_deref() {
        None | Some("") => Ok(None),
        Some(s) if s.len() > MAX_SECRET_BYTES => Err(bad(
            "hub.secret",
            "PMS_HUB_SECRET",
            format!(
                "hub.secret is {} bytes long; at most {MAX_SECRET_BYTES} are allowed.",
                s.len()
            ),
        )),
        Some(s) => Ok(Some(key.seal(SECRET_SEAL, s.as_bytes())?)),
    }
}

/// `hub.lease_seconds`, within `limits` (the default when not given).
fn request_lease(req: &HubRequest, limits: LeaseLimits) -> AppResult<i64> {
    match req.lease_seconds.as_deref().map(str::trim) {
        None | Some("") => Ok(limits.default),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (limits.min..=limits.max).contains(&n) => Ok(n),
            _ => Err(bad(
                "hub.lease_seconds",
                "PMS_HUB_LEASE",
                format!(
                    "hub.lease_seconds must be a whole number from {} to {}.",
                    limits.min, limits.max
                ),
            )),
        },
    }
}

/// What a subscribe request asks for, once validated.
struct Wanted<'a> {
    token_id: &'a str,
    topic: &'a str,
    callback: &'a str,
    secret: Option<Vec<u8>>,
    lease: i64,
    now: i64,
}

/// Mark an active or pending subscription for unsubscribe verification; returns its id.
fn mark_unsubscribe(
    conn: &mut AnyConnection,
    id: String,
    state: &str,
    topic: &str,
    now: i64,
) -> AppResult<String> {
    if state != SubscriptionState::Active.as_str() && state != SubscriptionState::Pending.as_str() {
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
    Ok(id)
}

/// Renew an existing subscription: it awaits subscribe verification again; one that was not
/// active starts over from the events after this request. Returns its id.
fn renew_subscription(
    conn: &mut AnyConnection,
    id: String,
    state: &str,
    wanted: Wanted<'_>,
) -> AppResult<String> {
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
            event_subscriptions::verify_secret.eq(wanted.secret),
            event_subscriptions::verify_lease.eq(Some(wanted.lease)),
            event_subscriptions::verify_attempts.eq(0),
            event_subscriptions::next_attempt_at.eq(None::<i64>),
            event_subscriptions::token_id.eq(Some(wanted.token_id)),
            event_subscriptions::updated_at.eq(wanted.now),
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
    Ok(id)
}

/// Insert a new subscription awaiting subscribe verification, starting after the newest event;
/// returns its id.
fn insert_subscription(conn: &mut AnyConnection, wanted: Wanted<'_>) -> AppResult<String> {
    let id = uuid::Uuid::new_v4().to_string();
    let cursor = max_outbox_id(conn)?;
    diesel::insert_into(event_subscriptions::table)
        .values((
            event_subscriptions::id.eq(&id),
            event_subscriptions::kind.eq(ReceiverKind::Websub.as_str()),
            event_subscriptions::topic.eq(wanted.topic),
            event_subscriptions::callback.eq(wanted.callback),
            event_subscriptions::token_id.eq(Some(wanted.token_id)),
            event_subscriptions::state.eq(SubscriptionState::Pending.as_str()),
            event_subscriptions::verify_mode.eq(Some("subscribe")),
            event_subscriptions::verify_secret.eq(wanted.secret),
            event_subscriptions::verify_lease.eq(Some(wanted.lease)),
            event_subscriptions::lease_seconds.eq(wanted.lease),
            event_subscriptions::cursor.eq(cursor),
            event_subscriptions::created_at.eq(wanted.now),
            event_subscriptions::updated_at.eq(wanted.now),
        ))
        .execute(conn)?;
    Ok(id)
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
