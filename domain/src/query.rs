//! Lists whose filters and sorts are named at run time (MOSIP's search calls) against a fixed
//! whitelist of each entity's columns. Only the whitelist's SQL is ever written into a query;
//! every value is bound. Paging and counting run in the database, so a search never loads a
//! table.

use crate::db::AnyConnection;
use crate::error::AppResult;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

/// What a column holds, for binding and comparing its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// A boolean (an expression such as `status = 'APPROVED'` is one too).
    Bool,
    /// A time, UTC ms.
    Time,
    /// An integer.
    Int,
}

/// Where a field may be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// Filtered, sorted and shown.
    Both,
    /// Filtered and shown, not sortable.
    Unsorted,
    /// Filtered only (not in the rows, not sortable).
    Filter,
    /// Shown only.
    Show,
}

/// A searchable column: its public name and the SQL that reads it.
#[derive(Debug)]
pub struct Field {
    /// The name callers use (matched without regard to case).
    pub name: &'static str,
    /// SQL of the column or expression, over the entity's `from`.
    pub sql: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Where it may be used.
    pub usage: Usage,
}

/// A searchable entity: its rows, their id and its fields.
#[derive(Debug)]
pub struct Entity {
    /// The `FROM` clause (tables and joins; no values).
    pub from: &'static str,
    /// SQL of the row's id, which [`page`] returns.
    pub id: &'static str,
    /// Its fields.
    pub fields: &'static [Field],
}

impl Entity {
    /// The field of this name (any case) that filters may use.
    pub fn filter_field(&'static self, name: &str) -> Option<&'static Field> {
        self.fields
            .iter()
            .find(|f| f.usage != Usage::Show && f.name.eq_ignore_ascii_case(name))
    }

    /// The field of this name (exact case) that rows may be sorted by: filtered and shown.
    pub fn sort_field(&'static self, name: &str) -> Option<&'static Field> {
        self.fields
            .iter()
            .find(|f| f.usage == Usage::Both && f.name == name)
    }
}

/// A bound value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Text.
    Text(String),
    /// Boolean.
    Bool(bool),
    /// Integer or time (UTC ms).
    Int(i64),
}

/// A condition on one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `lower(field) LIKE pattern` (the pattern already lower-cased, `\` escaping).
    Like(String),
    /// Equal; text without regard to case.
    Equals(Value),
    /// Between two values, both included.
    Between(Value, Value),
    /// One of these values.
    In(Vec<Value>),
}

/// A condition on a field of an entity.
#[derive(Clone, Debug)]
pub struct Filter {
    /// The field.
    pub field: &'static Field,
    /// The condition.
    pub op: Op,
}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Text)]
    row: String,
}

#[derive(QueryableByName)]
struct ValueRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    code: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    value: Option<String>,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The `WHERE` clause of `filters` (with `extra`, SQL without values), its binds in order.
fn condition(pg: bool, filters: &[Filter], extra: &[&str]) -> (String, Vec<Value>) {
    let mut parts: Vec<String> = extra.iter().map(|s| format!("({s})")).collect();
    let mut binds = Vec::new();
    let next = |v: Value, binds: &mut Vec<Value>| {
        binds.push(v);
        if pg {
            format!("${}", binds.len())
        } else {
            "?".to_string()
        }
    };
    for f in filters {
        let col = f.field.sql;
        let part = match &f.op {
            Op::Like(p) => {
                let at = next(Value::Text(p.clone()), &mut binds);
                format!("lower({col}) LIKE {at} ESCAPE '\\'")
            }
            Op::Equals(Value::Text(t)) => {
                let at = next(Value::Text(t.to_lowercase()), &mut binds);
                format!("lower({col}) = {at}")
            }
            Op::Equals(v) => {
                let at = next(v.clone(), &mut binds);
                format!("{col} = {at}")
            }
            Op::Between(a, b) => {
                let from = next(a.clone(), &mut binds);
                let to = next(b.clone(), &mut binds);
                format!("{col} BETWEEN {from} AND {to}")
            }
            Op::In(values) if values.is_empty() => "1 = 0".to_string(),
            Op::In(values) => {
                let at: Vec<String> = values.iter().map(|v| next(v.clone(), &mut binds)).collect();
                format!("{col} IN ({})", at.join(", "))
            }
        };
        parts.push(part);
    }
    if parts.is_empty() {
        (String::new(), binds)
    } else {
        (format!(" WHERE {}", parts.join(" AND ")), binds)
    }
}

type Backend = <AnyConnection as diesel::Connection>::Backend;

fn bound<'a, Q>(
    mut q: diesel::query_builder::BoxedSqlQuery<'a, Backend, Q>,
    binds: &[Value],
) -> diesel::query_builder::BoxedSqlQuery<'a, Backend, Q> {
    for v in binds {
        q = match v.clone() {
            Value::Text(t) => q.bind::<Text, _>(t),
            Value::Bool(b) => q.bind::<Bool, _>(b),
            Value::Int(i) => q.bind::<BigInt, _>(i),
        };
    }
    q
}

