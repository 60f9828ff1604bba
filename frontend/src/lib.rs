//! Browser entry point: hydrates the server-rendered page.

/// Called by the hydration script that the server page includes.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    app::mark_hydrated_when_settled();
}
