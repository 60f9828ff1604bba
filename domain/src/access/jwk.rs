//! The public key an OIDC client registers, as a JWK (RFC 7517): RSA >= 2048 bits, EC P-256 or
//! Ed25519. A JWK holding private members is refused: it has been pasted somewhere it should
//! not have been, so it must be treated as leaked.

use crate::error::{AppError, AppResult};
use base64::Engine;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Longest JWK text accepted.
pub const MAX_JWK_BYTES: usize = 16 * 1024;
const FIELD: &str = "public_key";
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// A validated public JWK.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicJwk {
    /// "RSA 3072", "EC P-256", "Ed25519" (shown to people).
    pub description: String,
    /// RFC 7638 thumbprint (SHA-256, base64url without padding).
    pub thumbprint: String,
    /// The key as stored and published: its required public members, plus `kid`, `alg` and
    /// `use` when given; nothing else.
    pub public: Value,
}

fn bad(code: &str, message: impl Into<String>) -> AppError {
    AppError::validation(FIELD, code, message)
}

fn member<'a>(obj: &'a Map<String, Value>, name: &str) -> AppResult<&'a str> {
    obj.get(name).and_then(Value::as_str).ok_or_else(|| {
        bad(
            "PMS_JWK_MEMBER",
            format!("The JWK lacks its \"{name}\" member (a string)."),
        )
    })
}

fn bytes(obj: &Map<String, Value>, name: &str) -> AppResult<Vec<u8>> {
    let text = member(obj, name)?;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| {
            bad(
                "PMS_JWK_MEMBER",
                format!("The \"{name}\" member is not base64url (without padding)."),
            )
        })
}

/// Parse `text` (a JSON object) as a public JWK.
pub fn parse(text: &str) -> AppResult<PublicJwk> {
    let obj = json_object(text)?;
    if PRIVATE_MEMBERS.iter().any(|m| obj.contains_key(*m)) {
        return Err(bad("PMS_JWK_PRIVATE", LEAKED));
    }
    let (description, required, algs) = key_kind(&obj)?;
    check_optional_members(&obj, algs)?;
    // RFC 7638: the required members in lexicographic order, no whitespace.
    let mut canonical = Map::new();
    for name in &required {
        canonical.insert((*name).to_string(), obj[*name].clone());
    }
    let text = Value::Object(canonical.clone()).to_string();
    let thumbprint =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(text.as_bytes()));
    let mut public = canonical;
    for extra in ["kid", "alg", "use"] {
        if let Some(v) = obj.get(extra) {
            public.insert(extra.to_string(), v.clone());
        }
    }
    Ok(PublicJwk {
        description,
        thumbprint,
        public: Value::Object(public),
    })
}

/// The message for a JWK with private members (or a symmetric key): it must be treated as leaked.
const LEAKED: &str = "This JWK contains a private key. Only the public key is registered; treat \
                      this private key as leaked and generate a new key pair.";

