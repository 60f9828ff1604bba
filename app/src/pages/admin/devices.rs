//! Partner admins' queues of SBIs, devices and FTM chips: filter by status (pending by
//! default), provider and type, oldest first; approve, reject with a reason, deactivate with a
//! reason (for an SBI, after seeing how many devices it takes with it).

use crate::api::devices::{
    get_device_types, get_sbi_impact, list_chips, list_devices, list_sbis, DecideChip,
    DecideDevice, DecideSbi,
};
use crate::components::filter::{OrderSelect, QueryParams};
use crate::components::layout::RequireRole;
use crate::components::table::{export_href, query_of, ExportLink, ListState, PagedList};
use crate::pages::device::ItemBadge;
use crate::util::human_ms;
use domain::account::CurrentUser;
use domain::device::{ChipView, DeviceView, ItemQuery, ItemStatus, SbiView};
use domain::partner::MAX_REASON_LEN;
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

const LIST: ListState = ListState::of::<domain::device::Sbis>();

/// Approvals page.
#[component]
pub fn DeviceApprovalsPage() -> impl IntoView {
    view! {
        <Title text="Devices and chips"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <ApprovalsBody/> }/>
    }
}

fn query_from(q: &ParamsMap) -> ItemQuery {
    query_of::<domain::device::Sbis>(q)
}

