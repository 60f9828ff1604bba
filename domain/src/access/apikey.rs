//! API keys: a partner generates a key against a policy it was approved for; the secret is
//! shown once and only its SHA-256 and a short prefix are stored. Downstream services verify
//! keys through [`verify`], the hottest path of the system: one hash, one indexed lookup.

use super::request::{approved_policies, require_approved};
use super::shared::{
    changed_meanwhile, day, filter_value, hash_secret, key_status_filter, me, new_secret,
    require_certificate, text, unique_or, visible_prefix,
};
use super::*;
use crate::account::CurrentUser;
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::page::{self, Page};
use crate::partner::PartnerStatus;
use crate::policy::{PolicyStatus, PolicyType};
use crate::schema::{api_keys, partners, policies};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

/// Topic of a new key.
pub const APIKEY_APPROVED: &str = "APIKEY_APPROVED";
/// Topic of a key's change (deactivated, expired).
pub const APIKEY_UPDATED: &str = "APIKEY_UPDATED";
/// What an API key starts with, so that a leaked one is recognisable (secret scanners).
pub const KEY_PREFIX: &str = "pms_";
/// Characters after the prefix.
const KEY_BODY_LEN: usize = 40;
/// Characters shown in lists.
const VISIBLE: usize = 10;
const DAY_MS: i64 = 86_400_000;
/// Policy types an API key can be made for (MISP policies back licenses instead).
pub const KEY_POLICY_TYPES: [PolicyType; 2] = [PolicyType::Auth, PolicyType::DataShare];

/// The partner's approved policies a key can be made for.
pub fn policy_options(
    conn: &mut AnyConnection,
    user: &CurrentUser,
) -> AppResult<Vec<ApprovedPolicy>> {
    let me = me(conn, user)?;
    approved_policies(conn, &me.id, &KEY_POLICY_TYPES)
}

/// The key's last moment: the chosen last day (through its end), or the longest allowed.
fn key_end(valid_to: Option<&str>, config: &AccessConfig, now: i64) -> AppResult<i64> {
    let today = now - now.rem_euclid(DAY_MS);
    let longest = now + config.api_key_days * DAY_MS;
    match valid_to.map(str::trim) {
        None | Some("") => Ok(longest),
        Some(v) => {
            let d = day("valid_to", "Valid until", v)?;
            if d < today {
                return Err(AppError::validation(
                    "valid_to",
                    "PMS_APIKEY_EXPIRY_PAST",
                    "The last valid day cannot be in the past.",
                ));
            }
            // Valid through the whole of its last day, within the configured period.
            let end = d + DAY_MS - 1;
            if end > longest + DAY_MS {
                return Err(AppError::validation(
                    "valid_to",
                    "PMS_APIKEY_EXPIRY_TOO_FAR",
                    format!("A key is valid at most {} days.", config.api_key_days),
                ));
            }
            Ok(end.min(longest))
        }
    }
}

