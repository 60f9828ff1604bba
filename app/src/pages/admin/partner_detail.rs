//! One partner (PARTNER_ADMIN): profile, contacts, status history, audit trail, and the
//! decisions its status allows, each behind a confirmation.

use crate::api::partners::{get_partner_detail, DecidePartner};
use crate::components::form::{form_error, FormError};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::Time;
use crate::pages::admin::audit::AuditTable;
use crate::pages::cert::mine::PartnerCertificatePanel;
use crate::pages::partner::profile::StatusBadge;
use domain::account::CurrentUser;
use domain::partner::{PartnerDetail, PartnerStatus, PartnerView, MAX_REASON_LEN};
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Partner detail page.
#[component]
pub fn PartnerDetailPage() -> impl IntoView {
    view! {
        <Title text="Partner"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <DetailBody/> }/>
    }
}

#[component]
fn DetailBody() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let decide = ServerAction::<DecidePartner>::new();
    let detail = Resource::new(
        move || {
            (
                params.with(|p| p.get("id")).unwrap_or_default(),
                decide.version().get(),
            )
        },
        |(id, _)| get_partner_detail(id),
    );
    let created = move || query.with(|q| q.get("created").is_some());
    view! {
        <p><A href="/admin/partners">"‹ All partners"</A></p>
        {move || created().then(|| view! { <p class="notice" role="status" data-testid="partner-created">"Partner registered and approved."</p> })}
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading partner…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <Detail d decide/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
        <PartnerCertificatePanel partner_id=params.with_untracked(|p| p.get("id")).unwrap_or_default()/>
    }
}

#[component]
fn Detail(d: PartnerDetail, decide: ServerAction<DecidePartner>) -> impl IntoView {
    let p = d.partner.clone();
    view! {
        <div class="title-row">
            <h1 data-testid="partner-title">{p.organisation.clone()} " " <small class="muted">{p.id.clone()}</small></h1>
            <StatusBadge status=p.status/>
        </div>
        {p.status_reason.clone().map(|r| view! { <p>"Reason given: " <strong data-testid="detail-reason">{r}</strong></p> })}
        <Decisions partner=p.clone() cascade=d.cascade decide/>
        <section class="panel">
            <h2>"Profile"</h2>
            <dl class="facts">
                <dt>"Partner type"</dt><dd>{p.partner_type.clone()}</dd>
                <dt>"Policy group"</dt><dd>{p.policy_group_name.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"Certificate domain"</dt><dd>{p.cert_domain.clone()}</dd>
                <dt>"Contact email"</dt><dd>{p.email.clone()}</dd>
                <dt>"Sign-in email"</dt><dd>{p.account_email.clone()}</dd>
                <dt>"Phone"</dt><dd>{p.phone.clone()}</dd>
                <dt>"Address"</dt><dd class="pre">{p.address.clone()}</dd>
                <dt>"Language"</dt><dd>{p.language.clone()}</dd>
                <dt>"Registered"</dt><dd><Time at=p.created_at.clone()/></dd>
                <dt>"Last change"</dt><dd><Time at=p.updated_at.clone()/></dd>
            </dl>
        </section>
        <section class="panel">
            <h2>"Other contacts"</h2>
            {if d.contacts.is_empty() {
                view! { <p class="empty">"None."</p> }.into_any()
            } else {
                view! {
                    <ul>{d.contacts.into_iter().map(|c| view! { <li>{c.email} {(!c.phone.is_empty()).then(|| format!(" · {}", c.phone))}</li> }).collect_view()}</ul>
                }.into_any()
            }}
        </section>
        <section class="panel">
            <h2>"Status history"</h2>
            <table class="list" data-testid="status-history">
                <thead><tr><th>"When"</th><th>"From"</th><th>"To"</th><th>"By"</th><th>"Reason"</th></tr></thead>
                <tbody>
                    {d.history.into_iter().map(|h| view! {
                        <tr>
                            <td><Time at=h.at/></td>
                            <td>{h.from.map(|s| s.label()).unwrap_or("—")}</td>
                            <td>{h.to.label()}</td>
                            <td>{h.actor_email.unwrap_or_default()}</td>
                            <td>{h.reason.unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <section class="panel">
            <h2>"Audit trail"</h2>
            <AuditTable items=d.audit/>
        </section>
    }
}

/// The decisions the partner's status allows; each opens a confirmation (with a reason field
/// where one is required). Works before WASM loads: `<details>` needs no script.
#[component]
fn Decisions(
    partner: PartnerView,
    /// What a deactivation stops now.
    cascade: domain::access::PartnerCascade,
    decide: ServerAction<DecidePartner>,
) -> impl IntoView {
    let error = form_error(move || decide.value().get());
    let options: Vec<(&str, &str, bool)> = match partner.status {
        PartnerStatus::Pending => vec![("approve", "Approve", false), ("reject", "Reject", true)],
        PartnerStatus::Approved => vec![("deactivate", "Deactivate", true)],
        PartnerStatus::Deactivated => vec![("reactivate", "Reactivate", false)],
        PartnerStatus::Rejected | PartnerStatus::Unverified => vec![],
    };
    let waiting = partner.status == PartnerStatus::Rejected;
    let unverified = partner.status == PartnerStatus::Unverified;
    let name = partner.organisation.clone();
    let cascade = cascade.describe();
    view! {
        <section class="panel" data-testid="decisions">
            <h2>"Decision"</h2>
            <FormError error/>
            {move || error.get().filter(|e| e.field.as_deref() == Some("reason")).map(|e| view! { <p class="alert" role="alert" data-testid="error-reason">{e.message}</p> })}
            {waiting.then(|| view! { <p class="muted">"Rejected: waiting for the partner to correct its profile and resubmit."</p> })}
            {unverified.then(|| view! { <p class="muted" data-testid="awaiting-verification">"Its contact email is not verified yet: it can be decided once the partner opens the link mailed to it."</p> })}
            <div class="decisions">
                {options.into_iter().map(|(value, label, needs_reason)| {
                    // Say what the decision does beyond the status, before it is confirmed.
                    let consequence = match value {
                        "deactivate" if cascade.is_empty() => "Its sessions end; it has no live API key, license or OIDC client.".to_string(),
                        "deactivate" => format!("Its sessions end, and these stop working at once: {cascade}. Reactivating it later does not restore them."),
                        "reactivate" => "Its earlier API keys, MISP licenses and OIDC clients stay deactivated: once reactivated, it creates new ones.".to_string(),
                        _ => String::new(),
                    };
                    let confirm = format!("{label} {name}? {consequence}");
                    let id = partner.id.clone();
                    view! {
                        <details class="confirm">
                            <summary data-testid=format!("decide-{value}")>{label}</summary>
                            <ActionForm action=decide>
                                <p>{confirm}</p>
                                <input type="hidden" name="id" value=id/>
                                <input type="hidden" name="decision" value=value/>
                                {needs_reason.then(|| view! {
                                    <label for=format!("reason-{value}")>"Reason (shown to the partner)"</label>
                                    <textarea id=format!("reason-{value}") name="reason" rows="2" required maxlength=MAX_REASON_LEN data-testid=format!("reason-{value}")></textarea>
                                })}
                                <button type="submit" class=if value == "approve" || value == "reactivate" { "primary" } else { "danger" } data-testid=format!("confirm-{value}")>{format!("Yes, {}", label.to_lowercase())}</button>
                            </ActionForm>
                        </details>
                    }
                }).collect_view()}
            </div>
        </section>
    }
}
