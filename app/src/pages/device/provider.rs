//! A device provider's SBIs and device models: declare an SBI, follow its approval, add device
//! models to usable SBIs (sub-types follow the type; only usable SBIs are offered), and see
//! every status and reason.

use crate::api::devices::{
    get_device_types, get_sbi_max_years, link_device_sbi, my_devices, my_sbi, my_sbis,
    my_usable_sbis, CreateDevice, CreateSbi, RetireDevice, RetireSbi,
};
use crate::components::form::{form_error, DeactivateRow, Field, FormError};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{ListState, Pager};
use crate::pages::device::{ItemBadge, RetireError, RetireReason};
use crate::util::{date_plus_years, human_ms, ms_to_date, now_ms};
use domain::account::CurrentUser;
use domain::device::{
    DeviceTypeOption, DeviceView, ItemQuery, ItemStatus, SbiView, MAX_MAKE_LEN, MAX_VERSION_LEN,
};
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
    let tomorrow = ms_to_date(now_ms() + 86_400_000);
    let max_years = Resource::new(|| (), |_| get_sbi_max_years());
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
                <Transition fallback=|| ()>
                    {move || {
                        let tomorrow = tomorrow.clone();
                        Suspend::new(async move {
                            // The browser's date picker offers only what the server accepts.
                            let years = max_years.await.unwrap_or(domain::device::DEFAULT_SBI_MAX_YEARS);
                            let max = date_plus_years(now_ms(), years);
                            view! {
                                <Field name="expires_on" label="Expiry date" kind="date" error min=tomorrow max=max
                                    help=format!("After today, and at most {years} years from today.")/>
                            }
                        })
                    }}
                </Transition>
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

/// Devices per page on an SBI's page and on the devices page.
const DEVICE_PAGE: i64 = 50;

