//! Small charts drawn as SVG by the app itself (no chart library in the WASM bundle), each with
//! a title and description for screen readers and its data as a table.

use crate::util::ms_to_date;
use domain::dashboard::DayDecisions;
use leptos::prelude::*;

/// Approvals and rejections per day as stacked bars, with the same figures as a table.
#[component]
pub fn DecisionsChart(title: String, days: Vec<DayDecisions>) -> impl IntoView {
    let (w, h, pad) = (600.0_f64, 160.0_f64, 20.0_f64);
    let max = days
        .iter()
        .map(|d| d.approved + d.rejected)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = days.len().max(1) as f64;
    let slot = (w - pad) / n;
    let bar = (slot * 0.8).max(1.0);
    let scale = (h - pad) / max;
    let approved: i64 = days.iter().map(|d| d.approved).sum();
    let rejected: i64 = days.iter().map(|d| d.rejected).sum();
    let desc = format!(
        "{approved} approved and {rejected} rejected over {} days; the busiest day had {} decisions.",
        days.len(),
        max as i64
    );
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let x = pad + i as f64 * slot;
            let ha = d.approved as f64 * scale;
            let hr = d.rejected as f64 * scale;
            let tip = format!("{}: {} approved, {} rejected", ms_to_date(d.day), d.approved, d.rejected);
            view! {
                <g>
                    <title>{tip}</title>
                    <rect class="bar-ok" x=format!("{x:.1}") y=format!("{:.1}", h - ha) width=format!("{bar:.1}") height=format!("{ha:.1}")/>
                    <rect class="bar-bad" x=format!("{x:.1}") y=format!("{:.1}", h - ha - hr) width=format!("{bar:.1}") height=format!("{hr:.1}")/>
                </g>
            }
        })
        .collect_view();
    let rows = days
        .iter()
        .rev()
        .filter(|d| d.approved + d.rejected > 0)
        .map(|d| view! { <tr><td>{ms_to_date(d.day)}</td><td>{d.approved}</td><td>{d.rejected}</td></tr> })
        .collect_view();
    view! {
        <figure class="chart" data-testid="decisions-chart">
            <svg viewBox=format!("0 0 {w} {h}") role="img" aria-labelledby="chart-title chart-desc" preserveAspectRatio="none">
                <title id="chart-title">{title.clone()}</title>
                <desc id="chart-desc">{desc.clone()}</desc>
                <line x1=pad y1=h x2=w y2=h class="axis"/>
                <text x="0" y="12" class="axis-label">{max as i64}</text>
                <text x="0" y=h class="axis-label">"0"</text>
                {bars}
            </svg>
            <figcaption>
                <span class="key ok">"Approved " {approved}</span> " · " <span class="key bad">"Rejected " {rejected}</span>
            </figcaption>
            <details>
                <summary>"Data table"</summary>
                <table class="list" data-testid="decisions-table">
                    <caption>{title}</caption>
                    <thead><tr><th>"Day"</th><th>"Approved"</th><th>"Rejected"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </figure>
    }
}