/// Generate a key; the secret is in the answer and nowhere else.
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: &CurrentUser,
    input: &ApiKeyInput,
    config: &AccessConfig,
) -> AppResult<Issued<ApiKeyView>> {
    let mut errs = crate::error::FieldErrors::new();
    let label = errs.take(text("label", "Label", &input.label, MAX_LABEL_LEN));
    let policy_id = input.policy_id.trim().to_string();
    if policy_id.is_empty() {
        errs.push(AppError::validation(
            "policy_id",
            "PMS_REQUIRED",
            "Choose a policy.",
        ));
    }
    let now = clock::now_ms();
    let valid_to = errs.take(key_end(input.valid_to.as_deref(), config, now));
    errs.finish()?;
    let (Some(label), Some(valid_to)) = (label, valid_to) else {
        return Err(AppError::internal());
    };
    crate::db::write_tx(conn, |conn| {
        let me = me(conn, user)?;
        require_certificate(conn, &me.id, now)?;
        require_approved(conn, &me.id, &policy_id, &KEY_POLICY_TYPES)?;
        let taken = "You already have a key with this label for this policy.";
        let same: i64 = api_keys::table
            .filter(api_keys::partner_id.eq(&me.id))
            .filter(api_keys::policy_id.eq(&policy_id))
            .filter(crate::account::lower(api_keys::label).eq(label.to_lowercase()))
            .count()
            .get_result(conn)?;
        if same > 0 {
            return Err(
                AppError::new(ErrorKind::Conflict, "PMS_APIKEY_LABEL_TAKEN", taken)
                    .with_field("label"),
            );
        }
        let secret = new_secret(KEY_PREFIX, KEY_BODY_LEN);
        let id = uuid::Uuid::new_v4().to_string();
        diesel::insert_into(api_keys::table)
            .values((
                api_keys::id.eq(&id),
                api_keys::partner_id.eq(&me.id),
                api_keys::policy_id.eq(&policy_id),
                api_keys::label.eq(&label),
                api_keys::prefix.eq(visible_prefix(&secret, VISIBLE)),
                api_keys::key_hash.eq(hash_secret(&secret)),
                api_keys::valid_from.eq(now),
                api_keys::valid_to.eq(valid_to),
                api_keys::status.eq(KeyStatus::Active.as_str()),
                api_keys::created_at.eq(now),
                api_keys::created_by.eq(actor.id.as_deref()),
                api_keys::updated_at.eq(now),
                api_keys::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)
            .map_err(|e| unique_or(e, "label", "PMS_APIKEY_LABEL_TAKEN", taken))?;
        audit::record(
            conn,
            actor,
            "APIKEY_CREATED",
            "api_key",
            &id,
            json!({ "partnerId": me.id, "policyId": policy_id, "label": label,
                    "validTo": clock::rfc3339(valid_to) }),
        )?;
        let data = event_data(conn, &id)?;
        crate::outbox::enqueue(conn, APIKEY_APPROVED, data)?;
        Ok(Issued {
            item: get(conn, &id)?,
            secret,
        })
    })
}

/// The event body: partner, policy and key, in the reference's shape, plus the key's SHA-256
/// so that a consumer can check keys itself without ever holding a secret.
fn event_data(conn: &mut AnyConnection, id: &str) -> AppResult<serde_json::Value> {
    #[allow(clippy::type_complexity)]
    let row: (
        (String, String, i64, i64, String, String),
        (String, String, String),
        (String, String, String, String, Option<i64>, Option<i64>),
    ) = api_keys::table
        .inner_join(partners::table)
        .inner_join(policies::table)
        .filter(api_keys::id.eq(id))
        .select((
            (
                api_keys::id,
                api_keys::label,
                api_keys::valid_from,
                api_keys::valid_to,
                api_keys::status,
                api_keys::key_hash,
            ),
            (partners::id, partners::organisation, partners::status),
            (
                policies::id,
                policies::name,
                policies::status,
                policies::document,
                policies::valid_from,
                policies::valid_to,
            ),
        ))
        .first(conn)?;
    let (k, p, pol) = row;
    let document: serde_json::Value = serde_json::from_str(&pol.3).unwrap_or_default();
    Ok(json!({
        "partnerData": { "partnerId": p.0, "partnerName": p.1, "partnerStatus": p.2 },
        "policyData": { "policyId": pol.0, "policyName": pol.1, "policyStatus": pol.2,
                        "policy": document,
                        "policyCommenceOn": pol.4.map(clock::rfc3339),
                        "policyExpiresOn": pol.5.map(clock::rfc3339) },
        "apiKeyData": { "partnerId": p.0, "policyId": pol.0, "apiKeyId": k.0, "label": k.1,
                        "apiKeyCommenceOn": clock::rfc3339(k.2),
                        "apiKeyExpiresOn": clock::rfc3339(k.3),
                        "apiKeyStatus": k.4, "apiKeyHash": k.5 },
    }))
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    i64,
);

crate::db::columns_fn! {
    fn columns() -> (
        api_keys::id,
        api_keys::partner_id,
        partners::organisation,
        api_keys::policy_id,
        policies::name,
        api_keys::label,
        api_keys::prefix,
        api_keys::valid_from,
        api_keys::valid_to,
        api_keys::status,
        api_keys::created_at,
    )
}

fn view(r: Row) -> ApiKeyView {
    ApiKeyView {
        id: r.0,
        partner_id: r.1,
        organisation: r.2,
        policy_id: r.3,
        policy_name: r.4,
        label: r.5,
        prefix: r.6,
        valid_from: r.7,
        valid_to: r.8,
        status: KeyStatus::parse(&r.9).unwrap_or(KeyStatus::Deactivated),
        created_at: r.10,
    }
}

/// One key.
pub fn get(conn: &mut AnyConnection, id: &str) -> AppResult<ApiKeyView> {
    let row: Row = api_keys::table
        .inner_join(partners::table)
        .inner_join(policies::table)
        .filter(api_keys::id.eq(id))
        .select(columns())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("The API key"))?;
    Ok(view(row))
}