#[component]
fn ApprovalsBody() -> impl IntoView {
    let params = use_query_map();
    let kind = move || {
        params
            .with(|q| q.get("kind"))
            .unwrap_or_else(|| "sbis".into())
    };
    let q = QueryParams::current();
    // Device types come from the data (the same table the provider's form reads). Loaded in
    // the browser only: the filter works before they arrive ("Any"), and a server-side
    // resource here beside the list's broke hydration.
    let types = LocalResource::new(get_device_types);
    let type_names = move || {
        types
            .get()
            .and_then(Result::ok)
            .map(|ts| ts.into_iter().map(|t| t.device_type).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let tab = move |k: &'static str, label: &'static str| {
        let href = params.with(|q| LIST.href_with(q, "kind", k));
        view! {
            <A href=href attr:role="tab" attr:aria-selected=move || (kind() == k).to_string() attr:data-testid=format!("tab-{k}")>{label}</A>
        }
    };
    view! {
        <h1>"Devices and chips"</h1>
        <noscript><p class="notice" data-testid="devices-noscript">"Approving, rejecting and deactivating SBIs, devices and chips needs JavaScript, which is off: the lists below are read-only without it."</p></noscript>
        <nav class="tabs" role="tablist" aria-label="Kind">
            {tab("sbis", "SBIs")} {tab("devices", "Devices")} {tab("chips", "FTM chips")}
        </nav>
        <Form method="GET" action="/admin/devices" attr:class="filters" attr:role="search">
            <input type="hidden" name="kind" prop:value=kind/>
            <label>"Status"
                <select name="status" data-testid="filter-status" prop:value=q.get("status")>
                    <option value="">"Pending approval"</option>
                    <option value="any" selected=q.is("status", "any")>"Any"</option>
                    {ItemStatus::ALL.into_iter().filter(|s| *s != ItemStatus::PendingApproval).map(|s| view! {
                        <option value=s.as_str() selected=q.is("status", s.as_str())>{s.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Provider (partner id)" <input type="search" name="partner" data-testid="filter-partner" value=q.get("partner") prop:value=q.get("partner")/></label>
            <input type="hidden" name="sbi" value=q.get("sbi") prop:value=q.get("sbi")/>
            // Hidden (not removed) on the SBI and chip tabs, whose lists have no type.
            <label hidden=move || kind() != "devices">"Device type"
                <select name="type" data-testid="filter-type" prop:value=q.get("type")>
                    <option value="">"Any"</option>
                    {move || type_names().into_iter().map(|t| view! { <option value=t.clone() selected=q.is("type", &t)>{t.clone()}</option> }).collect_view()}
                </select>
            </label>
            <OrderSelect newest="-created"/>
            <button type="submit" data-testid="filter-apply">"Apply"</button>
        </Form>
        {move || (kind() == "devices" && !q.get("sbi")().is_empty()).then(|| {
            let all = params.with(|q| LIST.href_with(q, "sbi", ""));
            view! { <p class="notice" data-testid="sbi-filter">"Showing the devices linked to one SBI. " <A href=all>"Show all devices"</A></p> }
        })}
        <ExportLink href=Signal::derive(move || {
            let list = match kind().as_str() { "devices" => "devices", "chips" => "chips", _ => "sbis" };
            export_href(list, &params.with(query_from))
        })/>
        {move || match kind().as_str() {
            "devices" => view! { <Devices/> }.into_any(),
            "chips" => view! { <Chips/> }.into_any(),
            _ => view! { <Sbis/> }.into_any(),
        }}
    }
}

#[component]
fn Sbis() -> impl IntoView {
    let params = use_query_map();
    let decide = ServerAction::<DecideSbi>::new();
    let list = Resource::new(
        move || (params.with(query_from), decide.version().get()),
        |(q, _)| list_sbis(q),
    );
    let error = move || decide.value().get().and_then(|r| r.err());
    let done = move || decide.value().get().and_then(|r| r.ok());
    view! {
        <div role="alert" data-testid="decision-error">{move || error().map(|e| view! { <p class="alert">{e.message}</p> })}</div>
        {move || done().map(|(s, impact)| view! {
            <p class="notice" role="status" data-testid="decision-done">
                {format!("SBI {} is now {}.", s.version, s.status.label().to_lowercase())}
                {(impact.devices_deactivated + impact.devices_rejected > 0).then(|| format!(" {} device(s) deactivated, {} rejected.", impact.devices_deactivated, impact.devices_rejected))}
            </p>
        })}
        <PagedList list state=LIST loading="Loading SBIs…" empty_id="queue-empty" empty="Nothing here."
            render={move |items| sbi_table(items, decide)}/>
    }
}

/// The SBI queue's rows, each with its decision forms.
fn sbi_table(items: Vec<SbiView>, decide: ServerAction<DecideSbi>) -> impl IntoView {
    view! {
        <table class="list" data-testid="sbi-queue">
            <thead><tr><th>"Provider"</th><th>"Version"</th><th>"Hash"</th><th>"Expires"</th><th>"Devices"</th><th>"Status"</th><th>"Submitted"</th><th>"Decision"</th></tr></thead>
            <tbody>
                {items.into_iter().map(|s| view! {
                    <tr data-testid="queue-row">
                        <td>{s.organisation.clone()} <span class="muted">" " {s.partner_id.clone()}</span></td>
                        <td data-testid="queue-name">{s.version.clone()}</td>
                        <td class="mono">{s.binary_hash.chars().take(16).collect::<String>()} "…"</td>
                        <td>{human_ms(s.expires_on)}</td>
                        <td><A href=format!("/admin/devices?kind=devices&status=any&sbi={}", s.id) attr:data-testid="sbi-devices">{format!("{} device(s)", s.devices)}</A></td>
                        <td><ItemBadge status=s.status/> {s.reason.clone().map(|r| view! { <span class="muted">" " {r}</span> })}</td>
                        <td>{human_ms(s.created_at)}</td>
                        <td class="actions"><SbiDecide id=s.id.clone() status=s.status decide/></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The decision forms for one SBI; its deactivation says first what it takes with it.
#[component]
fn SbiDecide(id: String, status: ItemStatus, decide: ServerAction<DecideSbi>) -> impl IntoView {
    // Asked when the deactivation is opened (an action: rows render inside a suspended list,
    // where creating a resource would break hydration).
    let impact = Action::new(|id: &String| {
        let id = id.clone();
        async move { get_sbi_impact(id).await }
    });
    let impact_id = id.clone();
    view! {
        <DecisionForms id status
            approve=Callback::new(move |(id, decision, reason): (String, String, Option<String>)| {
                decide.dispatch(DecideSbi { id, decision, reason });
            })
            on_open_deactivate=Callback::new(move |_| { impact.dispatch(impact_id.clone()); })
            // The counts shown must be this opening's: not while a new request runs.
            deactivate_ready=Signal::derive(move || matches!(impact.value().get(), Some(Ok(_))) && !impact.pending().get())
            deactivate_warning=Signal::derive(move || impact.value().get().map(|r| match r {
                Ok(i) => format!(
                    "Deactivating it also deactivates {} approved device(s) and rejects {} pending device(s) that depend on it alone.",
                    i.devices_deactivated, i.devices_rejected
                ),
                Err(e) => format!("Could not tell what it would affect: {} Close and open again to retry.", e.message),
            }))/>
    }
}

/// Approve, reject and deactivate controls, each posting through `approve` (id, decision,
/// reason).
#[component]
fn DecisionForms(
    id: String,
    status: ItemStatus,
    approve: Callback<(String, String, Option<String>)>,
    #[prop(optional)] on_open_deactivate: Option<Callback<()>>,
    #[prop(optional, into)] deactivate_warning: Option<Signal<Option<String>>>,
    /// When given, deactivation is offered only once this is true (its impact is known).
    #[prop(optional, into)]
    deactivate_ready: Option<Signal<bool>>,
) -> impl IntoView {
    let reject_reason = RwSignal::new(String::new());
    let deactivate_reason = RwSignal::new(String::new());
    let deactivate_open = RwSignal::new(false);
    let pending = matches!(
        status,
        ItemStatus::PendingApproval | ItemStatus::PendingCertUpload
    );
    let (id1, id2, id3) = (id.clone(), id.clone(), id);
    view! {
        {(status == ItemStatus::PendingApproval).then(|| view! {
            <button type="button" class="primary" data-testid="approve"
                on:click=move |_| approve.run((id1.clone(), "approve".into(), None))>"Approve"</button>
        })}
        {pending.then(|| view! {
            <details class="confirm">
                <summary data-testid="reject">"Reject"</summary>
                <label>"Reason (the provider sees it)"
                    <textarea maxlength=MAX_REASON_LEN data-testid="reject-reason" prop:value=move || reject_reason.get()
                        on:input=move |ev| reject_reason.set(event_target_value(&ev))></textarea></label>
                <button type="button" class="danger" data-testid="reject-confirm"
                    on:click=move |_| approve.run((id2.clone(), "reject".into(), Some(reject_reason.get_untracked())))>"Reject"</button>
            </details>
        })}
        {(status == ItemStatus::Approved).then(|| view! {
            <details class="confirm" on:toggle=move |_| {
                // Each toggle event flips it: asked on opening only, not on closing.
                deactivate_open.update(|o| *o = !*o);
                if let (true, Some(cb)) = (deactivate_open.get_untracked(), on_open_deactivate) { cb.run(()) }
            }>
                <summary data-testid="deactivate">"Deactivate"</summary>
                {move || deactivate_warning.and_then(|w| w.get()).map(|w| view! { <p class="alert" data-testid="deactivate-impact">{w}</p> })}
                <label>"Reason (the provider sees it)"
                    <textarea maxlength=MAX_REASON_LEN data-testid="deactivate-reason" prop:value=move || deactivate_reason.get()
                        on:input=move |ev| deactivate_reason.set(event_target_value(&ev))></textarea></label>
                <button type="button" class="danger" data-testid="deactivate-confirm"
                    disabled=move || deactivate_ready.is_some_and(|r| !r.get())
                    on:click=move |_| approve.run((id3.clone(), "deactivate".into(), Some(deactivate_reason.get_untracked())))>"Deactivate"</button>
            </details>
        })}
    }
}

#[component]
fn Devices() -> impl IntoView {
    let params = use_query_map();
    let decide = ServerAction::<DecideDevice>::new();
    let list = Resource::new(
        move || (params.with(query_from), decide.version().get()),
        |(q, _)| list_devices(q),
    );
    let error = move || decide.value().get().and_then(|r| r.err());
    let done = move || decide.value().get().and_then(|r| r.ok());
    view! {
        <div role="alert" data-testid="decision-error">{move || error().map(|e| view! { <p class="alert">{e.message}</p> })}</div>
        {move || done().map(|d| view! { <p class="notice" role="status" data-testid="decision-done">{format!("{} {} is now {}.", d.make, d.model, d.status.label().to_lowercase())}</p> })}
        <PagedList list state=LIST loading="Loading devices…" empty_id="queue-empty" empty="Nothing here."
            render={move |items| device_table(items, decide)}/>
    }
}

/// The device queue's rows, each with its decision forms.
fn device_table(items: Vec<DeviceView>, decide: ServerAction<DecideDevice>) -> impl IntoView {
    view! {
        <table class="list" data-testid="device-queue">
            <thead><tr><th>"Provider"</th><th>"Type"</th><th>"Make"</th><th>"Model"</th><th>"SBIs"</th><th>"Status"</th><th>"Submitted"</th><th>"Decision"</th></tr></thead>
            <tbody>
                {items.into_iter().map(|d| {
                    let cb = Callback::new(move |(id, decision, reason): (String, String, Option<String>)| {
                        decide.dispatch(DecideDevice { id, decision, reason });
                    });
                    view! {
                        <tr data-testid="queue-row">
                            <td>{d.organisation.clone()} <span class="muted">" " {d.partner_id.clone()}</span></td>
                            <td>{format!("{} / {}", d.device_type, d.sub_type)}</td>
                            <td>{d.make.clone()}</td>
                            <td data-testid="queue-name">{d.model.clone()}</td>
                            <td>{d.sbis.iter().map(|s| format!("{} ({})", s.version, s.status.label().to_lowercase())).collect::<Vec<_>>().join(", ")}</td>
                            <td><ItemBadge status=d.status/> {d.reason.clone().map(|r| view! { <span class="muted">" " {r}</span> })}</td>
                            <td>{human_ms(d.created_at)}</td>
                            <td class="actions"><DecisionForms id=d.id.clone() status=d.status approve=cb/></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn Chips() -> impl IntoView {
    let params = use_query_map();
    let decide = ServerAction::<DecideChip>::new();
    let list = Resource::new(
        move || (params.with(query_from), decide.version().get()),
        |(q, _)| list_chips(q),
    );
    let error = move || decide.value().get().and_then(|r| r.err());
    let done = move || decide.value().get().and_then(|r| r.ok());
    view! {
        <div role="alert" data-testid="decision-error">{move || error().map(|e| view! { <p class="alert">{e.message}</p> })}</div>
        {move || done().map(|c| view! { <p class="notice" role="status" data-testid="decision-done">{format!("{} {} is now {}.", c.make, c.model, c.status.label().to_lowercase())}</p> })}
        <PagedList list state=LIST loading="Loading chips…" empty_id="queue-empty" empty="Nothing here."
            render={move |items| chip_table(items, decide)}/>
    }
}

/// The chip queue's rows, each with its certificate and decision forms.
fn chip_table(items: Vec<ChipView>, decide: ServerAction<DecideChip>) -> impl IntoView {
    view! {
        <table class="list" data-testid="chip-queue">
            <thead><tr><th>"Provider"</th><th>"Make"</th><th>"Model"</th><th>"Certificate"</th><th>"Status"</th><th>"Submitted"</th><th>"Decision"</th></tr></thead>
            <tbody>
                {items.into_iter().map(|c| {
                    let cb = Callback::new(move |(id, decision, reason): (String, String, Option<String>)| {
                        decide.dispatch(DecideChip { id, decision, reason });
                    });
                    view! {
                        <tr data-testid="queue-row">
                            <td>{c.organisation.clone()} <span class="muted">" " {c.partner_id.clone()}</span></td>
                            <td>{c.make.clone()}</td>
                            <td data-testid="queue-name">{c.model.clone()}</td>
                            <td><ChipCert chip=c.clone()/></td>
                            <td><ItemBadge status=c.status/> {c.reason.clone().map(|r| view! { <span class="muted">" " {r}</span> })}</td>
                            <td>{human_ms(c.created_at)}</td>
                            <td class="actions"><DecisionForms id=c.id.clone() status=c.status approve=cb/></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A chip's certificate: subject, validity and, on demand, both PEM downloads.
#[component]
fn ChipCert(chip: ChipView) -> impl IntoView {
    let Some(subject) = chip.cert_subject.clone() else {
        return view! { <span class="muted">"not uploaded"</span> }.into_any();
    };
    let certs = crate::pages::device::chip_certs_action();
    let expired = chip
        .cert_not_after
        .is_some_and(|t| t < crate::util::now_ms());
    let stem = format!("{}-{}", chip.make, chip.model).replace(' ', "_");
    let id = chip.id.clone();
    view! {
        {subject}
        {chip.cert_not_after.map(|t| view! {
            <span class=if expired { "badge bad" } else { "muted" } data-testid="chip-cert-validity">
                {if expired { format!(" expired {}", human_ms(t)) } else { format!(" until {}", human_ms(t)) }}
            </span>
        })}
        " "
        <button type="button" class="link" data-testid="chip-certs" on:click=move |_| { certs.dispatch(id.clone()); }>"Certificates…"</button>
        " "
        <crate::pages::device::ChipCertDownloads certs stem/>
    }
    .into_any()
}
