//! The inbox's state: the list and the cursor in it, the selections, the current item's facts,
//! the two kinds of decision, and the keyboard shortcuts.

use super::{inbox_query, key_of, stale, Key, Outcome};
use crate::api::triage::{get_inbox_detail, inbox_bulk, inbox_decide, inbox_list};
use domain::inbox::{InboxDetail, InboxItem, InboxPage, ItemOutcome, ItemRef};
use domain::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

pub(super) type DecideAction =
    Action<(InboxItem, bool, Option<String>), (InboxItem, bool, Result<(), AppError>)>;
pub(super) type BulkAction =
    Action<(Vec<ItemRef>, bool, Option<String>), Result<Vec<ItemOutcome>, AppError>>;

/// The page's state, shared by its parts: the list and the cursor in it, the selections, the
/// current item's facts, the reasons typed and the two kinds of decision.
#[derive(Clone, Copy)]
pub(super) struct Inbox {
    pub(super) params: Memo<ParamsMap>,
    /// Bumped after every decision: the list and the pane reload without a page load.
    pub(super) version: RwSignal<u32>,
    pub(super) list: Resource<Result<InboxPage, AppError>>,
    pub(super) items: RwSignal<Vec<InboxItem>>,
    pub(super) cursor: RwSignal<usize>,
    pub(super) checked: RwSignal<Vec<Key>>,
    pub(super) help: RwSignal<bool>,
    pub(super) reason: RwSignal<String>,
    pub(super) bulk_reason: RwSignal<String>,
    pub(super) outcome: RwSignal<Option<Outcome>>,
    pub(super) bulk_results: RwSignal<Option<Vec<(ItemOutcome, String)>>>,
    pub(super) reason_ref: NodeRef<leptos::html::Textarea>,
    pub(super) selected: Memo<Option<InboxItem>>,
    pub(super) detail: Resource<Result<Option<InboxDetail>, AppError>>,
    pub(super) decide: DecideAction,
    pub(super) bulk: BulkAction,
}

impl Inbox {
    /// The state, its resources made in the page's order (the list, then the current item's).
    pub(super) fn new() -> Self {
        let params = use_query_map();
        let version = RwSignal::new(0_u32);
        let list = Resource::new(
            move || (params.with(inbox_query), version.get()),
            |(q, _)| inbox_list(q),
        );
        let items = RwSignal::new(Vec::<InboxItem>::new());
        let cursor = RwSignal::new(0_usize);
        let selected = Memo::new(move |_| items.with(|v| v.get(cursor.get()).cloned()));
        let detail = Resource::new(
            move || (selected.get().map(|i| key_of(&i)), version.get()),
            |(sel, _)| async move {
                match sel {
                    Some((kind, id)) => get_inbox_detail(kind, id).await.map(Some),
                    None => Ok(None),
                }
            },
        );
        let decide = Action::new(
            move |(item, approve, why): &(InboxItem, bool, Option<String>)| {
                let (item, approve, why) = (item.clone(), *approve, why.clone());
                async move {
                    let r = inbox_decide(
                        item.kind.as_str().to_string(),
                        item.id.clone(),
                        approve,
                        why,
                    )
                    .await;
                    (item, approve, r)
                }
            },
        );
        let bulk = Action::new(
            move |(refs, approve, why): &(Vec<ItemRef>, bool, Option<String>)| {
                let (refs, approve, why) = (refs.clone(), *approve, why.clone());
                async move { inbox_bulk(refs, approve, why).await }
            },
        );
        Inbox {
            params,
            version,
            list,
            items,
            cursor,
            checked: RwSignal::new(Vec::new()),
            help: RwSignal::new(false),
            reason: RwSignal::new(String::new()),
            bulk_reason: RwSignal::new(String::new()),
            outcome: RwSignal::new(None),
            bulk_results: RwSignal::new(None),
            reason_ref: NodeRef::new(),
            selected,
            detail,
            decide,
            bulk,
        }
    }

    /// Keeps the items, the cursor and the selections in step with each new page.
    pub(super) fn follow_list(self) {
        let Inbox {
            list,
            items,
            cursor,
            checked,
            ..
        } = self;
        Effect::new(move |_| {
            if let Some(Ok(page)) = list.get() {
                let n = page.page.items.len();
                items.set(page.page.items);
                if cursor.get_untracked() >= n {
                    cursor.set(n.saturating_sub(1));
                }
                // Selections of items no longer listed are dropped.
                let keys: Vec<Key> = items.with_untracked(|v| v.iter().map(key_of).collect());
                checked.update(|c| c.retain(|k| keys.contains(k)));
            }
        });
    }

