//! The policies list, declared once (see [`crate::list`]).

use super::{PolicyList, PolicyQuery, PolicySummary};
use crate::list::{declare, number, text};
use crate::page::Page;
use crate::role::Role;

impl From<PolicyList> for Page<PolicySummary> {
    fn from(list: PolicyList) -> Self {
        list.page
    }
}

declare! {
    /// Policies (`/policies`), with the count per status beside the page.
    pub struct Policies;
    query PolicyQuery, row PolicySummary, out PolicyList;
    name "policies", path "/policies", roles &Role::OPERATOR, default_sort "-updated";
    keys &["q", "type", "status", "group", "sort", "size", "page"];
    from_params |get| PolicyQuery {
        page: number(get, "page"),
        page_size: number(get, "size"),
        q: text(get, "q"),
        policy_type: text(get, "type"),
        status: text(get, "status"),
        group: text(get, "group"),
        sort: text(get, "sort"),
    };
    run |conn, query| super::list(conn, query);
}
