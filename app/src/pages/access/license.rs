//! A MISP partner's license keys: generate one (shown once), see its validity and status, and
//! deactivate it. One live license at a time.

use super::keys::{
    key_query, FilterTabs, FormAlert, KeyBadge, SecretOnce, Unavailable, KEY_FILTERS,
};
use crate::api::access::{generate_license, my_licenses, DeactivateMyLicense};
use crate::components::form::DeactivateRow;
use crate::components::layout::RequireRole;
use crate::components::table::{ListState, Pager};
use crate::util::human_ms;
use domain::access::{Issued, KeyQuery, KeyStatus, LicenseView};
use domain::account::CurrentUser;
use domain::page::Page;
use domain::{AppError, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const LIST: ListState = ListState {
    base: "/partner/license",
    keys: &["status", "page"],
    default_sort: "-created",
};

type GenerateAction = Action<(), Result<Issued<LicenseView>, AppError>>;

/// The MISP partner's license page.
#[component]
pub fn MyLicensesPage() -> impl IntoView {
    view! {
        <Title text="License"/>
        <RequireRole roles=vec![Role::MispPartner] view=|_u: CurrentUser| view! { <LicenseBody/> }/>
    }
}

/// The partner's license keys: the one just generated, the form, the list.
#[component]
fn LicenseBody() -> impl IntoView {
    let params = use_query_map();
    let generate: GenerateAction = Action::new(|_: &()| generate_license());
    let deactivate = ServerAction::<DeactivateMyLicense>::new();
    let list = Resource::new(
        move || {
            (
                params.with(key_query),
                generate.version().get(),
                deactivate.version().get(),
            )
        },
        |(q, _, _)| my_licenses(q),
    );
    // One live license at a time: while one is live, "Generate" is off and says why.
    let live = Resource::new(
        move || (generate.version().get(), deactivate.version().get()),
        |_| {
            my_licenses(KeyQuery {
                status: Some("ACTIVE".into()),
                page_size: Some(1),
                ..KeyQuery::default()
            })
        },
    );
    // The key lives in the action's answer only; "Done" (or leaving the page) drops it.
    let issued = move || generate.value().get().and_then(|r| r.ok());
    let deactivate_error = move || deactivate.value().get().and_then(|r| r.err());
    let deactivated = move || deactivate.value().get().and_then(|r| r.ok());
    view! {
        <h1>"MISP license"</h1>
        <p class="muted">"Your license key lets the authentication partners you serve reach the ID authentication services through you. You have one live license at a time; to replace it, deactivate it and generate a new one."</p>
        {move || issued().map(|i| view! {
            <SecretOnce
                title=format!("License key generated, valid until {}", human_ms(i.item.valid_to))
                what="License key"
                secret=i.secret
                test_id="license-secret"
                on_done=Callback::new(move |_| generate.value().set(None))
            />
        })}
        <LicenseForm generate live/>
        <h2>"Your licenses"</h2>
        <FilterTabs state=LIST label="License status" options=KEY_FILTERS/>
        <div data-testid="license-action-result">
            {move || deactivate_error().map(|e| view! { <p class="alert" role="alert" data-testid="license-error">{e.message}</p> })}
            {move || deactivated().map(|l| view! { <p class="notice" role="status" data-testid="license-deactivated">{format!("License {}… is deactivated.", l.prefix)}</p> })}
        </div>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading licenses…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) => view! { <LicenseTable page deactivate/> }.into_any(),
                    Err(e) => view! { <Unavailable error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The form that generates a license key, off while a license is live (and saying why).
#[component]
fn LicenseForm(
    generate: GenerateAction,
    live: Resource<Result<Page<LicenseView>, AppError>>,
) -> impl IntoView {
    let error = Signal::derive(move || generate.value().get().and_then(|r| r.err()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        generate.dispatch(());
    };
    view! {
        <form class="panel narrow" on:submit=submit data-testid="license-form">
            <h2>"New license key"</h2>
            <FormAlert error fields=&[] test_id="form-error"/>
            <Transition fallback=|| view! { <button type="submit" class="primary" disabled=true>"Generate license key"</button> }>
                {move || Suspend::new(async move {
                    let current = live.await.ok().and_then(|p| p.items.into_iter().next());
                    let has_live = current.is_some();
                    view! {
                        {current.map(|l| view! {
                            <p class="help" data-testid="license-live">{format!("Your license {}… is live until {}. Deactivate it first to generate a new one.", l.prefix, human_ms(l.valid_to))}</p>
                        })}
                        <button type="submit" class="primary" disabled=move || has_live || generate.pending().get() data-testid="license-generate">
                            {move || if generate.pending().get() { "Generating…" } else { "Generate license key" }}
                        </button>
                    }
                })}
            </Transition>
        </form>
    }
}

/// The partner's licenses of a page, each active one with its deactivation.
#[component]
fn LicenseTable(
    page: Page<LicenseView>,
    deactivate: ServerAction<DeactivateMyLicense>,
) -> impl IntoView {
    let (page_no, pages, total) = (page.page, page.page_count(), page.total);
    if page.items.is_empty() {
        return view! { <p class="empty" data-testid="licenses-empty">"No license here yet."</p> }
            .into_any();
    }
    view! {
        <table class="list" data-testid="licenses-table">
            <caption class="muted">{format!("{total} license{}", if total == 1 { "" } else { "s" })}</caption>
            <thead><tr>
                <th>"Key"</th><th>"Policy"</th><th>"Valid from"</th><th>"Valid to"</th><th>"Status"</th><th><span class="sr-only">"Actions"</span></th>
            </tr></thead>
            <tbody>
                {page.items.into_iter().map(|l| {
                    let question = format!("Deactivate license {}…? The partners you serve can no longer authenticate through it.", l.prefix);
                    view! {
                        <tr data-testid="license-row" data-status=l.status.as_str()>
                            <td class="mono nowrap" data-testid="license-prefix">{format!("{}…", l.prefix)}</td>
                            <td>{l.policy_name.clone().unwrap_or_else(|| "—".to_string())}</td>
                            <td>{human_ms(l.valid_from)}</td>
                            <td>{human_ms(l.valid_to)}</td>
                            <td><KeyBadge status=l.status/></td>
                            <td class="actions">
                                {(l.status == KeyStatus::Active).then(|| view! {
                                    <DeactivateRow action=deactivate id=l.id.clone() question test_id="license" lock=true/>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <Pager state=LIST page=page_no pages/>
    }
    .into_any()
}
