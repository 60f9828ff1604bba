//! MISP license keys: an approved MISP partner generates one (50 random characters, shown
//! once); one live license at a time; a new one after expiry or deactivation.

use super::shared::{
    changed_meanwhile, filter_value, hash_secret, key_status_filter, me, new_secret,
    require_certificate, visible_prefix,
};
use super::*;
use crate::account::CurrentUser;
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::page::{self, Page};
use crate::schema::{misp_licenses, partners, policies};
use crate::PartnerType;
use diesel::prelude::*;
use serde_json::json;

/// Topic of a new license.
pub const MISP_LICENSE_GENERATED: &str = "MISP_LICENSE_GENERATED";
/// Topic of a license's change.
pub const MISP_LICENSE_UPDATED: &str = "MISP_LICENSE_UPDATED";
const VISIBLE: usize = 6;
const DAY_MS: i64 = 86_400_000;

fn misp_partner(conn: &mut AnyConnection, user: &CurrentUser) -> AppResult<super::shared::Me> {
    let me = me(conn, user)?;
    if me.partner_type != PartnerType::MispPartner.as_str() {
        return Err(AppError::new(
            ErrorKind::Forbidden,
            "PMS_PARTNER_TYPE",
            "License keys are for MISP partners.",
        ));
    }
    Ok(me)
}

/// Generate a license: the MISP partner must be approved and hold a valid certificate.
pub fn generate(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: &CurrentUser,
    config: &AccessConfig,
) -> AppResult<Issued<LicenseView>> {
    crate::db::write_tx(conn, |conn| {
        let me = misp_partner(conn, user)?;
        let now = clock::now_ms();
        require_certificate(conn, &me.id, now)?;
        // MISP partners belong to no policy group (seed data), so a license carries no policy.
        let policy_id: Option<String> = None;
        // A live license whose validity ended no longer blocks a new one.
        expire_partner(conn, &me.id, now)?;
        let live: i64 = misp_licenses::table
            .filter(misp_licenses::partner_id.eq(&me.id))
            .filter(misp_licenses::status.eq(KeyStatus::Active.as_str()))
            .count()
            .get_result(conn)?;
        let one = "You already have a live license; deactivate it first or wait until it expires.";
        if live > 0 {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_LICENSE_EXISTS",
                one,
            ));
        }
        let secret = new_secret("", LICENSE_KEY_LEN);
        let id = uuid::Uuid::new_v4().to_string();
        let valid_to = now + config.license_days * DAY_MS;
        diesel::insert_into(misp_licenses::table)
            .values((
                misp_licenses::id.eq(&id),
                misp_licenses::partner_id.eq(&me.id),
                misp_licenses::policy_id.eq(policy_id.as_deref()),
                misp_licenses::prefix.eq(visible_prefix(&secret, VISIBLE)),
                misp_licenses::key_hash.eq(hash_secret(&secret)),
                misp_licenses::valid_from.eq(now),
                misp_licenses::valid_to.eq(valid_to),
                misp_licenses::status.eq(KeyStatus::Active.as_str()),
                misp_licenses::created_at.eq(now),
                misp_licenses::created_by.eq(actor.id.as_deref()),
                misp_licenses::updated_at.eq(now),
                misp_licenses::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)
            .map_err(|e| match e {
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                ) => AppError::new(ErrorKind::Conflict, "PMS_LICENSE_EXISTS", one),
                other => other.into(),
            })?;
        audit::record(
            conn,
            actor,
            "MISP_LICENSE_GENERATED",
            "misp_license",
            &id,
            json!({ "partnerId": me.id, "policyId": policy_id, "validTo": clock::rfc3339(valid_to) }),
        )?;
        let data = event_data(conn, &id)?;
        crate::outbox::enqueue(conn, MISP_LICENSE_GENERATED, data)?;
        Ok(Issued {
            item: get(conn, &id)?,
            secret,
        })
    })
}

fn event_data(conn: &mut AnyConnection, id: &str) -> AppResult<serde_json::Value> {
    let l = get(conn, id)?;
    let hash: String = misp_licenses::table
        .find(id)
        .select(misp_licenses::key_hash)
        .first(conn)?;
    Ok(json!({
        "mispLicenseData": {
            "licenseId": l.id, "mispId": l.partner_id, "mispName": l.organisation,
            "policyName": l.policy_name, "licenseKeyHash": hash,
            "mispCommenceOn": clock::rfc3339(l.valid_from),
            "mispExpiresOn": clock::rfc3339(l.valid_to), "mispStatus": l.status.as_str(),
        }
    }))
}

type Row = (
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    i64,
    String,
    i64,
);

macro_rules! license_query {
    () => {
        misp_licenses::table
            .inner_join(partners::table)
            .left_join(policies::table.on(misp_licenses::policy_id.eq(policies::id.nullable())))
    };
}

fn columns() -> (
    misp_licenses::id,
    misp_licenses::partner_id,
    partners::organisation,
    diesel::helper_types::Nullable<policies::name>,
    misp_licenses::prefix,
    misp_licenses::valid_from,
    misp_licenses::valid_to,
    misp_licenses::status,
    misp_licenses::created_at,
) {
    (
        misp_licenses::id,
        misp_licenses::partner_id,
        partners::organisation,
        policies::name.nullable(),
        misp_licenses::prefix,
        misp_licenses::valid_from,
        misp_licenses::valid_to,
        misp_licenses::status,
        misp_licenses::created_at,
    )
}

