//! Encryption at rest of the signing CAs' private keys: ChaCha20-Poly1305 (ring) under a
//! 32-byte key that comes from configuration, never from the database. The domain name is the
//! associated data, so a sealed key copied to another domain's row does not open.

use crate::error::{AppError, AppResult};
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

const VERSION: u8 = 1;

/// The key that seals the CA private keys. Its Debug output hides it.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// From the base64 text of 32 random bytes (`head -c32 /dev/urandom | base64`).
    pub fn from_base64(text: &str) -> Result<MasterKey, String> {
        let raw = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| "the CA key is not base64".to_string())?,
        );
        let bytes: [u8; 32] = raw
            .as_slice()
            .try_into()
            .map_err(|_| format!("the CA key is {} bytes; it must be 32", raw.len()))?;
        Ok(MasterKey(Zeroizing::new(bytes)))
    }

    /// A new random key, as base64 (for a first start without configuration).
    pub fn generate_base64() -> Result<String, String> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(bytes.as_mut())
            .map_err(|_| "no system randomness".to_string())?;
        Ok(base64::engine::general_purpose::STANDARD.encode(bytes.as_ref()))
    }

    fn aead(&self) -> AppResult<LessSafeKey> {
        let key = UnboundKey::new(&CHACHA20_POLY1305, self.0.as_ref()).map_err(|_| {
            tracing::error!("CA master key rejected by the cipher");
            AppError::internal()
        })?;
        Ok(LessSafeKey::new(key))
    }

    /// Seal `secret` for `domain`: version byte, random nonce, ciphertext and tag.
    pub fn seal(&self, domain: &str, secret: &[u8]) -> AppResult<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| {
            tracing::error!("no system randomness for a nonce");
            AppError::internal()
        })?;
        let mut buf = secret.to_vec();
        self.aead()?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(domain.as_bytes()),
                &mut buf,
            )
            .map_err(|_| AppError::internal())?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + buf.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&buf);
        Ok(out)
    }

    /// Open a sealed secret of `domain`; fails when the key or domain is not the one it was
    /// sealed with, or the blob was altered.
    pub fn open(&self, domain: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
        let (version, rest) = sealed.split_first().ok_or("empty sealed key")?;
        if *version != VERSION || rest.len() < NONCE_LEN + 16 {
            return Err("sealed key has an unknown format".into());
        }
        let (nonce, ct) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| "bad nonce")?;
        let mut buf = Zeroizing::new(ct.to_vec());
        let key = self.aead().map_err(|_| "bad master key")?;
        let plain = key
            .open_in_place(nonce, Aad::from(domain.as_bytes()), buf.as_mut_slice())
            .map_err(|_| {
                "the CA key does not open the stored signing key (wrong PMS_CA_KEY?)".to_string()
            })?;
        Ok(Zeroizing::new(plain.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_domain() {
        let key = MasterKey::from_base64(&MasterKey::generate_base64().expect("rng")).expect("key");
        let other =
            MasterKey::from_base64(&MasterKey::generate_base64().expect("rng")).expect("key");
        let sealed = key.seal("AUTH", b"secret").expect("seal");
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(
            key.open("AUTH", &sealed).expect("open").as_slice(),
            b"secret"
        );
        assert!(key.open("DEVICE", &sealed).is_err());
        assert!(other.open("AUTH", &sealed).is_err());
        let mut altered = sealed.clone();
        if let Some(last) = altered.last_mut() {
            *last ^= 1;
        }
        assert!(key.open("AUTH", &altered).is_err());
        assert!(MasterKey::from_base64("c2hvcnQ=").is_err());
        assert!(format!("{key:?}").contains(".."));
    }
}