/// A page of keys; `only` restricts to one partner.
pub fn list(
    conn: &mut AnyConnection,
    query: &KeyQuery,
    only: Option<&str>,
) -> AppResult<Page<ApiKeyView>> {
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
    let status = key_status_filter(query.status.as_deref())?;
    let partner = only
        .map(str::to_string)
        .or_else(|| filter_value(&query.partner));
    let policy = filter_value(&query.policy);
    let filtered = || {
        let mut q = api_keys::table
            .inner_join(partners::table)
            .inner_join(policies::table)
            .into_boxed();
        if let Some(s) = status {
            q = q.filter(api_keys::status.eq(s.as_str()));
        }
        if let Some(p) = &partner {
            q = q.filter(api_keys::partner_id.eq(p.clone()));
        }
        if let Some(p) = &policy {
            q = q.filter(api_keys::policy_id.eq(p.clone()));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let q = match query.sort.as_deref() {
        Some("created") => filtered().order((api_keys::created_at.asc(), api_keys::id.asc())),
        Some("valid_to") => filtered().order((api_keys::valid_to.asc(), api_keys::id.asc())),
        Some("-valid_to") => filtered().order((api_keys::valid_to.desc(), api_keys::id.desc())),
        _ => filtered().order((api_keys::created_at.desc(), api_keys::id.desc())),
    };
    let rows: Vec<Row> = q.select(columns()).limit(size).offset(offset).load(conn)?;
    let items = rows.into_iter().map(view).collect();
    Ok(Page::new(items, total, page_no, size))
}

/// The signed-in partner's keys.
pub fn list_own(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    query: &KeyQuery,
) -> AppResult<Page<ApiKeyView>> {
    let me = me(conn, user)?;
    list(conn, query, Some(&me.id))
}

/// Deactivate an active key. `owner` = the partner's own key only (another's answers 404);
/// without, a partner admin's deactivation, which the partner hears of.
pub fn deactivate(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    owner: Option<&CurrentUser>,
) -> AppResult<ApiKeyView> {
    crate::db::write_tx(conn, |conn| {
        let key = deactivate_quietly(conn, actor, id, owner)?;
        if owner.is_none() {
            use crate::notification::status::{announce_withdrawn, Subject};
            announce_withdrawn(conn, Subject::ApiKey, &key.partner_id, id, &key.label)?;
        }
        Ok(key)
    })
}

/// [`deactivate`] without news: a partner's deactivation takes its keys with it and says so
/// in its own news.
pub(crate) fn deactivate_quietly(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    owner: Option<&CurrentUser>,
) -> AppResult<ApiKeyView> {
    crate::db::write_tx(conn, |conn| {
        let key = get(conn, id)?;
        if let Some(user) = owner {
            if me(conn, user)?.id != key.partner_id {
                return Err(AppError::not_found("The API key"));
            }
        }
        if key.status != KeyStatus::Active {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_ILLEGAL_TRANSITION",
                format!(
                    "Only an active key can be deactivated; this one is {}.",
                    key.status.label().to_lowercase()
                ),
            ));
        }
        set_status(
            conn,
            actor,
            id,
            KeyStatus::Deactivated,
            "APIKEY_DEACTIVATED",
        )?;
        get(conn, id)
    })
}

fn set_status(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    to: KeyStatus,
    action: &str,
) -> AppResult<()> {
    let changed = diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::status.eq(KeyStatus::Active.as_str())),
    )
    .set((
        api_keys::status.eq(to.as_str()),
        api_keys::updated_at.eq(clock::now_ms()),
        api_keys::updated_by.eq(actor.id.as_deref()),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(changed_meanwhile());
    }
    audit::record(
        conn,
        actor,
        action,
        "api_key",
        id,
        json!({ "from": KeyStatus::Active.as_str(), "to": to.as_str() }),
    )?;
    let data = event_data(conn, id)?;
    crate::outbox::enqueue(conn, APIKEY_UPDATED, data)?;
    Ok(())
}

