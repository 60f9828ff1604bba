//! The one place server functions check who is calling (role and session), on the server.

use crate::state::{AppState, ClientAddr, RequestSession};
use domain::account::CurrentUser;
use domain::session::Session;
use domain::{AppError, Role};
use http::request::Parts;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

/// Server state from context.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from context");
        AppError::internal()
    })
}

fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// The request id set by the server's request-id layer.
pub fn request_id() -> Option<String> {
    parts().and_then(|p| {
        p.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    })
}

/// Client address and user agent of this request.
pub fn client_info() -> domain::auth::ClientInfo {
    let parts = parts();
    let ip = parts
        .as_ref()
        .and_then(|p| p.extensions.get::<ClientAddr>().map(|c| c.0.to_string()));
    let user_agent = parts.as_ref().and_then(|p| {
        p.headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    });
    domain::auth::ClientInfo {
        ip,
        user_agent,
        request_id: request_id(),
    }
}

/// The caller's session, if signed in.
pub fn session() -> Option<Session> {
    parts()
        .and_then(|p| p.extensions.get::<RequestSession>().cloned())
        .and_then(|s| s.0)
}

/// The signed-in caller, or 401; 403 while the account has new terms of use to accept or a
/// second factor its role needs to set up (the pages send it to `/terms` or
/// `/account/two-factor` first; this holds the same for a direct call).
pub fn require_user() -> Result<CurrentUser, AppError> {
    let user = user_with_terms()?;
    if user.two_factor_setup_needed {
        return Err(fail_status(domain::account::two_factor_setup_needed()));
    }
    Ok(user)
}

fn user_with_terms() -> Result<CurrentUser, AppError> {
    let user = signed_in_user()?;
    if user.terms_to_accept.is_some() {
        return Err(fail_status(domain::account::terms_not_accepted()));
    }
    Ok(user)
}

fn signed_in_user() -> Result<CurrentUser, AppError> {
    session()
        .map(|s| s.user)
        .ok_or_else(|| fail_status(AppError::unauthenticated()))
}

/// The signed-in caller holding one of `roles`, or 401/403.
pub fn require_role(roles: &[Role]) -> Result<CurrentUser, AppError> {
    let user = require_user()?;
    if user.has_any(roles) {
        Ok(user)
    } else {
        tracing::info!(account = %user.id, needed = ?roles, "forbidden");
        Err(fail_status(AppError::forbidden()))
    }
}

/// Partner admins only.
pub const ADMIN: &[Role] = &[Role::PartnerAdmin];

/// Who is calling, as the domain needs it: the signed-in account, and the same account as
/// the audit actor of this request (with its request id).
pub struct Caller {
    /// The signed-in account.
    pub user: CurrentUser,
    /// The account as the audit actor of this request.
    pub actor: domain::audit::Actor,
}

impl Caller {
    fn of(user: CurrentUser) -> Caller {
        let actor =
            domain::audit::Actor::account(&user.id, &user.email).with_request_id(request_id());
        Caller { user, actor }
    }

    /// The signed-in caller holding one of `roles`, or 401/403 as the server function's
    /// answer. For a server function with work of its own between the check and the database
    /// (which it then runs with [`open`]); otherwise [`call`] does both.
    pub fn with_role(roles: &[Role]) -> Result<Caller, AppError> {
        require_role(roles).map(Caller::of).map_err(fail)
    }

    /// Any signed-in caller, or 401 as the server function's answer (see [`Caller::with_role`]).
    pub fn signed_in() -> Result<Caller, AppError> {
        require_user().map(Caller::of).map_err(fail)
    }

    /// Any signed-in caller, even one with terms still to accept: only for reading and
    /// accepting the terms.
    pub fn before_terms() -> Result<Caller, AppError> {
        signed_in_user().map(Caller::of).map_err(fail)
    }

    /// Any signed-in caller that accepted the terms, even one with a second factor still to
    /// set up: only for setting it up.
    pub fn before_second_factor() -> Result<Caller, AppError> {
        user_with_terms().map(Caller::of).map_err(fail)
    }
}

/// The usual server function: a caller holding one of `roles` (else 401/403), then `f` on a
/// database connection off the async workers. Any error is the server function's answer
/// (through [`fail`], once).
pub async fn call<T, F>(roles: &[Role], f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut domain::db::AnyConnection, &Caller) -> Result<T, AppError> + Send + 'static,
{
    let me = Caller::with_role(roles)?;
    open(move |conn| f(conn, &me)).await
}

