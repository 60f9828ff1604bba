//! The partners list, declared once (see [`crate::list`]).

use super::{PartnerList, PartnerQuery, PartnerStatus, PartnerSummary};
use crate::list::{declare, number, text};
use crate::page::Page;
use crate::role::Role;

impl From<PartnerList> for Page<PartnerSummary> {
    fn from(list: PartnerList) -> Self {
        list.page
    }
}

declare! {
    /// Partners (`/admin/partners`), with the count per status beside the page.
    pub struct Partners;
    query PartnerQuery, row PartnerSummary, out PartnerList;
    name "partners", path "/admin/partners", roles &[Role::PartnerAdmin], default_sort "-created";
    keys &["q", "status", "type", "group", "sort", "size", "page"];
    from_params |get| PartnerQuery {
        page: number(get, "page"),
        page_size: number(get, "size"),
        q: text(get, "q"),
        status: text(get, "status").and_then(|s| PartnerStatus::parse(&s)),
        partner_type: text(get, "type"),
        policy_group: text(get, "group"),
        sort: text(get, "sort"),
        ..Default::default()
    };
    run |conn, query| super::list(conn, query);
}