    /// Reports each decision on the current item and reloads what it changed.
    pub(super) fn follow_decisions(self) {
        let Inbox {
            decide,
            outcome,
            reason,
            version,
            reason_ref,
            ..
        } = self;
        Effect::new(move |_| {
            if let Some((item, approve, r)) = decide.value().get() {
                match r {
                    Ok(()) => {
                        outcome.set(Some(Outcome::Done(format!(
                            "{} — {}: {}.",
                            item.title,
                            item.organisation,
                            if approve { "approved" } else { "rejected" }
                        ))));
                        reason.set(String::new());
                        version.update(|v| *v += 1);
                    }
                    Err(e) => {
                        let stale = stale(&e);
                        if e.field.as_deref() == Some("reason") {
                            if let Some(el) = reason_ref.get_untracked() {
                                let _ = el.focus();
                            }
                        }
                        outcome.set(Some(Outcome::Refused(e)));
                        if stale {
                            // Someone else decided it: show the list as it is now.
                            version.update(|v| *v += 1);
                        }
                    }
                }
            }
        });
    }

    /// Shows a bulk decision's result per item (named by title) and reloads the list.
    pub(super) fn follow_bulk(self) {
        let Inbox {
            bulk,
            items,
            bulk_results,
            checked,
            bulk_reason,
            outcome,
            version,
            ..
        } = self;
        Effect::new(move |_| {
            if let Some(r) = bulk.value().get() {
                match r {
                    Ok(results) => {
                        let titles = items.get_untracked();
                        let named = results
                            .into_iter()
                            .map(|o| {
                                let title = titles
                                    .iter()
                                    .find(|i| i.kind.as_str() == o.kind && i.id == o.id)
                                    .map(|i| format!("{} — {}", i.title, i.organisation))
                                    .unwrap_or_else(|| format!("{} {}", o.kind, o.id));
                                (o, title)
                            })
                            .collect();
                        bulk_results.set(Some(named));
                        checked.set(Vec::new());
                        bulk_reason.set(String::new());
                        outcome.set(None);
                        version.update(|v| *v += 1);
                    }
                    Err(e) => outcome.set(Some(Outcome::Refused(e))),
                }
            }
        });
    }

    /// Approves or rejects the current item, with the reason typed if any.
    pub(super) fn act(self, approve: bool) {
        if let Some(item) = self.selected.get_untracked() {
            let why = self.reason.get_untracked();
            let why = (!why.trim().is_empty()).then_some(why);
            self.decide.dispatch((item, approve, why));
        }
    }

    /// Approves or rejects every selected item, with the bulk reason if any.
    pub(super) fn act_bulk(self, approve: bool) {
        let refs: Vec<ItemRef> = self
            .checked
            .get_untracked()
            .into_iter()
            .map(|(kind, id)| ItemRef { kind, id })
            .collect();
        let why = self.bulk_reason.get_untracked();
        let why = (!why.trim().is_empty()).then_some(why);
        self.bulk.dispatch((refs, approve, why));
    }

    /// Selects `k` for a bulk decision, or drops it when it was selected.
    pub(super) fn toggle(self, k: Key) {
        self.checked.update(|c| {
            if let Some(p) = c.iter().position(|x| *x == k) {
                c.remove(p);
            } else {
                c.push(k);
            }
        });
    }

    /// Whether the last refusal was about the reason.
    pub(super) fn reason_refused(self) -> bool {
        self.outcome.with(
            |o| matches!(o, Some(Outcome::Refused(e)) if e.field.as_deref() == Some("reason")),
        )
    }

    /// The keyboard shortcuts, for as long as the page is shown.
    #[cfg(feature = "hydrate")]
    pub(super) fn shortcuts(self) {
        let handle = window_event_listener(leptos::ev::keydown, move |e| self.on_key(&e));
        on_cleanup(move || handle.remove());
    }

    /// One key press: a shortcut unless the author is typing.
    #[cfg(feature = "hydrate")]
    fn on_key(self, e: &leptos::web_sys::KeyboardEvent) {
        if e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        let key = e.key();
        if typing() {
            if key == "Escape" {
                if let Some(el) = self.reason_ref.get_untracked() {
                    let _ = el.blur();
                }
            }
            return;
        }
        let n = self.items.with_untracked(Vec::len);
        match key.as_str() {
            "j" | "ArrowDown" if n > 0 => {
                self.cursor.update(|c| *c = (*c + 1).min(n - 1));
                e.prevent_default();
            }
            "k" | "ArrowUp" if n > 0 => {
                self.cursor.update(|c| *c = c.saturating_sub(1));
                e.prevent_default();
            }
            "a" => self.act(true),
            "r" => {
                if let Some(el) = self.reason_ref.get_untracked() {
                    let _ = el.focus();
                }
                e.prevent_default();
            }
            "x" | " " => {
                if let Some(item) = self.selected.get_untracked() {
                    self.toggle(key_of(&item));
                    e.prevent_default();
                }
            }
            "?" => self.help.update(|h| *h = !*h),
            "Escape" => self.help.set(false),
            _ => {}
        }
    }
}

/// Whether the focus is in a field that takes typing (a reason or a filter), where keys are
/// not shortcuts. A checkbox or button with focus still lets the shortcuts work.
#[cfg(feature = "hydrate")]
fn typing() -> bool {
    document()
        .active_element()
        .map(|el| match el.tag_name().as_str() {
            "TEXTAREA" | "SELECT" => true,
            "INPUT" => !matches!(
                el.get_attribute("type").as_deref(),
                Some("checkbox" | "radio" | "button" | "submit")
            ),
            _ => false,
        })
        .unwrap_or(false)
}