/// A declared list's server function: the list's own roles (else 401/403), then the list.
pub async fn list<L: domain::list::List>(query: L::Query) -> Result<L::Out, AppError> {
    call(L::ROLES, move |conn, _| L::run(conn, &query)).await
}

/// [`call`] for any signed-in account (401 otherwise).
pub async fn signed_in<T, F>(f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut domain::db::AnyConnection, &Caller) -> Result<T, AppError> + Send + 'static,
{
    let me = Caller::signed_in()?;
    open(move |conn| f(conn, &me)).await
}

/// `f` on a database connection off the async workers, with no caller check: for public
/// calls and for server functions that check their caller themselves. Any error is the
/// server function's answer (through [`fail`], once).
pub async fn open<T, F>(f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut domain::db::AnyConnection) -> Result<T, AppError> + Send + 'static,
{
    db(f).await.map_err(fail)
}

/// Set the HTTP status matching the error and attach the request id.
fn fail_status(mut err: AppError) -> AppError {
    if let Some(res) = use_context::<ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(err.status()) {
            res.set_status(status);
        }
    }
    if err.request_id.is_none() {
        err.request_id = request_id();
    }
    err
}

/// Turn an error into the server function's answer. For a plain HTML form post (no WASM yet)
/// the browser is sent back to the form's page, which shows the error; otherwise the error
/// goes back as JSON with its real status. Only a POST to a server function is a form post:
/// a page being rendered (which calls server functions in-process, with the page's own
/// `Accept: text/html`) shows its error panel instead of being redirected away.
pub fn fail(err: AppError) -> AppError {
    let err = fail_status(err);
    let plain_form = parts().is_some_and(|p| {
        p.method == http::Method::POST
            && p.uri.path().starts_with("/api/")
            && p.headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|s| s.contains("text/html"))
    });
    if plain_form {
        let back = parts()
            .and_then(|p| p.headers.get(http::header::REFERER).cloned())
            .and_then(|v| v.to_str().ok().map(str::to_string))
            .and_then(|r| local_path(&r))
            .unwrap_or_else(|| "/".to_string());
        let (base, query) = back.split_once('?').unwrap_or((&back, ""));
        // Keep the page's own parameters (e.g. `next` on sign-in), replacing an older error.
        let kept: Vec<&str> = query
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("error=") && !p.starts_with("field="))
            .collect();
        let mut url = format!("{base}?");
        for pair in kept {
            url.push_str(pair);
            url.push('&');
        }
        // The message travels in a short-lived cookie named by a fresh nonce, and the URL
        // carries only the nonce: a crafted `?error=` link shows nothing.
        let nonce: String = domain::session::new_token().chars().take(16).collect();
        url.push_str(&format!("error={nonce}"));
        let flash =
            crate::components::form::flash_value(&nonce, err.field.as_deref(), &err.message);
        set_header(
            http::header::SET_COOKIE,
            &format!(
                "{}={flash}; Path=/; Max-Age=120; SameSite=Lax",
                crate::components::form::FLASH_COOKIE
            ),
        );
        leptos_axum::redirect(&url);
    }
    err
}

/// The path and query of a same-site URL (so redirects never leave the portal).
pub fn local_path(url: &str) -> Option<String> {
    let path = match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            &rest[rest.find('/')?..]
        }
        None => url,
    };
    crate::util::safe_next(path)
}

/// Run blocking database work for a server function.
async fn db<T, F>(f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut domain::db::AnyConnection) -> Result<T, AppError> + Send + 'static,
{
    let state = state()?;
    domain::db::run(&state.pool, f).await
}

/// The value of the request's cookie `name`, if sent.
pub fn cookie(name: &str) -> Option<String> {
    parts().and_then(|p| cookie_in(&p.headers, name))
}

/// The value of cookie `name` in these request headers (the first one sent), if any.
pub fn cookie_in(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}

/// Set a response header.
pub fn set_header(name: http::HeaderName, value: &str) {
    if let (Some(res), Ok(value)) = (
        use_context::<ResponseOptions>(),
        http::HeaderValue::from_str(value),
    ) {
        res.append_header(name, value);
    }
}

/// Wait for a turn at password hashing. argon2id takes ~19 MiB and a core for tens of
/// milliseconds; more hashes at once than cores only add memory, never throughput.
pub async fn hashing_permit() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let sem = PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        tokio::sync::Semaphore::new(cores)
    });
    sem.acquire().await.map_err(|_| AppError::internal())
}
