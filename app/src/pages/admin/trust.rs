//! The trust store (partner admins): add root and intermediate CA certificates per domain
//! after checking them, list them with paging, sort and filters in the URL, and download the
//! portal's own signing CAs for downstream services.

use crate::api::certificates::{
    get_signing_cas, list_ca_certificates, CheckCaCertificates, UploadCaCertificates,
};
use crate::components::cert::{
    expiry_words, CertFactsView, CertInput, CertInputState, PemDownload, Problems, UploadError,
};
use crate::components::filter::{FilterSelect, QueryParams};
use crate::components::form::{form_error, FormError};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{query_of, ListState, Pager, SortHeader};
use crate::util::human_ms;
use domain::account::CurrentUser;
use domain::cert::{CaKind, CaQuery, CaSummary, CaUploadReport, CertDomain, SigningCaView};
use domain::page::Page;
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

const LIST: ListState = ListState::of::<domain::cert::CaCertificates>();

/// Trust store page.
#[component]
pub fn TrustStorePage() -> impl IntoView {
    view! {
        <Title text="Trust store"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <TrustBody/> }/>
    }
}

fn query_from(q: &ParamsMap) -> CaQuery {
    query_of::<domain::cert::CaCertificates>(q)
}

/// The trust store: adding CAs, the list of trusted CAs, the portal's signing CAs.
#[component]
fn TrustBody() -> impl IntoView {
    let params = use_query_map();
    let check = ServerAction::<CheckCaCertificates>::new();
    let upload = ServerAction::<UploadCaCertificates>::new();
    let list = Resource::new(
        move || (params.with(query_from), upload.version().get()),
        |(query, _)| list_ca_certificates(query),
    );
    let signing = Resource::new(|| (), |_| get_signing_cas());
    view! {
        <h1>"Trust store"</h1>
        <p class="muted">"Root and intermediate CA certificates per domain. Partner, device and chip certificates are accepted only when they chain to an active root here."</p>
        <CaUpload check upload/>

        <h2>"Trusted CA certificates"</h2>
        <TrustFilters/>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading certificates…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) => view! { <CaTable page/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>

        <SigningCas signing/>
    }
}

/// Adding CA certificates: pick the domain and the certificates, check them, then confirm
/// exactly what was checked.
#[component]
fn CaUpload(
    check: ServerAction<CheckCaCertificates>,
    upload: ServerAction<UploadCaCertificates>,
) -> impl IntoView {
    let input = CertInputState::new();
    // What was sent for checking, with the input version it was taken from: the confirm form
    // sends exactly those bytes, and the report shows only while the input is unchanged.
    let checked = RwSignal::new(None::<(u32, CheckCaCertificates)>);
    let check_error = form_error(move || check.value().get());
    let upload_error = form_error(move || upload.value().get());
    let report = move || {
        let (version, args) = checked.get()?;
        if version != input.version.get() || check.pending().get() {
            return None;
        }
        check.value().get()?.ok().map(|r| (r, args))
    };
    let stored = move || {
        upload
            .value()
            .get()
            .and_then(|r| r.ok())
            .filter(|_| report().is_none())
    };
    Effect::new(move |_| {
        if let Some(args) = check.input().get() {
            checked.set(Some((input.version.get_untracked(), args)));
            // A new check starts a new attempt: the last upload's result no longer applies
            // (it stayed under a refused check's error).
            upload.value().set(None);
        }
    });
    // Once stored, the input is cleared so the next certificate starts from a clean form.
    Effect::new(move |_| {
        if matches!(upload.value().get(), Some(Ok(_))) {
            input.clear();
        }
    });
    view! {
        <section class="panel" data-testid="ca-upload">
            <h2>"Add CA certificates"</h2>
            <ActionForm action=check attr:data-testid="ca-check-form">
                <FormError error=check_error/>
                <div class="field">
                    <label for="ca-domain">"Domain"</label>
                    <select id="ca-domain" name="domain" data-testid="ca-domain"
                        on:change=move |_| input.version.update(|v| *v += 1)>
                        {CertDomain::ALL.into_iter().map(|d| view! { <option value=d.as_str()>{d.label()}</option> }).collect_view()}
                    </select>
                </div>
                <CertInput state=input error=check_error/>
                <button type="submit" class="primary" disabled=move || check.pending().get() data-testid="ca-check">"Check"</button>
            </ActionForm>
            {move || report().map(|(r, args)| view! {
                <Report report=r.clone()/>
                {(r.accepted() > 0).then(|| confirm_form(r, args, upload, upload_error))}
            })}
            {move || stored().map(|r| view! {
                <p class="notice" role="status" data-testid="ca-stored">
                    {format!("Added {} certificate{} to the {} trust store.", r.accepted(), if r.accepted() == 1 { "" } else { "s" }, r.domain.as_str())}
                </p>
                <Report report=r/>
            })}
        </section>
    }
}

/// The form that adds the certificates just checked, as they were sent for checking.
fn confirm_form(
    r: CaUploadReport,
    args: CheckCaCertificates,
    upload: ServerAction<UploadCaCertificates>,
    upload_error: Signal<Option<domain::AppError>>,
) -> impl IntoView {
    view! {
        <ActionForm action=upload attr:data-testid="ca-confirm-form">
            <input type="hidden" name="domain" value=args.domain.clone()/>
            <input type="hidden" name="content" value=args.content.clone()/>
            <input type="hidden" name="encoding" value=args.encoding.clone().unwrap_or_default()/>
            <UploadError error=upload_error/>
            <button type="submit" class="primary" disabled=move || upload.pending().get() data-testid="ca-confirm">
                {format!("Add {} certificate{} to the {} trust store", r.accepted(), if r.accepted() == 1 { "" } else { "s" }, r.domain.as_str())}
            </button>
        </ActionForm>
    }
}

