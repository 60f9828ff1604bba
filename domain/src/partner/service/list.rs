//! The partner list of the admin pages and of MOSIP's list calls.

use super::*;

/// The database backend of boxed queries.
type Backend = <AnyConnection as diesel::Connection>::Backend;
/// A boxed query on partners.
type Partners<'a> = partners::BoxedQuery<'a, Backend>;

/// The text columns MOSIP's list filters on.
#[derive(Clone, Copy)]
enum Column {
    Id,
    Organisation,
    Email,
    Type,
}

/// Sort keys that are not columns of `partners` (the same SQL on both databases).
const GROUP_NAME: &str =
    "(SELECT g.name FROM policy_groups g WHERE g.id = partners.policy_group_id)";
const HAS_CERT: &str = "EXISTS (SELECT 1 FROM partner_certificates c WHERE c.partner_id = partners.id AND c.is_current)";
const IS_ACTIVE: &str = "(partners.status = 'APPROVED')";

/// The free-text filters of a partner query, each as a `LIKE` pattern and, where the trigram
/// index serves it, the index's phrase.
struct TextFilters {
    /// MOSIP's "contains" filters: (column, pattern, indexed phrase).
    contains: Vec<(Column, String, Option<String>)>,
    /// MOSIP's group-name filter.
    group_pattern: Option<String>,
    /// The page's search text on id, organisation and email.
    pattern: Option<String>,
    /// The same through the trigram index.
    phrase: Option<String>,
}

fn text_filters(conn: &mut AnyConnection, query: &PartnerQuery) -> AppResult<TextFilters> {
    let pattern = page::search_pattern(query.q.as_deref())?;
    let mut contains = Vec::new();
    for (column, text) in [
        (Column::Id, &query.id_contains),
        (Column::Organisation, &query.organisation_contains),
        (Column::Email, &query.email_contains),
        (Column::Type, &query.type_contains),
    ] {
        if let Some(p) = page::search_pattern(text.as_deref())? {
            let indexed = match column {
                Column::Id => Some("id"),
                Column::Organisation => Some("organisation"),
                Column::Email => Some("email"),
                Column::Type => None,
            };
            let phrase =
                indexed.and_then(|name| crate::search::column_phrase(conn, name, text.as_deref()));
            contains.push((column, p, phrase));
        }
    }
    Ok(TextFilters {
        contains,
        group_pattern: page::search_pattern(query.group_name_contains.as_deref())?,
        pattern,
        phrase: crate::search::phrase(conn, query.q.as_deref()),
    })
}

/// Whether MOSIP's own filters are in the query (they always count rows).
fn has_mosip_filters(query: &PartnerQuery, t: &TextFilters) -> bool {
    !t.contains.is_empty()
        || query.group_name_contains.is_some()
        || query.active.is_some()
        || query.certificate.is_some()
}

