//! Pages for policy requests, API keys, OIDC clients, MISP licenses and service tokens.

mod admin;
mod clients;
mod keys;
mod license;
mod requests;

pub use admin::{AdminApiKeysPage, AdminClientsPage, AdminLicensesPage, PolicyRequestsQueuePage};
pub use clients::MyClientsPage;
pub use keys::MyApiKeysPage;
pub(crate) use keys::SecretOnce;
pub use license::MyLicensesPage;
pub use requests::MyPolicyRequestsPage;