/// One page of `entity`'s rows matching every filter and `extra` condition, in `sort` order
/// (field, descending) then by id, as JSON objects of the shown fields (times as UTC text with
/// milliseconds), and how many rows match in all.
pub fn page(
    conn: &mut AnyConnection,
    entity: &Entity,
    filters: &[Filter],
    extra: &[&str],
    sort: &[(&'static Field, bool)],
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<serde_json::Value>, i64)> {
    let pg = matches!(conn, AnyConnection::Postgresql(_));
    let (cond, binds) = condition(pg, filters, extra);
    let count_sql = format!("SELECT count(*) AS n FROM {}{cond}", entity.from);
    let total = bound(diesel::sql_query(count_sql).into_boxed(), &binds)
        .get_result::<CountRow>(conn)?
        .n;
    let shown: Vec<&Field> = entity
        .fields
        .iter()
        .filter(|f| f.usage != Usage::Filter)
        .collect();
    let pairs: Vec<String> = shown
        .iter()
        .map(|f| format!("'{}', {}", f.name, f.sql))
        .collect();
    let object = if pg {
        format!("json_build_object({})::text", pairs.join(", "))
    } else {
        format!("json_object({})", pairs.join(", "))
    };
    let mut order: Vec<String> = sort
        .iter()
        .map(|(f, desc)| format!("{} {}", f.sql, if *desc { "DESC" } else { "ASC" }))
        .collect();
    order.push(format!("{} ASC", entity.id));
    let page_sql = format!(
        "SELECT {object} AS row FROM {}{cond} ORDER BY {} LIMIT {} OFFSET {}",
        entity.from,
        order.join(", "),
        limit.max(0),
        offset.max(0)
    );
    let rows = bound(diesel::sql_query(page_sql).into_boxed(), &binds).load::<JsonRow>(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut v: serde_json::Value =
            serde_json::from_str(&r.row).map_err(|_| crate::error::AppError::internal())?;
        for f in &shown {
            let Some(slot) = v.get_mut(f.name) else {
                continue;
            };
            match (f.kind, &*slot) {
                // SQLite has no booleans: 0 and 1.
                (Kind::Bool, serde_json::Value::Number(n)) => {
                    *slot = serde_json::Value::Bool(n.as_i64() != Some(0))
                }
                (Kind::Time, serde_json::Value::Number(n)) => {
                    *slot = n
                        .as_i64()
                        .and_then(chrono::DateTime::from_timestamp_millis)
                        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
                        .map_or(serde_json::Value::Null, serde_json::Value::String)
                }
                _ => {}
            }
        }
        out.push(v);
    }
    Ok((out, total))
}

/// Up to `limit` values of `shown` (SQL over the entity's rows) among the rows matching
/// `filters`, each with the row's `code` (SQL), ordered by the value of `order` (SQL);
/// `distinct` drops repeated (code, value) pairs. For a list of filter choices.
#[allow(clippy::too_many_arguments)]
pub fn values(
    conn: &mut AnyConnection,
    entity: &Entity,
    code: &str,
    shown: &str,
    order: &str,
    filters: &[Filter],
    distinct: bool,
    limit: i64,
) -> AppResult<Vec<(Option<String>, Option<String>)>> {
    let pg = matches!(conn, AnyConnection::Postgresql(_));
    let (cond, binds) = condition(pg, filters, &[]);
    // DISTINCT needs the ordering expression among the selected ones.
    let sql = format!(
        "SELECT {} CAST({code} AS TEXT) AS code, CAST({shown} AS TEXT) AS value, {order} AS sort_key \
         FROM {}{cond} ORDER BY sort_key ASC LIMIT {}",
        if distinct { "DISTINCT" } else { "" },
        entity.from,
        limit.max(0)
    );
    Ok(bound(diesel::sql_query(sql).into_boxed(), &binds)
        .load::<ValueRow>(conn)?
        .into_iter()
        .map(|r| (r.code, r.value))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    static NAME: Field = Field {
        name: "name",
        sql: "p.organisation",
        kind: Kind::Text,
        usage: Usage::Both,
    };
    static ACTIVE: Field = Field {
        name: "isActive",
        sql: "(p.status = 'APPROVED')",
        kind: Kind::Bool,
        usage: Usage::Both,
    };

    #[test]
    fn values_are_bound_and_placeholders_follow_the_backend() {
        let filters = [
            Filter {
                field: &NAME,
                op: Op::Like("%o'b%".into()),
            },
            Filter {
                field: &ACTIVE,
                op: Op::Equals(Value::Bool(true)),
            },
            Filter {
                field: &NAME,
                op: Op::In(vec![Value::Text("A".into()), Value::Text("B".into())]),
            },
        ];
        let (sql, binds) = condition(true, &filters, &["p.kind = 'x'"]);
        assert_eq!(
            sql,
            " WHERE (p.kind = 'x') AND lower(p.organisation) LIKE $1 ESCAPE '\\' AND (p.status = 'APPROVED') = $2 AND p.organisation IN ($3, $4)"
        );
        assert_eq!(binds.len(), 4);
        let (sql, _) = condition(false, &filters[..1], &[]);
        assert_eq!(sql, " WHERE lower(p.organisation) LIKE ? ESCAPE '\\'");
        assert_eq!(condition(false, &[], &[]).0, "");
    }
}