/// The partners matching the query. Filters and sort touch partners' own columns only, so
/// counting and choosing the page read indexes alone; the group names are joined for the
/// rows shown.
fn filtered<'a>(query: &'a PartnerQuery, t: &'a TextFilters) -> Partners<'a> {
    let mut q = partners::table.into_boxed();
    if let Some(status) = query.status {
        q = q.filter(partners::status.eq(status.as_str()));
    }
    if let Some(t) = query.partner_type.as_deref().filter(|t| !t.is_empty()) {
        q = q.filter(partners::partner_type.eq(t.to_string()));
    }
    if let Some(g) = query.policy_group.as_deref().filter(|g| !g.is_empty()) {
        q = q.filter(partners::policy_group_id.eq(g.to_string()));
    }
    q = mosip_filtered(q, query, t);
    if let Some(phrase) = &t.phrase {
        q = q.filter(crate::search::matching(
            crate::search::Index::Partners,
            phrase,
        ));
    } else if let Some(pattern) = t.pattern.clone() {
        q = q.filter(
            account::lower(partners::id)
                .like(pattern.clone())
                .escape('\\')
                .or(account::lower(partners::organisation)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(partners::email.like(pattern).escape('\\')),
        );
    }
    q
}

/// MOSIP's admin-partners filters: "contains" per column, group name, active, certificate.
fn mosip_filtered<'a>(mut q: Partners<'a>, query: &PartnerQuery, t: &TextFilters) -> Partners<'a> {
    for (column, p, phrase) in t.contains.iter().cloned() {
        if let Some(phrase) = phrase {
            q = q.filter(crate::search::matching(
                crate::search::Index::Partners,
                &phrase,
            ));
            continue;
        }
        q = match column {
            Column::Id => q.filter(account::lower(partners::id).like(p).escape('\\')),
            Column::Organisation => {
                q.filter(account::lower(partners::organisation).like(p).escape('\\'))
            }
            Column::Email => q.filter(partners::email.like(p).escape('\\')),
            Column::Type => q.filter(account::lower(partners::partner_type).like(p).escape('\\')),
        };
    }
    match (&query.group_name_contains, &t.group_pattern) {
        (_, Some(p)) => {
            let groups = policy_groups::table
                .filter(
                    account::lower(policy_groups::name)
                        .like(p.clone())
                        .escape('\\'),
                )
                .select(policy_groups::id.nullable());
            q = q.filter(partners::policy_group_id.eq_any(groups));
        }
        (Some(_), None) => q = q.filter(partners::policy_group_id.is_not_null()),
        (None, None) => {}
    }
    if let Some(active) = query.active {
        let approved = PartnerStatus::Approved.as_str();
        q = if active {
            q.filter(partners::status.eq(approved))
        } else {
            q.filter(partners::status.ne(approved))
        };
    }
    if let Some(with) = query.certificate {
        let current = partner_certificates::table
            .filter(partner_certificates::is_current.eq(true))
            .select(partner_certificates::partner_id);
        q = if with {
            q.filter(partners::id.eq_any(current))
        } else {
            q.filter(partners::id.ne_all(current))
        };
    }
    q
}

/// The kept counts: (status, type, n) rows, and the count per status.
#[expect(clippy::type_complexity)]
fn kept_counts(
    conn: &mut AnyConnection,
) -> AppResult<(Vec<(String, String, i64)>, Vec<(PartnerStatus, i64)>)> {
    let counted: Vec<(String, String, i64)> = partner_counts::table
        .select((
            partner_counts::status,
            partner_counts::partner_type,
            partner_counts::n,
        ))
        .load(conn)?;
    let counts = PartnerStatus::ALL
        .iter()
        .map(|s| {
            let n = counted
                .iter()
                .filter(|(k, _, _)| k == s.as_str())
                .map(|(_, _, n)| *n)
                .sum();
            (*s, n)
        })
        .collect();
    Ok((counted, counts))
}

/// An SQL expression as a sort key.
fn sql_key<T: diesel::sql_types::SingleValue>(
    expr: &'static str,
) -> diesel::expression::SqlLiteral<T> {
    diesel::dsl::sql::<T>(expr)
}

