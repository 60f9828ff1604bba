//! The partner admin's access lists (policy requests, API keys, OIDC clients, MISP
//! licenses), declared once (see [`crate::list`]).

use super::{
    ApiKeyView, ClientView, KeyQuery, LicenseView, RequestQuery, RequestStatus, RequestView,
};
use crate::list::{declare, number, text};
use crate::page::Page;
use crate::role::Role;

/// Rows per page of the access lists.
const PAGE_SIZE: i64 = 20;

declare! {
    /// Every partner's policy requests (`/admin/policy-requests`), pending ones unless the URL
    /// says otherwise.
    pub struct PolicyRequests;
    query RequestQuery, row RequestView, out Page<RequestView>;
    name "policy-requests", path "/admin/policy-requests", roles &[Role::PartnerAdmin],
    default_sort "created";
    keys &["status", "partner", "policy", "type", "sort", "page"];
    from_params |get| RequestQuery {
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
    };
    run |conn, query| super::request::list(conn, query, None);
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

declare! {
    /// Every partner's API keys (`/admin/api-keys`).
    pub struct ApiKeys;
    query KeyQuery, row ApiKeyView, out Page<ApiKeyView>;
    name "api-keys", path "/admin/api-keys", roles &[Role::PartnerAdmin], default_sort "-created";
    keys &["status", "partner", "sort", "page"];
    from_params key_query;
    run |conn, query| super::apikey::list(conn, query, None);
}

declare! {
    /// Every partner's OIDC clients (`/admin/oidc-clients`).
    pub struct OidcClients;
    query KeyQuery, row ClientView, out Page<ClientView>;
    name "oidc-clients", path "/admin/oidc-clients", roles &[Role::PartnerAdmin],
    default_sort "-created";
    keys &["status", "partner", "page"];
    from_params key_query;
    run |conn, query| super::oidc::list(conn, query, None);
}

declare! {
    /// Every MISP partner's license keys (`/admin/licenses`), never a key itself.
    pub struct Licenses;
    query KeyQuery, row LicenseView, out Page<LicenseView>;
    name "licenses", path "/admin/licenses", roles &[Role::PartnerAdmin], default_sort "-created";
    keys &["status", "partner", "page"];
    from_params key_query;
    run |conn, query| super::license::list(conn, query, None);
}
