//! OIDC clients of authentication partners: registered with a public JWK against an approved
//! Auth policy; claims and ACR values follow from the policy through operator-editable
//! mappings.

use super::request::require_approved;
use super::shared::{
    changed_meanwhile, filter_value, key_status_filter, me, require_certificate, text,
};
use super::*;
use crate::account::CurrentUser;
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::page::{self, Page};
use crate::policy::PolicyType;
use crate::schema::{oidc_acr_mappings, oidc_claim_mappings, oidc_clients, partners, policies};
use diesel::prelude::*;
use serde_json::json;

mod mapping;
mod read;
pub use mapping::*;
pub use read::*;

/// Topic of a new client.
pub const OIDC_CLIENT_CREATED: &str = "OIDC_CLIENT_CREATED";
/// Topic of a client's change.
pub const OIDC_CLIENT_UPDATED: &str = "OIDC_CLIENT_UPDATED";

/// Parse an address exactly as typed: the URL parser alone would drop tabs and line breaks,
/// percent-encode spaces, read `https:///cb` as host "cb" and keep `user@` prefixes, so a
/// stored address could differ from the one the partner saw. `what` names it in messages.
fn strict_url(what: &str, v: &str) -> Result<url::Url, String> {
    if let Some(c) = v.chars().find(|c| c.is_control() || c.is_whitespace()) {
        let name = match c {
            ' ' => "a space".to_string(),
            '\r' | '\n' => "a line break".to_string(),
            '\t' => "a tab".to_string(),
            c => format!("the character U+{:04X}", u32::from(c)),
        };
        return Err(format!("{what} contains {name}; remove it."));
    }
    if v.contains('\\') {
        return Err(format!("{what} contains a backslash (\\); use /."));
    }
    let u = url::Url::parse(v).map_err(|e| format!("{what} is not a valid URL ({e})."))?;
    if let Some(rest) = v.split_once("://").map(|(_, r)| r) {
        if rest.is_empty() || rest.starts_with(['/', '?', '#']) {
            return Err(format!("{what} has no host."));
        }
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(format!(
            "{what} contains a user name (before @); give the address without it."
        ));
    }
    Ok(u)
}

/// A logo URI: https, at most 2048 characters.
pub fn check_logo_uri(value: &str) -> AppResult<String> {
    let v = value.trim();
    let bad = |m: String| Err(AppError::validation("logo_uri", "PMS_OIDC_LOGO_URI", m));
    if v.is_empty() {
        return bad("The logo URI is required.".into());
    }
    if v.chars().count() > MAX_LOGO_URI_LEN {
        return bad(format!(
            "The logo URI is at most {MAX_LOGO_URI_LEN} characters."
        ));
    }
    match strict_url("The logo URI", v) {
        Ok(u) if u.scheme() == "https" && u.host_str().is_some_and(|h| !h.is_empty()) => {
            Ok(u.to_string())
        }
        Ok(_) => bad("The logo URI must be an https:// address.".into()),
        Err(m) => bad(m),
    }
}

