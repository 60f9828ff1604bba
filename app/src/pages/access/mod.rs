//! A partner's own pages for policy requests, API keys, OIDC clients and MISP licenses (the
//! partner admins' pages for them are under `pages::admin::access`).

pub(crate) mod clients;
pub(crate) mod keys;
mod license;
mod requests;

pub use clients::MyClientsPage;
pub use keys::MyApiKeysPage;
pub(crate) use keys::SecretOnce;
pub use license::MyLicensesPage;
pub use requests::MyPolicyRequestsPage;
