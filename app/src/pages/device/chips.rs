//! An FTM provider's chip models: declare make and model, upload the chip model's certificate
//! (FTM domain), follow the approval, download the certificate and its re-signed form.

use crate::api::devices::{my_chips, CreateChip, RetireChip, UploadChipCertificate};
use crate::components::cert::{CertInput, CertInputState, Problems};
use crate::components::form::{form_error, DeactivateRow, Field, FormError};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{ListState, Pager};
use crate::pages::device::{ItemBadge, RetireError, RetireReason};
use crate::util::human_ms;
use domain::account::CurrentUser;
use domain::device::{ChipView, ItemQuery, ItemStatus, MAX_MAKE_LEN};
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const CHIP_LIST: ListState = ListState {
    base: "/provider/chips",
    keys: &["page"],
    default_sort: "-created",
};

/// The FTM provider's chips page.
#[component]
pub fn MyChipsPage() -> impl IntoView {
    view! {
        <Title text="Chips"/>
        <RequireRole roles=vec![Role::FtmProvider] view=|_u: CurrentUser| view! { <ChipsBody/> }/>
    }
}

#[component]
fn ChipsBody() -> impl IntoView {
    let create = ServerAction::<CreateChip>::new();
    let upload = ServerAction::<UploadChipCertificate>::new();
    let retire = ServerAction::<RetireChip>::new();
    let query = use_query_map();
    let list = Resource::new(
        move || {
            (
                query.with(|q| q.get("page").and_then(|p| p.parse::<i64>().ok())),
                create.version().get(),
                upload.version().get(),
                retire.version().get(),
            )
        },
        |(page, _, _, _)| {
            my_chips(ItemQuery {
                sort: Some("-created".into()),
                page,
                page_size: Some(50),
                ..ItemQuery::default()
            })
        },
    );
    let error = form_error(move || create.value().get());
    let upload_error = form_error(move || upload.value().get());
    view! {
        <h1>"Your secure chips"</h1>
        <p class="muted">"Declare each chip model, then upload the chip model's certificate (FTM domain, issued to your organisation by a CA in the operator's trust store). A partner admin then approves it."</p>
        <section class="panel narrow">
            <h2>"Declare a chip"</h2>
            <ActionForm action=create attr:data-testid="chip-form">
                <FormError error/>
                <Field name="make" label="Make" error maxlength=MAX_MAKE_LEN/>
                <Field name="model" label="Model" error maxlength=MAX_MAKE_LEN/>
                <button type="submit" class="primary" disabled=move || create.pending().get() data-testid="chip-submit">"Declare chip"</button>
            </ActionForm>
        </section>
        <div role="alert" data-testid="chip-upload-error">
            {move || upload_error.get().map(|e| view! {
                <p class="alert">{e.message.clone()}</p>
                {(!e.details.is_empty()).then(|| view! { <Problems problems=e.details.to_vec()/> })}
            })}
        </div>
        <RetireError error=Signal::derive(move || retire.value().get().and_then(|r| r.err())) test_id="chip"/>
        {move || retire.value().get().and_then(|r| r.ok()).map(|c| view! {
            <p class="notice" role="status" data-testid="chip-retired">{format!("{} {} deactivated.", c.make, c.model)}</p>
        })}
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading chips…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) if page.items.is_empty() => view! { <p class="empty" data-testid="chips-empty">"No chip declared yet."</p> }.into_any(),
                    Ok(page) => {
                        let (page_no, pages) = (page.page, page.page_count());
                        view! {
                            <ul class="cert-report" data-testid="chips">
                                {page.items.into_iter().map(|c| view! { <ChipItem chip=c upload retire/> }).collect_view()}
                            </ul>
                            <Pager state=CHIP_LIST page=page_no pages/>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ChipItem(
    chip: ChipView,
    upload: ServerAction<UploadChipCertificate>,
    retire: ServerAction<RetireChip>,
) -> impl IntoView {
    let input = CertInputState::new();
    let can_upload = matches!(
        chip.status,
        ItemStatus::PendingCertUpload | ItemStatus::PendingApproval
    );
    let has_cert = chip.cert_subject.is_some();
    let id = chip.id.clone();
    let retire_id = chip.id.clone();
    let approved = chip.status == ItemStatus::Approved;
    let question = format!(
        "Deactivate chip {} {}? Downstream services stop trusting it; this cannot be undone.",
        chip.make, chip.model
    );
    let certs = super::chip_certs_action();
    let stem = format!("{}-{}", chip.make, chip.model).replace(' ', "_");
    view! {
        <li data-testid="chip-row">
            <p><strong data-testid="chip-name">{format!("{} {}", chip.make, chip.model)}</strong> " " <ItemBadge status=chip.status/>
                {chip.reason.clone().map(|r| view! { <span class="muted" data-testid="chip-reason">" " {r}</span> })}</p>
            {chip.cert_subject.clone().map(|s| view! {
                <p class="muted" data-testid="chip-cert">"Certificate: " {s} {chip.cert_not_after.map(|t| format!(", valid until {}", human_ms(t)))}</p>
            })}
            {has_cert.then(|| view! {
                <button type="button" class="secondary" data-testid="chip-certs"
                    on:click=move |_| { certs.dispatch(id.clone()); }>"Certificates…"</button>
            })}
            <p><super::ChipCertDownloads certs stem/></p>
            {can_upload.then(|| view! {
                <details class="confirm" open=!has_cert>
                    <summary data-testid="chip-upload-open">{if has_cert { "Replace the certificate" } else { "Upload the chip certificate" }}</summary>
                    <ActionForm action=upload attr:data-testid="chip-upload-form">
                        <input type="hidden" name="id" value=chip.id.clone()/>
                        <CertInput state=input error=Signal::derive(|| None) id=format!("chip-cert-{}", chip.id)/>
                        <button type="submit" class="primary" data-testid="chip-upload">"Upload certificate"</button>
                    </ActionForm>
                </details>
            })}
            {approved.then(|| view! {
                <DeactivateRow action=retire id=retire_id question test_id="chip" lock=true>
                    <RetireReason test_id="chip"/>
                </DeactivateRow>
            })}
        </li>
    }
}
