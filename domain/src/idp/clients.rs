//! API clients: a client id and secret with roles, as Keycloak's confidential clients that
//! MOSIP's modules sign in with (`mosip-deployment-client`, `mosip-ida-client`...). The secret
//! is stored as an argon2id hash (it may be one an installer chose) and shown once.

use super::Principal;
use crate::access::{ApiClientView, Issued};
use crate::account;
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::role::Role;
use crate::schema::api_clients;
use diesel::prelude::*;
use rand::Rng;
use serde_json::json;

/// Shortest secret accepted when the installer chooses it.
pub const MIN_SECRET_LEN: usize = 16;
/// Longest secret.
pub const MAX_SECRET_LEN: usize = 256;
/// Length of a generated secret.
const GENERATED_LEN: usize = 40;

/// Check a client id: 1 to 64 of letters, digits and `. _ -`.
pub fn check_client_id(value: &str) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::validation(
            "client_id",
            "PMS_CLIENT_ID_REQUIRED",
            "Enter a client id.",
        ));
    }
    if v.len() > 64
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(AppError::validation(
            "client_id",
            "PMS_CLIENT_ID_INVALID",
            "A client id has 1 to 64 letters, digits and . _ -.",
        ));
    }
    Ok(v.to_string())
}

fn check_secret(secret: &str) -> AppResult<()> {
    let n = secret.chars().count();
    if !(MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&n) || secret.trim() != secret {
        return Err(AppError::validation(
            "secret",
            "PMS_CLIENT_SECRET",
            format!(
                "A client secret has {MIN_SECRET_LEN} to {MAX_SECRET_LEN} characters, without \
                 spaces at either end."
            ),
        ));
    }
    Ok(())
}

/// Create a client with `roles`. The secret is generated unless `secret` is given (an
/// installer that must match a value already configured in MOSIP's modules).
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    client_id: &str,
    roles: &[Role],
    secret: Option<&str>,
) -> AppResult<Issued<ApiClientView>> {
    let client_id = check_client_id(client_id)?;
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        return Err(AppError::validation(
            "roles",
            "PMS_ROLES_REQUIRED",
            "Choose at least one role.",
        ));
    }
    let secret = match secret {
        Some(s) => {
            check_secret(s)?;
            s.to_string()
        }
        None => {
            let mut rng = rand::rngs::OsRng;
            (0..GENERATED_LEN)
                .map(|_| rng.sample(rand::distributions::Alphanumeric) as char)
                .collect()
        }
    };
    let hash = account::hash_password(&secret)?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = clock::now_ms();
    crate::db::write_tx(conn, |conn| {
        let taken: i64 = api_clients::table
            .filter(api_clients::client_id.eq(&client_id))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_CLIENT_ID_TAKEN",
                "An API client with this id already exists.",
            )
            .with_field("client_id"));
        }
        diesel::insert_into(api_clients::table)
            .values((
                api_clients::id.eq(&id),
                api_clients::client_id.eq(&client_id),
                api_clients::secret_hash.eq(&hash),
                api_clients::roles.eq(super::roles_text(&roles)),
                api_clients::active.eq(true),
                api_clients::created_at.eq(now),
                api_clients::created_by.eq(actor.id.as_deref()),
                api_clients::updated_at.eq(now),
                api_clients::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)?;
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        audit::record(
            conn,
            actor,
            "API_CLIENT_CREATED",
            "api_client",
            &id,
            json!({ "after": { "clientId": client_id, "roles": names, "active": true } }),
        )?;
        Ok(())
    })?;
    Ok(Issued {
        item: get(conn, &id)?,
        secret,
    })
}

type Row = (String, String, String, bool, i64);

fn view((id, client_id, roles, active, created_at): Row) -> ApiClientView {
    ApiClientView {
        id,
        client_id,
        roles: super::roles_of_text(&roles),
        active,
        created_at,
    }
}

crate::db::columns_fn! {
    fn columns() -> (
        api_clients::id,
        api_clients::client_id,
        api_clients::roles,
        api_clients::active,
        api_clients::created_at,
    )
}

/// One client by row id.
pub fn get(conn: &mut AnyConnection, id: &str) -> AppResult<ApiClientView> {
    api_clients::table
        .find(id)
        .select(columns())
        .first::<Row>(conn)
        .optional()?
        .map(view)
        .ok_or_else(|| AppError::not_found("The API client"))
}

/// One client by its client id.
pub fn find(conn: &mut AnyConnection, client_id: &str) -> AppResult<Option<ApiClientView>> {
    Ok(api_clients::table
        .filter(api_clients::client_id.eq(client_id.trim()))
        .select(columns())
        .first::<Row>(conn)
        .optional()?
        .map(view))
}

/// Clients, newest first, a page at a time.
pub fn list(
    conn: &mut AnyConnection,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<ApiClientView>, i64)> {
    let total: i64 = api_clients::table.count().get_result(conn)?;
    let rows: Vec<Row> = api_clients::table
        .order((api_clients::created_at.desc(), api_clients::id.desc()))
        .offset(offset.max(0))
        .limit(limit.clamp(1, 100))
        .select(columns())
        .load(conn)?;
    Ok((rows.into_iter().map(view).collect(), total))
}

/// Revoke a client: its secret stops working and its tokens stop verifying at once.
pub fn revoke(conn: &mut AnyConnection, actor: &Actor, id: &str) -> AppResult<ApiClientView> {
    crate::db::write_tx(conn, |conn| {
        let before = get(conn, id)?;
        if !before.active {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_CLIENT_REVOKED",
                "This API client is already revoked.",
            ));
        }
        diesel::update(api_clients::table.find(id))
            .set((
                api_clients::active.eq(false),
                api_clients::updated_at.eq(clock::now_ms()),
                api_clients::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            "API_CLIENT_REVOKED",
            "api_client",
            id,
            json!({ "clientId": before.client_id, "before": { "active": true }, "after": { "active": false } }),
        )?;
        get(conn, id)
    })
}

/// Client-credentials sign-in: the principal, or `None` for an unknown client, a wrong secret
/// (the same time is spent either way) or a revoked client.
pub fn sign_in(
    conn: &mut AnyConnection,
    client_id: &str,
    secret: &str,
) -> AppResult<Option<Principal>> {
    let row: Option<(String, String, String, String, bool)> = api_clients::table
        .filter(api_clients::client_id.eq(client_id.trim()))
        .select((
            api_clients::id,
            api_clients::client_id,
            api_clients::secret_hash,
            api_clients::roles,
            api_clients::active,
        ))
        .first(conn)
        .optional()?;
    let Some((id, client_id, hash, roles, active)) = row else {
        account::verify_dummy(secret);
        return Ok(None);
    };
    if !account::verify_password(&hash, secret) || !active {
        return Ok(None);
    }
    Ok(Some(Principal::Client {
        id,
        client_id,
        roles: super::roles_of_text(&roles),
    }))
}