/// Redirect URIs: 1 to 5, each https or a custom scheme (apps), without fragment or wildcard.
pub fn check_redirect_uris(values: &[String]) -> AppResult<Vec<String>> {
    let field = "redirect_uris";
    let bad = |m: String| Err(AppError::validation(field, "PMS_OIDC_REDIRECT_URI", m));
    let uris: Vec<String> = values
        .iter()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    if uris.is_empty() {
        return bad("Give at least one redirect URI.".into());
    }
    if uris.len() > MAX_REDIRECT_URIS {
        return bad(format!(
            "At most {MAX_REDIRECT_URIS} redirect URIs; you gave {}.",
            uris.len()
        ));
    }
    let mut normalised: Vec<String> = Vec::with_capacity(uris.len());
    for (i, v) in uris.iter().enumerate() {
        let n = i + 1;
        if v.chars().count() > MAX_REDIRECT_URI_LEN {
            return bad(format!(
                "Redirect URI {n} is longer than {MAX_REDIRECT_URI_LEN} characters."
            ));
        }
        if v.contains('*') {
            return bad(format!(
                "Redirect URI {n} contains a wildcard (*); give exact addresses."
            ));
        }
        let u = match strict_url(&format!("Redirect URI {n}"), v) {
            Ok(u) => u,
            Err(m) => return bad(m),
        };
        if u.fragment().is_some() {
            return bad(format!(
                "Redirect URI {n} has a fragment (#...); remove it."
            ));
        }
        match u.scheme() {
            "https" if u.host_str().is_some_and(|h| !h.is_empty()) => {}
            "https" => return bad(format!("Redirect URI {n} has no host.")),
            "http" => {
                return bad(format!(
                    "Redirect URI {n} uses http; use https (or an app's own scheme)."
                ))
            }
            // Schemes a browser would run or read locally are never a client's callback.
            "javascript" | "data" | "file" | "blob" | "about" | "vbscript" | "ftp" | "ws"
            | "wss" => return bad(format!("Redirect URI {n} cannot use {}:.", u.scheme())),
            _ => {}
        }
        // Stored as the parser writes it (lower-case host, default port dropped), so two
        // spellings of one address are one address.
        let u = u.to_string();
        if normalised.contains(&u) {
            return bad(format!("Redirect URI {n} is given twice."));
        }
        normalised.push(u);
    }
    Ok(normalised)
}

/// 1 to 3 distinct values out of `allowed`; none given = the first (the default).
fn check_choices(
    field: &str,
    label: &str,
    values: &[String],
    allowed: &[&str],
) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        if !allowed.contains(&v) {
            return Err(AppError::validation(
                field,
                "PMS_OIDC_CHOICE",
                format!(
                    "Unknown {label} \"{v}\"; choose from {}.",
                    allowed.join(", ")
                ),
            ));
        }
        if !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    if out.is_empty() {
        out.push(allowed[0].to_string());
    }
    if out.len() > 3 {
        return Err(AppError::validation(
            field,
            "PMS_OIDC_CHOICE",
            format!("At most 3 {label}s."),
        ));
    }
    Ok(out)
}

/// Grant types (default authorization_code).
pub fn check_grant_types(values: &[String]) -> AppResult<Vec<String>> {
    check_choices("grant_types", "grant type", values, &GRANT_TYPES)
}

/// Client authentication methods (default private_key_jwt).
pub fn check_auth_methods(values: &[String]) -> AppResult<Vec<String>> {
    check_choices("auth_methods", "client auth method", values, &AUTH_METHODS)
}

