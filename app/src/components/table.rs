//! List pieces shared by every server-paged list: links that keep the list state in the URL,
//! sortable column headers, the pager, and the list with its loading, empty and error states.

use crate::components::layout::ErrorPanel;
use domain::page::Page;
use domain::AppError;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

/// A declared list's query from the page's URL parameters.
pub fn query_of<L: domain::list::List>(q: &ParamsMap) -> L::Query {
    L::from_params(&|k| q.get(k))
}

/// A list page: its path and the query parameters that make up its state.
#[derive(Clone, Copy, Debug)]
pub struct ListState {
    /// Path of the list page.
    pub base: &'static str,
    /// Query parameters kept in links (filters, sort, size, page).
    pub keys: &'static [&'static str],
    /// Sort used when the URL names none.
    pub default_sort: &'static str,
}

impl ListState {
    /// The URL state of a declared list (its path, kept parameters and default sort).
    pub const fn of<L: domain::list::List>() -> ListState {
        ListState {
            base: L::PATH,
            keys: L::KEYS,
            default_sort: L::DEFAULT_SORT,
        }
    }

    /// A link to this list with `key` set to `value` (paging resets unless `key` is the page;
    /// an empty value removes the parameter).
    pub fn href_with(&self, q: &ParamsMap, key: &str, value: &str) -> String {
        let mut pairs: Vec<(String, String)> = self
            .keys
            .iter()
            .filter(|k| **k != key && !(key != "page" && **k == "page"))
            .filter_map(|k| {
                q.get(k)
                    .filter(|v| !v.is_empty())
                    .map(|v| (k.to_string(), v))
            })
            .collect();
        if !value.is_empty() {
            pairs.push((key.to_string(), value.to_string()));
        }
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::util::encode_query(v)))
            .collect();
        if query.is_empty() {
            self.base.to_string()
        } else {
            format!("{}?{}", self.base, query.join("&"))
        }
    }
}

/// A column header that sorts the list by `key` (click again to reverse).
#[component]
pub fn SortHeader(state: ListState, key: &'static str, label: &'static str) -> impl IntoView {
    let params = use_query_map();
    let current = params
        .with(|q| q.get("sort"))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| state.default_sort.to_string());
    let (next, mark, aria) = if current == key {
        (format!("-{key}"), " ▲", "ascending")
    } else if current == format!("-{key}") {
        (key.to_string(), " ▼", "descending")
    } else {
        (key.to_string(), "", "none")
    };
    let href = params.with(|q| state.href_with(q, "sort", &next));
    view! { <th aria-sort=aria><A href=href>{label}{mark}</A></th> }
}

/// Previous / next links and the page position.
#[component]
pub fn Pager(state: ListState, page: i64, pages: i64) -> impl IntoView {
    let params = use_query_map();
    let prev =
        (page > 1).then(|| params.with(|q| state.href_with(q, "page", &(page - 1).to_string())));
    let next = (page < pages)
        .then(|| params.with(|q| state.href_with(q, "page", &(page + 1).to_string())));
    view! {
        <nav class="pager" aria-label="Pages">
            {prev.map(|h| view! { <A href=h attr:rel="prev">"‹ Previous"</A> })}
            <span data-testid="pager-position">{format!("Page {page} of {pages}")}</span>
            {next.map(|h| view! { <A href=h attr:rel="next">"Next ›"</A> })}
        </nav>
    }
}

/// A server-paged list: a loading line while it loads, the empty state, the rendered items with
/// the pager, or the error.
#[component]
pub fn PagedList<T, R, V>(
    /// The page of items (the page's own resource, reloaded as it sees fit).
    list: Resource<Result<Page<T>, AppError>>,
    /// The list, for the pager's links.
    state: ListState,
    /// What shows while it loads ("Loading keys…").
    loading: &'static str,
    /// Test id of the empty state.
    empty_id: &'static str,
    /// Text of the empty state.
    empty: &'static str,
    /// Renders the items of a page that has some (the table).
    render: R,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    R: Fn(Vec<T>) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Transition fallback=move || view! { <p class="loading" role="status">{loading}</p> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match list.await {
                        Ok(page) if page.items.is_empty() => view! { <p class="empty" data-testid=empty_id>{empty}</p> }.into_any(),
                        Ok(page) => {
                            let (page_no, pages) = (page.page, page.page_count());
                            view! {
                                {render(page.items)}
                                <Pager state page=page_no pages/>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// A timestamp as people read it (UTC, minutes).
#[component]
pub fn Time(at: String) -> impl IntoView {
    let shown = crate::util::human_time(&at);
    view! { <time datetime=at>{shown}</time> }
}

/// Tabs over a list's status filter, each with its count: (status code, label, count).
#[component]
pub fn StatusTabs(
    state: ListState,
    /// Accessible name of the tab bar.
    label: &'static str,
    counts: Vec<(&'static str, &'static str, i64)>,
) -> impl IntoView {
    let params = use_query_map();
    let current = params.with(|q| q.get("status")).unwrap_or_default();
    let total: i64 = counts.iter().map(|(_, _, n)| n).sum();
    let all_href = params.with(|q| state.href_with(q, "status", ""));
    view! {
        <nav class="tabs" aria-label=label data-testid="status-tabs">
            <A href=all_href attr:class=if current.is_empty() { "active" } else { "" }>{format!("All ({total})")}</A>
            {counts.into_iter().map(|(code, name, n)| {
                let href = params.with(|q| state.href_with(q, "status", code));
                let here = current == code;
                view! { <A href=href attr:class=if here { "active" } else { "" } attr:data-testid=format!("count-{code}")>{format!("{name} ({n})")}</A> }
            }).collect_view()}
        </nav>
    }
}

/// The CSV export of admin list `list` with the filters of `query` (paging left out): the
/// server reads the same query shape the list's server function takes.
pub fn export_href<Q: serde::Serialize>(list: &str, query: &Q) -> String {
    let mut parts = Vec::new();
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(query) {
        for (k, v) in fields {
            if k == "page" || k == "page_size" {
                continue;
            }
            let value = match v {
                serde_json::Value::String(s) if !s.is_empty() => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                _ => continue,
            };
            parts.push(format!("{k}={}", crate::util::encode_query(&value)));
        }
    }
    if parts.is_empty() {
        format!("/admin/export/{list}.csv")
    } else {
        format!("/admin/export/{list}.csv?{}", parts.join("&"))
    }
}

/// "Export CSV" link for the list as filtered.
#[component]
pub fn ExportLink(#[prop(into)] href: Signal<String>) -> impl IntoView {
    view! { <p class="export"><a href=href download data-testid="export-csv">"Export CSV (as filtered)"</a></p> }
}
