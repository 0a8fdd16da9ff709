//! Links between the pages of a list (`crate::domain::paging`): plain links, so they work
//! without JavaScript, shown only when the list has more than one page.

use crate::domain::Paging;
use leptos::prelude::*;
use leptos_router::params::ParamsMap;

/// The address of page `page` of the list at `path`, keeping the query values named in
/// `keep` (its filters and sort) and dropping the rest (one-time notices).
pub fn page_href(path: &str, query: &ParamsMap, keep: &[&str], key: &str, page: u64) -> String {
    let mut kept: ParamsMap = keep
        .iter()
        .filter_map(|k| Some(((*k).to_owned(), query.get(k).filter(|v| !v.is_empty())?)))
        .collect();
    if page > 1 {
        kept.replace(key.to_owned(), page.to_string());
    }
    format!("{path}{}", kept.to_query_string())
}

/// A `?page=` value as a number; anything else is the first page.
pub fn page_number(value: &str) -> i64 {
    value.parse().unwrap_or(1)
}

/// "← back · Page 2 · on →" under a list; `href` makes a page's address.
pub fn pager(
    paging: Paging,
    label: &'static str,
    (back, on): (&'static str, &'static str),
    href: impl Fn(u64) -> String,
) -> impl IntoView {
    let previous = (paging.page > 1).then(|| href(paging.page - 1));
    let next = paging.has_more.then(|| href(paging.page + 1));
    (previous.is_some() || next.is_some()).then(|| {
        view! {
            <nav class="pager" aria-label=label>
                {previous.map(|href| view! { <a href=href rel="prev">{back}</a> })}
                <span class="muted small">{format!("Page {}", paging.page)}</span>
                {next.map(|href| view! { <a href=href rel="next">{on}</a> })}
            </nav>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_link_keeps_the_filters_and_drops_the_notices() {
        let query: ParamsMap = [
            ("status", "done"),
            ("saved", "1"),
            ("page", "3"),
            ("sort", ""),
        ]
        .into_iter()
        .collect();
        let keep = ["status", "sort"];
        assert_eq!(
            page_href("/tools/tasks", &query, &keep, "page", 4),
            "/tools/tasks?status=done&page=4"
        );
        assert_eq!(
            page_href("/tools/tasks", &query, &keep, "page", 1),
            "/tools/tasks?status=done"
        );
    }
}