#[component]
fn SbiBody() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let create = ServerAction::<CreateDevice>::new();
    let retire = ServerAction::<RetireSbi>::new();
    let retire_device = ServerAction::<RetireDevice>::new();
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    // The facts, the device list and the form load apart, so that adding a device reloads
    // the list only and the form keeps its type, sub-type and SBI choice for the next model.
    let detail = Resource::new(
        move || (id(), create.version().get(), retire.version().get()),
        |(id, _, _)| my_sbi(id),
    );
    let devices = Resource::new(
        move || {
            (
                id(),
                query.with(|q| q.get("page").and_then(|p| p.parse::<i64>().ok())),
                create.version().get(),
                retire.version().get(),
                retire_device.version().get(),
            )
        },
        |(id, page, _, _, _)| {
            my_devices(ItemQuery {
                sbi: Some(id),
                page,
                page_size: Some(DEVICE_PAGE),
                ..ItemQuery::default()
            })
        },
    );
    // Loaded here, outside the suspended detail: a resource created while hydrating a
    // suspended branch breaks hydration.
    let types = Resource::new(|| (), |_| get_device_types());
    let usable = Resource::new(|| (), |_| my_usable_sbis());
    let options = DeviceOptions { types, usable };
    view! {
        <p><A href="/provider/sbis">"‹ SBIs"</A></p>
        <RetireError error=Signal::derive(move || retire.value().get().and_then(|r| r.err())) test_id="sbi"/>
        <RetireError error=Signal::derive(move || retire_device.value().get().and_then(|r| r.err())) test_id="device"/>
        {move || retire.value().get().and_then(|r| r.ok()).map(|(s, i)| view! {
            <p class="notice" role="status" data-testid="sbi-retired">{format!(
                "SBI {} deactivated; {} device{} deactivated and {} pending device{} rejected with it.",
                s.version, i.devices_deactivated, if i.devices_deactivated == 1 { "" } else { "s" },
                i.devices_rejected, if i.devices_rejected == 1 { "" } else { "s" })}</p>
        })}
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading SBI…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(sbi) => view! { <SbiFacts sbi retire/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading devices…"</p> }>
            {move || Suspend::new(async move {
                // Another provider's or an unknown SBI: the panel above says so, nothing more.
                match devices.await {
                    Ok(page) if detail.await.is_ok() => view! { <h2>"Devices"</h2> <DeviceTable page retire=retire_device/> }.into_any(),
                    Ok(_) => ().into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
        <NewDevice create sbi_id=Signal::derive(id) detail options/>
    }
}

/// What the add-device form offers.
#[derive(Clone, Copy)]
struct DeviceOptions {
    types: Resource<Result<Vec<DeviceTypeOption>, domain::AppError>>,
    usable: Resource<Result<Vec<SbiView>, domain::AppError>>,
}

#[component]
fn SbiFacts(sbi: SbiView, retire: ServerAction<RetireSbi>) -> impl IntoView {
    let approved = sbi.status == ItemStatus::Approved;
    let question = format!(
        "Deactivate SBI {}? Its approved devices that work with no other approved SBI are deactivated, its pending ones rejected; this cannot be undone.",
        sbi.version
    );
    let id = sbi.id.clone();
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
            <dt>"Devices"</dt><dd>{sbi.devices}</dd>
        </dl>
        {approved.then(|| view! {
            <DeactivateRow action=retire id question test_id="sbi" lock=true>
                <RetireReason test_id="sbi"/>
            </DeactivateRow>
        })}
    }
}

/// A relative pager (`?page=N` on the current path), for lists inside a detail page.
#[component]
fn PageLinks(page: i64, pages: i64) -> impl IntoView {
    (pages > 1).then(|| {
        view! {
            <nav class="pager" aria-label="Pages">
                {(page > 1).then(|| view! { <A href=format!("?page={}", page - 1) attr:rel="prev">"‹ Previous"</A> })}
                <span data-testid="pager-position">{format!("Page {page} of {pages}")}</span>
                {(page < pages).then(|| view! { <A href=format!("?page={}", page + 1) attr:rel="next">"Next ›"</A> })}
            </nav>
        }
    })
}

/// Linking a device to one more SBI from the devices list.
#[derive(Clone, Copy)]
struct LinkCtx {
    action: Action<(String, String), Result<DeviceView, domain::AppError>>,
    /// The device of the last attempt (its error shows on its row).
    device: RwSignal<Option<String>>,
    usable: StoredValue<Vec<SbiView>>,
}

/// Devices with their status, reason and SBIs; with `link`, each pending or approved device
/// can be linked to one more of the provider's usable SBIs.
#[component]
fn DeviceTable(
    page: Page<DeviceView>,
    #[prop(optional)] link: Option<LinkCtx>,
    /// The provider retires an approved device from its row.
    retire: ServerAction<RetireDevice>,
) -> impl IntoView {
    let (page_no, pages) = (page.page, page.page_count());
    if page.items.is_empty() {
        return view! { <p class="empty" data-testid="devices-empty">"No devices yet."</p> }
            .into_any();
    }
    view! {
        <table class="list" data-testid="devices-table">
            <thead><tr><th>"Type"</th><th>"Make"</th><th>"Model"</th><th>"SBIs"</th><th>"Status"</th><th>"Added"</th>
                {link.is_some().then(|| view! { <th>"Also works with"</th> })}<th><span class="sr-only">"Actions"</span></th></tr></thead>
            <tbody>
                {page.items.into_iter().map(|d| {
                    let link_cell = link.map(|ctx| view! { <td><LinkControl device=d.clone() ctx/></td> });
                    view! {
                        <tr data-testid="device-row">
                            <td>{format!("{} / {}", d.device_type, d.sub_type)}</td>
                            <td>{d.make.clone()}</td>
                            <td data-testid="device-model">{d.model.clone()}</td>
                            <td data-testid="device-sbis">{d.sbis.iter().map(|s| s.version.clone()).collect::<Vec<_>>().join(", ")}</td>
                            <td><ItemBadge status=d.status/> {d.reason.clone().map(|r| view! { <span class="muted" data-testid="device-reason">" " {r}</span> })}</td>
                            <td>{human_ms(d.created_at)}</td>
                            {link_cell}
                            <td class="actions">
                                {(d.status == ItemStatus::Approved).then(|| view! {
                                    <DeactivateRow action=retire id=d.id.clone() test_id="device" lock=true
                                        question=format!("Deactivate device {} {}? This cannot be undone.", d.make, d.model)>
                                        <RetireReason test_id="device"/>
                                    </DeactivateRow>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <PageLinks page=page_no pages/>
    }
    .into_any()
}

/// The "link to another SBI" control of one device row.
#[component]
fn LinkControl(device: DeviceView, ctx: LinkCtx) -> impl IntoView {
    let live = matches!(
        device.status,
        ItemStatus::PendingApproval | ItemStatus::Approved
    );
    let candidates: Vec<SbiView> = ctx.usable.with_value(|all| {
        all.iter()
            .filter(|s| !device.sbis.iter().any(|l| l.id == s.id))
            .cloned()
            .collect()
    });
    if !live || candidates.is_empty() {
        return view! { <span class="muted">"—"</span> }.into_any();
    }
    let choice = RwSignal::new(candidates[0].id.clone());
    let select_id = format!("link-{}", device.id);
    let (id1, id2) = (device.id.clone(), device.id.clone());
    let error = move || {
        (ctx.device.get().as_deref() == Some(id2.as_str()))
            .then(|| ctx.action.value().get().and_then(|r| r.err()))
            .flatten()
    };
    view! {
        <form class="inline" data-testid="device-link-form" on:submit=move |ev| {
            ev.prevent_default();
            ctx.device.set(Some(id1.clone()));
            ctx.action.dispatch((id1.clone(), choice.get_untracked()));
        }>
            <label class="sr-only" for=select_id.clone()>{format!("Link {} {} to SBI", device.make, device.model)}</label>
            <select id=select_id data-testid="device-link-sbi" on:change=move |ev| choice.set(event_target_value(&ev))>
                {candidates.into_iter().map(|s| view! { <option value=s.id.clone()>{s.version.clone()}</option> }).collect_view()}
            </select>
            " "
            <button type="submit" class="secondary" disabled=move || ctx.action.pending().get() data-testid="device-link">"Link"</button>
        </form>
        {move || error().map(|e| view! { <p class="field-error" role="alert" data-testid="device-link-error">{e.message}</p> })}
    }
    .into_any()
}

/// The add-device form: the SBI picker offers usable SBIs only; sub-types follow the type.
/// After each add the type, sub-type and SBIs stay chosen, the model is cleared and focused:
/// a provider enters one model after another.
#[component]
fn NewDevice(
    create: ServerAction<CreateDevice>,
    sbi_id: Signal<String>,
    /// The SBI itself: nothing is offered for an unknown or foreign one.
    detail: Resource<Result<SbiView, domain::AppError>>,
    options: DeviceOptions,
) -> impl IntoView {
    let DeviceOptions { types, usable } = options;
    let chosen_type = RwSignal::new(String::new());
    let error = form_error(move || create.value().get());
    let created = move || create.value().get().and_then(|r| r.ok());
    let model_ref = NodeRef::<leptos::html::Input>::new();
    // Tracks the model input too: the form is rendered anew when the SBI reloads after an
    // add, and the new input must get the focus as well.
    Effect::new(move |_| {
        let input = model_ref.get();
        if let (Some(Ok(_)), Some(input)) = (create.value().get(), input) {
            input.set_value("");
            let _ = input.focus();
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                if detail.await.is_err() {
                    return ().into_any();
                }
                let sbis = usable.await.unwrap_or_default();
                let types = types.await.unwrap_or_default();
                let here = sbi_id.get_untracked();
                if !sbis.iter().any(|s| s.id == here) {
                    return view! { <p class="muted" data-testid="sbi-not-usable">"Devices can be added once this SBI is approved (and while it has not expired)."</p> }.into_any();
                }
                // The SBI's facts reload after each add, which renders this form anew: its
                // choices come back from the device just added (type, sub-type, SBIs, make),
                // the model stays empty for the next one.
                let last = created();
                if let Some(d) = &last {
                    chosen_type.set(d.device_type.clone());
                }
                let last_sub = last.as_ref().map(|d| d.sub_type.clone()).unwrap_or_default();
                let last_make = last.as_ref().map(|d| d.make.clone());
                let last_sbis: Option<Vec<String>> =
                    last.as_ref().map(|d| d.sbis.iter().map(|s| s.id.clone()).collect());
                view! {
                    <section class="panel narrow">
                        <h2>"Add a device model"</h2>
                        {move || created().map(|d| view! { <p class="notice" role="status" data-testid="device-created">{format!("{} {} added; it waits for approval.", d.make, d.model)}</p> })}
                        <ActionForm action=create attr:data-testid="device-form">
                            <FormError error/>
                            <SbiChoices sbis here last_sbis error/>
                            <TypeFields types chosen_type last_sub error/>
                            <Field name="make" label="Make" error maxlength=MAX_MAKE_LEN value=last_make.clone().unwrap_or_default()/>
                            <Field name="model" label="Model" error maxlength=MAX_MAKE_LEN node_ref=model_ref/>
                            <button type="submit" class="primary" disabled=move || create.pending().get() data-testid="device-submit">"Add device"</button>
                        </ActionForm>
                    </section>
                }.into_any()
            })}
        </Transition>
    }
}

/// The SBIs a new device works with: the usable ones, those of the last device added checked
/// (else the SBI of the page).
#[component]
fn SbiChoices(
    sbis: Vec<SbiView>,
    /// The SBI of the page.
    here: String,
    /// The SBIs of the device just added, if any.
    last_sbis: Option<Vec<String>>,
    error: Signal<Option<domain::AppError>>,
) -> impl IntoView {
    view! {
        <fieldset>
            <legend>"SBIs it works with"</legend>
            {sbis.into_iter().enumerate().map(|(i, s)| {
                let checked = match &last_sbis {
                    Some(ids) => ids.contains(&s.id),
                    None => s.id == here,
                };
                view! {
                    <label class="check">
                        <input type="checkbox" name=format!("sbi_ids[{i}]") value=s.id.clone() checked=checked data-testid="device-sbi"/>
                        " " {s.version.clone()} <span class="muted">{format!(" (expires {})", human_ms(s.expires_on))}</span>
                    </label>
                }
            }).collect_view()}
            {move || crate::components::form::field_message(error, "sbi_ids").map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
        </fieldset>
    }
}

/// A new device's type and sub-type: the sub-types follow the type chosen.
#[component]
fn TypeFields(
    types: Vec<DeviceTypeOption>,
    chosen_type: RwSignal<String>,
    /// The sub-type of the device just added, chosen again.
    last_sub: String,
    error: Signal<Option<domain::AppError>>,
) -> impl IntoView {
    let type_names: Vec<String> = types.iter().map(|t| t.device_type.clone()).collect();
    let sub_types = move || {
        types
            .iter()
            .find(|t| t.device_type == chosen_type.get())
            .map(|t| t.sub_types.clone())
            .unwrap_or_default()
    };
    view! {
        <div class="field">
            <label for="device-type">"Type"</label>
            <select id="device-type" name="device_type" required data-testid="device-type"
                on:change=move |ev| chosen_type.set(event_target_value(&ev))>
                <option value="">"Choose…"</option>
                {type_names.into_iter().map(|t| {
                    let selected = t == chosen_type.get_untracked();
                    view! { <option value=t.clone() selected=selected>{t.clone()}</option> }
                }).collect_view()}
            </select>
        </div>
        <div class="field">
            <label for="device-subtype">"Sub-type"</label>
            <select id="device-subtype" name="sub_type" required data-testid="device-subtype"
                aria-describedby="device-subtype-error">
                {move || sub_types().into_iter().map(|s| {
                    let selected = s == last_sub;
                    view! { <option value=s.clone() selected=selected>{s.clone()}</option> }
                }).collect_view()}
            </select>
            <div id="device-subtype-error">
                {move || crate::components::form::field_message(error, "sub_type").map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
            </div>
        </div>
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
    let query = use_query_map();
    let link = Action::new(|(device, sbi): &(String, String)| {
        let (device, sbi) = (device.clone(), sbi.clone());
        async move { link_device_sbi(device, sbi).await }
    });
    let retire = ServerAction::<RetireDevice>::new();
    let list = Resource::new(
        move || {
            (
                query.with(|q| {
                    (
                        q.get("status").filter(|s| !s.is_empty()),
                        q.get("page").and_then(|p| p.parse::<i64>().ok()),
                    )
                }),
                link.version().get(),
                retire.version().get(),
            )
        },
        |((status, page), _, _)| {
            my_devices(ItemQuery {
                status,
                sort: Some("-created".into()),
                page,
                page_size: Some(DEVICE_PAGE),
                ..ItemQuery::default()
            })
        },
    );
    let usable = Resource::new(|| (), |_| my_usable_sbis());
    let device = RwSignal::new(None::<String>);
    let linked = move || link.value().get().and_then(|r| r.ok());
    view! {
        <h1>"Your devices"</h1>
        <p class="muted">"Add devices from an approved SBI's page. A device that also works with a newer SBI can be linked to it here."</p>
        {move || linked().map(|d| view! {
            <p class="notice" role="status" data-testid="device-linked">{format!("{} {} now works with SBI {}.", d.make, d.model,
                d.sbis.iter().map(|s| s.version.clone()).collect::<Vec<_>>().join(", "))}</p>
        })}
        <RetireError error=Signal::derive(move || retire.value().get().and_then(|r| r.err())) test_id="device"/>
        {move || retire.value().get().and_then(|r| r.ok()).map(|d| view! {
            <p class="notice" role="status" data-testid="device-retired">{format!("{} {} deactivated.", d.make, d.model)}</p>
        })}
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading devices…"</p> }>
            {move || Suspend::new(async move {
                let usable = usable.await.unwrap_or_default();
                match list.await {
                    Ok(page) => {
                        let ctx = LinkCtx { action: link, device, usable: StoredValue::new(usable) };
                        view! { <DeviceTable page link=ctx retire/> }.into_any()
                    }
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}
