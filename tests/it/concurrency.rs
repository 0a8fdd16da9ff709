//! Many requests at once against one server. cargo-nextest runs every test in its own
//! process: Leptos keeps process-wide state (its task spawner, thread-local reactive owners),
//! and rendering pages concurrently while other tests ran their own servers and runtimes in
//! the same process left some requests unanswered (not seen with one server and one runtime
//! per process).

use crate::common;

use common::{header, spawn_app};

/// Pages and files requested at the same time each get their own headers: a page always
/// carries its nonce CSP, a file always the strict one (they once swapped under load; see
/// `site_files` in `src/server/mod.rs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pages_and_files_keep_their_own_headers() {
    let app = spawn_app().await;
    let requests = (0..160).map(|i| {
        let app = &app;
        let path = ["/login", "/pkg/digame.css", "/register", "/favicon.svg"][i % 4];
        async move {
            let res = tokio::time::timeout(std::time::Duration::from_secs(10), app.get(path))
                .await
                .unwrap_or_else(|_| panic!("{path} was not answered within 10 s"));
            assert_eq!(res.status().as_u16(), 200, "{path}");
            let csp = header(res.headers(), "content-security-policy").to_owned();
            (path, csp)
        }
    });
    let mut mixed_up = Vec::new();
    let all = common::futures_join_all(requests).await;
    for (path, csp) in all {
        let is_page = !path.contains('.');
        let page_csp = csp.contains("'nonce-");
        let strict = csp.starts_with("default-src 'none'");
        if (is_page && !page_csp) || (!is_page && !strict) {
            mixed_up.push(format!("{path}: {csp}"));
        }
    }
    assert!(
        mixed_up.is_empty(),
        "headers crossed between requests: {mixed_up:#?}"
    );
}
