//! One way to page every list that can grow (tasks, tokens, saved results, members, the
//! audit log), on the pages and in the JSON API alike: `page` counts from 1, `per_page`
//! items on each (at most [`MAX_PER_PAGE`]), and each answer says whether more follow.
//! Numbered pages rather than cursors: the pages link to them ("Page 3"), the lists are
//! sorted in more than one way (a task list by priority or by due date), and a company's
//! lists stay in the thousands, where an offset costs nothing to speak of.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// Items on a page when the caller does not say.
pub const DEFAULT_PER_PAGE: u64 = 50;
/// The most items a caller may ask for on one page.
pub const MAX_PER_PAGE: u64 = 100;
/// The last page number accepted: past it an offset is no longer cheap, and no list of a
/// company's is that long.
pub const MAX_PAGE: u64 = 10_000;

/// Where an answer's list stands: which page it is, its size, and whether a next one exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Paging {
    /// This page's number, from 1.
    pub page: u64,
    /// The most items a page holds (the request's `per_page`).
    pub per_page: u64,
    /// Whether a next page (`page + 1`) holds more.
    pub has_more: bool,
}

/// Which page of a list is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u64,
    per_page: u64,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::numbered(1)
    }
}

impl PageRequest {
    /// Page `page` at the default size, as a page's `?page=` link asks for it: a number out
    /// of range is brought into it (an edited link shows the first or the last page
    /// accepted, not an error).
    pub fn numbered(page: i64) -> Self {
        Self {
            page: page.clamp(1, MAX_PAGE as i64) as u64,
            per_page: DEFAULT_PER_PAGE,
        }
    }

    /// The API's `page` and `per_page`, checked: a script asking for page 0 or 500 items is
    /// told so, not silently given something else.
    pub fn parse(page: Option<i64>, per_page: Option<i64>) -> Result<Self, AppError> {
        let page = page.unwrap_or(1);
        if !(1..=MAX_PAGE as i64).contains(&page) {
            return Err(AppError::validation(
                "page",
                format!("Pages are numbered from 1 to {MAX_PAGE}."),
            ));
        }
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE as i64);
        if !(1..=MAX_PER_PAGE as i64).contains(&per_page) {
            return Err(AppError::validation(
                "per_page",
                format!("A page holds from 1 to {MAX_PER_PAGE} items."),
            ));
        }
        Ok(Self {
            page: page as u64,
            per_page: per_page as u64,
        })
    }

    /// The number of this page (from 1).
    pub fn page(self) -> u64 {
        self.page
    }

    /// How many items come before this page.
    pub fn offset(self) -> u64 {
        (self.page - 1) * self.per_page
    }

    /// How many items to read: one more than a page holds, to learn whether more follow.
    pub fn fetch(self) -> u64 {
        self.per_page + 1
    }

    /// `rows` read with [`offset`](Self::offset) and [`fetch`](Self::fetch), cut to the
    /// page, and where the page stands.
    pub fn cut<T>(self, mut rows: Vec<T>) -> (Vec<T>, Paging) {
        let has_more = rows.len() as u64 > self.per_page;
        rows.truncate(self.per_page as usize);
        let paging = Paging {
            page: self.page,
            per_page: self.per_page,
            has_more,
        };
        (rows, paging)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_reads_one_row_more_than_it_shows_to_learn_whether_more_follow() {
        let second = PageRequest::parse(Some(2), Some(3)).unwrap();
        assert_eq!((second.offset(), second.fetch()), (3, 4));
        let (rows, paging) = second.cut(vec![4, 5, 6, 7]);
        assert_eq!(rows, vec![4, 5, 6]);
        assert!(paging.has_more);
        let (rows, paging) = second.cut(vec![4, 5, 6]);
        assert_eq!(rows, vec![4, 5, 6]);
        assert!(!paging.has_more);
    }

    #[test]
    fn the_api_is_told_when_it_asks_for_a_page_out_of_range_and_a_link_is_brought_into_it() {
        assert_eq!(
            PageRequest::parse(None, None).unwrap(),
            PageRequest::numbered(1)
        );
        for (page, per_page, field) in [
            (Some(0), None, "page"),
            (Some(MAX_PAGE as i64 + 1), None, "page"),
            (None, Some(0), "per_page"),
            (None, Some(MAX_PER_PAGE as i64 + 1), "per_page"),
        ] {
            match PageRequest::parse(page, per_page) {
                Err(AppError::Validation { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{page:?}/{per_page:?}: {other:?}"),
            }
        }
        assert_eq!(PageRequest::numbered(-3).page(), 1);
        assert_eq!(PageRequest::numbered(i64::MAX).page(), MAX_PAGE);
    }
}