fn view(r: Row) -> LicenseView {
    LicenseView {
        id: r.0,
        partner_id: r.1,
        organisation: r.2,
        policy_name: r.3,
        prefix: r.4,
        valid_from: r.5,
        valid_to: r.6,
        status: KeyStatus::parse(&r.7).unwrap_or(KeyStatus::Deactivated),
        created_at: r.8,
    }
}

/// One license.
pub fn get(conn: &mut AnyConnection, id: &str) -> AppResult<LicenseView> {
    let row: Row = license_query!()
        .filter(misp_licenses::id.eq(id))
        .select(columns())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("The license"))?;
    Ok(view(row))
}

/// A page of licenses, newest first; `only` restricts to one partner.
pub fn list(
    conn: &mut AnyConnection,
    query: &KeyQuery,
    only: Option<&str>,
) -> AppResult<Page<LicenseView>> {
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
    let status = key_status_filter(query.status.as_deref())?;
    let partner = only
        .map(str::to_string)
        .or_else(|| filter_value(&query.partner));
    let filtered = || {
        let mut q = license_query!().into_boxed();
        if let Some(s) = status {
            q = q.filter(misp_licenses::status.eq(s.as_str()));
        }
        if let Some(p) = &partner {
            q = q.filter(misp_licenses::partner_id.eq(p.clone()));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let q = match query.sort.as_deref() {
        Some("created") => {
            filtered().order((misp_licenses::created_at.asc(), misp_licenses::id.asc()))
        }
        _ => filtered().order((misp_licenses::created_at.desc(), misp_licenses::id.desc())),
    };
    let rows: Vec<Row> = q.select(columns()).limit(size).offset(offset).load(conn)?;
    let items = rows.into_iter().map(view).collect();
    Ok(Page::new(items, total, page_no, size))
}

/// The signed-in MISP partner's licenses.
pub fn list_own(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    query: &KeyQuery,
) -> AppResult<Page<LicenseView>> {
    let me = misp_partner(conn, user)?;
    list(conn, query, Some(&me.id))
}

/// Deactivate a live license; `owner` = the partner's own only; without, a partner admin's
/// deactivation, which the partner hears of.
pub fn deactivate(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    owner: Option<&CurrentUser>,
) -> AppResult<LicenseView> {
    crate::db::write_tx(conn, |conn| {
        let l = deactivate_quietly(conn, actor, id, owner)?;
        if owner.is_none() {
            use crate::notification::status::{announce_withdrawn, Subject};
            announce_withdrawn(
                conn,
                Subject::License,
                &l.partner_id,
                id,
                &format!("{}…", l.prefix),
            )?;
        }
        Ok(l)
    })
}

/// [`deactivate`] without news (a partner's deactivation says it in its own).
pub(crate) fn deactivate_quietly(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    owner: Option<&CurrentUser>,
) -> AppResult<LicenseView> {
    crate::db::write_tx(conn, |conn| {
        let l = get(conn, id)?;
        if let Some(user) = owner {
            if misp_partner(conn, user)?.id != l.partner_id {
                return Err(AppError::not_found("The license"));
            }
        }
        if l.status != KeyStatus::Active {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_ILLEGAL_TRANSITION",
                format!(
                    "Only an active license can be deactivated; this one is {}.",
                    l.status.label().to_lowercase()
                ),
            ));
        }
        set_status(conn, actor, id, KeyStatus::Deactivated)?;
        get(conn, id)
    })
}

fn set_status(conn: &mut AnyConnection, actor: &Actor, id: &str, to: KeyStatus) -> AppResult<()> {
    let n = diesel::update(
        misp_licenses::table
            .filter(misp_licenses::id.eq(id))
            .filter(misp_licenses::status.eq(KeyStatus::Active.as_str())),
    )
    .set((
        misp_licenses::status.eq(to.as_str()),
        misp_licenses::updated_at.eq(clock::now_ms()),
        misp_licenses::updated_by.eq(actor.id.as_deref()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(changed_meanwhile());
    }
    audit::record(
        conn,
        actor,
        &format!("MISP_LICENSE_{}", to.as_str()),
        "misp_license",
        id,
        json!({ "from": KeyStatus::Active.as_str(), "to": to.as_str() }),
    )?;
    let data = event_data(conn, id)?;
    crate::outbox::enqueue(conn, MISP_LICENSE_UPDATED, data)?;
    Ok(())
}

fn expire_partner(conn: &mut AnyConnection, partner_id: &str, now: i64) -> AppResult<()> {
    let due: Vec<String> = misp_licenses::table
        .filter(misp_licenses::partner_id.eq(partner_id))
        .filter(misp_licenses::status.eq(KeyStatus::Active.as_str()))
        .filter(misp_licenses::valid_to.lt(now))
        .select(misp_licenses::id)
        .load(conn)?;
    for id in due {
        set_status(conn, &Actor::system(), &id, KeyStatus::Expired)?;
    }
    Ok(())
}

/// Mark live licenses whose validity ended as expired (scheduled job), one transaction each.
pub fn expire_due(conn: &mut AnyConnection, now: i64) -> AppResult<usize> {
    super::shared::expire_each(
        conn,
        |conn| {
            Ok(misp_licenses::table
                .filter(misp_licenses::status.eq(KeyStatus::Active.as_str()))
                .filter(misp_licenses::valid_to.lt(now))
                .limit(200)
                .select(misp_licenses::id)
                .load(conn)?)
        },
        |conn, id| set_status(conn, &Actor::system(), id, KeyStatus::Expired),
    )
}
