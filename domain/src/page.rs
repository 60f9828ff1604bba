//! Server-side paging shared by every list.

use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};

/// Longest free-text search accepted, in characters: longer texts are refused with 422
/// (an unbounded pattern makes SQLite's LIKE fail and helps nobody find anything).
pub const MAX_SEARCH_LEN: usize = 200;

/// Largest page a caller may ask for.
pub const MAX_PAGE_SIZE: i64 = 100;

/// One page of a list, with the total that matched the filter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// Rows of this page.
    pub items: Vec<T>,
    /// Rows matching the filter, over all pages.
    pub total: i64,
    /// 1-based page number.
    pub page: i64,
    /// Page size used.
    pub page_size: i64,
}

impl<T> Page<T> {
    /// Page `page` (of `page_size` rows) holding `items`, of `total` rows over all pages.
    pub fn new(items: Vec<T>, total: i64, page: i64, page_size: i64) -> Self {
        Page {
            items,
            total,
            page,
            page_size,
        }
    }

    /// Number of pages (at least 1).
    pub fn page_count(&self) -> i64 {
        ((self.total + self.page_size - 1) / self.page_size.max(1)).max(1)
    }
}

/// Clamp a requested page and size to sane bounds; returns (page, size, offset).
pub fn clamp(page: Option<i64>, size: Option<i64>) -> (i64, i64, i64) {
    let size = size.unwrap_or(20).clamp(1, MAX_PAGE_SIZE);
    let page = page.unwrap_or(1).max(1);
    (page, size, (page - 1).saturating_mul(size))
}

/// The `LIKE` pattern of a list's free-text search (`q`), or `None` when it is blank; a text
/// over [`MAX_SEARCH_LEN`] characters is refused with the limit in the message.
pub fn search_pattern(q: Option<&str>) -> AppResult<Option<String>> {
    let Some(text) = q.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let n = text.chars().count();
    if n > MAX_SEARCH_LEN {
        return Err(AppError::validation(
            "q",
            "PMS_SEARCH_TOO_LONG",
            format!(
                "The search text is {n} characters long; at most {MAX_SEARCH_LEN} are allowed."
            ),
        ));
    }
    Ok(Some(like_pattern(text)))
}

/// `%text%` for a case-insensitive `LIKE ... ESCAPE '\\'` on a lower-cased column: the text is
/// lower-cased and the user's wildcards are matched literally ('_' is common in ids).
pub fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Filters and a sort named by column, as MOSIP's list endpoints take them: case-insensitive
/// "contains" per column (all must hold) and one sort column, descending when `true`. The pages'
/// own lists keep their typed queries; these lists take both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns<C> {
    /// (column, text it must contain).
    pub contains: Vec<(C, String)>,
    /// (column, descending).
    pub sort: Option<(C, bool)>,
}

impl<C> Default for Columns<C> {
    fn default() -> Self {
        Columns {
            contains: Vec::new(),
            sort: None,
        }
    }
}

impl<C: Copy> Columns<C> {
    /// Each column's `LIKE` pattern (see [`like_pattern`]); blank texts are dropped and a text
    /// over [`MAX_SEARCH_LEN`] characters is refused.
    pub fn patterns(&self) -> AppResult<Vec<(C, String)>> {
        let mut out = Vec::new();
        for (c, text) in &self.contains {
            if let Some(p) = search_pattern(Some(text))? {
                out.push((*c, p));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(like_pattern("A_b%c\\"), "%a\\_b\\%c\\\\%");
    }

    #[test]
    fn search_texts_are_bounded() {
        assert_eq!(search_pattern(Some("  ")).ok(), Some(None));
        assert_eq!(search_pattern(None).ok(), Some(None));
        assert_eq!(
            search_pattern(Some(" Ab ")).ok(),
            Some(Some("%ab%".to_string()))
        );
        let at_limit = "é".repeat(200);
        assert!(search_pattern(Some(&at_limit)).is_ok());
        let err = search_pattern(Some(&"x".repeat(201))).err();
        let err = err.as_ref().map(|e| {
            (
                e.code.as_str(),
                e.field.as_deref(),
                e.message.contains("200"),
            )
        });
        assert_eq!(err, Some(("PMS_SEARCH_TOO_LONG", Some("q"), true)));
    }

    #[test]
    fn clamps_and_counts() {
        assert_eq!(clamp(None, None), (1, 20, 0));
        assert_eq!(clamp(Some(0), Some(1000)), (1, 100, 0));
        assert_eq!(clamp(Some(3), Some(10)), (3, 10, 20));
        let p: Page<()> = Page {
            items: vec![],
            total: 21,
            page: 1,
            page_size: 10,
        };
        assert_eq!(p.page_count(), 3);
        let empty: Page<()> = Page {
            items: vec![],
            total: 0,
            page: 1,
            page_size: 10,
        };
        assert_eq!(empty.page_count(), 1);
    }
}
