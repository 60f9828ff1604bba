//! The Keycloak admin calls MOSIP's onboarder makes (users and realm roles), on the portal's
//! accounts; answered as Keycloak does, without MOSIP's envelope.

use super::super::{request_id, MosipState};
use super::{known_realm, require};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::idp::{self, users, Principal};
use domain::Role;
use serde_json::{json, Value};

fn admin_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "errorMessage": message }))).into_response()
}

fn retry_later() -> Response {
    admin_error(StatusCode::INTERNAL_SERVER_ERROR, "Retry later.")
}

fn user_not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": "User not found" })),
    )
        .into_response()
}

/// The Keycloak admin caller: a valid token of a partner admin (Keycloak answers 401 and 403
/// without an envelope).
async fn admin(
    state: &MosipState,
    headers: &HeaderMap,
    realm: &str,
) -> Result<Principal, Response> {
    if !known_realm(realm) {
        return Err(admin_error(StatusCode::NOT_FOUND, "Realm not found."));
    }
    match require(state, headers, &[Role::PartnerAdmin]).await {
        Ok(p) => Ok(p),
        Err(f) if f.status == StatusCode::FORBIDDEN => Err((
            StatusCode::FORBIDDEN,
            Json(json!({ "error": "unknown_error" })),
        )
            .into_response()),
        Err(f) if f.status == StatusCode::UNAUTHORIZED => Err((
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "HTTP 401 Unauthorized" })),
        )
            .into_response()),
        Err(_) => Err(retry_later()),
    }
}

/// The Keycloak admin caller as the audit rows' actor.
async fn admin_actor(
    state: &MosipState,
    headers: &HeaderMap,
    realm: &str,
) -> Result<domain::audit::Actor, Response> {
    let who = admin(state, headers, realm).await?;
    Ok(who.actor(request_id(headers)))
}

fn user_json(u: &users::UserView) -> Value {
    let (first, last) = u
        .display_name
        .split_once(' ')
        .map(|(f, l)| (f.to_string(), l.to_string()))
        .unwrap_or_else(|| (u.display_name.clone(), String::new()));
    json!({
        "id": u.id,
        "createdTimestamp": u.created_at,
        "username": u.username,
        "enabled": u.enabled,
        "emailVerified": false,
        "firstName": first,
        "lastName": last,
        "email": u.email,
    })
}

