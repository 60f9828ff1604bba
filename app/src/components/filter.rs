//! Filter-form pieces shared by the lists whose filters live in the URL's query.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

/// A query parameter's value, or None when it is absent or blank.
pub fn param_text(q: &ParamsMap, k: &str) -> Option<String> {
    q.get(k).filter(|s| !s.trim().is_empty())
}

/// The URL's query as a filter form reads it.
#[derive(Clone, Copy)]
pub struct QueryParams(pub Memo<ParamsMap>);

impl QueryParams {
    /// The current route's query.
    pub fn current() -> Self {
        Self(use_query_map())
    }

    /// A reactive getter of parameter `k` ("" when absent), for a field's value.
    pub fn get(self, k: &'static str) -> impl Fn() -> String + Copy + Send + Sync + 'static {
        move || self.0.with(|q| q.get(k)).unwrap_or_default()
    }

    /// Whether parameter `k` is `v` now (an option's `selected` as the page loads).
    pub fn is(self, k: &str, v: &str) -> bool {
        self.0.with_untracked(|q| q.get(k)).as_deref() == Some(v)
    }
}

/// A select filter on parameter `name` (test id `filter-{name}`): a first option for no value,
/// then `options` as (value, label).
#[component]
pub fn FilterSelect(
    /// Query parameter (and field name).
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// Label of the empty value ("Any").
    any: &'static str,
    /// The choices: (value, label).
    options: Vec<(String, String)>,
) -> impl IntoView {
    let q = QueryParams::current();
    view! {
        <label>{label}
            <select name=name data-testid=format!("filter-{name}") prop:value=q.get(name)>
                <option value="">{any}</option>
                {options.into_iter().map(|(v, l)| {
                    let selected = q.is(name, &v);
                    view! { <option value=v selected=selected>{l}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

/// The "Order" select of a queue: oldest first (no parameter) or newest first.
#[component]
pub fn OrderSelect(
    /// The `sort` value that lists the newest first.
    newest: &'static str,
) -> impl IntoView {
    let q = QueryParams::current();
    view! {
        <label>"Order"
            <select name="sort" data-testid="filter-sort" prop:value=q.get("sort")>
                <option value="">"Oldest first"</option>
                <option value=newest selected=q.is("sort", newest)>"Newest first"</option>
            </select>
        </label>
    }
}
