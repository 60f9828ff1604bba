//! One trusted CA (partner admins): its facts, chain, download and deactivation.

use crate::api::certificates::{get_ca_certificate, DeactivateCaCertificate};
use crate::components::cert::{CertFactsView, PemDownload};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::util::human_ms;
use domain::account::CurrentUser;
use domain::cert::{CaDetail, CaKind};
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// CA detail page.
#[component]
pub fn CaCertificatePage() -> impl IntoView {
    view! {
        <Title text="CA certificate"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <CaBody/> }/>
    }
}

#[component]
fn CaBody() -> impl IntoView {
    let params = use_params_map();
    let deactivate = ServerAction::<DeactivateCaCertificate>::new();
    let detail = Resource::new(
        move || {
            (
                params.with(|p| p.get("id")).unwrap_or_default(),
                deactivate.version().get(),
            )
        },
        |(id, _)| get_ca_certificate(id),
    );
    let error = move || deactivate.value().get().and_then(|r| r.err());
    view! {
        <p><A href="/admin/certificates">"‹ Trust store"</A></p>
        <div role="alert" data-testid="ca-action-error">
            {move || error().map(|e| view! { <p class="alert">{e.message}</p> })}
        </div>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading certificate…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <Detail d deactivate/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Detail(d: CaDetail, deactivate: ServerAction<DeactivateCaCertificate>) -> impl IntoView {
    let s = d.summary;
    let kind = match s.kind {
        CaKind::Root => "Root",
        CaKind::Intermediate => "Intermediate",
    };
    let file = format!(
        "{}-{}-{}.pem",
        s.domain.as_str().to_lowercase(),
        kind.to_lowercase(),
        &d.facts.thumbprint[..12.min(d.facts.thumbprint.len())]
    );
    let confirm = if d.issued_active > 0 {
        format!(
            "{} active intermediate certificate(s) chain to this one; deactivation will be refused until they are deactivated.",
            d.issued_active
        )
    } else {
        "Partner certificates that chain only through this CA will no longer be accepted on upload. Deactivate it?".to_string()
    };
    let id = s.id.clone();
    view! {
        <div class="title-row">
            <h1 data-testid="ca-title">{format!("{kind} CA, {}", s.domain.as_str())}</h1>
            <PemDownload pem=d.pem file_name=file label="Download PEM" test_id="ca-download"/>
        </div>
        <p>
            {if s.active { view! { <span class="badge ok" data-testid="ca-state">"Active"</span> } } else { view! { <span class="badge off" data-testid="ca-state">"Deactivated"</span> } }}
            " Added " {human_ms(s.created_at)} {d.created_by.map(|e| format!(" by {e}"))}
        </p>
        <CertFactsView facts=d.facts/>
        <h2>"Chain"</h2>
        <ol class="chain" data-testid="ca-chain">
            {d.chain.into_iter().map(|l| view! {
                <li data-testid="ca-chain-link">
                    <A href=format!("/admin/certificates/{}", l.id)>{l.subject}</A>
                    " (" {match l.kind { CaKind::Root => "root", CaKind::Intermediate => "intermediate" }}
                    {(!l.active).then_some(", deactivated")} ")"
                </li>
            }).collect_view()}
        </ol>
        {s.active.then(|| view! {
            <details class="confirm">
                <summary data-testid="ca-deactivate">"Deactivate"</summary>
                <ActionForm action=deactivate>
                    <p>{confirm}</p>
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="danger" data-testid="ca-deactivate-confirm">"Yes, deactivate"</button>
                </ActionForm>
            </details>
        })}
    }
}
