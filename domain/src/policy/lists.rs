//! The policies list, declared once (see [`crate::list`]).

use super::{PolicyList, PolicyQuery, PolicySummary};
use crate::list::{number, text, List};
use crate::page::Page;
use crate::role::Role;

/// Policies (`/policies`), with the count per status beside the page.
pub struct Policies;

impl From<PolicyList> for Page<PolicySummary> {
    fn from(list: PolicyList) -> Self {
        list.page
    }
}

impl List for Policies {
    type Query = PolicyQuery;
    type Row = PolicySummary;
    type Out = PolicyList;
    const NAME: &'static str = "policies";
    const PATH: &'static str = "/policies";
    const ROLES: &'static [Role] = &Role::OPERATOR;
    const KEYS: &'static [&'static str] = &["q", "type", "status", "group", "sort", "size", "page"];
    const DEFAULT_SORT: &'static str = "-updated";

    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> PolicyQuery {
        PolicyQuery {
            page: number(get, "page"),
            page_size: number(get, "size"),
            q: text(get, "q"),
            policy_type: text(get, "type"),
            status: text(get, "status"),
            group: text(get, "group"),
            sort: text(get, "sort"),
        }
    }

    #[cfg(feature = "server")]
    fn run(
        conn: &mut crate::db::AnyConnection,
        query: &PolicyQuery,
    ) -> crate::AppResult<PolicyList> {
        super::list(conn, query)
    }
}
