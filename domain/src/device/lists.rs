//! The partner admin's SBI, device and chip lists (one page, `/admin/devices`, with a kind
//! switch), declared once (see [`crate::list`]).

use super::{ChipView, DeviceView, ItemQuery, SbiView};
use crate::list::{number, text, List};
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

/// Every provider's SBIs.
pub struct Sbis;

impl List for Sbis {
    type Query = ItemQuery;
    type Row = SbiView;
    type Out = Page<SbiView>;
    const NAME: &'static str = "sbis";
    const PATH: &'static str = PATH;
    const ROLES: &'static [Role] = &[Role::PartnerAdmin];
    const KEYS: &'static [&'static str] = KEYS;
    const DEFAULT_SORT: &'static str = "created";

    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> ItemQuery {
        item_query(get)
    }

    #[cfg(feature = "server")]
    fn run(
        conn: &mut crate::db::AnyConnection,
        query: &ItemQuery,
    ) -> crate::AppResult<Page<SbiView>> {
        super::sbi::list(conn, query, None)
    }
}

/// Every provider's devices (those of one SBI when the query names it).
pub struct Devices;

impl List for Devices {
    type Query = ItemQuery;
    type Row = DeviceView;
    type Out = Page<DeviceView>;
    const NAME: &'static str = "devices";
    const PATH: &'static str = PATH;
    const ROLES: &'static [Role] = &[Role::PartnerAdmin];
    const KEYS: &'static [&'static str] = KEYS;
    const DEFAULT_SORT: &'static str = "created";

    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> ItemQuery {
        item_query(get)
    }

    #[cfg(feature = "server")]
    fn run(
        conn: &mut crate::db::AnyConnection,
        query: &ItemQuery,
    ) -> crate::AppResult<Page<DeviceView>> {
        super::model::list(conn, query, None, None)
    }
}

/// Every FTM provider's chips.
pub struct Chips;

impl List for Chips {
    type Query = ItemQuery;
    type Row = ChipView;
    type Out = Page<ChipView>;
    const NAME: &'static str = "chips";
    const PATH: &'static str = PATH;
    const ROLES: &'static [Role] = &[Role::PartnerAdmin];
    const KEYS: &'static [&'static str] = KEYS;
    const DEFAULT_SORT: &'static str = "created";

    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> ItemQuery {
        item_query(get)
    }

    #[cfg(feature = "server")]
    fn run(
        conn: &mut crate::db::AnyConnection,
        query: &ItemQuery,
    ) -> crate::AppResult<Page<ChipView>> {
        super::chip::list(conn, query, None)
    }
}
