//! Dashboard: what the caller's roles let them do.

use crate::components::layout::RequireRole;
use domain::account::CurrentUser;
use leptos::prelude::*;
use leptos_meta::Title;

/// Dashboard for any signed-in account, one card per role held.
#[component]
pub fn Dashboard() -> impl IntoView {
    view! {
        <Title text="Dashboard"/>
        <RequireRole view=|user: CurrentUser| view! { <DashboardBody user/> }/>
    }
}

#[component]
fn DashboardBody(user: CurrentUser) -> impl IntoView {
    view! {
        <h1>"Welcome, " {user.display_name.clone()}</h1>
        <p class="muted">"Signed in as " <strong>{user.email.clone()}</strong></p>
        <div class="cards">
            {user.roles.iter().map(|role| view! {
                <section class="card" data-testid=format!("role-card-{}", role.as_str())>
                    <h2>{role.label()}</h2>
                    <p class="muted"><code>{role.as_str()}</code></p>
                    <ul>
                        {role.capabilities().iter().map(|c| view! { <li>{*c}</li> }).collect_view()}
                    </ul>
                </section>
            }).collect_view()}
        </div>
    }
}
