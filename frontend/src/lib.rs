//! Browser entry point: hydrates the server-rendered page.

/// Called by the hydration script that the server page includes. Hydration is asynchronous:
/// it first loads the WASM chunk of the page being shown (see `app::routes`).
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // An error only means the executor was already started.
    _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let body = leptos::prelude::document().body();
        if let Some(body) = body {
            leptos::mount::hydrate_from_async(body, app::App)
                .await
                .forget();
            app::mark_hydrated_when_settled();
        }
    });
}
