//! Single sign-on through an external OpenID Connect provider (Keycloak, eSignet, …).
//!
//! This module owns the refusals (a stable code in `/login?sso_error=<code>` and the sentence
//! the sign-in page shows for it, shared with the browser) and, on the server, the flow's
//! pending state ([`flow`]), the ID token checks ([`token`]) and which account a verified
//! identity signs in as ([`sign_in`]). The HTTP calls to the provider live in the server.

#[cfg(feature = "server")]
pub mod flow;
#[cfg(feature = "server")]
pub mod sign_in;
#[cfg(feature = "server")]
pub mod testkeys;
#[cfg(feature = "server")]
pub mod token;

#[cfg(feature = "server")]
pub use sign_in::{sign_in, Identity, SignedIn, SsoPolicy};

/// Why a single sign-on ended back on the sign-in page. Every refusal changes nothing: no
/// account, role, link or session is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The provider (discovery, keys) could not be reached, or the portal failed.
    Unavailable,
    /// Too many sign-ins started from this address, or in flight.
    Busy,
    /// The person cancelled at the provider (`error=access_denied`).
    Denied,
    /// The provider answered the authorization request with another error.
    Provider,
    /// The `state` is unknown, expired, already used or from another browser.
    State,
    /// The code could not be exchanged for tokens.
    Token,
    /// The ID token is malformed, unsigned, signed with a refused algorithm or key, or its
    /// signature does not verify.
    IdToken,
    /// The ID token names another issuer.
    Issuer,
    /// The ID token is meant for another client.
    Audience,
    /// The ID token has expired.
    Expired,
    /// The ID token's nonce is not this sign-in's.
    Nonce,
    /// The provider shared no email address.
    NoEmail,
    /// The email address is not verified at the provider.
    EmailUnverified,
    /// No account has this email and the provider grants no portal role.
    NoAccount,
    /// An operator account whose provider account maps to no operator role.
    NoRole,
    /// The account is deactivated.
    Inactive,
}

impl Refusal {
    /// Every refusal.
    pub const ALL: [Refusal; 16] = [
        Refusal::Unavailable,
        Refusal::Busy,
        Refusal::Denied,
        Refusal::Provider,
        Refusal::State,
        Refusal::Token,
        Refusal::IdToken,
        Refusal::Issuer,
        Refusal::Audience,
        Refusal::Expired,
        Refusal::Nonce,
        Refusal::NoEmail,
        Refusal::EmailUnverified,
        Refusal::NoAccount,
        Refusal::NoRole,
        Refusal::Inactive,
    ];

    /// The stable code carried in the sign-in page's address.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Unavailable => "unavailable",
            Refusal::Busy => "busy",
            Refusal::Denied => "denied",
            Refusal::Provider => "provider",
            Refusal::State => "state",
            Refusal::Token => "token",
            Refusal::IdToken => "id_token",
            Refusal::Issuer => "issuer",
            Refusal::Audience => "audience",
            Refusal::Expired => "expired",
            Refusal::Nonce => "nonce",
            Refusal::NoEmail => "no_email",
            Refusal::EmailUnverified => "email_unverified",
            Refusal::NoAccount => "no_account",
            Refusal::NoRole => "no_role",
            Refusal::Inactive => "inactive",
        }
    }

    /// The refusal a code names (None for anything else: a crafted link shows nothing).
    pub fn parse(code: &str) -> Option<Refusal> {
        Refusal::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The sentence the sign-in page shows.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Unavailable => "Single sign-on is not available right now. Try again in a moment.",
            Refusal::Busy => "Too many sign-ins were started from here. Try again in a few minutes.",
            Refusal::Denied => "Single sign-on was cancelled at the sign-in service.",
            Refusal::Provider => "The sign-in service refused the request. Start again.",
            Refusal::State => "This sign-in has expired or was already used. Start again.",
            Refusal::Token => "The sign-in could not be completed with the sign-in service. Start again.",
            Refusal::IdToken => "The sign-in service's answer could not be verified. Nothing was changed.",
            Refusal::Issuer => "The sign-in answer came from an unexpected issuer. Nothing was changed.",
            Refusal::Audience => "The sign-in answer was meant for another application. Nothing was changed.",
            Refusal::Expired => "The sign-in answer has expired. Start again.",
            Refusal::Nonce => "The sign-in answer does not belong to this sign-in. Start again.",
            Refusal::NoEmail => "The sign-in service did not share your email address, which the portal needs to find your account.",
            Refusal::EmailUnverified => "Your email address is not verified at the sign-in service. Verify it there, then sign in again.",
            Refusal::NoAccount => "No portal account for this email; register first.",
            Refusal::NoRole => "Your sign-in service account grants no portal role for this operator account. Ask your administrator.",
            Refusal::Inactive => "This account is deactivated. Contact your administrator.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_nothing() {
        for r in Refusal::ALL {
            assert_eq!(Refusal::parse(r.code()), Some(r));
            assert!(r.message().ends_with('.'), "{r:?}");
        }
        assert_eq!(Refusal::parse("<script>"), None);
    }
}
