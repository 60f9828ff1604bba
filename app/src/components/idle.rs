//! The warning before an idle session ends: two minutes ahead, with "Stay signed in". The
//! server's deadline is the truth (other tabs count as use too); the browser only times it.

use leptos::prelude::*;

/// How long before the end the warning shows.
#[cfg(feature = "hydrate")]
const WARN_MS: f64 = 120_000.0;

/// The warning dialog; nothing until the browser's timer says so (it renders the same empty
/// markup on the server and before hydration).
#[component]
pub fn IdleWarning() -> impl IntoView {
    let left = RwSignal::new(None::<i64>);
    let watch = Watch::new(left);
    #[cfg(feature = "hydrate")]
    {
        let auth = crate::components::layout::use_auth();
        Effect::new(move |_| {
            if matches!(auth.me.get(), Some(Ok(Some(_)))) {
                watch.check();
            } else {
                watch.stop();
            }
        });
        on_cleanup(move || watch.stop());
    }
    view! {
        {move || left.get().map(|secs| view! {
            <div class="idle-warning" role="alertdialog" aria-labelledby="idle-title" aria-describedby="idle-text" data-testid="idle-warning">
                <h2 id="idle-title">"Are you still there?"</h2>
                <p id="idle-text">{format!(
                    "The portal has not been used for a while. You will be signed out in {}:{:02}.",
                    secs / 60,
                    secs % 60
                )}</p>
                <button type="button" class="primary" data-testid="idle-stay" on:click=move |_| watch.stay()>"Stay signed in"</button>
                " "
                <button type="button" data-testid="idle-sign-out" on:click=move |_| watch.end()>"Sign out now"</button>
            </div>
        })}
    }
}

/// The timer state of one page: the deadline in server time and the browser's clock offset.
#[derive(Clone, Copy)]
struct Watch {
    // Only the browser's timers write it; the server renders it empty.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    left: RwSignal<Option<i64>>,
    #[cfg(feature = "hydrate")]
    state: StoredValue<State>,
}

#[cfg(feature = "hydrate")]
#[derive(Default)]
struct State {
    /// Server time minus browser time, measured at the first answer of this page (and again
    /// after "stay signed in"): the browser's own clock then measures the time that passes,
    /// so a suspended laptop wakes up past its deadline.
    offset: Option<f64>,
    deadline: f64,
    /// The one pending timer: each new one replaces it, so no stale timer lives on.
    timeout: Option<TimeoutHandle>,
}

impl Watch {
    fn new(left: RwSignal<Option<i64>>) -> Watch {
        Watch {
            left,
            #[cfg(feature = "hydrate")]
            state: StoredValue::new(State::default()),
        }
    }
}

#[cfg(not(feature = "hydrate"))]
impl Watch {
    fn stay(self) {}
    fn end(self) {}
}

#[cfg(feature = "hydrate")]
impl Watch {
    fn now() -> f64 {
        js_sys::Date::now()
    }

    fn stop(self) {
        self.state.try_update_value(|s| {
            if let Some(t) = s.timeout.take() {
                t.clear();
            }
        });
        self.left.try_set(None);
    }

    /// Ask the server for the deadline, then plan.
    fn check(self) {
        leptos::task::spawn_local(async move {
            match crate::api::identity::get_session_clock().await {
                Ok(Some(clock)) => self.adopt(clock, false),
                Ok(None) => self.stop(),
                // Offline for a moment: look again in a minute.
                Err(_) => self.after(60_000.0, move || self.check()),
            }
        });
    }

    fn adopt(self, clock: domain::account::SessionClock, resync: bool) {
        let now = Self::now();
        let adopted = self.state.try_update_value(|s| {
            if resync || s.offset.is_none() {
                s.offset = Some(clock.now_ms as f64 - now);
            }
            s.deadline = clock.idle_deadline_ms as f64;
        });
        // A page left behind (its frame disposed) plans nothing.
        if adopted.is_some() {
            self.plan();
        }
    }

    /// Far from the end: look again when the warning is due. Near it: show the time left and
    /// plan again in a second (a chain of single timers, never an interval).
    fn plan(self) {
        let Some(remaining) = self
            .state
            .try_with_value(|s| s.deadline - (Self::now() + s.offset.unwrap_or_default()))
        else {
            return;
        };
        if remaining <= 0.0 {
            self.end();
        } else if remaining > WARN_MS {
            self.left.try_set(None);
            self.after(remaining - WARN_MS, move || self.check());
        } else {
            self.left.try_set(Some((remaining / 1000.0).ceil() as i64));
            self.after(remaining.min(1_000.0), move || self.plan());
        }
    }

    /// Replace the pending timer with one running `f` after `ms`.
    fn after(self, ms: f64, f: impl FnOnce() + 'static) {
        let wait = std::time::Duration::from_millis(ms.max(50.0) as u64);
        let Ok(handle) = set_timeout_with_handle(f, wait) else {
            return;
        };
        let stored = self.state.try_update_value(|s| {
            if let Some(old) = s.timeout.replace(handle) {
                old.clear();
            }
        });
        if stored.is_none() {
            handle.clear();
        }
    }

    fn stay(self) {
        leptos::task::spawn_local(async move {
            match crate::api::identity::stay_signed_in().await {
                Ok(Some(clock)) => self.adopt(clock, true),
                _ => self.end(),
            }
        });
    }

    /// Sign out and start again at the sign-in page, which says why.
    fn end(self) {
        self.stop();
        leptos::task::spawn_local(async move {
            let _ = crate::api::logout().await;
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_href("/login?idle=1");
            }
        });
    }
}
