//! CSV export of admin lists exactly as filtered on screen: `GET /admin/export/{list}.csv?<the
//! list's query>`. The rows come from the same services as the pages, page by page, and are
//! streamed, so an export never holds the whole list in memory.

use app::state::{AppState, RequestSession};
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use domain::db::AnyConnection;
use domain::list::{List, Paged};
use domain::page::Page;
use domain::{AppError, AppResult, Role};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Most rows one export writes.
pub const MAX_EXPORT_ROWS: i64 = 100_000;
const BATCH: i64 = domain::page::MAX_PAGE_SIZE;

/// A page of rows, whether more follow, and the columns of the row type.
type Rows = (Vec<serde_json::Value>, bool, &'static [&'static str]);

type Fetch = Box<dyn Fn(&mut AnyConnection, i64) -> AppResult<Rows> + Send + Sync>;

/// An exportable list: its name, who may export it, and its page fetcher for a raw query.
struct Export {
    name: &'static str,
    roles: &'static [Role],
    fetcher: fn(&str) -> AppResult<Fetch>,
}

/// The export of one declared list: everything it needs is in the declaration.
fn export<L: List>() -> Export {
    Export {
        name: L::NAME,
        roles: L::ROLES,
        fetcher: fetcher::<L>,
    }
}

/// The exportable lists (the registry: a declared list is exported by one line here).
fn exports() -> [Export; domain::list::EXPORTS.len()] {
    use domain::{access, account, cert, device, history, inbox, partner, policy};
    [
        export::<inbox::Inbox>(),
        export::<partner::Partners>(),
        export::<access::PolicyRequests>(),
        export::<access::ApiKeys>(),
        export::<access::OidcClients>(),
        export::<access::Licenses>(),
        export::<cert::CaCertificates>(),
        export::<device::Sbis>(),
        export::<device::Devices>(),
        export::<device::Chips>(),
        export::<history::AuditLog>(),
        export::<account::Accounts>(),
        export::<policy::Policies>(),
    ]
}

/// The columns are the row type's field names (as serialized), not the first row's keys: an
/// empty list still gets its header, and a row that omits a field cannot shift the columns.
fn rows<T: Serialize + DeserializeOwned>(page: Page<T>) -> Rows {
    let more = page.page * page.page_size < page.total;
    let items = page
        .items
        .into_iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect();
    (
        items,
        more,
        serde_aux::serde_introspection::serde_introspect::<T>(),
    )
}

/// A page fetcher for list `L` with the filters of `raw` (the list's query, URL-encoded);
/// the export sets the page.
fn fetcher<L: List>(raw: &str) -> AppResult<Fetch> {
    let base: L::Query = serde_urlencoded::from_str(raw).map_err(|e| {
        AppError::validation("query", "PMS_EXPORT_QUERY", format!("Bad filter: {e}"))
    })?;
    Ok(Box::new(move |conn: &mut AnyConnection, page: i64| {
        let query = base.at_page(page, BATCH);
        Ok(rows(L::run(conn, &query)?.into()))
    }))
}

/// Whether a column holds a time (UTC milliseconds in the row): such cells are written as
/// ISO 8601 UTC, whatever list they come from.
fn is_time_column(name: &str) -> bool {
    name.ends_with("_at")
        || name.ends_with("_on")
        || name.starts_with("valid_")
        || name.starts_with("not_")
        || name.ends_with("_not_after")
        || name == "oldest"
        || name == "at"
}

/// One CSV cell: times as ISO 8601 UTC, scalars as text, nested values as JSON.
fn cell(column: &str, v: &serde_json::Value) -> String {
    if is_time_column(column) {
        if let Some(ms) = v.as_i64() {
            return domain::clock::rfc3339(ms);
        }
    }
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// Spreadsheets run cells starting with these as formulas; a leading quote keeps them text.
fn defuse(s: String) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s
    }
}

fn to_csv(columns: &[String], items: &[serde_json::Value], header: bool) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if header {
        let _ = w.write_record(columns);
    }
    for item in items {
        let record: Vec<String> = columns
            .iter()
            .map(|c| defuse(item.get(c).map(|v| cell(c, v)).unwrap_or_default()))
            .collect();
        let _ = w.write_record(&record);
    }
    w.into_inner().unwrap_or_default()
}

