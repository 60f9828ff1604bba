//! The portal's client of the provider: discovery (cached), the JWKS (cached, fetched again
//! for an unknown `kid` at most once a minute), the token and userinfo endpoints.
//!
//! Plain reqwest and jsonwebtoken rather than the `openidconnect` crate: measured on this
//! project's 2-core machine, a cold release build of openidconnect (features `reqwest`,
//! `rustls-tls`) plus reqwest took 137 s against 55 s for jsonwebtoken plus reqwest (+82 s;
//! all three 147 s, +92 s, with another build sharing the machine); the workspace builds its
//! dependencies at opt-level 2 in debug too, so CI (69 of its 75 minutes used) would pay that
//! twice. The calls below are a small part of that crate: three GETs and one form POST.

use super::settings::ProviderSettings;
use domain::sso::token::{self, Expected, JwkSet, Rejected};
use domain::sso::{Refusal, SsoPolicy};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// The discovery document and the keys are read again after this long.
const CACHE_TTL: Duration = Duration::from_secs(3600);
/// An unknown `kid` fetches the keys again at most this often.
const REFETCH_EVERY: Duration = Duration::from_secs(60);
/// Longest answer read from the provider.
const MAX_BODY: usize = 256 * 1024;

/// The parts of the discovery document the portal uses.
#[derive(Clone, Debug, Deserialize)]
pub struct Discovery {
    /// Must equal the configured issuer.
    pub issuer: String,
    /// Where the browser is sent.
    pub authorization_endpoint: String,
    /// Where the code is exchanged.
    pub token_endpoint: String,
    /// The provider's signing keys.
    pub jwks_uri: String,
    /// Claims the ID token left out.
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    /// How the client authenticates at the token endpoint.
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

/// What the token endpoint answered.
#[derive(Deserialize)]
pub struct Tokens {
    /// The ID token (JWT).
    pub id_token: String,
    /// For the userinfo endpoint.
    #[serde(default)]
    pub access_token: Option<String>,
}

// Never printed: the tokens are bearer credentials.
impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(…)")
    }
}

type Cached<T> = RwLock<Option<(Arc<T>, Instant)>>;

/// The provider client; one per process, shared by every request.
pub struct Provider {
    /// How identities are read (shared with the app's state).
    pub policy: Arc<SsoPolicy>,
    settings: ProviderSettings,
    http: reqwest::Client,
    discovery: Cached<Discovery>,
    keys: Cached<JwkSet>,
    /// When the keys were last fetched because of an unknown `kid`.
    last_refetch: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Provider({})", self.settings.policy.issuer)
    }
}

fn fresh<T>(cache: &Cached<T>) -> Option<Arc<T>> {
    let guard = cache.read().unwrap_or_else(|e| e.into_inner());
    guard
        .as_ref()
        .filter(|(_, at)| at.elapsed() < CACHE_TTL)
        .map(|(v, _)| v.clone())
}

fn store<T>(cache: &Cached<T>, value: T) -> Arc<T> {
    let value = Arc::new(value);
    *cache.write().unwrap_or_else(|e| e.into_inner()) = Some((value.clone(), Instant::now()));
    value
}