/// Claims and ACR values a policy gives a client, or why it cannot back one.
pub fn claims_and_acrs(
    conn: &mut AnyConnection,
    document: &str,
) -> AppResult<(Vec<String>, Vec<String>)> {
    let doc: serde_json::Value =
        serde_json::from_str(document).map_err(|_| AppError::internal())?;
    let fail = |code: &str, m: &str| Err(AppError::validation("policy_id", code, m));
    let auth_types: Vec<&serde_json::Value> = doc["allowedAuthTypes"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if auth_types
        .iter()
        .any(|t| t["mandatory"].as_bool() == Some(true))
    {
        return fail(
            "PMS_OIDC_POLICY_MANDATORY",
            "This policy makes an auth type mandatory; an OIDC client lets the user choose how to \
             authenticate, so it needs a policy without mandatory auth types.",
        );
    }
    let types: Vec<String> = auth_types
        .iter()
        .filter_map(|t| t["authType"].as_str().map(str::to_string))
        .collect();
    let attributes: Vec<String> = doc["allowedKycAttributes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["attributeName"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut claims: Vec<String> = oidc_claim_mappings::table
        .filter(oidc_claim_mappings::attribute.eq_any(&attributes))
        .select(oidc_claim_mappings::claim)
        .distinct()
        .load(conn)?;
    claims.sort();
    let mut acrs: Vec<String> = oidc_acr_mappings::table
        .filter(oidc_acr_mappings::auth_type.eq_any(&types))
        .select(oidc_acr_mappings::acr)
        .distinct()
        .load(conn)?;
    acrs.sort();
    if claims.is_empty() {
        return fail(
            "PMS_OIDC_POLICY_NO_CLAIMS",
            "None of this policy's KYC attributes maps to an OIDC claim, so it cannot back a client.",
        );
    }
    if acrs.is_empty() {
        return fail(
            "PMS_OIDC_POLICY_NO_ACRS",
            "None of this policy's auth types maps to an ACR value, so it cannot back a client.",
        );
    }
    Ok((claims, acrs))
}

/// The partner's approved Auth policies (for the client form).
pub fn policy_options(
    conn: &mut AnyConnection,
    user: &CurrentUser,
) -> AppResult<Vec<ApprovedPolicy>> {
    let me = me(conn, user)?;
    super::request::approved_policies(conn, &me.id, &[PolicyType::Auth])
}

/// Register a client.
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: &CurrentUser,
    input: &ClientInput,
) -> AppResult<ClientView> {
    let name = text("name", "Name", &input.name, MAX_CLIENT_NAME_LEN)?;
    let logo_uri = check_logo_uri(&input.logo_uri)?;
    let redirect_uris = check_redirect_uris(&input.redirect_uris)?;
    let grant_types = check_grant_types(&input.grant_types)?;
    let auth_methods = check_auth_methods(&input.auth_methods)?;
    let key = super::jwk::parse(&input.public_key)?;
    let policy_id = input.policy_id.trim().to_string();
    if policy_id.is_empty() {
        return Err(AppError::validation(
            "policy_id",
            "PMS_REQUIRED",
            "Choose a policy.",
        ));
    }
    crate::db::write_tx(conn, |conn| {
        let me = me(conn, user)?;
        let now = clock::now_ms();
        require_certificate(conn, &me.id, now)?;
        let (_, _, document) = require_approved(conn, &me.id, &policy_id, &[PolicyType::Auth])?;
        let (claims, acrs) = claims_and_acrs(conn, &document)?;
        let taken = "This public key already backs an OIDC client; each client needs its own key.";
        let exists: i64 = oidc_clients::table
            .filter(oidc_clients::id.eq(&key.thumbprint))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            return Err(
                AppError::new(ErrorKind::Conflict, "PMS_OIDC_KEY_TAKEN", taken)
                    .with_field("public_key"),
            );
        }
        let list = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_default();
        diesel::insert_into(oidc_clients::table)
            .values((
                oidc_clients::id.eq(&key.thumbprint),
                oidc_clients::partner_id.eq(&me.id),
                oidc_clients::policy_id.eq(&policy_id),
                oidc_clients::name.eq(&name),
                oidc_clients::logo_uri.eq(&logo_uri),
                oidc_clients::redirect_uris.eq(list(&redirect_uris)),
                oidc_clients::grant_types.eq(list(&grant_types)),
                oidc_clients::auth_methods.eq(list(&auth_methods)),
                oidc_clients::public_key.eq(key.public.to_string()),
                oidc_clients::claims.eq(list(&claims)),
                oidc_clients::acr_values.eq(list(&acrs)),
                oidc_clients::status.eq(KeyStatus::Active.as_str()),
                oidc_clients::created_at.eq(now),
                oidc_clients::created_by.eq(actor.id.as_deref()),
                oidc_clients::updated_at.eq(now),
                oidc_clients::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)
            .map_err(|e| super::shared::unique_or(e, "public_key", "PMS_OIDC_KEY_TAKEN", taken))?;
        audit::record(
            conn,
            actor,
            "OIDC_CLIENT_CREATED",
            "oidc_client",
            &key.thumbprint,
            json!({ "partnerId": me.id, "policyId": policy_id, "name": name,
                    "redirectUris": redirect_uris, "key": key.description }),
        )?;
        let client = get(conn, &key.thumbprint)?;
        publish(conn, OIDC_CLIENT_CREATED, &client)?;
        Ok(client)
    })
}

/// Enqueue the client's event and note it as the version eSignet must have.
fn publish(conn: &mut AnyConnection, topic: &str, client: &ClientView) -> AppResult<()> {
    let event = crate::outbox::enqueue(conn, topic, event_data(client))?;
    crate::events::store::esignet_note_version(conn, &client.id, &event, clock::now_ms())
}

fn event_data(c: &ClientView) -> serde_json::Value {
    json!({
        "clientData": {
            "clientId": c.id, "clientName": c.name, "partnerId": c.partner_id,
            "policyId": c.policy_id, "status": c.status.as_str(), "logoUri": c.logo_uri,
            "redirectUris": c.redirect_uris, "grantTypes": c.grant_types,
            "clientAuthMethods": c.auth_methods, "claims": c.claims, "acrValues": c.acr_values,
            "publicKey": serde_json::from_str::<serde_json::Value>(&c.public_key).unwrap_or_default(),
            "createdDateTime": clock::rfc3339(c.created_at),
            "updatedDateTime": clock::rfc3339(c.updated_at),
        }
    })
}

/// Edit an active client of the signed-in partner.
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: &CurrentUser,
    id: &str,
    input: &ClientUpdate,
) -> AppResult<ClientView> {
    let name = text("name", "Name", &input.name, MAX_CLIENT_NAME_LEN)?;
    let logo_uri = check_logo_uri(&input.logo_uri)?;
    let redirect_uris = check_redirect_uris(&input.redirect_uris)?;
    let grant_types = check_grant_types(&input.grant_types)?;
    let auth_methods = check_auth_methods(&input.auth_methods)?;
    crate::db::write_tx(conn, |conn| {
        let before = get_own(conn, user, id)?;
        if before.status != KeyStatus::Active {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_OIDC_INACTIVE",
                "A deactivated client cannot be edited.",
            ));
        }
        let list = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_default();
        let now = clock::now_ms().max(before.updated_at + 1);
        let n = diesel::update(
            oidc_clients::table
                .filter(oidc_clients::id.eq(id))
                .filter(oidc_clients::status.eq(KeyStatus::Active.as_str()))
                .filter(oidc_clients::updated_at.eq(input.updated_at)),
        )
        .set((
            oidc_clients::name.eq(&name),
            oidc_clients::logo_uri.eq(&logo_uri),
            oidc_clients::redirect_uris.eq(list(&redirect_uris)),
            oidc_clients::grant_types.eq(list(&grant_types)),
            oidc_clients::auth_methods.eq(list(&auth_methods)),
            oidc_clients::updated_at.eq(now),
            oidc_clients::updated_by.eq(actor.id.as_deref()),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(changed_meanwhile());
        }
        audit::record(
            conn,
            actor,
            "OIDC_CLIENT_UPDATED",
            "oidc_client",
            id,
            json!({ "before": { "name": before.name, "logoUri": before.logo_uri,
                                "redirectUris": before.redirect_uris,
                                "grantTypes": before.grant_types,
                                "authMethods": before.auth_methods },
                    "after": { "name": name, "logoUri": logo_uri, "redirectUris": redirect_uris,
                               "grantTypes": grant_types, "authMethods": auth_methods } }),
        )?;
        let client = get(conn, id)?;
        publish(conn, OIDC_CLIENT_UPDATED, &client)?;
        Ok(client)
    })
}