fn error(err: AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, axum::Json(serde_json::json!({ "error": err }))).into_response()
}

/// The caller may export a list of these roles: signed in (401), holding one (403), and
/// with the current terms of use accepted and any second factor its role needs set up (403),
/// as for every server function.
fn allowed(
    session: Option<domain::session::Session>,
    roles: &[Role],
) -> Result<domain::session::Session, AppError> {
    let session = session.ok_or_else(AppError::unauthenticated)?;
    if !session.user.has_any(roles) {
        return Err(AppError::forbidden());
    }
    if session.user.terms_to_accept.is_some() {
        return Err(domain::account::terms_not_accepted());
    }
    if session.user.two_factor_setup_needed {
        return Err(domain::account::two_factor_setup_needed());
    }
    Ok(session)
}

/// `GET /admin/export/{list}.csv`.
pub async fn export_csv(
    State(state): State<AppState>,
    Extension(RequestSession(session)): Extension<RequestSession>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Some(list) = file.strip_suffix(".csv") else {
        return error(AppError::not_found("The list"));
    };
    let Some(entry) = exports().into_iter().find(|e| e.name == list) else {
        return error(AppError::not_found("The list"));
    };
    let name = entry.name;
    let session = match allowed(session, entry.roles) {
        Ok(session) => session,
        Err(e) => return error(e),
    };
    let fetch = match (entry.fetcher)(raw.as_deref().unwrap_or("")) {
        Ok(f) => f,
        Err(e) => return error(e),
    };
    // The first page is read before answering, so a bad filter is a clear 422, not a broken
    // download.
    let pool = state.pool.clone();
    let fetch = std::sync::Arc::new(fetch);
    let first = {
        let fetch = fetch.clone();
        domain::db::run(&pool, move |conn| fetch(conn, 1)).await
    };
    let (items, more, columns) = match first {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    let head = to_csv(&columns, &items, true);
    tracing::info!(list = name, user = %session.user.id, "CSV export");
    let state0 = (2_i64, more, columns);
    let rest = futures_util::stream::unfold(state0, move |(page, more, columns)| {
        let pool = pool.clone();
        let fetch = fetch.clone();
        async move {
            if !more || (page - 1) * BATCH >= MAX_EXPORT_ROWS {
                return None;
            }
            let f = fetch.clone();
            match domain::db::run(&pool, move |conn| f(conn, page)).await {
                Ok((items, more, _)) => {
                    let chunk = to_csv(&columns, &items, false);
                    Some((Ok::<_, std::io::Error>(chunk), (page + 1, more, columns)))
                }
                Err(e) => {
                    tracing::warn!(error = %e, page, "CSV export stopped");
                    Some((
                        Err(std::io::Error::other("export failed")),
                        (page, false, columns),
                    ))
                }
            }
        }
    });
    // Fused: the compression layer may poll once more after the end.
    let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(head) })
        .chain(rest)
        .fuse();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::to_csv;
    use proptest::prelude::*;

    proptest! {
        /// Any text in any cell (quotes, separators, line breaks, formulas, any script)
        /// reads back as one cell, equal to what was stored, and never as a formula.
        #[test]
        fn any_cell_reads_back_whole_and_never_as_a_formula(
            cells in prop::collection::vec("(?s).{0,40}", 1..6),
        ) {
            let columns: Vec<String> = (0..cells.len()).map(|i| format!("c{i}")).collect();
            let item: serde_json::Map<String, serde_json::Value> = columns
                .iter()
                .cloned()
                .zip(cells.iter().cloned().map(serde_json::Value::String))
                .collect();
            let bytes = to_csv(&columns, &[serde_json::Value::Object(item)], true);
            let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(&bytes[..]);
            let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
            prop_assert_eq!(rows.len(), 1);
            let row = &rows[0];
            prop_assert_eq!(row.len(), cells.len());
            for (read, stored) in row.iter().zip(&cells) {
                prop_assert!(!read.starts_with(['=', '+', '-', '@', '\t', '\r']), "{read:?}");
                // What was stored, behind one quote when it would run.
                let runs = stored.starts_with(['=', '+', '-', '@', '\t', '\r']);
                let expected = if runs { format!("'{stored}") } else { stored.clone() };
                prop_assert_eq!(read, expected.as_str());
            }
        }
    }
}
