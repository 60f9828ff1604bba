//! The JWTs of MOSIP's door: EdDSA (Ed25519), signed with the newest key in `jwt_keys`,
//! whose private half is sealed with the master key like the CA keys. A rotation adds a key
//! and retires the previous one once every token it signed has expired.

use super::Principal;
use crate::cert::seal::MasterKey;
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult};
use crate::schema::{accounts, api_clients, jwt_keys};
use diesel::prelude::*;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};

/// The issuer named in every token.
pub const ISSUER: &str = "pms";
/// Associated data of the sealed keys (a sealed CA key pasted here does not open).
const SEAL_DOMAIN: &str = "jwt";

/// Keycloak's place for realm roles, kept so tools that read tokens find them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealmAccess {
    /// Role names.
    pub roles: Vec<String>,
}

/// What a token says. The roles are informative: every call reads them fresh.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// `account:<id>` or `client:<row id>`.
    pub sub: String,
    /// User name, email or client id.
    pub preferred_username: String,
    /// Roles at sign-in.
    pub realm_access: RealmAccess,
    /// The client it was issued to (`mosip-pms-client`, `admin-cli`, a client id).
    pub azp: String,
    /// Issuer.
    pub iss: String,
    /// Issued at, seconds.
    pub iat: i64,
    /// Expires, seconds.
    pub exp: i64,
    /// Token id.
    pub jti: String,
}

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "{what}");
    AppError::internal()
}

fn new_key(conn: &mut AnyConnection, master: &MasterKey, now: i64) -> AppResult<String> {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map_err(|_| internal("jwt key generation", "ring"))?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
        .map_err(|_| internal("jwt key parse", "ring"))?;
    let kid = uuid::Uuid::new_v4().simple().to_string();
    let sealed = master.seal(SEAL_DOMAIN, pkcs8.as_ref())?;
    diesel::insert_into(jwt_keys::table)
        .values((
            jwt_keys::kid.eq(&kid),
            jwt_keys::sealed_key.eq(&sealed),
            jwt_keys::public_key.eq(pair.public_key().as_ref()),
            jwt_keys::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(kid)
}

/// Create the signing key when there is none (at start-up). Fails when the current key does
/// not open with `master` (the server must not start with a master key that cannot sign).
pub fn ensure_key(conn: &mut AnyConnection, master: &MasterKey) -> Result<(), String> {
    let current: Option<Vec<u8>> = jwt_keys::table
        .filter(jwt_keys::retired_at.is_null())
        .order(jwt_keys::created_at.desc())
        .select(jwt_keys::sealed_key)
        .first(conn)
        .optional()
        .map_err(|e| e.to_string())?;
    match current {
        Some(sealed) => master
            .open(SEAL_DOMAIN, &sealed)
            .map(|_| ())
            .map_err(|e| format!("JWT signing key: {e}")),
        None => crate::db::write_tx(conn, |conn| {
            let again: i64 = jwt_keys::table
                .filter(jwt_keys::retired_at.is_null())
                .count()
                .get_result(conn)?;
            if again == 0 {
                new_key(conn, master, clock::now_ms())?;
            }
            Ok(())
        })
        .map_err(|e| e.message),
    }
}

/// Replace the signing key: tokens signed by the old one stay valid for `grace_ms` (the
/// token lifetime), then it stops verifying. Returns the new key id.
pub fn rotate(conn: &mut AnyConnection, master: &MasterKey, grace_ms: i64) -> AppResult<String> {
    let now = clock::now_ms();
    crate::db::write_tx(conn, |conn| {
        diesel::update(jwt_keys::table.filter(jwt_keys::retired_at.is_null()))
            .set(jwt_keys::retired_at.eq(now + grace_ms))
            .execute(conn)?;
        // Keys past their grace are of no use; dropping them keeps verification's set small.
        diesel::delete(jwt_keys::table.filter(jwt_keys::retired_at.lt(now))).execute(conn)?;
        let kid = new_key(conn, master, now)?;
        crate::audit::record(
            conn,
            &crate::audit::Actor::system(),
            "JWT_KEY_ROTATED",
            "jwt_key",
            &kid,
            serde_json::json!({ "graceMs": grace_ms }),
        )?;
        Ok(kid)
    })
}

/// Sign a token for `principal`, valid `ttl_secs`, issued to client `azp`.
pub fn issue(
    conn: &mut AnyConnection,
    master: &MasterKey,
    principal: &Principal,
    azp: &str,
    ttl_secs: i64,
) -> AppResult<String> {
    let current = |conn: &mut AnyConnection| -> AppResult<Option<(String, Vec<u8>)>> {
        Ok(jwt_keys::table
            .filter(jwt_keys::retired_at.is_null())
            .order(jwt_keys::created_at.desc())
            .select((jwt_keys::kid, jwt_keys::sealed_key))
            .first(conn)
            .optional()?)
    };
    let (kid, sealed) = match current(conn)? {
        Some(k) => k,
        // Start-up creates it; a database set up by other means gets it on first use.
        None => {
            ensure_key(conn, master).map_err(|e| internal("jwt key", e))?;
            current(conn)?.ok_or_else(|| internal("jwt", "no signing key"))?
        }
    };
    let pkcs8 = master
        .open(SEAL_DOMAIN, &sealed)
        .map_err(|e| internal("jwt key open", e))?;
    let now = clock::now_ms() / 1000;
    let sub = match principal {
        Principal::Account(u) => format!("account:{}", u.id),
        Principal::Client { id, .. } => format!("client:{id}"),
    };
    let claims = Claims {
        sub,
        preferred_username: principal.name(),
        realm_access: RealmAccess {
            roles: principal
                .roles()
                .iter()
                .map(|r| r.as_str().to_string())
                .collect(),
        },
        azp: azp.to_string(),
        iss: ISSUER.to_string(),
        iat: now,
        exp: now + ttl_secs,
        jti: uuid::Uuid::new_v4().simple().to_string(),
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid);
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ed_der(&pkcs8))
        .map_err(|e| internal("jwt encode", e))
}

/// Check a token's signature, issuer and expiry, then load who it names: `None` for a token
/// the portal did not issue, one expired, or one whose account or client is no longer active.
pub fn verify(conn: &mut AnyConnection, token: &str) -> AppResult<Option<Principal>> {
    // Tokens are short; anything long is not one of ours and is not worth parsing.
    if token.len() > 4096 {
        return Ok(None);
    }
    let Ok(header) = jsonwebtoken::decode_header(token) else {
        return Ok(None);
    };
    let Some(kid) = header.kid.filter(|k| k.len() <= 64) else {
        return Ok(None);
    };
    let now = clock::now_ms();
    let public: Option<(Vec<u8>, Option<i64>)> = jwt_keys::table
        .find(&kid)
        .select((jwt_keys::public_key, jwt_keys::retired_at))
        .first(conn)
        .optional()?;
    let Some((public, retired_at)) = public else {
        return Ok(None);
    };
    if retired_at.is_some_and(|t| t < now) {
        return Ok(None);
    }
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&[ISSUER]);
    validation.leeway = 5;
    let Ok(data) =
        jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_ed_der(&public), &validation)
    else {
        return Ok(None);
    };
    principal_of(conn, &data.claims.sub)
}

