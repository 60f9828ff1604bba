//! The identity side of MOSIP's REST door: who a machine call comes from.
//!
//! MOSIP's modules sign in against Keycloak and send a JWT. The portal plays both parts:
//! accounts get a user name ([`users`], for the Keycloak admin calls MOSIP's onboarder makes),
//! API clients stand in for Keycloak's confidential clients ([`clients`]), and [`jwt`] issues
//! and checks the tokens, signed with a key sealed in the database like the CA keys.

pub mod clients;
pub mod jwt;
pub mod users;

use crate::account::CurrentUser;
use crate::audit::Actor;
use crate::role::Role;

/// The role names MOSIP's clients use that the portal does not enforce: accepted where MOSIP
/// lists or maps them, granting nothing here.
pub const FOREIGN_ROLES: [&str; 8] = [
    "GLOBAL_ADMIN",
    "PMS_ADMIN",
    "PMS_USER",
    "ID_AUTHENTICATION",
    "REGISTRATION_SUPERVISOR",
    "REGISTRATION_ADMIN",
    "ZONAL_ADMIN",
    "PARTNER",
];

/// Whom a machine call comes from, read fresh from the database on every call (a token's
/// roles are what they were at sign-in; a deactivation or a role removed counts at once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// A portal account (signed in by user name or email and password).
    Account(CurrentUser),
    /// An API client (client id and secret).
    Client {
        /// Row id.
        id: String,
        /// The client id it signs in with.
        client_id: String,
        /// Roles granted to it.
        roles: Vec<Role>,
    },
}

impl Principal {
    /// Roles held.
    pub fn roles(&self) -> &[Role] {
        match self {
            Principal::Account(u) => &u.roles,
            Principal::Client { roles, .. } => roles,
        }
    }

    /// Whether any of `roles` is held.
    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.roles().contains(r))
    }

    /// The account, when the caller is one.
    pub fn account(&self) -> Option<&CurrentUser> {
        match self {
            Principal::Account(u) => Some(u),
            Principal::Client { .. } => None,
        }
    }

    /// The name MOSIP knows the caller by (user name or email; client id).
    pub fn name(&self) -> String {
        match self {
            Principal::Account(u) => u.email.clone(),
            Principal::Client { client_id, .. } => client_id.clone(),
        }
    }

    /// Who is recorded in the audit log.
    pub fn actor(&self, request_id: Option<String>) -> Actor {
        match self {
            Principal::Account(u) => Actor::account(&u.id, &u.email),
            // The audit log shows the email column: the client's id stands in for it.
            Principal::Client { client_id, .. } => Actor {
                id: Some(format!("client:{client_id}")),
                email: Some(format!("client:{client_id}")),
                request_id: None,
            },
        }
        .with_request_id(request_id)
    }
}

/// Run a password or secret sign-in under the portal's throttling: a locked name or address
/// is refused before the password is looked at, a failure is counted and audited, a success
/// clears the name's count. `kind` is `account` or `api_client` (the audit row's entity).
pub fn throttled(
    conn: &mut crate::db::AnyConnection,
    kind: &str,
    name: &str,
    ip: Option<&str>,
    limits: &crate::throttle::ThrottlePolicy,
    attempt: impl FnOnce(&mut crate::db::AnyConnection) -> crate::AppResult<Option<Principal>>,
) -> crate::AppResult<Option<Principal>> {
    use crate::throttle;
    let name_key = throttle::account_key(&format!("{kind}:{name}"));
    let addr_key = ip.map(throttle::address_key);
    let mut keys = vec![name_key.clone()];
    keys.extend(addr_key.clone());
    throttle::check(conn, &keys)?;
    let found = attempt(conn)?;
    crate::db::write_tx(conn, |conn| {
        match &found {
            Some(_) => throttle::reset(conn, &name_key)?,
            None => {
                let (_, locked) =
                    throttle::record_failure(conn, &name_key, addr_key.as_deref(), limits)?;
                let actor = Actor {
                    id: None,
                    email: Some(crate::text::clip(name, 128)),
                    request_id: None,
                };
                crate::audit::record(
                    conn,
                    &actor,
                    if locked {
                        "LOGIN_LOCKED"
                    } else {
                        "LOGIN_FAILED"
                    },
                    kind,
                    &crate::text::clip(name, 128),
                    serde_json::json!({ "door": "mosip" }),
                )?;
            }
        }
        Ok(())
    })?;
    Ok(found)
}

/// Parse role names: the portal's own, plus MOSIP's others (ignored). Unknown names are an
/// error naming the first one.
pub fn parse_roles(names: &[String]) -> Result<Vec<Role>, String> {
    let mut out = Vec::new();
    for n in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        match Role::parse(n) {
            Some(r) if !out.contains(&r) => out.push(r),
            Some(_) => {}
            None if FOREIGN_ROLES.contains(&n) => {}
            None => return Err(n.to_string()),
        }
    }
    out.sort();
    Ok(out)
}

/// Stored spelling of a role set (comma-separated).
pub(crate) fn roles_text(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Roles from their stored spelling; names no longer known are skipped.
pub(crate) fn roles_of_text(text: &str) -> Vec<Role> {
    let mut roles: Vec<Role> = text
        .split(',')
        .filter_map(|r| Role::parse(r.trim()))
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_roles_grant_nothing_and_unknown_ones_are_named() {
        let names: Vec<String> = [
            "GLOBAL_ADMIN",
            "PARTNER_ADMIN",
            "ID_AUTHENTICATION",
            "PARTNER_ADMIN",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(parse_roles(&names), Ok(vec![Role::PartnerAdmin]));
        let bad = vec!["AUTH_PARTNER".to_string(), "ROOT".to_string()];
        assert_eq!(parse_roles(&bad), Err("ROOT".to_string()));
        assert_eq!(
            roles_of_text(&roles_text(&[Role::AuthPartner, Role::PartnerAdmin])),
            vec![Role::PartnerAdmin, Role::AuthPartner]
        );
    }
}