/// `POST /auth/admin/realms/{realm}/users`: 201 with the new user's location.
pub async fn create_user(
    State(state): State<MosipState>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let actor = match admin_actor(&state, &headers, &realm).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let Ok(Value::Object(user)) = serde_json::from_slice::<Value>(&body) else {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "The body must be a user representation (JSON object).",
        );
    };
    let text = |k: &str| {
        user.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let password = user
        .get("credentials")
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("type").and_then(Value::as_str).unwrap_or("password") == "password")
        })
        .and_then(|c| c.get("value").and_then(Value::as_str))
        .map(str::to_string);
    let input = users::NewUser {
        username: text("username"),
        first_name: text("firstName"),
        last_name: text("lastName"),
        email: text("email"),
        enabled: user.get("enabled").and_then(Value::as_bool).unwrap_or(true),
        // A user created without a password cannot sign in until one is set.
        password: password.unwrap_or_else(|| format!("unset-{}", uuid::Uuid::new_v4())),
    };
    let created = domain::db::run(&state.app.pool, move |conn| {
        users::create(conn, &actor, &input)
    })
    .await;
    match created {
        Ok(id) => {
            let location = format!("/auth/admin/realms/{realm}/users/{id}");
            (
                StatusCode::CREATED,
                [(
                    header::LOCATION,
                    HeaderValue::from_str(&location).unwrap_or(HeaderValue::from_static("/")),
                )],
            )
                .into_response()
        }
        Err(e) if e.kind == domain::ErrorKind::Conflict => {
            admin_error(StatusCode::CONFLICT, &e.message)
        }
        Err(e) if e.kind == domain::ErrorKind::Internal => {
            admin_error(StatusCode::INTERNAL_SERVER_ERROR, &e.message)
        }
        Err(e) => admin_error(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

/// Query of `GET .../users`.
#[derive(serde::Deserialize)]
pub struct UserQuery {
    username: Option<String>,
    email: Option<String>,
}

/// `GET /auth/admin/realms/{realm}/users?username=U`: the user of that exact name, as a list.
pub async fn find_users(
    State(state): State<MosipState>,
    Path(realm): Path<String>,
    Query(q): Query<UserQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(res) = admin(&state, &headers, &realm).await {
        return res;
    }
    let Some(name) = q.username.or(q.email).filter(|n| !n.trim().is_empty()) else {
        return admin_error(StatusCode::BAD_REQUEST, "Search by username or email.");
    };
    match domain::db::run(&state.app.pool, move |conn| users::find(conn, &name)).await {
        Ok(found) => Json(Value::Array(found.iter().map(user_json).collect())).into_response(),
        Err(_) => retry_later(),
    }
}

fn role_json(realm: &str, name: &str) -> Value {
    json!({ "id": name, "name": name, "description": name, "composite": false, "clientRole": false, "containerId": realm })
}

/// `GET /auth/admin/realms/{realm}/roles`: the portal's roles and MOSIP's others.
pub async fn list_roles(
    State(state): State<MosipState>,
    Path(realm): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(res) = admin(&state, &headers, &realm).await {
        return res;
    }
    let roles: Vec<Value> = Role::ALL
        .iter()
        .map(|r| r.as_str())
        .chain(idp::FOREIGN_ROLES)
        .map(|n| role_json(&realm, n))
        .collect();
    Json(Value::Array(roles)).into_response()
}

/// `POST /auth/admin/realms/{realm}/users/{id}/role-mappings/realm`: grant roles (204).
pub async fn map_roles(
    State(state): State<MosipState>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let actor = match admin_actor(&state, &headers, &realm).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(&body) else {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "The body must be a list of roles [{id, name}].",
        );
    };
    let names: Vec<String> = items
        .iter()
        .filter_map(|r| {
            r.get("name")
                .or_else(|| r.get("id"))
                .and_then(Value::as_str)
        })
        .map(str::to_string)
        .collect();
    match domain::db::run(&state.app.pool, move |conn| {
        users::add_roles(conn, &actor, &id, &names)
    })
    .await
    {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) if e.kind == domain::ErrorKind::NotFound => {
            (StatusCode::NOT_FOUND, Json(json!({ "error": e.message }))).into_response()
        }
        Err(_) => retry_later(),
    }
}

/// `GET /auth/admin/realms/{realm}/users/{id}/role-mappings/realm`: the user's roles.
pub async fn user_roles(
    State(state): State<MosipState>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(res) = admin(&state, &headers, &realm).await {
        return res;
    }
    let lookup = id.clone();
    match domain::db::run(&state.app.pool, move |conn| {
        users::get(conn, &lookup)?
            .map(|_| users::roles(conn, &lookup))
            .transpose()
    })
    .await
    {
        Ok(Some(roles)) => Json(Value::Array(
            roles
                .iter()
                .map(|r| role_json(&realm, r.as_str()))
                .collect(),
        ))
        .into_response(),
        Ok(None) => user_not_found(),
        Err(_) => retry_later(),
    }
}

/// `DELETE /auth/admin/realms/{realm}/users/{id}` (204).
pub async fn delete_user(
    State(state): State<MosipState>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let actor = match admin_actor(&state, &headers, &realm).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    match domain::db::run(&state.app.pool, move |conn| {
        users::remove(conn, &actor, &id)
    })
    .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) if e.kind == domain::ErrorKind::NotFound => user_not_found(),
        Err(e) if e.kind == domain::ErrorKind::Conflict => {
            admin_error(StatusCode::CONFLICT, &e.message)
        }
        Err(_) => retry_later(),
    }
}
