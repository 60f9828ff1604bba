//! What the sign-in page needs to know about single sign-on (the flow itself is two plain
//! routes in the server, `/auth/sso/start` and `/auth/sso/callback`).

use domain::AppError;
use leptos::prelude::*;

/// The single sign-on button's text, None when single sign-on is off.
#[server(endpoint = "login/sso")]
pub async fn sso_button() -> Result<Option<String>, AppError> {
    let state = crate::guard::state()?;
    Ok(state.sso.as_ref().map(|s| s.button.clone()))
}
