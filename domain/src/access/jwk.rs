//! TEMPORARY STUB so the crate compiles; helper-8 replaces this whole file.
use crate::error::{AppError, AppResult};
/// A validated public JWK.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicJwk {
    /// Shown to people.
    pub description: String,
    /// RFC 7638 thumbprint.
    pub thumbprint: String,
    /// Stored form.
    pub public: serde_json::Value,
}
/// Parse.
pub fn parse(_text: &str) -> AppResult<PublicJwk> {
    Err(AppError::validation(
        "public_key",
        "PMS_JWK_INVALID",
        "stub",
    ))
}