/// The trust store's filters: subject, domain, kind, state, expiring within (the sort stays).
#[component]
fn TrustFilters() -> impl IntoView {
    let q = QueryParams::current();
    let domains = CertDomain::ALL
        .into_iter()
        .map(|d| (d.as_str().to_string(), d.as_str().to_string()))
        .collect();
    view! {
        <Form method="GET" action="/admin/certificates" attr:class="filters" attr:role="search">
            <label>"Subject" <input type="search" name="q" data-testid="filter-q" value=q.get("q") prop:value=q.get("q")/></label>
            <FilterSelect name="domain" label="Domain" any="Any" options=domains/>
            <label>"Kind"
                <select name="kind" data-testid="filter-kind" prop:value=q.get("kind")>
                    <option value="">"Any"</option>
                    <option value="ROOT" selected=q.is("kind", "ROOT")>"Root"</option>
                    <option value="INTERMEDIATE" selected=q.is("kind", "INTERMEDIATE")>"Intermediate"</option>
                </select>
            </label>
            <label>"State"
                <select name="status" data-testid="filter-status" prop:value=q.get("status")>
                    <option value="">"Any"</option>
                    <option value="active" selected=q.is("status", "active")>"Active"</option>
                    <option value="inactive" selected=q.is("status", "inactive")>"Deactivated"</option>
                </select>
            </label>
            <label>"Expiring within (days)" <input type="number" min="0" max="3650" name="expiring" data-testid="filter-expiring" value=q.get("expiring") prop:value=q.get("expiring")/></label>
            <input type="hidden" name="sort" value=q.get("sort") prop:value=q.get("sort")/>
            <button type="submit" data-testid="filter-apply">"Apply"</button>
            <A href="/admin/certificates">"Clear"</A>
        </Form>
    }
}

/// The portal's own signing CAs, each to download.
#[component]
fn SigningCas(signing: Resource<Result<Vec<SigningCaView>, domain::AppError>>) -> impl IntoView {
    view! {
        <section class="panel" data-testid="signing-cas">
            <h2>"The portal's signing CAs"</h2>
            <p class="muted">"The portal re-signs every accepted partner certificate with its CA of the domain. Downstream services (ID authentication, eSignet) trust these."</p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match signing.await {
                        Ok(cas) => view! {
                            <ul class="plain">
                                {cas.into_iter().map(|ca| view! {
                                    <li data-testid="signing-ca">
                                        <strong>{ca.domain.as_str()}</strong> " " {ca.subject.clone()}
                                        " (valid until " {human_ms(ca.not_after)} ") "
                                        <PemDownload pem=ca.pem.clone() file_name=format!("pms-{}-signing-ca.pem", ca.domain.as_str().to_lowercase()) label="Download"/>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// A check's or an upload's report: each certificate, accepted or refused, with its facts and
/// problems.
#[component]
fn Report(report: CaUploadReport) -> impl IntoView {
    let preview = report.preview;
    view! {
        <ol class="cert-report" data-testid="ca-report">
            {report.items.into_iter().map(|item| {
                let status = match (item.accepted, preview) {
                    (true, true) => "Can be added",
                    (true, false) => "Added",
                    (false, _) => "Refused",
                };
                let kind = item.kind.map(|k| match k { CaKind::Root => "root", CaKind::Intermediate => "intermediate" }).unwrap_or("certificate");
                view! {
                    <li data-testid="ca-report-item" data-accepted=item.accepted.to_string()>
                        <p>
                            <span class=if item.accepted { "badge ok" } else { "badge off" }>{status}</span>
                            " " {format!("Certificate {} ({kind})", item.position)}
                        </p>
                        {item.facts.map(|f| view! { <CertFactsView facts=f/> })}
                        {(!item.problems.is_empty()).then(|| view! { <Problems problems=item.problems/> })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

/// The trusted CAs of a page, sortable, with the pager.
#[component]
fn CaTable(page: Page<CaSummary>) -> impl IntoView {
    let (page_no, pages, total) = (page.page, page.page_count(), page.total);
    if page.items.is_empty() {
        return view! { <p class="empty" data-testid="ca-empty">"No CA certificates match these filters."</p> }.into_any();
    }
    let now = crate::util::now_ms();
    view! {
        <table class="list" data-testid="ca-table">
            <caption class="muted">{format!("{total} certificate{}", if total == 1 { "" } else { "s" })}</caption>
            <thead><tr>
                <SortHeader state=LIST key="subject" label="Subject"/>
                <th>"Domain"</th>
                <th>"Kind"</th>
                <th>"Key"</th>
                <SortHeader state=LIST key="not_after" label="Valid until"/>
                <th>"State"</th>
                <SortHeader state=LIST key="created" label="Added"/>
            </tr></thead>
            <tbody>
                {page.items.into_iter().map(|c| {
                    let expired = c.not_after < now;
                    view! {
                        <tr data-testid="ca-row">
                            <td><A href=format!("/admin/certificates/{}", c.id)>{c.subject.clone()}</A></td>
                            <td>{c.domain.as_str()}</td>
                            <td data-testid="ca-kind">{match c.kind { CaKind::Root => "Root", CaKind::Intermediate => "Intermediate" }}</td>
                            <td>{c.key_type.clone()}</td>
                            <td>{human_ms(c.not_after)} " " <span class=if expired { "badge off" } else { "muted" }>{expiry_words(c.not_after)}</span></td>
                            <td>{if c.active { view! { <span class="badge ok">"Active"</span> } } else { view! { <span class="badge off">"Deactivated"</span> } }}</td>
                            <td>{human_ms(c.created_at)}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <Pager state=LIST page=page_no pages/>
    }
    .into_any()
}
