//! The partners list, declared once (see [`crate::list`]).

use super::{PartnerList, PartnerQuery, PartnerStatus, PartnerSummary};
use crate::list::{number, text, List};
use crate::page::Page;
use crate::role::Role;

/// Partners (`/admin/partners`), with the count per status beside the page.
pub struct Partners;

impl From<PartnerList> for Page<PartnerSummary> {
    fn from(list: PartnerList) -> Self {
        list.page
    }
}

impl List for Partners {
    type Query = PartnerQuery;
    type Row = PartnerSummary;
    type Out = PartnerList;
    const NAME: &'static str = "partners";
    const PATH: &'static str = "/admin/partners";
    const ROLES: &'static [Role] = &[Role::PartnerAdmin];
    const KEYS: &'static [&'static str] = &["q", "status", "type", "group", "sort", "size", "page"];
    const DEFAULT_SORT: &'static str = "-created";

    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> PartnerQuery {
        PartnerQuery {
            page: number(get, "page"),
            page_size: number(get, "size"),
            q: text(get, "q"),
            status: text(get, "status").and_then(|s| PartnerStatus::parse(&s)),
            partner_type: text(get, "type"),
            policy_group: text(get, "group"),
            sort: text(get, "sort"),
            ..Default::default()
        }
    }

    #[cfg(feature = "server")]
    fn run(
        conn: &mut crate::db::AnyConnection,
        query: &PartnerQuery,
    ) -> crate::AppResult<PartnerList> {
        super::list(conn, query)
    }
}
