//! Partner admins' access pages: the queue of policy requests (approve, or reject with a
//! comment), every API key with the service tokens of downstream callers, every OIDC client
//! with the claim and ACR mappings, and every MISP license.

use crate::components::filter::QueryParams;
use crate::components::table::query_of;
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

const REQUESTS: ListState = ListState::of::<domain::access::PolicyRequests>();
const KEYS: ListState = ListState::of::<domain::access::ApiKeys>();
const CLIENTS: ListState = ListState::of::<domain::access::OidcClients>();
const LICENSES: ListState = ListState::of::<domain::access::Licenses>();

fn admin_key_query(q: &ParamsMap) -> KeyQuery {
    query_of::<domain::access::ApiKeys>(q)
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
