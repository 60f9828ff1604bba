//! ID token checks (OpenID Connect Core §3.1.3.7): the signature by a key of the provider's
//! JWKS, `iss`, `aud` (and `azp` when several audiences), `exp`/`iat`/`nbf` with a small
//! leeway, `nonce` and `sub`. Only asymmetric algorithms are accepted: `none` does not even
//! parse, and an HMAC token would be signed with the client secret, which the portal shares
//! with the provider and so cannot prove the provider wrote it.

use super::Refusal;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{errors::ErrorKind as JwtError, Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

pub use jsonwebtoken::jwk::JwkSet;

/// Clock skew tolerated between the portal and the provider, in seconds.
pub const LEEWAY_SECS: u64 = 60;

/// The algorithms an ID token may be signed with.
const ACCEPTED: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// What this sign-in expects of its ID token.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    /// The configured issuer, exactly.
    pub issuer: &'a str,
    /// The portal's client id.
    pub client_id: &'a str,
    /// This sign-in's nonce.
    pub nonce: &'a str,
}

/// Why an ID token was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejected {
    /// Its `kid` is not in this JWKS: fetch the provider's keys again (they may have rotated).
    UnknownKey,
    /// Refused for good.
    Refused(Refusal),
}

impl From<Refusal> for Rejected {
    fn from(r: Refusal) -> Self {
        Rejected::Refused(r)
    }
}

/// The key id of a token's header (None when it has none or is not a JWT).
pub fn key_id(token: &str) -> Option<String> {
    jsonwebtoken::decode_header(token).ok()?.kid
}

/// Check `token` against the provider's `keys`; returns its claims.
pub fn verify(
    token: &str,
    keys: &JwkSet,
    expected: Expected,
) -> Result<Map<String, Value>, Rejected> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| Refusal::IdToken)?;
    if !ACCEPTED.contains(&header.alg) {
        return Err(Refusal::IdToken.into());
    }
    let jwk = pick_key(keys, header.kid.as_deref(), header.alg)?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| Refusal::IdToken)?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[expected.issuer]);
    validation.set_audience(&[expected.client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = LEEWAY_SECS;
    validation.validate_nbf = true;
    let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
        .map_err(|e| match e.kind() {
            JwtError::ExpiredSignature => Refusal::Expired,
            JwtError::InvalidIssuer => Refusal::Issuer,
            JwtError::MissingRequiredClaim(c) if c == "iss" => Refusal::Issuer,
            JwtError::InvalidAudience => Refusal::Audience,
            JwtError::MissingRequiredClaim(c) if c == "aud" => Refusal::Audience,
            _ => Refusal::IdToken,
        })?
        .claims;
    check_claims(&claims, expected)?;
    Ok(claims)
}

/// The claims the library leaves to the caller: `iss` a single string, `iat`, `azp`, `sub`
/// and `nonce`.
fn check_claims(claims: &Map<String, Value>, expected: Expected) -> Result<(), Refusal> {
    if claims.get("iss").and_then(Value::as_str) != Some(expected.issuer) {
        return Err(Refusal::Issuer);
    }
    let now = jsonwebtoken::get_current_timestamp();
    match claims.get("iat").and_then(Value::as_u64) {
        Some(iat) if iat <= now + LEEWAY_SECS => {}
        _ => return Err(Refusal::IdToken),
    }
    let several = claims
        .get("aud")
        .and_then(Value::as_array)
        .is_some_and(|a| a.len() > 1);
    match claims.get("azp").map(Value::as_str) {
        Some(Some(azp)) if azp == expected.client_id => {}
        None if !several => {}
        _ => return Err(Refusal::Audience),
    }
    if claims
        .get("sub")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(Refusal::IdToken);
    }
    if claims.get("nonce").and_then(Value::as_str) != Some(expected.nonce) {
        return Err(Refusal::Nonce);
    }
    Ok(())
}

/// The key that signed a token: the one with its `kid` (unknown: [`Rejected::UnknownKey`]),
/// or the only key fit for `alg` when the token names none. A key must be fit for `alg`:
/// its type and curve, and its `use` and `alg` when it states them.
fn pick_key<'k>(keys: &'k JwkSet, kid: Option<&str>, alg: Algorithm) -> Result<&'k Jwk, Rejected> {
    let fit = |k: &&Jwk| fits(k, alg);
    match kid {
        Some(kid) => {
            let found = keys
                .keys
                .iter()
                .find(|k| k.common.key_id.as_deref() == Some(kid));
            match found {
                Some(k) if fits(k, alg) => Ok(k),
                Some(_) => Err(Refusal::IdToken.into()),
                None => Err(Rejected::UnknownKey),
            }
        }
        None => {
            let mut candidates = keys.keys.iter().filter(fit);
            match (candidates.next(), candidates.next()) {
                (Some(k), None) => Ok(k),
                _ => Err(Refusal::IdToken.into()),
            }
        }
    }
}

fn fits(key: &Jwk, alg: Algorithm) -> bool {
    if matches!(&key.common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
        return false;
    }
    if let Some(stated) = key.common.key_algorithm {
        if format!("{stated:?}") != format!("{alg:?}") {
            return false;
        }
    }
    match (&key.algorithm, alg) {
        (
            AlgorithmParameters::RSA(_),
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512,
        ) => true,
        (AlgorithmParameters::EllipticCurve(p), Algorithm::ES256) => p.curve == EllipticCurve::P256,
        (AlgorithmParameters::EllipticCurve(p), Algorithm::ES384) => p.curve == EllipticCurve::P384,
        (AlgorithmParameters::OctetKeyPair(p), Algorithm::EdDSA) => {
            p.curve == EllipticCurve::Ed25519
        }
        _ => false,
    }
}
