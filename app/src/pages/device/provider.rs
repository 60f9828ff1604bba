//! A device provider's SBIs and device models: declare an SBI, follow its approval, add device
//! models to usable SBIs (sub-types follow the type; only usable SBIs are offered), and see
//! every status and reason.

use crate::api::devices::{
    get_device_types, my_devices, my_sbi, my_sbis, my_usable_sbis, CreateDevice, CreateSbi,
};
use crate::components::form::{form_error, Field, FormError};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{ListState, Pager};
use crate::pages::device::ItemBadge;
use crate::util::{human_ms, ms_to_date, now_ms};
use domain::account::CurrentUser;
use domain::device::{DeviceView, ItemQuery, SbiView, MAX_MAKE_LEN, MAX_VERSION_LEN};
use domain::page::Page;
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

const SBI_LIST: ListState = ListState {
    base: "/provider/sbis",
    keys: &["status", "page"],
    default_sort: "-created",
};

/// The provider's SBIs page.
#[component]
pub fn MySbisPage() -> impl IntoView {
    view! {
        <Title text="SBIs"/>
        <RequireRole roles=vec![Role::DeviceProvider] view=|_u: CurrentUser| view! { <SbisBody/> }/>
    }
}

#[component]
fn SbisBody() -> impl IntoView {
    let params = use_query_map();
    let create = ServerAction::<CreateSbi>::new();
    let list = Resource::new(
        move || {
            (
                params.with(|q| ItemQuery {
                    status: q.get("status").filter(|s| !s.is_empty()),
                    sort: Some("-created".into()),
                    page: q.get("page").and_then(|p| p.parse().ok()),
                    ..ItemQuery::default()
                }),
                create.version().get(),
            )
        },
        |(q, _)| my_sbis(q),
    );
    let error = form_error(move || create.value().get());
    let created = move || create.value().get().and_then(|r| r.ok());
    let today = ms_to_date(now_ms());
    view! {
        <h1>"Your SBIs"</h1>
        <p class="muted">"Declare each version of your secure biometric interface. Once a partner admin approves it, you can add the device models that use it."</p>
        <section class="panel narrow">
            <h2>"Declare an SBI"</h2>
            {move || created().map(|s| view! { <p class="notice" role="status" data-testid="sbi-created">"SBI " <strong>{s.version}</strong> " declared; it waits for approval."</p> })}
            <ActionForm action=create attr:data-testid="sbi-form">
                <FormError error/>
                <Field name="version" label="Version" error maxlength=MAX_VERSION_LEN help="Unique among your SBIs, e.g. 1.0.2."/>
                <Field name="binary_hash" label="Binary hash" error help="Hash of the SBI binary, hexadecimal or base64 (e.g. SHA-256)."/>
                <Field name="created_on" label="Creation date" kind="date" error value=today.clone() help="Not in the future."/>
                <Field name="expires_on" label="Expiry date" kind="date" error help="After today."/>
                <button type="submit" class="primary" disabled=move || create.pending().get() data-testid="sbi-submit">"Declare SBI"</button>
            </ActionForm>
        </section>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading SBIs…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) => view! { <SbiTable page/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SbiTable(page: Page<SbiView>) -> impl IntoView {
    let (page_no, pages) = (page.page, page.page_count());
    if page.items.is_empty() {
        return view! { <p class="empty" data-testid="sbis-empty">"No SBI declared yet."</p> }
            .into_any();
    }
    view! {
        <table class="list" data-testid="sbis-table">
            <thead><tr><th>"Version"</th><th>"Status"</th><th>"Expires"</th><th>"Devices"</th><th>"Declared"</th></tr></thead>
            <tbody>
                {page.items.into_iter().map(|s| view! {
                    <tr data-testid="sbi-row">
                        <td><A href=format!("/provider/sbis/{}", s.id)>{s.version.clone()}</A></td>
                        <td><ItemBadge status=s.status/> {s.reason.clone().map(|r| view! { <span class="muted" data-testid="sbi-reason">" " {r}</span> })}</td>
                        <td>{human_ms(s.expires_on)}</td>
                        <td>{s.devices}</td>
                        <td>{human_ms(s.created_at)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <Pager state=SBI_LIST page=page_no pages/>
    }
    .into_any()
}

/// One SBI with its devices, and the form to add a device model.
#[component]
pub fn MySbiPage() -> impl IntoView {
    view! {
        <Title text="SBI"/>
        <RequireRole roles=vec![Role::DeviceProvider] view=|_u: CurrentUser| view! { <SbiBody/> }/>
    }
}

#[component]
fn SbiBody() -> impl IntoView {
    let params = use_params_map();
    let create = ServerAction::<CreateDevice>::new();
    let detail = Resource::new(
        move || {
            (
                params.with(|p| p.get("id")).unwrap_or_default(),
                create.version().get(),
            )
        },
        |(id, _)| my_sbi(id),
    );
    // The form's options are loaded here, outside the suspended detail: a resource created
    // while hydrating a suspended branch breaks hydration.
    let types = Resource::new(|| (), |_| get_device_types());
    let usable = Resource::new(move || create.version().get(), |_| my_usable_sbis());
    let options = DeviceOptions { types, usable };
    view! {
        <p><A href="/provider/sbis">"‹ SBIs"</A></p>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading SBI…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok((sbi, devices)) => view! { <SbiDetail sbi devices create options/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What the add-device form offers.
#[derive(Clone, Copy)]
struct DeviceOptions {
    types: Resource<Result<Vec<domain::device::DeviceTypeOption>, domain::AppError>>,
    usable: Resource<Result<Vec<SbiView>, domain::AppError>>,
}

#[component]
fn SbiDetail(
    sbi: SbiView,
    devices: Page<DeviceView>,
    create: ServerAction<CreateDevice>,
    options: DeviceOptions,
) -> impl IntoView {
    let usable = sbi.status == domain::device::ItemStatus::Approved && sbi.expires_on >= now_ms();
    view! {
        <div class="title-row">
            <h1 data-testid="sbi-title">"SBI " {sbi.version.clone()}</h1>
            <ItemBadge status=sbi.status/>
        </div>
        {sbi.reason.clone().map(|r| view! { <p>"Reason: " <strong data-testid="sbi-reason">{r}</strong></p> })}
        <dl class="facts">
            <dt>"Binary hash"</dt><dd class="mono">{sbi.binary_hash.clone()}</dd>
            <dt>"Created"</dt><dd>{human_ms(sbi.created_on)}</dd>
            <dt>"Expires"</dt><dd>{human_ms(sbi.expires_on)}</dd>
        </dl>
        <h2>"Devices"</h2>
        <DeviceTable items=devices.items/>
        {if usable {
            view! { <NewDevice create preselect=sbi.id.clone() options/> }.into_any()
        } else {
            view! { <p class="muted" data-testid="sbi-not-usable">"Devices can be added once this SBI is approved (and while it has not expired)."</p> }.into_any()
        }}
    }
}

/// Devices with their status, reason and SBIs.
#[component]
pub fn DeviceTable(items: Vec<DeviceView>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="empty" data-testid="devices-empty">"No devices yet."</p> }
            .into_any();
    }
    view! {
        <table class="list" data-testid="devices-table">
            <thead><tr><th>"Type"</th><th>"Make"</th><th>"Model"</th><th>"SBIs"</th><th>"Status"</th><th>"Added"</th></tr></thead>
            <tbody>
                {items.into_iter().map(|d| view! {
                    <tr data-testid="device-row">
                        <td>{format!("{} / {}", d.device_type, d.sub_type)}</td>
                        <td>{d.make.clone()}</td>
                        <td data-testid="device-model">{d.model.clone()}</td>
                        <td>{d.sbis.iter().map(|s| s.version.clone()).collect::<Vec<_>>().join(", ")}</td>
                        <td><ItemBadge status=d.status/> {d.reason.clone().map(|r| view! { <span class="muted" data-testid="device-reason">" " {r}</span> })}</td>
                        <td>{human_ms(d.created_at)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The add-device form: the SBI picker offers usable SBIs only; sub-types follow the type.
#[component]
fn NewDevice(
    create: ServerAction<CreateDevice>,
    preselect: String,
    options: DeviceOptions,
) -> impl IntoView {
    let DeviceOptions { types, usable } = options;
    let chosen_type = RwSignal::new(String::new());
    let error = form_error(move || create.value().get());
    let created = move || create.value().get().and_then(|r| r.ok());
    view! {
        <section class="panel narrow">
            <h2>"Add a device model"</h2>
            {move || created().map(|d| view! { <p class="notice" role="status" data-testid="device-created">{format!("{} {} added; it waits for approval.", d.make, d.model)}</p> })}
            <ActionForm action=create attr:data-testid="device-form">
                <FormError error/>
                <Transition fallback=|| ()>
                    {move || {
                        let preselect = preselect.clone();
                        Suspend::new(async move {
                        let sbis = usable.await.unwrap_or_default();
                        let types = types.await.unwrap_or_default();
                        let type_names: Vec<String> = types.iter().map(|t| t.device_type.clone()).collect();
                        let sub_types = move || {
                            types
                                .iter()
                                .find(|t| t.device_type == chosen_type.get())
                                .map(|t| t.sub_types.clone())
                                .unwrap_or_default()
                        };
                        view! {
                            <fieldset>
                                <legend>"SBIs it works with"</legend>
                                {sbis.into_iter().enumerate().map(|(i, s)| {
                                    let checked = s.id == preselect;
                                    view! {
                                        <label class="check">
                                            <input type="checkbox" name=format!("sbi_ids[{i}]") value=s.id.clone() checked=checked data-testid="device-sbi"/>
                                            " " {s.version.clone()} <span class="muted">{format!(" (expires {})", human_ms(s.expires_on))}</span>
                                        </label>
                                    }
                                }).collect_view()}
                                {move || error.get().filter(|e| e.field.as_deref() == Some("sbi_ids")).map(|e| view! { <p class="field-error" role="alert">{e.message}</p> })}
                            </fieldset>
                            <div class="field">
                                <label for="device-type">"Type"</label>
                                <select id="device-type" name="device_type" required data-testid="device-type"
                                    on:change=move |ev| chosen_type.set(event_target_value(&ev))>
                                    <option value="">"Choose…"</option>
                                    {type_names.into_iter().map(|t| view! { <option value=t.clone()>{t.clone()}</option> }).collect_view()}
                                </select>
                            </div>
                            <div class="field">
                                <label for="device-subtype">"Sub-type"</label>
                                <select id="device-subtype" name="sub_type" required data-testid="device-subtype"
                                    aria-describedby="device-subtype-error">
                                    {move || sub_types().into_iter().map(|s| view! { <option value=s.clone()>{s.clone()}</option> }).collect_view()}
                                </select>
                                <div id="device-subtype-error">
                                    {move || error.get().filter(|e| e.field.as_deref() == Some("sub_type")).map(|e| view! { <p class="field-error" role="alert">{e.message}</p> })}
                                </div>
                            </div>
                        }
                    })}}
                </Transition>
                <Field name="make" label="Make" error maxlength=MAX_MAKE_LEN/>
                <Field name="model" label="Model" error maxlength=MAX_MAKE_LEN/>
                <button type="submit" class="primary" disabled=move || create.pending().get() data-testid="device-submit">"Add device"</button>
            </ActionForm>
        </section>
    }
}

/// The provider's devices page.
#[component]
pub fn MyDevicesPage() -> impl IntoView {
    view! {
        <Title text="Devices"/>
        <RequireRole roles=vec![Role::DeviceProvider] view=|_u: CurrentUser| view! { <DevicesBody/> }/>
    }
}

#[component]
fn DevicesBody() -> impl IntoView {
    let list = Resource::new(
        || (),
        |_| {
            my_devices(ItemQuery {
                sort: Some("-created".into()),
                page_size: Some(100),
                ..ItemQuery::default()
            })
        },
    );
    view! {
        <h1>"Your devices"</h1>
        <p class="muted">"Add devices from an approved SBI's page."</p>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading devices…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) => view! { <DeviceTable items=page.items/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}
