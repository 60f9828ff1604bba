//! Reading OIDC clients: one, a page of all, a partner's own.

use super::*;

type Row = (
    (String, String, String, String, String),
    (String, String, String, String, String, String, String),
    (String, i64, i64),
);

macro_rules! client_query {
    () => {
        oidc_clients::table
            .inner_join(partners::table)
            .inner_join(policies::table)
    };
}

crate::db::columns_fn! {
    #[allow(clippy::type_complexity)]
    fn columns() -> (
        (
            oidc_clients::id,
            oidc_clients::partner_id,
            partners::organisation,
            oidc_clients::policy_id,
            policies::name,
        ),
        (
            oidc_clients::name,
            oidc_clients::logo_uri,
            oidc_clients::redirect_uris,
            oidc_clients::grant_types,
            oidc_clients::auth_methods,
            oidc_clients::public_key,
            oidc_clients::claims,
        ),
        (
            oidc_clients::acr_values,
            oidc_clients::created_at,
            oidc_clients::updated_at,
        ),
    )
}

fn view(r: Row, status: String) -> ClientView {
    let list = |s: &str| serde_json::from_str::<Vec<String>>(s).unwrap_or_default();
    let (a, b, c) = r;
    ClientView {
        id: a.0,
        partner_id: a.1,
        organisation: a.2,
        policy_id: a.3,
        policy_name: a.4,
        name: b.0,
        logo_uri: b.1,
        redirect_uris: list(&b.2),
        grant_types: list(&b.3),
        auth_methods: list(&b.4),
        public_key: b.5,
        claims: list(&b.6),
        acr_values: list(&c.0),
        status: KeyStatus::parse(&status).unwrap_or(KeyStatus::Deactivated),
        created_at: c.1,
        updated_at: c.2,
        esignet: None,
    }
}

/// One client.
pub fn get(conn: &mut AnyConnection, id: &str) -> AppResult<ClientView> {
    let (row, status): (Row, String) = client_query!()
        .filter(oidc_clients::id.eq(id))
        .select((columns(), oidc_clients::status))
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("The OIDC client"))?;
    Ok(view(row, status))
}

/// One of the signed-in partner's clients (another partner's answers 404).
pub fn get_own(conn: &mut AnyConnection, user: &CurrentUser, id: &str) -> AppResult<ClientView> {
    let me = me(conn, user)?;
    let c = get(conn, id)?;
    if c.partner_id != me.id {
        return Err(AppError::not_found("The OIDC client"));
    }
    Ok(c)
}

/// A page of clients, newest first; `only` restricts to one partner.
pub fn list(
    conn: &mut AnyConnection,
    query: &KeyQuery,
    only: Option<&str>,
) -> AppResult<Page<ClientView>> {
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
    let status = key_status_filter(query.status.as_deref())?;
    let partner = only
        .map(str::to_string)
        .or_else(|| filter_value(&query.partner));
    let policy = filter_value(&query.policy);
    let filtered = || {
        let mut q = client_query!().into_boxed();
        if let Some(s) = status {
            q = q.filter(oidc_clients::status.eq(s.as_str()));
        }
        if let Some(p) = &partner {
            q = q.filter(oidc_clients::partner_id.eq(p.clone()));
        }
        if let Some(p) = &policy {
            q = q.filter(oidc_clients::policy_id.eq(p.clone()));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let q = match query.sort.as_deref() {
        Some("created") => {
            filtered().order((oidc_clients::created_at.asc(), oidc_clients::id.asc()))
        }
        _ => filtered().order((oidc_clients::created_at.desc(), oidc_clients::id.desc())),
    };
    let rows: Vec<(Row, String)> = q
        .select((columns(), oidc_clients::status))
        .limit(size)
        .offset(offset)
        .load(conn)?;
    let items = rows.into_iter().map(|(r, s)| view(r, s)).collect();
    Ok(Page::new(items, total, page_no, size))
}

/// The signed-in partner's clients.
pub fn list_own(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    query: &KeyQuery,
) -> AppResult<Page<ClientView>> {
    let me = me(conn, user)?;
    list(conn, query, Some(&me.id))
}
