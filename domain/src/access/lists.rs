//! The partner admin's access lists (policy requests, API keys, OIDC clients, MISP
//! licenses), declared once (see [`crate::list`]).

use super::{
    ApiKeyView, ClientView, KeyQuery, LicenseView, RequestQuery, RequestStatus, RequestView,
};
use crate::list::{number, text, List};
use crate::page::Page;
use crate::role::Role;

/// Rows per page of the access lists.
const PAGE_SIZE: i64 = 20;

/// Every partner's policy requests (`/admin/policy-requests`), pending ones unless the URL
/// says otherwise.
pub struct PolicyRequests;

impl List for PolicyRequests {
    type Query = RequestQuery;
    type Row = RequestView;
    type Out = Page<RequestView>;
    const NAME: &'static str = "policy-requests";
    const PATH: &'static str = "/admin/policy-requests";
    const ROLES: &'static [Role] = &[Role::PartnerAdmin];
    const KEYS: &'static [&'static str] = &["status", "partner", "policy", "type", "sort", "page"];
    const DEFAULT_SORT: &'static str = "created";

    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> RequestQuery {
        RequestQuery {
            // Pending first: that is what the queue is for; "any" shows everything.
            status: match text(get, "status").as_deref() {
                None => Some(RequestStatus::Pending.as_str().into()),
                Some("any") => None,
                Some(s) => Some(s.to_string()),
            },
            partner: text(get, "partner"),
            policy: text(get, "policy"),
            policy_type: text(get, "type"),
            sort: text(get, "sort"),
            page: number(get, "page"),
            page_size: Some(PAGE_SIZE),
        }
    }

    #[cfg(feature = "server")]
    fn run(
        conn: &mut crate::db::AnyConnection,
        query: &RequestQuery,
    ) -> crate::AppResult<Page<RequestView>> {
        super::request::list(conn, query, None)
    }
}

/// The filters the key, client and license lists share.
fn key_query(get: &dyn Fn(&str) -> Option<String>) -> KeyQuery {
    KeyQuery {
        status: text(get, "status"),
        partner: text(get, "partner"),
        sort: text(get, "sort"),
        page: number(get, "page"),
        page_size: Some(PAGE_SIZE),
        ..KeyQuery::default()
    }
}

/// Every partner's API keys (`/admin/api-keys`).
pub struct ApiKeys;

impl List for ApiKeys {
    type Query = KeyQuery;
    type Row = ApiKeyView;
    type Out = Page<ApiKeyView>;
    const NAME: &'static str = "api-keys";
    const PATH: &'static str = "/admin/api-keys";
    const ROLES: &'static [Role] = &[Role::PartnerAdmin];
    const KEYS: &'static [&'static str] = &["status", "partner", "sort", "page"];
    const DEFAULT_SORT: &'static str = "-created";

    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> KeyQuery {
        key_query(get)
    }

    #[cfg(feature = "server")]
    fn run(
        conn: &mut crate::db::AnyConnection,
        query: &KeyQuery,
    ) -> crate::AppResult<Page<ApiKeyView>> {
        super::apikey::list(conn, query, None)
    }
}

/// Every partner's OIDC clients (`/admin/oidc-clients`).
pub struct OidcClients;

impl List for OidcClients {
    type Query = KeyQuery;
    type Row = ClientView;
    type Out = Page<ClientView>;
    const NAME: &'static str = "oidc-clients";
    const PATH: &'static str = "/admin/oidc-clients";
    const ROLES: &'static [Role] = &[Role::PartnerAdmin];
    const KEYS: &'static [&'static str] = &["status", "partner", "page"];
    const DEFAULT_SORT: &'static str = "-created";

    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> KeyQuery {
        key_query(get)
    }

    #[cfg(feature = "server")]
    fn run(
        conn: &mut crate::db::AnyConnection,
        query: &KeyQuery,
    ) -> crate::AppResult<Page<ClientView>> {
        super::oidc::list(conn, query, None)
    }
}

/// Every MISP partner's license keys (`/admin/licenses`), never a key itself.
pub struct Licenses;

impl List for Licenses {
    type Query = KeyQuery;
    type Row = LicenseView;
    type Out = Page<LicenseView>;
    const NAME: &'static str = "licenses";
    const PATH: &'static str = "/admin/licenses";
    const ROLES: &'static [Role] = &[Role::PartnerAdmin];
    const KEYS: &'static [&'static str] = &["status", "partner", "page"];
    const DEFAULT_SORT: &'static str = "-created";

    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> KeyQuery {
        key_query(get)
    }

    #[cfg(feature = "server")]
    fn run(
        conn: &mut crate::db::AnyConnection,
        query: &KeyQuery,
    ) -> crate::AppResult<Page<LicenseView>> {
        super::license::list(conn, query, None)
    }
}
