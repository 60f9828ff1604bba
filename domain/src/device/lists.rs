//! The partner admin's SBI, device and chip lists (one page, `/admin/devices`, with a kind
//! switch), declared once (see [`crate::list`]).

use super::{ChipView, DeviceView, ItemQuery, SbiView};
use crate::list::{number, text};
use crate::page::Page;
use crate::role::Role;

/// The page the three lists share.
const PATH: &str = "/admin/devices";
/// URL parameters of that page.
const KEYS: &[&str] = &["kind", "status", "partner", "type", "sbi", "sort", "page"];

/// The filters the three lists share: pending items unless the URL says otherwise.
fn item_query(get: &dyn Fn(&str) -> Option<String>) -> ItemQuery {
    ItemQuery {
        // Pending first: that is what the queue is for; "any" shows everything.
        status: match text(get, "status").as_deref() {
            None => Some("PENDING_APPROVAL".into()),
            Some("any") => None,
            Some(s) => Some(s.to_string()),
        },
        partner: text(get, "partner"),
        device_type: text(get, "type"),
        sbi: text(get, "sbi"),
        sort: text(get, "sort"),
        page: number(get, "page"),
        page_size: Some(20),
    }
}

/// Declares one of the three lists of the page: they differ only by their rows and run.
macro_rules! item_list {
    ($(#[$doc:meta])* $list:ident, $row:ty, $name:literal, $run:expr) => {
        crate::list::declare! {
            $(#[$doc])*
            pub struct $list;
            query ItemQuery, row $row, out Page<$row>;
            name $name, path PATH, roles &[Role::PartnerAdmin], default_sort "created";
            keys KEYS;
            from_params item_query;
            run $run;
        }
    };
}

item_list!(
    /// Every provider's SBIs.
    Sbis,
    SbiView,
    "sbis",
    |conn, query| super::sbi::list(conn, query, None)
);
item_list!(
    /// Every provider's devices (those of one SBI when the query names it).
    Devices,
    DeviceView,
    "devices",
    |conn, query| super::model::list(conn, query, None, None)
);
item_list!(
    /// Every FTM provider's chips.
    Chips,
    ChipView,
    "chips",
    |conn, query| super::chip::list(conn, query, None)
);
