//! One policy (operators): its document, the actions its state allows (save, publish, revise,
//! discard, delete, deactivate, clone), its versions with a diff between two, and its audit
//! trail.

use crate::api::policies::{
    diff_policy_versions, get_policy, get_policy_audit, get_policy_group_options, ClonePolicy,
    DeactivatePolicy, DeletePolicy, PublishPolicy, RevisePolicy, UpdatePolicy,
};
use crate::components::form::{form_error, FormError};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::pages::admin::audit::AuditTable;
use crate::pages::policy::editor::PolicyEditor;
use crate::pages::policy::list::PolicyBadge;
use crate::util::{human_ms, ms_to_date, now_ms};
use domain::account::CurrentUser;
use domain::policy::{
    DiffLine, PolicyDetail, PolicyStatus, PolicyType, MAX_POLICY_DESCRIPTION_LEN,
    MAX_POLICY_NAME_LEN,
};
use domain::{AppError, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

/// Policy page.
#[component]
pub fn PolicyPage() -> impl IntoView {
    view! {
        <Title text="Policy"/>
        <RequireRole roles=Role::OPERATOR.to_vec() view=|_u: CurrentUser| view! { <PolicyBody/> }/>
    }
}

/// The actions of the page, so any of them refreshes the policy.
#[derive(Clone, Copy)]
struct Actions {
    update: ServerAction<UpdatePolicy>,
    publish: ServerAction<PublishPolicy>,
    revise: ServerAction<RevisePolicy>,
    delete: ServerAction<DeletePolicy>,
    deactivate: ServerAction<DeactivatePolicy>,
    clone: ServerAction<ClonePolicy>,
}

impl Actions {
    /// The page's actions, none run yet.
    fn new() -> Self {
        Actions {
            update: ServerAction::new(),
            publish: ServerAction::new(),
            revise: ServerAction::new(),
            delete: ServerAction::new(),
            deactivate: ServerAction::new(),
            clone: ServerAction::new(),
        }
    }

    /// The last action's error, whichever it was.
    fn error(self) -> Signal<Option<AppError>> {
        let last = move || {
            let err = |r: Option<Result<(), AppError>>| r.and_then(|r| r.err());
            err(self.publish.value().get().map(|r| r.map(|_| ())))
                .or_else(|| err(self.revise.value().get().map(|r| r.map(|_| ()))))
                .or_else(|| err(self.delete.value().get().map(|r| r.map(|_| ()))))
                .or_else(|| err(self.deactivate.value().get().map(|r| r.map(|_| ()))))
                .map(Err::<(), AppError>)
        };
        form_error(last)
    }

    /// What the actions' answers do: a deleted draft leaves the page; each success says so
    /// (the latest message is returned) and bumps `refresh`.
    fn follow(self, refresh: RwSignal<usize>) -> RwSignal<Option<&'static str>> {
        // A deleted draft has no page left: back to the list.
        let navigate = use_navigate();
        Effect::new(move |_| {
            if let Some(Ok(true)) = self.delete.value().get() {
                navigate("/policies?deleted=1", Default::default());
            }
        });
        // The latest successful action's message (each Effect fires when its action answers).
        let done = RwSignal::new(None::<&'static str>);
        let note = move |ok: bool, msg: &'static str| {
            if ok {
                done.set(Some(msg));
                refresh.update(|n| *n += 1);
            }
        };
        Effect::new(move |_| note(ok(self.publish.value().get()), "Published."));
        Effect::new(move |_| note(ok(self.update.value().get()), "Saved."));
        Effect::new(move |_| {
            note(
                ok(self.revise.value().get()),
                "Revision started: edit it below, then publish it as the next version.",
            )
        });
        Effect::new(move |_| note(ok(self.deactivate.value().get()), "Deactivated."));
        Effect::new(move |_| {
            note(
                self.delete.value().get() == Some(Ok(false)),
                "Revision discarded.",
            )
        });
        done
    }
}

fn ok<T>(v: Option<Result<T, AppError>>) -> bool {
    v.is_some_and(|r| r.is_ok())
}