/// The query in the order `sort` names (newest first by default), ties broken by id.
fn sorted<'a>(q: Partners<'a>, sort: &str) -> Partners<'a> {
    use diesel::sql_types::{Bool, Nullable, Text};
    // Within a type or a status: the newest first, ties by id.
    let newest = (partners::created_at.desc(), partners::id.asc());
    match sort {
        "id" => q.order(partners::id.asc()),
        "-id" => q.order(partners::id.desc()),
        "organisation" => q.order((partners::organisation.asc(), partners::id.asc())),
        "-organisation" => q.order((partners::organisation.desc(), partners::id.desc())),
        "type" => q.order((partners::partner_type.asc(), newest)),
        "-type" => q.order((partners::partner_type.desc(), newest)),
        "status" => q.order((partners::status.asc(), newest)),
        "-status" => q.order((partners::status.desc(), newest)),
        "created" => q.order((partners::created_at.asc(), partners::id.asc())),
        "email" => q.order((partners::email.asc(), partners::id.asc())),
        "-email" => q.order((partners::email.desc(), partners::id.desc())),
        "group" => q.order((partners::policy_group_id.asc(), partners::id.asc())),
        "-group" => q.order((partners::policy_group_id.desc(), partners::id.desc())),
        // Orders read one more row per partner (its group's name, its certificate).
        "group_name" => q.order((
            sql_key::<Nullable<Text>>(GROUP_NAME).asc(),
            partners::id.asc(),
        )),
        "-group_name" => q.order((
            sql_key::<Nullable<Text>>(GROUP_NAME).desc(),
            partners::id.desc(),
        )),
        "certificate" => q.order((sql_key::<Bool>(HAS_CERT).desc(), partners::id.asc())),
        "-certificate" => q.order((sql_key::<Bool>(HAS_CERT).asc(), partners::id.desc())),
        "active" => q.order((sql_key::<Bool>(IS_ACTIVE).desc(), partners::id.asc())),
        "-active" => q.order((sql_key::<Bool>(IS_ACTIVE).asc(), partners::id.desc())),
        _ => q.order((partners::created_at.desc(), partners::id.desc())),
    }
}

/// The rows shown for `ids`, in their order, with group names and certificate flags.
fn summaries(conn: &mut AnyConnection, ids: &[String]) -> AppResult<Vec<PartnerSummary>> {
    type ListRow = (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        String,
        i64,
    );
    let mut rows: Vec<ListRow> = partners::table
        .left_join(policy_groups::table)
        .filter(partners::id.eq_any(ids))
        .select((
            partners::id,
            partners::organisation,
            partners::partner_type,
            partners::policy_group_id,
            policy_groups::name.nullable(),
            partners::email,
            partners::status,
            partners::created_at,
        ))
        .load(conn)?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.0));
    let with_certificate: Vec<String> = partner_certificates::table
        .filter(partner_certificates::partner_id.eq_any(ids))
        .filter(partner_certificates::is_current.eq(true))
        .select(partner_certificates::partner_id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, organisation, partner_type, group_id, group, email, status, at)| PartnerSummary {
                has_certificate: with_certificate.contains(&id),
                policy_group_id: group_id,
                id,
                organisation,
                partner_type,
                policy_group_name: group,
                email,
                status: status_of(&status),
                created_at: clock::rfc3339(at),
            },
        )
        .collect())
}

/// Partners, paged, filtered and sorted on the server, with the count of each status.
pub fn list(conn: &mut AnyConnection, query: &PartnerQuery) -> AppResult<PartnerList> {
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
    let t = text_filters(conn, query)?;
    let (counted, counts) = kept_counts(conn)?;
    let wanted_type = query.partner_type.as_deref().filter(|t| !t.is_empty());
    let counts_answer = query.policy_group.as_deref().unwrap_or_default().is_empty()
        && query.q.as_deref().unwrap_or_default().trim().is_empty()
        && !has_mosip_filters(query, &t);
    // Status and type filters take their total from the kept counts; a group or text filter
    // counts rows.
    let total: i64 = if counts_answer {
        counted
            .iter()
            .filter(|(s, t, _)| {
                query.status.is_none_or(|want| want.as_str() == s)
                    && wanted_type.is_none_or(|want| want == t)
            })
            .map(|(_, _, n)| n)
            .sum()
    } else {
        filtered(query, &t).count().get_result(conn)?
    };
    let ids: Vec<String> = sorted(
        filtered(query, &t),
        query.sort.as_deref().unwrap_or("-created"),
    )
    .select(partners::id)
    .limit(size)
    .offset(offset)
    .load(conn)?;
    Ok(PartnerList {
        page: Page::new(summaries(conn, &ids)?, total, page_no, size),
        counts,
    })
}