impl Provider {
    /// A client for the configured provider (nothing is fetched until the first sign-in).
    pub fn new(settings: ProviderSettings) -> anyhow::Result<Provider> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("pms-sso")
            .build()?;
        Ok(Provider {
            policy: Arc::new(settings.policy.clone()),
            settings,
            http,
            discovery: RwLock::new(None),
            keys: RwLock::new(None),
            last_refetch: Mutex::new(None),
        })
    }

    /// The portal's client id.
    pub fn client_id(&self) -> &str {
        &self.settings.client_id
    }

    /// Where the provider sends the browser back.
    pub fn redirect_uri(&self) -> &str {
        &self.settings.redirect_uri
    }

    /// The scopes asked for.
    pub fn scopes(&self) -> &str {
        &self.settings.scopes
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        let res = self.http.get(url).send().await.map_err(|e| e.to_string())?;
        read_json(res).await
    }

    /// The discovery document (cached an hour; a stale one serves while the provider is down).
    pub async fn discovery(&self) -> Result<Arc<Discovery>, Refusal> {
        if let Some(d) = fresh(&self.discovery) {
            return Ok(d);
        }
        let issuer = &self.settings.policy.issuer;
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        match self.get_json::<Discovery>(&url).await {
            // OpenID Connect Discovery §4.3: the document must name the issuer asked for.
            Ok(d) if d.issuer == *issuer => Ok(store(&self.discovery, d)),
            Ok(d) => {
                tracing::error!(configured = %issuer, announced = %d.issuer, "the provider's discovery document names another issuer");
                Err(Refusal::Unavailable)
            }
            Err(e) => {
                tracing::warn!(%url, error = %e, "single sign-on discovery failed");
                let stale = self
                    .discovery
                    .read()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone();
                stale.map(|(d, _)| d).ok_or(Refusal::Unavailable)
            }
        }
    }

    async fn fetch_keys(&self, jwks_uri: &str) -> Result<Arc<JwkSet>, Refusal> {
        match self.get_json::<Value>(jwks_uri).await {
            Ok(v) => Ok(store(&self.keys, usable_keys(v))),
            Err(e) => {
                tracing::warn!(url = %jwks_uri, error = %e, "single sign-on keys could not be fetched");
                Err(Refusal::Unavailable)
            }
        }
    }

    /// Whether an unknown `kid` may fetch the keys now (at most once a minute).
    fn may_refetch(&self) -> bool {
        let mut last = self.last_refetch.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|at| at.elapsed() < REFETCH_EVERY) {
            return false;
        }
        *last = Some(Instant::now());
        true
    }

    /// Verify an ID token: its claims, or why not.
    pub async fn verify(&self, id_token: &str, nonce: &str) -> Result<Map<String, Value>, Refusal> {
        let discovery = self.discovery().await?;
        let expected = Expected {
            issuer: &self.settings.policy.issuer,
            client_id: &self.settings.client_id,
            nonce,
        };
        let keys = match fresh(&self.keys) {
            Some(keys) => keys,
            None => self.fetch_keys(&discovery.jwks_uri).await?,
        };
        match token::verify(id_token, &keys, expected) {
            Err(Rejected::UnknownKey) if self.may_refetch() => {
                tracing::info!(kid = ?token::key_id(id_token), "unknown signing key: fetching the provider's keys again");
                let keys = self.fetch_keys(&discovery.jwks_uri).await?;
                token::verify(id_token, &keys, expected).map_err(|r| match r {
                    Rejected::UnknownKey => Refusal::IdToken,
                    Rejected::Refused(r) => r,
                })
            }
            Err(Rejected::UnknownKey) => Err(Refusal::IdToken),
            Err(Rejected::Refused(r)) => Err(r),
            Ok(claims) => Ok(claims),
        }
    }

    /// Exchange an authorization code (with its PKCE verifier) for tokens.
    pub async fn exchange(&self, code: &str, verifier: &str) -> Result<Tokens, Refusal> {
        let discovery = self.discovery().await?;
        let s = &self.settings;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", s.redirect_uri.as_str()),
            ("code_verifier", verifier),
        ];
        let mut req = self.http.post(&discovery.token_endpoint);
        // client_secret_basic unless the provider supports only client_secret_post.
        let post_only = discovery
            .token_endpoint_auth_methods_supported
            .as_ref()
            .is_some_and(|m| {
                m.iter().any(|m| m == "client_secret_post")
                    && !m.iter().any(|m| m == "client_secret_basic")
            });
        if post_only {
            form.push(("client_id", s.client_id.as_str()));
            form.push(("client_secret", s.client_secret.expose()));
        } else {
            // RFC 6749 §2.3.1: both halves form-encoded before Basic.
            req = req.basic_auth(
                form_encode(&s.client_id),
                Some(form_encode(s.client_secret.expose())),
            );
        }
        let res = req.form(&form).send().await.map_err(|e| {
            tracing::warn!(error = %e, "single sign-on token endpoint unreachable");
            Refusal::Token
        })?;
        read_json::<Tokens>(res).await.map_err(|e| {
            tracing::warn!(error = %e, "single sign-on code exchange refused");
            Refusal::Token
        })
    }

    /// The userinfo claims of the ID token's subject (OpenID Connect Core §5.3.2: an answer
    /// about anyone else is refused).
    pub async fn userinfo(&self, access_token: &str, subject: &str) -> Option<Map<String, Value>> {
        let discovery = self.discovery().await.ok()?;
        let url = discovery.userinfo_endpoint.as_deref()?;
        let res = self.http.get(url).bearer_auth(access_token).send().await;
        let claims: Map<String, Value> = match res {
            Ok(res) => read_json(res).await.ok()?,
            Err(e) => {
                tracing::warn!(error = %e, "single sign-on userinfo unreachable");
                return None;
            }
        };
        (claims.get("sub").and_then(Value::as_str) == Some(subject)).then_some(claims)
    }
}

fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A JSON answer: a success status, a bounded body; an error names the status and the
/// OAuth `error` code only (never the body, which may echo credentials).
async fn read_json<T: serde::de::DeserializeOwned>(res: reqwest::Response) -> Result<T, String> {
    let status = res.status();
    if res.content_length().is_some_and(|n| n as usize > MAX_BODY) {
        return Err(format!("answer too large ({status})"));
    }
    let body = res.bytes().await.map_err(|e| e.to_string())?;
    if body.len() > MAX_BODY {
        return Err(format!("answer too large ({status})"));
    }
    if !status.is_success() {
        let code = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string));
        return Err(format!(
            "{status}, error {}",
            code.unwrap_or_else(|| "-".into())
        ));
    }
    serde_json::from_slice(&body).map_err(|e| format!("unexpected answer: {e}"))
}

/// The keys of a JWKS document that the library can read (an encryption key or a key type it
/// does not know must not make the whole set unreadable).
fn usable_keys(doc: Value) -> JwkSet {
    let keys = doc
        .get("keys")
        .and_then(Value::as_array)
        .map(|keys| {
            keys.iter()
                .filter_map(|k| serde_json::from_value(k.clone()).ok())
                .collect()
        })
        .unwrap_or_default();
    JwkSet { keys }
}
