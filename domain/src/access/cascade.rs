//! What a partner's deactivation takes with it: its live API keys, MISP licenses and OIDC
//! clients stop working in the same transaction, each with its own audit row and event, so
//! downstream services (ID authentication, eSignet) hear of each one. Reactivation does not
//! bring them back: new keys and licenses are new secrets, and a client is registered again.

use super::{KeyStatus, PartnerCascade};
use crate::audit::Actor;
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::schema::{api_keys, misp_licenses, oidc_clients};
use diesel::prelude::*;

fn live_keys(conn: &mut AnyConnection, partner_id: &str) -> AppResult<Vec<String>> {
    Ok(api_keys::table
        .filter(api_keys::partner_id.eq(partner_id))
        .filter(api_keys::status.eq(KeyStatus::Active.as_str()))
        .order(api_keys::id.asc())
        .select(api_keys::id)
        .load(conn)?)
}

fn live_licenses(conn: &mut AnyConnection, partner_id: &str) -> AppResult<Vec<String>> {
    Ok(misp_licenses::table
        .filter(misp_licenses::partner_id.eq(partner_id))
        .filter(misp_licenses::status.eq(KeyStatus::Active.as_str()))
        .order(misp_licenses::id.asc())
        .select(misp_licenses::id)
        .load(conn)?)
}

fn live_clients(conn: &mut AnyConnection, partner_id: &str) -> AppResult<Vec<String>> {
    Ok(oidc_clients::table
        .filter(oidc_clients::partner_id.eq(partner_id))
        .filter(oidc_clients::status.eq(KeyStatus::Active.as_str()))
        .order(oidc_clients::id.asc())
        .select(oidc_clients::id)
        .load(conn)?)
}

/// What deactivating the partner now would stop (for the admin's confirmation).
pub fn impact(conn: &mut AnyConnection, partner_id: &str) -> AppResult<PartnerCascade> {
    Ok(PartnerCascade {
        api_keys: live_keys(conn, partner_id)?.len() as i64,
        licenses: live_licenses(conn, partner_id)?.len() as i64,
        oidc_clients: live_clients(conn, partner_id)?.len() as i64,
    })
}

/// Deactivate every live key, license and client of the partner; call inside the partner's
/// deactivation transaction. Returns what was stopped.
pub fn deactivate_all(
    conn: &mut AnyConnection,
    actor: &Actor,
    partner_id: &str,
) -> AppResult<PartnerCascade> {
    let (keys, licenses, clients) = (
        live_keys(conn, partner_id)?,
        live_licenses(conn, partner_id)?,
        live_clients(conn, partner_id)?,
    );
    for id in &keys {
        super::apikey::deactivate_quietly(conn, actor, id, None)?;
    }
    for id in &licenses {
        super::license::deactivate_quietly(conn, actor, id, None)?;
    }
    for id in &clients {
        super::oidc::deactivate(conn, actor, id, None)?;
    }
    Ok(PartnerCascade {
        api_keys: keys.len() as i64,
        licenses: licenses.len() as i64,
        oidc_clients: clients.len() as i64,
    })
}
