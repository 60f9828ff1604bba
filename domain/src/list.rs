//! Lists declared once. A [`List`] names everything about one list: its URL on the page
//! (path, kept parameters, default sort, how the parameters become its query), who may read
//! it, its CSV export's name, and (on the server) how it runs. The page's URL state, the
//! server function, the CSV export and the exports' registry all read the declaration, so a
//! new list is one declaration, one page and one line in the registry
//! ([`crate::list::EXPORTS`] names them; `docs/architecture.md` walks through an example).

use crate::page::Page;
use crate::role::Role;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A list as one declaration.
pub trait List: 'static {
    /// Its filters, sort and page (the server function's argument, from the URL).
    type Query: Paged + Clone + Default + Serialize + DeserializeOwned + Send + Sync + 'static;
    /// One row (a CSV line: the row's fields are the columns).
    type Row: Serialize + DeserializeOwned + Send + 'static;
    /// What the server function answers: the page, sometimes with counts beside it.
    type Out: Into<Page<Self::Row>> + Serialize + DeserializeOwned + Send + 'static;
    /// Name of its CSV export (`/admin/export/{NAME}.csv`).
    const NAME: &'static str;
    /// The page that shows it.
    const PATH: &'static str;
    /// Roles that may read it (the server function and the export check them).
    const ROLES: &'static [Role];
    /// URL parameters the page keeps in its links (filters, then sort, size and page).
    const KEYS: &'static [&'static str];
    /// Sort used when the URL names none.
    const DEFAULT_SORT: &'static str;

    /// The query from the page's URL parameters (`get` answers a parameter's value).
    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> Self::Query;

    /// Run it.
    #[cfg(feature = "server")]
    fn run(conn: &mut crate::db::AnyConnection, query: &Self::Query)
        -> crate::AppResult<Self::Out>;
}

/// Declares a [`List`]: a unit struct and its implementation, each item named as in the trait
/// (`from_params` and `run` are closures; `run` is compiled on the server only). The lists'
/// declarations differ only by these items, so the trait's frame is written here once.
macro_rules! declare {
    (
        $(#[$doc:meta])*
        pub struct $list:ident;
        query $query:ty, row $row:ty, out $out:ty;
        name $name:expr, path $path:expr, roles $roles:expr, default_sort $sort:expr;
        keys $keys:expr;
        from_params $from:expr;
        run $run:expr $(;)?
    ) => {
        $(#[$doc])*
        pub struct $list;

        impl $crate::list::List for $list {
            type Query = $query;
            type Row = $row;
            type Out = $out;
            const NAME: &'static str = $name;
            const PATH: &'static str = $path;
            const ROLES: &'static [$crate::role::Role] = $roles;
            const KEYS: &'static [&'static str] = $keys;
            const DEFAULT_SORT: &'static str = $sort;

            fn from_params(get: &dyn Fn(&str) -> Option<String>) -> $query {
                let from: fn(&dyn Fn(&str) -> Option<String>) -> $query = $from;
                from(get)
            }

            #[cfg(feature = "server")]
            fn run(
                conn: &mut $crate::db::AnyConnection,
                query: &$query,
            ) -> $crate::AppResult<$out> {
                let run: fn(&mut $crate::db::AnyConnection, &$query) -> $crate::AppResult<$out> =
                    $run;
                run(conn, query)
            }
        }
    };
}
pub(crate) use declare;

/// A list query's page and size (every list query has both).
pub trait Paged {
    /// The same query at another page (the export walks the pages).
    fn at_page(&self, page: i64, size: i64) -> Self;
}

/// [`Paged`] for query structs with `page` and `page_size` fields.
macro_rules! paged {
    ($($query:ty),* $(,)?) => {$(
        impl Paged for $query {
            fn at_page(&self, page: i64, size: i64) -> Self {
                Self {
                    page: Some(page),
                    page_size: Some(size),
                    ..self.clone()
                }
            }
        }
    )*};
}

paged!(
    crate::account::AccountQuery,
    crate::partner::PartnerQuery,
    crate::access::RequestQuery,
    crate::access::KeyQuery,
    crate::cert::CaQuery,
    crate::device::ItemQuery,
    crate::history::AuditQuery,
    crate::inbox::InboxQuery,
    crate::policy::PolicyQuery,
);

/// A URL parameter's value, blank ones as absent.
pub fn text(get: &dyn Fn(&str) -> Option<String>, key: &str) -> Option<String> {
    get(key).filter(|s| !s.trim().is_empty())
}

/// A URL parameter as a number, absent when blank or not a number.
pub fn number(get: &dyn Fn(&str) -> Option<String>, key: &str) -> Option<i64> {
    text(get, key).and_then(|v| v.trim().parse().ok())
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `YYYY-MM-DD` (an `<input type=date>` value) to UTC milliseconds at midnight.
pub fn date_to_ms(date: &str) -> Option<i64> {
    let mut parts = date.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1970..=9999).contains(&y) {
        return None;
    }
    // Inverse of civil_from_days.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let back = civil_from_days(days);
    (back.2 as i64 == d).then_some(days * 86_400_000)
}

/// The names of the lists with a CSV export, in the order the registry holds them
/// (`server/src/export.rs` builds one fetcher per declaration).
pub const EXPORTS: [&str; 13] = [
    crate::inbox::Inbox::NAME,
    crate::partner::Partners::NAME,
    crate::access::PolicyRequests::NAME,
    crate::access::ApiKeys::NAME,
    crate::access::OidcClients::NAME,
    crate::access::Licenses::NAME,
    crate::cert::CaCertificates::NAME,
    crate::device::Sbis::NAME,
    crate::device::Devices::NAME,
    crate::device::Chips::NAME,
    crate::history::AuditLog::NAME,
    crate::account::Accounts::NAME,
    crate::policy::Policies::NAME,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_days_since_the_epoch() {
        assert_eq!(date_to_ms("1970-01-01"), Some(0));
        assert_eq!(date_to_ms("2026-12-07"), Some(20_794 * 86_400_000));
        assert_eq!(date_to_ms("2026-13-01"), None);
        assert_eq!(date_to_ms("2026-02-31"), None);
        assert_eq!(date_to_ms("x"), None);
    }

    #[test]
    fn blank_parameters_are_absent() {
        let get = |k: &str| match k {
            "a" => Some("  ".to_string()),
            "n" => Some("12".to_string()),
            _ => None,
        };
        assert_eq!(text(&get, "a"), None);
        assert_eq!(number(&get, "n"), Some(12));
        assert_eq!(number(&get, "b"), None);
    }
}