/// The active account or client a token's subject names.
pub fn principal_of(conn: &mut AnyConnection, sub: &str) -> AppResult<Option<Principal>> {
    if let Some(id) = sub.strip_prefix("account:") {
        let removed: Option<Option<i64>> = accounts::table
            .find(id)
            .select(accounts::removed_at)
            .first(conn)
            .optional()?;
        if removed.flatten().is_some() {
            return Ok(None);
        }
        return Ok(crate::account::load_user(conn, id)?.map(Principal::Account));
    }
    if let Some(id) = sub.strip_prefix("client:") {
        let row: Option<(String, String, bool)> = api_clients::table
            .find(id)
            .select((
                api_clients::client_id,
                api_clients::roles,
                api_clients::active,
            ))
            .first(conn)
            .optional()?;
        return Ok(match row {
            Some((client_id, roles, true)) => Some(Principal::Client {
                id: id.to_string(),
                client_id,
                roles: super::roles_of_text(&roles),
            }),
            _ => None,
        });
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::CurrentUser;
    use crate::role::Role;

    fn master() -> MasterKey {
        MasterKey::from_base64(&MasterKey::generate_base64().expect("random")).expect("key")
    }

    fn account(conn: &mut AnyConnection) -> Principal {
        let user = crate::account::create(
            conn,
            &crate::audit::Actor::system(),
            &crate::account::NewAccount {
                email: "ops@example.org".into(),
                display_name: "Ops".into(),
                password: "correct horse battery".into(),
                roles: vec![Role::PartnerAdmin],
            },
        )
        .expect("account");
        Principal::Account(CurrentUser {
            id: user.id,
            email: user.email,
            display_name: user.display_name,
            roles: user.roles,
            terms_to_accept: None,
            two_factor: false,
            two_factor_setup_needed: false,
        })
    }

    #[test]
    fn tokens_verify_until_expiry_and_survive_a_rotation_for_its_grace_only() {
        let db = crate::testing::TestDb::new();
        let mut conn = db.conn();
        let key = master();
        let who = account(&mut conn);
        let old = issue(&mut conn, &key, &who, "mosip-pms-client", 600).expect("token");
        assert_eq!(verify(&mut conn, &old).expect("verify"), Some(who.clone()));
        // Tampered, expired, foreign: none verifies.
        let mut bad = old.clone();
        bad.insert(bad.len() - 2, 'x');
        assert_eq!(verify(&mut conn, &bad).expect("verify"), None);
        let expired = issue(&mut conn, &key, &who, "x", -60).expect("token");
        assert_eq!(verify(&mut conn, &expired).expect("verify"), None);
        assert_eq!(verify(&mut conn, "not.a.jwt").expect("verify"), None);
        // A rotation keeps the old key for its grace; the new key signs from then on.
        rotate(&mut conn, &key, 60_000).expect("rotate");
        let new = issue(&mut conn, &key, &who, "x", 600).expect("token");
        assert_ne!(
            jsonwebtoken::decode_header(&new).expect("header").kid,
            jsonwebtoken::decode_header(&old).expect("header").kid
        );
        assert!(verify(&mut conn, &old).expect("verify").is_some());
        assert!(verify(&mut conn, &new).expect("verify").is_some());
        // A second rotation with no grace retires both older keys at once.
        rotate(&mut conn, &key, -1).expect("rotate");
        assert_eq!(verify(&mut conn, &new).expect("verify"), None);
        // A deactivated account's token stops at once.
        let current = issue(&mut conn, &key, &who, "x", 600).expect("token");
        diesel::update(accounts::table)
            .set(accounts::active.eq(false))
            .execute(&mut conn)
            .expect("deactivate");
        assert_eq!(verify(&mut conn, &current).expect("verify"), None);
        // The key does not open with another master key.
        assert!(ensure_key(&mut conn, &master()).is_err());
    }
}