/// Deactivate an active client; `owner` = the partner's own only.
pub fn deactivate(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    owner: Option<&CurrentUser>,
) -> AppResult<ClientView> {
    crate::db::write_tx(conn, |conn| {
        let before = match owner {
            Some(user) => get_own(conn, user, id)?,
            None => get(conn, id)?,
        };
        if before.status != KeyStatus::Active {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_ILLEGAL_TRANSITION",
                "This client is already deactivated.",
            ));
        }
        let n = diesel::update(
            oidc_clients::table
                .filter(oidc_clients::id.eq(id))
                .filter(oidc_clients::status.eq(KeyStatus::Active.as_str())),
        )
        .set((
            oidc_clients::status.eq(KeyStatus::Deactivated.as_str()),
            oidc_clients::updated_at.eq(clock::now_ms().max(before.updated_at + 1)),
            oidc_clients::updated_by.eq(actor.id.as_deref()),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(changed_meanwhile());
        }
        audit::record(
            conn,
            actor,
            "OIDC_CLIENT_DEACTIVATED",
            "oidc_client",
            id,
            json!({ "from": "ACTIVE", "to": "DEACTIVATED" }),
        )?;
        let client = get(conn, id)?;
        publish(conn, OIDC_CLIENT_UPDATED, &client)?;
        Ok(client)
    })
}