/// Mark active keys whose validity ended before `now` as expired, each in its own transaction
/// (several instances may run this at once: the guarded update lets one of them win per key).
pub fn expire_due(conn: &mut AnyConnection, now: i64) -> AppResult<usize> {
    super::shared::expire_each(
        conn,
        |conn| {
            Ok(api_keys::table
                .filter(api_keys::status.eq(KeyStatus::Active.as_str()))
                .filter(api_keys::valid_to.lt(now))
                .order(api_keys::valid_to.asc())
                .limit(200)
                .select(api_keys::id)
                .load(conn)?)
        },
        |conn, id| {
            set_status(
                conn,
                &Actor::system(),
                id,
                KeyStatus::Expired,
                "APIKEY_EXPIRED",
            )
        },
    )
}

/// What the verification endpoint answers about a known key.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// The key may be used now: active, within validity, partner approved, policy published.
    pub valid: bool,
    /// ACTIVE, DEACTIVATED, EXPIRED, NOT_YET_VALID, PARTNER_INACTIVE or POLICY_INACTIVE.
    pub status: &'static str,
    /// Partner id.
    pub partner_id: String,
    /// Partner's organisation.
    pub partner_name: String,
    /// Partner status.
    pub partner_status: String,
    /// Policy id.
    pub policy_id: String,
    /// Policy name.
    pub policy_name: String,
    /// Policy type.
    pub policy_type: String,
    /// The published policy document, passed through unparsed.
    pub policy: Box<serde_json::value::RawValue>,
    /// Valid from (RFC 3339).
    pub valid_from: String,
    /// Valid to (RFC 3339).
    pub valid_to: String,
}

/// A key's row for verification: (status, valid from, valid to), (partner id, organisation,
/// status), (policy id, name, type, status, document).
type KeyRow = (
    (String, i64, i64),
    (String, String, String),
    (String, String, String, String, String),
);

/// Look a key up by its SHA-256 (one fast hash, one indexed read). `None` when unknown, or
/// when `partner_id` is given and is not the key's partner (the caller learns nothing more).
pub fn verify(
    conn: &mut AnyConnection,
    secret: &str,
    partner_id: Option<&str>,
    now: i64,
) -> AppResult<Option<Verification>> {
    if secret.len() > 128 || !secret.starts_with(KEY_PREFIX) {
        return Ok(None);
    }
    // The hottest read of the portal runs on the backend's own connection: through the
    // two-backend connection every call serialises the statement's SQL again before the
    // statement cache is consulted; here a cached statement is bound and stepped.
    macro_rules! lookup {
        ($conn:expr, $hash:expr) => {
            api_keys::table
                .inner_join(partners::table)
                .inner_join(policies::table)
                .filter(api_keys::key_hash.eq($hash))
                .select((
                    (api_keys::status, api_keys::valid_from, api_keys::valid_to),
                    (partners::id, partners::organisation, partners::status),
                    (
                        policies::id,
                        policies::name,
                        policies::policy_type,
                        policies::status,
                        policies::document,
                    ),
                ))
                .first::<KeyRow>($conn)
                .optional()
        };
    }
    let hash = hash_secret(secret);
    let row = match conn {
        AnyConnection::Sqlite(c) => lookup!(c, &hash)?,
        AnyConnection::Postgresql(c) => lookup!(c, &hash)?,
    };
    let Some((k, p, pol)) = row else {
        return Ok(None);
    };
    if partner_id.is_some_and(|id| id != p.0) {
        return Ok(None);
    }
    let status = match KeyStatus::parse(&k.0) {
        Some(KeyStatus::Active) if k.2 < now => "EXPIRED",
        Some(KeyStatus::Active) if k.1 > now => "NOT_YET_VALID",
        Some(KeyStatus::Active) if p.2 != PartnerStatus::Approved.as_str() => "PARTNER_INACTIVE",
        Some(KeyStatus::Active) if pol.3 != PolicyStatus::Published.as_str() => "POLICY_INACTIVE",
        Some(s) => s.as_str(),
        None => KeyStatus::Deactivated.as_str(),
    };
    let policy =
        serde_json::value::RawValue::from_string(pol.4).map_err(|_| AppError::internal())?;
    Ok(Some(Verification {
        valid: status == KeyStatus::Active.as_str(),
        status,
        partner_id: p.0,
        partner_name: p.1,
        partner_status: p.2,
        policy_id: pol.0,
        policy_name: pol.1,
        policy_type: pol.2,
        policy,
        valid_from: clock::rfc3339(k.1),
        valid_to: clock::rfc3339(k.2),
    }))
}
