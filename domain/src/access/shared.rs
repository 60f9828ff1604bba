//! What the access modules share: who the partner is and whether it may use policies, secrets
//! and their hashes, status filters.

use super::KeyStatus;
use crate::account::CurrentUser;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::partner::PartnerStatus;
use crate::schema::{partner_certificates, partners};
use diesel::prelude::*;
use rand::Rng;
use sha2::{Digest, Sha256};

pub(crate) use crate::device::shared::{changed_meanwhile, day, text, unique_or};

/// The signed-in account's partner.
pub(crate) struct Me {
    pub id: String,
    pub partner_type: String,
    pub group: Option<String>,
}

/// The signed-in account's partner; it must be approved.
pub(crate) fn me(conn: &mut crate::db::AnyConnection, user: &CurrentUser) -> AppResult<Me> {
    let row: Option<(String, String, String, Option<String>)> = partners::table
        .filter(partners::account_id.eq(&user.id))
        .select((
            partners::id,
            partners::partner_type,
            partners::status,
            partners::policy_group_id,
        ))
        .first(conn)
        .optional()?;
    let (id, partner_type, status, group) =
        row.ok_or_else(|| AppError::not_found("Your partner profile"))?;
    if PartnerStatus::parse(&status) != Some(PartnerStatus::Approved) {
        return Err(AppError::new(
            ErrorKind::Forbidden,
            "PMS_PARTNER_NOT_APPROVED",
            "Your organisation must be approved by a partner admin first.",
        ));
    }
    Ok(Me {
        id,
        partner_type,
        group,
    })
}

/// The partner must have a current certificate that has not expired.
pub(crate) fn require_certificate(
    conn: &mut crate::db::AnyConnection,
    partner_id: &str,
    now: i64,
) -> AppResult<()> {
    let not_after: Option<i64> = partner_certificates::table
        .filter(partner_certificates::partner_id.eq(partner_id))
        .filter(partner_certificates::is_current.eq(true))
        .select(partner_certificates::not_after)
        .first(conn)
        .optional()?;
    match not_after {
        None => Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_CERT_REQUIRED",
            "Upload your organisation's certificate first (My certificate).",
        )),
        Some(t) if t < now => Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_CERT_EXPIRED",
            "Your certificate has expired; upload a renewed one first (My certificate).",
        )),
        Some(_) => Ok(()),
    }
}

/// A random secret: `prefix` then `len` letters and digits from the OS generator
/// (40 characters carry about 238 bits, so one fast hash is enough to store it).
pub(crate) fn new_secret(prefix: &str, len: usize) -> String {
    let mut rng = rand::rngs::OsRng;
    let body: String = (0..len)
        .map(|_| rng.sample(rand::distributions::Alphanumeric) as char)
        .collect();
    format!("{prefix}{body}")
}

/// What is stored of a secret: its SHA-256, hex.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The part of a secret shown in lists to recognise it.
pub(crate) fn visible_prefix(secret: &str, n: usize) -> String {
    secret.chars().take(n).collect()
}

/// A key status filter.
pub(crate) fn key_status_filter(value: Option<&str>) -> AppResult<Option<KeyStatus>> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => KeyStatus::parse(s)
            .map(Some)
            .ok_or_else(|| AppError::validation("status", "PMS_STATUS", "Unknown status filter.")),
    }
}

/// A non-empty trimmed filter value.
pub(crate) fn filter_value(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Expire what `due` finds (a batch of ids at a time), each in its own transaction through
/// `expire`. A row another instance expired meanwhile is skipped, so the job may run on
/// several instances at once. Returns how many this call expired.
pub(crate) fn expire_each(
    conn: &mut crate::db::AnyConnection,
    due: impl Fn(&mut crate::db::AnyConnection) -> AppResult<Vec<String>>,
    expire: impl Fn(&mut crate::db::AnyConnection, &str) -> AppResult<()>,
) -> AppResult<usize> {
    let mut done = 0;
    loop {
        let ids = due(conn)?;
        if ids.is_empty() {
            return Ok(done);
        }
        for id in ids {
            match crate::db::write_tx(conn, |conn| expire(conn, &id)) {
                Ok(()) => done += 1,
                Err(e) if e.code == "PMS_CHANGED_MEANWHILE" => {}
                Err(e) => return Err(e),
            }
        }
    }
}
