//! Free-text search of the lists through trigram indexes, so a search does not read the table.
//!
//! PostgreSQL: `pg_trgm` GIN indexes on the very expressions the lists' `LIKE '%text%'` filters
//! use, so the planner serves those filters from the index and the query stays as it is.
//! SQLite: an FTS5 table with the `trigram` tokenizer per searched table, kept by triggers
//! (migration `000013_search`); a phrase of three or more characters matches any substring,
//! case-insensitively. Shorter texts have no trigram to look up and keep the `LIKE` scan.

use crate::db::AnyConnection;
use diesel::expression::{AsExpression, SqlLiteral, UncheckedBind};
use diesel::sql_types::{Bool, Text};

/// A searched table and its FTS5 index.
#[derive(Clone, Copy, Debug)]
pub enum Index {
    /// Partner id, organisation and email.
    Partners,
    /// Policy name.
    Policies,
    /// Policy group name.
    PolicyGroups,
    /// Account email and display name.
    Accounts,
    /// Trust-store certificate subject.
    CaCertificates,
}

impl Index {
    /// The SQL up to the bound phrase: "this row's key is among the index's matches".
    fn condition(self) -> &'static str {
        match self {
            Index::Partners => {
                "partners.id IN (SELECT k.key FROM partners_search s JOIN partners_search_keys k \
                 ON k.n = s.rowid WHERE partners_search MATCH "
            }
            Index::Policies => {
                "policies.id IN (SELECT k.key FROM policies_search s JOIN policies_search_keys k \
                 ON k.n = s.rowid WHERE policies_search MATCH "
            }
            Index::PolicyGroups => {
                "policy_groups.id IN (SELECT k.key FROM policy_groups_search s \
                 JOIN policy_groups_search_keys k ON k.n = s.rowid WHERE policy_groups_search MATCH "
            }
            Index::Accounts => {
                "accounts.id IN (SELECT k.key FROM accounts_search s JOIN accounts_search_keys k \
                 ON k.n = s.rowid WHERE accounts_search MATCH "
            }
            Index::CaCertificates => {
                "ca_certificates.id IN (SELECT k.key FROM ca_certificates_search s \
                 JOIN ca_certificates_search_keys k ON k.n = s.rowid \
                 WHERE ca_certificates_search MATCH "
            }
        }
    }
}

/// The filter [`matching`] builds: SQL with the phrase bound, never spliced.
pub type Matching =
    SqlLiteral<Bool, UncheckedBind<SqlLiteral<Bool>, <String as AsExpression<Text>>::Expression>>;

/// The FTS5 query for a list's search text when the index serves it: on SQLite, for a text of
/// at least three characters. `None` means the caller's `LIKE` filter applies (PostgreSQL's
/// trigram indexes serve it; a shorter text has no trigram to look up).
pub fn phrase(conn: &AnyConnection, q: Option<&str>) -> Option<String> {
    match conn {
        AnyConnection::Sqlite(_) => quoted(q),
        AnyConnection::Postgresql(_) => None,
    }
}

/// As [`phrase`], restricted to one column of the index (a list's "column contains" filter).
pub fn column_phrase(conn: &AnyConnection, column: &str, q: Option<&str>) -> Option<String> {
    phrase(conn, q).map(|p| format!("{column} : {p}"))
}

/// One quoted FTS5 phrase: the user's text is matched literally, `"` doubled inside it.
fn quoted(q: Option<&str>) -> Option<String> {
    let text = q.map(str::trim).filter(|t| t.chars().count() >= 3)?;
    Some(format!("\"{}\"", text.replace('"', "\"\"")))
}

/// The condition "the row matches `phrase`" on `index`, for a list's `filter`.
pub fn matching(index: Index, phrase: &str) -> Matching {
    diesel::dsl::sql::<Bool>(index.condition())
        .bind::<Text, _>(phrase.to_string())
        .sql(")")
}

#[cfg(test)]
mod tests {
    #[test]
    fn phrases_quote_the_text_literally() {
        assert_eq!(
            super::quoted(Some("  a\"b*c  ")).as_deref(),
            Some("\"a\"\"b*c\"")
        );
        assert_eq!(super::quoted(Some(" ab ")), None);
        assert_eq!(super::quoted(Some("äöü")).as_deref(), Some("\"äöü\""));
    }
}