/// The policy, the diff of the versions compared, and its history.
#[component]
fn PolicyBody() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let actions = Actions::new();
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    // Reload after successful actions only: a refused save must keep the author's edits on
    // screen next to its violations.
    let refresh = RwSignal::new(0usize);
    let detail = Resource::new(move || (id(), refresh.get()), |(id, _)| get_policy(id));
    let audit = Resource::new(
        move || (id(), refresh.get()),
        |(id, _)| get_policy_audit(id),
    );
    // Every resource and boundary of the page is made here, not inside a branch that waits
    // for the policy: ids taken inside such a branch on the server need not match the ones the
    // browser takes while hydrating (a hydration panic on every fresh load).
    let groups = Resource::new(|| (), |_| get_policy_group_options());
    let version_param =
        move |k: &'static str| query.with(|q| q.get(k)).and_then(|v| v.parse::<i32>().ok());
    let diff = Resource::new(
        move || {
            (
                id(),
                version_param("from"),
                version_param("to"),
                refresh.get(),
            )
        },
        |(id, from, to, _)| diff_policy_versions(id, from, to),
    );
    let done = actions.follow(refresh);
    let saved = move || {
        query.with(|q| q.get("saved")).map(|s| match s.as_str() {
            "created" => "Draft saved.",
            "cloned" => "Clone created as a new draft.",
            _ => "Saved.",
        })
    };
    view! {
        <p><A href="/policies">"‹ All policies"</A></p>
        {move || done.get().or_else(saved).map(|m| view! { <p class="notice" role="status" data-testid="policy-notice">{m}</p> })}
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading policy…"</p> }>
            {move || Suspend::new(async move {
                let groups = groups.await.unwrap_or_default();
                match detail.await {
                    Ok(d) => view! { <Detail d groups actions/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
        <DiffPanel diff/>
        <section class="panel">
            <h2>"History"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match audit.await {
                        Ok(items) => view! { <AuditTable items/> }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The changes between the two versions compared, when there are any.
#[component]
fn DiffPanel(diff: Resource<Result<Vec<DiffLine>, AppError>>) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match diff.await {
                    Ok(lines) if lines.is_empty() => ().into_any(),
                    Ok(lines) => view! {
                        <section class="panel" aria-labelledby="diff-title">
                            <h2 id="diff-title">"Changes between the versions compared"</h2>
                            <pre class="code diff" data-testid="diff">
                                {lines.into_iter().map(|l| {
                                    let class = match l.op { '+' => "add", '-' => "del", _ => "same" };
                                    view! { <span class=class>{format!("{} {}\n", l.op, l.text)}</span> }
                                }).collect_view()}
                            </pre>
                        </section>
                    }.into_any(),
                    // The page's own panel says what is wrong with the policy itself.
                    Err(e) if e.kind == domain::ErrorKind::NotFound => ().into_any(),
                    Err(e) => view! { <p class="field-error">{e.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The policy: its facts, the actions its state allows, the draft or revision being edited,
/// the live document, its versions and the clone form.
#[component]
fn Detail(
    d: PolicyDetail,
    /// Active groups, for the clone form.
    groups: Vec<domain::partner::PolicyGroupOption>,
    actions: Actions,
) -> impl IntoView {
    let s = d.summary.clone();
    let file_name = format!("{}-v{}.json", s.name, s.version);
    let download = format!(
        "data:application/json;charset=utf-8,{}",
        crate::util::encode_query(&d.document)
    );
    let editable = d.editable_document().map(str::to_string);
    let is_revision = s.status == PolicyStatus::Published && editable.is_some();
    let action_error = actions.error();
    view! {
        <div class="title-row">
            <h1 data-testid="policy-title">{s.name.clone()}</h1>
            <div><PolicyBadge status=s.status revision=s.has_revision/></div>
        </div>
        <dl class="facts">
            <dt>"Type"</dt><dd data-testid="policy-type">{s.policy_type.label()}</dd>
            <dt>"Group"</dt><dd><A href=format!("/policies?group={}", s.group_id)>{s.group_name.clone()}</A></dd>
            <dt>"Description"</dt><dd>{if d.description.is_empty() { "—".to_string() } else { d.description.clone() }}</dd>
            <dt>"Version"</dt><dd data-testid="policy-version">{if s.version == 0 { "not published yet".to_string() } else { format!("v{}", s.version) }}</dd>
            <dt>"Valid"</dt><dd>{match (s.valid_from, s.valid_to) {
                (Some(f), Some(t)) => format!("{} to {}", human_ms(f), human_ms(t)),
                _ => "from publication".to_string(),
            }}</dd>
            <dt>"Created"</dt><dd>{format!("{}{}", human_ms(d.created_at), d.created_by.clone().map(|b| format!(" by {b}")).unwrap_or_default())}</dd>
        </dl>
        <FormError error=action_error/>
        <p class="field-error" data-testid="action-error">{move || action_error.get().filter(|e| e.field.is_some()).map(|e| e.message)}</p>
        <StateActions d=d.clone() actions/>
        {editable.map(|doc| view! { <EditForm d=d.clone() doc revision=is_revision actions/> })}
        {(s.status != PolicyStatus::Draft).then(|| view! {
            <section class="panel">
                <div class="title-row">
                    <h2>{format!("Live document (v{})", s.version)}</h2>
                    <a class="button secondary" href=download download=file_name data-testid="download-live">"Download"</a>
                </div>
                <pre class="code" data-testid="live-document">{d.document.clone()}</pre>
            </section>
        })}
        <Versions d=d.clone()/>
        <CloneForm d groups actions/>
    }
}

/// Publish / revise / discard / delete / deactivate, as the state allows, each confirmed.
#[component]
fn StateActions(d: PolicyDetail, actions: Actions) -> impl IntoView {
    let s = d.summary.clone();
    let id = s.id.clone();
    let default_until = ms_to_date(now_ms() + 365 * 86_400_000);
    let today = ms_to_date(now_ms());
    let publish = match (s.status, s.has_revision) {
        (PolicyStatus::Draft, _) => Some(("Publish", "Publish this draft as version 1? Partners of the group will see it and may request it.".to_string())),
        (PolicyStatus::Published, true) => Some(("Publish revision", format!("Publish the revision as version {}? It replaces version {} for everyone.", s.version + 1, s.version))),
        _ => None,
    };
    let discard = match (s.status, s.has_revision) {
        (PolicyStatus::Draft, _) => {
            Some(("Delete draft", "Delete this draft? This cannot be undone."))
        }
        (PolicyStatus::Published, true) => Some((
            "Discard revision",
            "Discard the revision? The published version stays as it is.",
        )),
        _ => None,
    };
    let revise = s.status == PolicyStatus::Published && !s.has_revision;
    let deactivate = s.status == PolicyStatus::Published;
    view! {
        <div class="decisions" data-testid="policy-actions">
            {publish.map(|(label, confirm)| { let id = id.clone(); view! {
                <details class="confirm">
                    <summary data-testid="publish">{label}</summary>
                    <ActionForm action=actions.publish>
                        <p>{confirm}</p>
                        <input type="hidden" name="id" value=id/>
                        <label for="f-valid_to">"Valid until"</label>
                        <input id="f-valid_to" type="date" name="valid_to" required value=default_until.clone() min=today.clone() data-testid="input-valid_to"/>
                        <button type="submit" class="primary" data-testid="confirm-publish">"Yes, publish"</button>
                    </ActionForm>
                </details>
            }})}
            {revise.then(|| { let id = id.clone(); view! {
                <ActionForm action=actions.revise attr:class="inline">
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" data-testid="revise">"Start a revision"</button>
                </ActionForm>
            }})}
            {discard.map(|(label, confirm)| { let id = id.clone(); view! {
                <details class="confirm">
                    <summary data-testid="discard">{label}</summary>
                    <ActionForm action=actions.delete>
                        <p>{confirm}</p>
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="danger" data-testid="confirm-discard">{format!("Yes, {}", label.to_lowercase())}</button>
                    </ActionForm>
                </details>
            }})}
            {deactivate.then(|| { let id = id.clone(); view! {
                <details class="confirm">
                    <summary data-testid="deactivate">"Deactivate"</summary>
                    <ActionForm action=actions.deactivate>
                        <p>"Deactivate this policy? Partners can no longer request it; it cannot be published again (clone it instead)."</p>
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="danger" data-testid="confirm-deactivate">"Yes, deactivate"</button>
                    </ActionForm>
                </details>
            }})}
        </div>
    }
}

/// The draft (name, description, document) or the revision (document only).
#[component]
fn EditForm(d: PolicyDetail, doc: String, revision: bool, actions: Actions) -> impl IntoView {
    let s = d.summary.clone();
    let error = form_error(move || actions.update.value().get());
    let text = RwSignal::new(doc);
    let kind = Signal::stored(s.policy_type);
    let name_error = move || crate::components::form::field_message(error, "name");
    let file_name = format!("{}.json", s.name);
    view! {
        <section class="panel">
            <h2>{if revision { format!("Revision (will become v{})", s.version + 1) } else { "Draft".to_string() }}</h2>
            <ActionForm action=actions.update attr:data-testid="edit-policy-form">
                <FormError error/>
                <input type="hidden" name="id" value=s.id.clone()/>
                {if revision {
                    view! {
                        <input type="hidden" name="name" value=s.name.clone()/>
                        <input type="hidden" name="description" value=d.description.clone()/>
                    }.into_any()
                } else {
                    view! {
                        <div class="grid2">
                            <div class="field">
                                <label for="f-name">"Name"</label>
                                <input id="f-name" name="name" required value=s.name.clone() maxlength=MAX_POLICY_NAME_LEN data-testid="input-name"/>
                                <p class="field-error" data-testid="error-name">{name_error}</p>
                            </div>
                            <div class="field">
                                <label for="f-description">"Description"</label>
                                <input id="f-description" name="description" value=d.description.clone() maxlength=MAX_POLICY_DESCRIPTION_LEN data-testid="input-description"/>
                            </div>
                        </div>
                    }.into_any()
                }}
                <PolicyEditor kind text error file_name=Signal::stored(file_name)/>
                <button type="submit" class="primary" disabled=move || actions.update.pending().get() data-testid="save-policy">
                    {if revision { "Save revision" } else { "Save draft" }}
                </button>
            </ActionForm>
        </section>
    }
}

/// Published versions and a diff between two of them (chosen in the URL: `?from=1&to=2`).
#[component]
fn Versions(d: PolicyDetail) -> impl IntoView {
    if d.versions.is_empty() {
        return ().into_any();
    }
    let query = use_query_map();
    let newest = d.versions.first().map(|v| v.version).unwrap_or(1);
    let pick = move |k: &'static str, default: i32| {
        query
            .with(|q| q.get(k))
            .and_then(|v| v.parse::<i32>().ok())
            .unwrap_or(default)
    };
    let numbers: Vec<i32> = d.versions.iter().map(|v| v.version).collect();
    let action = format!("/policies/{}", d.summary.id);
    let n1 = numbers.clone();
    view! {
        <section class="panel">
            <h2>"Versions"</h2>
            <table class="list" data-testid="versions-table">
                <thead><tr><th>"Version"</th><th>"Published"</th><th>"By"</th><th>"Valid"</th></tr></thead>
                <tbody>
                    {d.versions.iter().map(|v| view! {
                        <tr data-testid="version-row">
                            <td>{format!("v{}", v.version)}</td>
                            <td>{human_ms(v.published_at)}</td>
                            <td>{v.published_by.clone().unwrap_or_else(|| "system".into())}</td>
                            <td>{format!("{} to {}", human_ms(v.valid_from), human_ms(v.valid_to))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            {(numbers.len() > 1).then(move || view! {
                <Form method="GET" action=action.clone() attr:class="filters" attr:data-testid="diff-form">
                    <label>"Compare"
                        <select name="from" data-testid="diff-from">
                            {n1.iter().map(|n| { let n = *n; view! { <option value=n.to_string() selected=move || pick("from", (newest - 1).max(1)) == n>{format!("v{n}")}</option> } }).collect_view()}
                        </select>
                    </label>
                    <label>"with"
                        <select name="to" data-testid="diff-to">
                            {numbers.iter().map(|n| { let n = *n; view! { <option value=n.to_string() selected=move || pick("to", newest) == n>{format!("v{n}")}</option> } }).collect_view()}
                        </select>
                    </label>
                    <button type="submit" data-testid="diff-show">"Show changes"</button>
                </Form>
            })}
        </section>
    }
    .into_any()
}

/// Clone into a new draft, in this or another active group, with a new name.
#[component]
fn CloneForm(
    d: PolicyDetail,
    groups: Vec<domain::partner::PolicyGroupOption>,
    actions: Actions,
) -> impl IntoView {
    let error = form_error(move || actions.clone.value().get());
    let s = d.summary.clone();
    let name_error = move || crate::components::form::field_message(error, "name");
    let group_error = move || crate::components::form::field_message(error, "group_id");
    view! {
        <section class="panel narrow">
            <details data-testid="clone">
                <summary>"Clone into a new draft"</summary>
                <ActionForm action=actions.clone attr:data-testid="clone-form">
                    <FormError error/>
                    <input type="hidden" name="id" value=s.id.clone()/>
                    <div class="field">
                        <label for="clone-group">"Group"</label>
                        <select id="clone-group" name="group_id" data-testid="clone-group">
                            {groups.into_iter().map(|g| { let sel = g.id == s.group_id; view! { <option value=g.id selected=sel>{g.name}</option> } }).collect_view()}
                        </select>
                        <p class="field-error">{group_error}</p>
                    </div>
                    <div class="field">
                        <label for="clone-name">"New name"</label>
                        <input id="clone-name" name="name" required maxlength=MAX_POLICY_NAME_LEN value=format!("{} (copy)", s.name) data-testid="clone-name"/>
                        <p class="field-error" data-testid="clone-name-error">{name_error}</p>
                    </div>
                    <div class="field">
                        <label for="clone-type">"Type"</label>
                        <select id="clone-type" name="policy_type" data-testid="clone-type">
                            {PolicyType::ALL.iter().map(|t| view! { <option value=t.as_str() selected=*t == s.policy_type>{t.label()}</option> }).collect_view()}
                        </select>
                        <p class="help">"The same type keeps the document; another type starts from that type's template."</p>
                    </div>
                    <button type="submit" class="primary" data-testid="clone-submit">"Create the clone"</button>
                </ActionForm>
            </details>
        </section>
    }
}
