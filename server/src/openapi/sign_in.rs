//! MOSIP's sign-in (`/v1/authmanager`) and the Keycloak calls its modules and onboarder make.

use super::{Answer, Auth, Body, Field, Op, ADMIN, S};

const KC_USER: &[Field] = &[
    ("id", S, false, "user id (answers only)"),
    (
        "username",
        S,
        true,
        "user name (lower case; MOSIP's partner id)",
    ),
    ("firstName", S, false, "given name"),
    ("lastName", S, false, "family name"),
    ("email", S, false, "email"),
    ("enabled", "boolean", false, "may sign in (default true)"),
    (
        "credentials",
        "array",
        false,
        "[{type: password, value, temporary}]",
    ),
];
const ROLE: &[Field] = &[
    ("id", S, true, "role id (its name)"),
    ("name", S, true, "role name"),
];

pub(super) const CLIENT_SECRET: Op = Op {
    method: "post",
    path: "/v1/authmanager/authenticate/clientidsecretkey",
    tag: "MOSIP sign-in",
    summary: "An API client signs in; the JWT comes in Set-Cookie: Authorization.",
    auth: Auth::None,
    query: &[],
    body: Body::Envelope(&[
        ("clientId", S, true, "client id"),
        ("secretKey", S, true, "client secret"),
        ("appId", S, false, "MOSIP application id (ida, partner...)"),
    ]),
    answer: Answer::Envelope(&[
        ("status", S, true, "Success"),
        (
            "message",
            S,
            true,
            "Clientid and Token combination had been validated successfully",
        ),
    ]),
    codes: &[
        "KER-ATH-401",
        "PMS_AUTH_LOCKED",
        "PMS_COR_001",
        "PMS_COR_003",
    ],
};

pub(super) const USER_PASSWORD: Op = Op {
    method: "post",
    path: "/v1/authmanager/authenticate/internal/useridPwd",
    tag: "MOSIP sign-in",
    summary: "A user signs in with its user name (or email) and password; the JWT is in response.token and Set-Cookie.",
    auth: Auth::None,
    query: &[],
    body: Body::Envelope(&[("userName", S, true, "user name or email"), ("password", S, true, "password"), ("appId", S, false, "application id"), ("clientId", S, false, "client the token is for (mosip-pms-client)"), ("clientSecret", S, false, "not checked: the user's password authenticates")]),
    answer: Answer::Envelope(&[("token", S, true, "the JWT"), ("message", S, true, "Username and password combination had been validated successfully"), ("expiryTime", "integer", true, "lifetime, ms"), ("userId", S, true, "who signed in"), ("status", S, true, "Success")]),
    codes: &["KER-ATH-401", "PMS_AUTH_LOCKED", "PMS_COR_001", "PMS_COR_003"],
};

pub(super) const OIDC_TOKEN: Op = Op {
    method: "post",
    path: "/auth/realms/{realm}/protocol/openid-connect/token",
    tag: "Keycloak",
    summary:
        "Keycloak's token endpoint (realm master or mosip): password and client-credentials grants.",
    auth: Auth::None,
    query: &[],
    body: Body::Form(&[
        ("grant_type", S, true, "password or client_credentials"),
        (
            "client_id",
            S,
            true,
            "admin-cli, mosip-pms-client, or an API client",
        ),
        ("username", S, false, "password grant"),
        ("password", S, false, "password grant"),
        ("client_secret", S, false, "client-credentials grant"),
    ]),
    answer: Answer::Json(&[
        ("access_token", S, true, "the JWT"),
        ("expires_in", "integer", true, "seconds"),
        ("token_type", S, true, "Bearer"),
    ]),
    codes: &["invalid_grant", "unsupported_grant_type", "invalid_request"],
};

pub(super) const CREATE_USER: Op = Op {
    method: "post",
    path: "/auth/admin/realms/{realm}/users",
    tag: "Keycloak",
    summary: "Create a user (a portal account that signs in at once); 201 with Location. A deleted user's partner passes to a new user of its name.",
    auth: Auth::Token(ADMIN),
    query: &[],
    body: Body::Json(KC_USER),
    answer: Answer::Empty(201),
    codes: &["409 User exists with same username", "409 User exists with same email", "400"],
};

pub(super) const FIND_USERS: Op = Op {
    method: "get",
    path: "/auth/admin/realms/{realm}/users",
    tag: "Keycloak",
    summary: "The user of that exact user name (or email), as a list.",
    auth: Auth::Token(ADMIN),
    query: &[
        ("username", S, false, "user name"),
        ("email", S, false, "email"),
    ],
    body: Body::None,
    answer: Answer::JsonArray(KC_USER),
    codes: &["400"],
};

pub(super) const DELETE_USER: Op = Op {
    method: "delete",
    path: "/auth/admin/realms/{realm}/users/{id}",
    tag: "Keycloak",
    summary: "Delete a user: its sessions and tokens end, its name and email are freed; its partner stays.",
    auth: Auth::Token(ADMIN),
    query: &[],
    body: Body::None,
    answer: Answer::Empty(204),
    codes: &["404 User not found", "409 your own account"],
};

pub(super) const MAP_ROLES: Op = Op {
    method: "post",
    path: "/auth/admin/realms/{realm}/users/{id}/role-mappings/realm",
    tag: "Keycloak",
    summary: "Grant realm roles; MOSIP's roles the portal does not enforce are accepted and grant nothing.",
    auth: Auth::Token(ADMIN),
    query: &[],
    body: Body::JsonArray(ROLE),
    answer: Answer::Empty(204),
    codes: &["404 Could not find role", "404 The user was not found"],
};

pub(super) const USER_ROLES: Op = Op {
    method: "get",
    path: "/auth/admin/realms/{realm}/users/{id}/role-mappings/realm",
    tag: "Keycloak",
    summary: "The user's realm roles.",
    auth: Auth::Token(ADMIN),
    query: &[],
    body: Body::None,
    answer: Answer::JsonArray(ROLE),
    codes: &["404 User not found"],
};

pub(super) const LIST_ROLES: Op = Op {
    method: "get",
    path: "/auth/admin/realms/{realm}/roles",
    tag: "Keycloak",
    summary: "Realm roles: the portal's and MOSIP's others.",
    auth: Auth::Token(ADMIN),
    query: &[],
    body: Body::None,
    answer: Answer::JsonArray(ROLE),
    codes: &[],
};
