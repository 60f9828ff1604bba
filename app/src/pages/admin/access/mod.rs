//! Partner admins' access pages: the queue of policy requests (approve, or reject with a
//! comment), every API key with the service tokens of downstream callers, every OIDC client
//! with the claim and ACR mappings, and every MISP license.

use crate::components::filter::{param_text as text, QueryParams};
use crate::components::table::ListState;
use domain::access::KeyQuery;
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::params::ParamsMap;

mod clients;
mod keys;
mod licenses;
mod requests;

pub use clients::AdminClientsPage;
pub use keys::AdminApiKeysPage;
pub use licenses::AdminLicensesPage;
pub use requests::PolicyRequestsQueuePage;

const REQUESTS: ListState = ListState {
    base: "/admin/policy-requests",
    keys: &["status", "partner", "policy", "type", "sort", "page"],
    default_sort: "created",
};
const KEYS: ListState = ListState {
    base: "/admin/api-keys",
    keys: &["status", "partner", "sort", "page"],
    default_sort: "-created",
};
const CLIENTS: ListState = ListState {
    base: "/admin/oidc-clients",
    keys: &["status", "partner", "page"],
    default_sort: "-created",
};
const LICENSES: ListState = ListState {
    base: "/admin/licenses",
    keys: &["status", "partner", "page"],
    default_sort: "-created",
};

fn admin_key_query(q: &ParamsMap) -> KeyQuery {
    KeyQuery {
        status: text(q, "status"),
        partner: text(q, "partner"),
        sort: text(q, "sort"),
        page: text(q, "page").and_then(|p| p.parse().ok()),
        page_size: Some(20),
        ..KeyQuery::default()
    }
}

/// A partner filter (exact partner id), kept in the URL with the other parameters.
#[component]
fn PartnerFilter(state: ListState) -> impl IntoView {
    let q = QueryParams::current();
    view! {
        <Form method="GET" action=state.base attr:class="filters" attr:role="search">
            <input type="hidden" name="status" prop:value=q.get("status")/>
            <label>"Partner id" <input type="search" name="partner" data-testid="filter-partner" value=q.get("partner")() prop:value=q.get("partner")/></label>
            <button type="submit" data-testid="filter-apply">"Apply"</button>
        </Form>
    }
}