/// A key type's description, required members (RFC 7638 order) and accepted `alg` values.
type KeyKind = (String, Vec<&'static str>, &'static [&'static str]);

/// The pasted text as one JSON object, refused when empty, too large, not JSON or not an object.
fn json_object(text: &str) -> AppResult<Map<String, Value>> {
    if text.trim().is_empty() {
        return Err(bad(
            "PMS_JWK_INVALID",
            "Paste the client's public key as a JWK.",
        ));
    }
    if text.len() > MAX_JWK_BYTES {
        return Err(bad(
            "PMS_JWK_INVALID",
            format!(
                "A JWK is at most {} KB; this is larger.",
                MAX_JWK_BYTES / 1024
            ),
        ));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        bad(
            "PMS_JWK_INVALID",
            format!(
                "The JWK is not valid JSON (line {}, column {}).",
                e.line(),
                e.column()
            ),
        )
    })?;
    match value {
        Value::Object(obj) => Ok(obj),
        _ => Err(bad(
            "PMS_JWK_INVALID",
            "A JWK is one JSON object ({\"kty\": ...}), not a list or a value.",
        )),
    }
}

/// Check the key by its `kty`: RSA, EC P-256 or Ed25519; everything else is refused.
fn key_kind(obj: &Map<String, Value>) -> AppResult<KeyKind> {
    let kty = obj.get("kty").and_then(Value::as_str).unwrap_or_default();
    match kty {
        "RSA" => rsa_key(obj),
        "EC" => ec_key(obj),
        "OKP" => {
            let crv = member(obj, "crv")?;
            if crv != "Ed25519" {
                return Err(bad(
                    "PMS_JWK_CURVE",
                    format!("OKP keys must be Ed25519 signing keys; this one is {crv}."),
                ));
            }
            if bytes(obj, "x")?.len() != 32 {
                return Err(bad("PMS_JWK_MEMBER", "An Ed25519 key's \"x\" is 32 bytes."));
            }
            Ok(("Ed25519".into(), vec!["crv", "kty", "x"], &["EdDSA"]))
        }
        "oct" => Err(bad("PMS_JWK_PRIVATE", LEAKED)),
        "" => Err(bad(
            "PMS_JWK_KTY",
            "The JWK has no \"kty\"; use an RSA, EC (P-256) or OKP (Ed25519) key.",
        )),
        other => Err(bad(
            "PMS_JWK_KTY",
            format!("Key type \"{other}\" is not accepted; use RSA, EC (P-256) or OKP (Ed25519)."),
        )),
    }
}

/// An RSA key: a modulus of 2048 to 8192 bits and a usable public exponent.
fn rsa_key(obj: &Map<String, Value>) -> AppResult<KeyKind> {
    let n = bytes(obj, "n")?;
    let n = &n[n.iter().take_while(|b| **b == 0).count()..];
    let bits = match n.first() {
        Some(first) => n.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    };
    if !(2048..=8192).contains(&bits) {
        return Err(bad(
            "PMS_JWK_KEY_SIZE",
            format!("The RSA key has {bits} bits; at least 2048 (and at most 8192)."),
        ));
    }
    let e = bytes(obj, "e")?;
    let e = &e[e.iter().take_while(|b| **b == 0).count()..];
    let odd = e.last().is_some_and(|b| b & 1 == 1);
    if e.is_empty() || e.len() > 8 || !odd || e == [1] {
        return Err(bad(
            "PMS_JWK_MEMBER",
            "The RSA exponent \"e\" is not a usable public exponent (e.g. AQAB = 65537).",
        ));
    }
    Ok((
        format!("RSA {bits}"),
        vec!["e", "kty", "n"],
        &["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"],
    ))
}

/// An EC key: curve P-256, 32-byte coordinates that are a point of the curve.
fn ec_key(obj: &Map<String, Value>) -> AppResult<KeyKind> {
    let crv = member(obj, "crv")?;
    if crv != "P-256" {
        return Err(bad(
            "PMS_JWK_CURVE",
            format!("EC keys must use the P-256 curve; this one uses {crv}."),
        ));
    }
    let (x, y) = (bytes(obj, "x")?, bytes(obj, "y")?);
    if x.len() != 32 || y.len() != 32 {
        return Err(bad(
            "PMS_JWK_MEMBER",
            "A P-256 key has 32-byte \"x\" and \"y\" coordinates.",
        ));
    }
    if !on_p256(&x, &y) {
        return Err(bad(
            "PMS_JWK_POINT",
            "The \"x\" and \"y\" coordinates are not a point on the P-256 curve.",
        ));
    }
    Ok(("EC P-256".into(), vec!["crv", "kty", "x", "y"], &["ES256"]))
}

/// The optional members, when given: `use` must be "sig", `alg` one of `algs`, `kid` a short
/// string.
fn check_optional_members(obj: &Map<String, Value>, algs: &[&str]) -> AppResult<()> {
    if let Some(u) = obj.get("use") {
        if u.as_str() != Some("sig") {
            return Err(bad(
                "PMS_JWK_USE",
                "The key's \"use\" must be \"sig\": a client signs with it.",
            ));
        }
    }
    if let Some(a) = obj.get("alg") {
        match a.as_str() {
            Some(alg) if algs.contains(&alg) => {}
            _ => {
                return Err(bad(
                    "PMS_JWK_ALG",
                    format!(
                        "The \"alg\" does not fit this key; use {}.",
                        algs.join(", ")
                    ),
                ))
            }
        }
    }
    if let Some(kid) = obj.get("kid") {
        if kid.as_str().is_none_or(|k| k.chars().count() > 256) {
            return Err(bad(
                "PMS_JWK_MEMBER",
                "The \"kid\" must be a string of at most 256 characters.",
            ));
        }
    }
    Ok(())
}

/// Whether (x, y) is a point of P-256: ring validates the peer's point before an ECDH.
fn on_p256(x: &[u8], y: &[u8]) -> bool {
    use ring::agreement;
    let mut point = Vec::with_capacity(65);
    point.push(4);
    point.extend_from_slice(x);
    point.extend_from_slice(y);
    let rng = ring::rand::SystemRandom::new();
    let Ok(mine) = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng) else {
        return false;
    };
    let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, point);
    agreement::agree_ephemeral(mine, &peer, |_| ()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::KeyPair;

    fn b64(b: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
    }

    fn ec() -> Value {
        let rng = ring::rand::SystemRandom::new();
        let alg = &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING;
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("keygen");
        let pair =
            ring::signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).expect("pair");
        let p = pair.public_key().as_ref();
        serde_json::json!({"kty": "EC", "crv": "P-256", "x": b64(&p[1..33]), "y": b64(&p[33..65])})
    }

    fn ed() -> Value {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).expect("keygen");
        let pair = ring::signature::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("pair");
        serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref())})
    }

    /// An RSA key generated with the openssl CLI (ring cannot generate RSA keys).
    fn rsa(bits: u32) -> Value {
        let dir = tempfile::tempdir().expect("dir");
        let key = dir.path().join("k.pem");
        let ok = std::process::Command::new("openssl")
            .args(["genrsa", "-out"])
            .arg(&key)
            .arg(bits.to_string())
            .output()
            .expect("openssl");
        assert!(ok.status.success());
        let out = std::process::Command::new("openssl")
            .args(["rsa", "-noout", "-modulus", "-in"])
            .arg(&key)
            .output()
            .expect("openssl");
        let text = String::from_utf8(out.stdout).expect("utf8");
        let hex_n = text.trim().trim_start_matches("Modulus=");
        let n = hex::decode(hex_n).expect("hex");
        serde_json::json!({"kty": "RSA", "n": b64(&n), "e": "AQAB"})
    }

    fn code(v: &Value) -> String {
        parse(&v.to_string()).expect_err("refused").code
    }

    #[test]
    fn real_keys_are_accepted_with_their_rfc7638_thumbprint() {
        for (key, what) in [
            (ec(), "EC P-256"),
            (ed(), "Ed25519"),
            (rsa(2048), "RSA 2048"),
        ] {
            let mut with_extras = key.clone();
            with_extras["kid"] = "k1".into();
            with_extras["use"] = "sig".into();
            with_extras["x5u"] = "https://ignored.example".into();
            let parsed = parse(&with_extras.to_string()).expect(what);
            assert_eq!(parsed.description, what);
            assert_eq!(parsed.thumbprint.len(), 43);
            assert_eq!(parsed.public["kid"], "k1");
            assert!(parsed.public.get("x5u").is_none());
            // The thumbprint ignores optional members.
            assert_eq!(
                parse(&key.to_string()).expect(what).thumbprint,
                parsed.thumbprint
            );
        }
        // RFC 7638, section 3.1.
        let rfc = r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#;
        assert_eq!(
            parse(rfc).expect("rfc").thumbprint,
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn broken_and_unsuitable_keys_get_their_own_message() {
        assert_eq!(
            parse("{not json").expect_err("json").code,
            "PMS_JWK_INVALID"
        );
        assert!(parse("{\n\"kty\": }")
            .expect_err("json")
            .message
            .contains("line 2"));
        assert_eq!(parse("[1]").expect_err("array").code, "PMS_JWK_INVALID");
        assert_eq!(parse("").expect_err("empty").code, "PMS_JWK_INVALID");
        assert_eq!(
            parse(&" ".repeat(20_000)).expect_err("big").code,
            "PMS_JWK_INVALID"
        );
        for key in [ec(), ed(), rsa(2048)] {
            let mut private = key.clone();
            private["d"] = "AAAA".into();
            assert_eq!(code(&private), "PMS_JWK_PRIVATE");
        }
        assert_eq!(
            code(&serde_json::json!({"kty": "oct", "k": "AAAA"})),
            "PMS_JWK_PRIVATE"
        );
        assert_eq!(code(&rsa(1024)), "PMS_JWK_KEY_SIZE");
        let mut p384 = ec();
        p384["crv"] = "P-384".into();
        assert_eq!(code(&p384), "PMS_JWK_CURVE");
        let mut x25519 = ed();
        x25519["crv"] = "X25519".into();
        assert_eq!(code(&x25519), "PMS_JWK_CURVE");
        let mut off_curve = ec();
        let mut y = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(off_curve["y"].as_str().expect("y"))
            .expect("b64");
        y[31] ^= 1;
        off_curve["y"] = b64(&y).into();
        assert_eq!(code(&off_curve), "PMS_JWK_POINT");
        let mut short = ec();
        short["x"] = b64(&[1u8; 31]).into();
        assert_eq!(code(&short), "PMS_JWK_MEMBER");
        let mut not_b64 = ed();
        not_b64["x"] = "***".into();
        assert_eq!(code(&not_b64), "PMS_JWK_MEMBER");
        let mut wrong_alg = ec();
        wrong_alg["alg"] = "RS256".into();
        assert_eq!(code(&wrong_alg), "PMS_JWK_ALG");
        let mut enc = ec();
        enc["use"] = "enc".into();
        assert_eq!(code(&enc), "PMS_JWK_USE");
        let mut no_n = rsa(2048);
        no_n.as_object_mut().expect("obj").remove("n");
        assert_eq!(code(&no_n), "PMS_JWK_MEMBER");
        assert_eq!(code(&serde_json::json!({"kty": "DSA"})), "PMS_JWK_KTY");
        assert_eq!(code(&serde_json::json!({"crv": "P-256"})), "PMS_JWK_KTY");
        let err = parse(&serde_json::json!({"kty": "EC", "crv": "P-256"}).to_string())
            .expect_err("missing x");
        assert_eq!(err.field.as_deref(), Some("public_key"));
    }
}
