//! The GOV.UK pagination component for every paged list of pages (the work queue, the register):
//! which pages to number, and the previous / next links. The markup is `pagination` in
//! `macros.html`.

use serde_json::{json, Value};

use crate::app::Page;

/// The page numbers to link: the first, the last, and those around the current one, with gaps
/// (`None`) between, as the GOV.UK pagination component shows them. When the last page is not
/// known (the count stopped at its cap), the numbers end with the page after the current one
/// and a gap.
pub fn page_numbers(current: i64, last: Option<i64>) -> Vec<Option<i64>> {
    let end = last.unwrap_or(current + 1);
    let mut out = Vec::new();
    let mut previous = 0;
    for n in 1..=end {
        if n == 1 || n == end || (n - current).abs() <= 1 {
            if n - previous > 1 {
                out.push(None);
            }
            out.push(Some(n));
            previous = n;
        }
    }
    if last.is_none() {
        out.push(None);
    }
    out
}

/// The component's context for `page`, each page linked by `href`: `prev` and `next` (none past
/// the end, where the page offers a link to the last page instead) and the numbered `pages` when
/// there is more than one.
pub fn links<T>(page: &Page<T>, href: impl Fn(i64) -> String) -> Value {
    let current = page.page.page;
    let numbered = match page.last_page() {
        Some(last) if last > 1 && !page.past_end() => page_numbers(current, Some(last)),
        None if page.has_next() || current > 1 => page_numbers(current, None),
        _ => Vec::new(),
    };
    let pages: Vec<Value> = numbered
        .into_iter()
        .map(|n| match n {
            Some(n) => json!({ "number": n, "href": href(n), "current": n == current }),
            None => json!({ "ellipsis": true }),
        })
        .collect();
    json!({
        "prev": (current > 1 && !page.past_end()).then(|| href(current - 1)),
        "next": page.has_next().then(|| href(current + 1)),
        "pages": pages,
    })
}

#[cfg(test)]
mod tests {
    use super::page_numbers;

    #[test]
    fn page_numbers_show_the_ends_and_the_neighbours_with_gaps() {
        assert_eq!(page_numbers(1, Some(1)), vec![Some(1)]);
        assert_eq!(page_numbers(1, Some(3)), vec![Some(1), Some(2), Some(3)]);
        assert_eq!(page_numbers(5, Some(10)), vec![Some(1), None, Some(4), Some(5), Some(6), None, Some(10)]);
        assert_eq!(page_numbers(10, Some(10)), vec![Some(1), None, Some(9), Some(10)]);
    }

    #[test]
    fn without_a_last_page_the_numbers_end_after_the_next_one() {
        assert_eq!(page_numbers(1, None), vec![Some(1), Some(2), None]);
        assert_eq!(page_numbers(6, None), vec![Some(1), None, Some(5), Some(6), Some(7), None]);
    }
}
