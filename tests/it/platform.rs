//! The platform baseline over HTTP: probes, security headers, CSRF, errors, compression.

use crate::common;

use common::{header, spawn_app};

#[tokio::test]
async fn health_and_ready_answer_json() {
    let app = spawn_app().await;
    let res = app.get("/health").await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["status"],
        "ok"
    );
    let res = app.get("/ready").await;
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let app = spawn_app().await;
    let a = app.get("/login").await;
    let b = app.get("/health").await;
    let id_a = common::header(a.headers(), "x-request-id").to_owned();
    let id_b = common::header(b.headers(), "x-request-id").to_owned();
    assert_eq!(id_a.len(), 24, "{id_a}");
    assert_ne!(id_a, id_b, "each request its own");
    // A proxy's plain id is kept; anything else is replaced.
    for (sent, kept) in [
        ("proxy-7f3a.1", true),
        ("evil\tid", false),
        (&*"x".repeat(80), false),
    ] {
        let res = app
            .client
            .get(app.url("/health"))
            .header("x-request-id", sent)
            .send()
            .await
            .unwrap();
        let got = common::header(res.headers(), "x-request-id");
        assert_eq!(got == sent, kept, "{sent:?} → {got:?}");
    }
}

#[tokio::test]
async fn metrics_are_served_only_with_the_operator_token() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/metrics").await.status().as_u16(),
        404,
        "off by default"
    );

    const TOKEN: &str = "metrics-token-0123456789";
    let app = common::spawn_app_with(&[("DIGAME_METRICS_TOKEN", TOKEN)]).await;
    app.get("/health").await;
    app.get("/login").await;
    assert_eq!(app.get("/metrics").await.status().as_u16(), 401);
    let res = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("metrics-token-0123456789-not")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let res = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let text = res.text().await.unwrap();
    for expected in [
        r#"digame_http_requests_total{route="/health",method="GET",status="2xx"}"#,
        r#"digame_http_requests_total{route="/login",method="GET",status="2xx"}"#,
        "digame_http_request_duration_seconds_bucket",
        "digame_outbox_pending",
        r#"digame_db_pool_connections{state="idle"}"#,
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
}

#[tokio::test]
async fn ready_reports_a_dead_database() {
    let app = spawn_app().await;
    app.state.db.clone().close().await.unwrap();
    let res = app.get("/ready").await;
    assert_eq!(res.status().as_u16(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    // Liveness does not depend on the database.
    assert_eq!(app.get("/health").await.status().as_u16(), 200);
}

#[tokio::test]
async fn pages_carry_security_headers_and_a_matching_csp_nonce() {
    let app = spawn_app().await;
    let res = app.get("/login").await;
    assert_eq!(res.status().as_u16(), 200);
    let h = res.headers().clone();
    assert_eq!(header(&h, "x-content-type-options"), "nosniff");
    assert_eq!(header(&h, "x-frame-options"), "DENY");
    assert_eq!(
        header(&h, "referrer-policy"),
        "strict-origin-when-cross-origin"
    );
    assert_eq!(header(&h, "cache-control"), "no-store");
    let csp = header(&h, "content-security-policy").to_owned();
    assert!(
        csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("nonce in CSP");
    assert!(nonce.len() >= 16);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "inline scripts carry the nonce"
    );

    let json = app.get("/health").await;
    assert!(header(json.headers(), "content-security-policy").contains("default-src 'none'"));
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = spawn_app().await;
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let res = app
            .client
            .post(app.url("/api/auth/register"))
            .header(name, value)
            .form(&[
                ("name", "Eve"),
                ("email", "eve@example.com"),
                ("password", common::PASSWORD),
                ("company", "Evil"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 403, "{name}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], "FORBIDDEN");
    }
    // Nothing was created.
    let (status, _, _) = app
        .call(
            "auth/login",
            &[
                ("email", "eve@example.com"),
                ("password", common::PASSWORD),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn unknown_pages_and_endpoints_are_404() {
    let app = spawn_app().await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status().as_u16(), 404);
    assert!(res.text().await.unwrap().contains("Page not found"));
    let (status, _, body) = app.call("no-such-function", &[]).await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "NOT_FOUND");
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let big = "x".repeat(digame::server::BODY_LIMIT_BYTES + 10);
    let res = app
        .client
        .post(app.url("/api/auth/login"))
        .form(&[("email", big.as_str()), ("password", "x"), ("next", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 413);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "PAYLOAD_TOO_LARGE");
    assert_eq!(body["message"], "The request is too large: 256 KB at most.");
}

/// Pages are compressed on the fly with gzip, also for a browser that offers brotli (whose
/// per-response set-up cost a page a third of its rate); the body is real gzip of the page.
#[tokio::test]
async fn pages_are_compressed_with_gzip() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/login"))
        .header("accept-encoding", "gzip, deflate, br, zstd")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(header(res.headers(), "content-encoding"), "gzip");
    let body = res.bytes().await.unwrap();
    assert_eq!(
        &body[..2],
        &[0x1f, 0x8b],
        "a gzip stream starts with its magic bytes"
    );
}

/// Build output: a file whose name carries its content hash is immutable and served from
/// the brotli copy the build made; other build output is revalidated; pages are never stored.
#[tokio::test]
async fn build_files_are_served_precompressed_with_the_right_cache_headers() {
    let app = spawn_app().await;
    let pkg = app.dir.path().join("site/pkg");
    let hashed = "digame.Zc22viKQHahcNE1ieGNn2y.js";
    std::fs::write(pkg.join(hashed), "console.log('plain');").unwrap();
    // Marked so the test can tell which copy was sent.
    std::fs::write(pkg.join(format!("{hashed}.br")), "BROTLI COPY").unwrap();
    std::fs::write(pkg.join(format!("{hashed}.gz")), "GZIP COPY").unwrap();

    let res = app
        .client
        .get(app.url(&format!("/pkg/{hashed}")))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(header(res.headers(), "content-encoding"), "br");
    assert_eq!(
        header(res.headers(), "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(header(res.headers(), "set-cookie").is_empty());
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"BROTLI COPY");

    let res = app
        .client
        .get(app.url(&format!("/pkg/{hashed}")))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(header(res.headers(), "content-encoding"), "gzip");
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"GZIP COPY");

    let res = app.get("/pkg/digame.css").await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(header(res.headers(), "cache-control"), "no-cache");

    let res = app.get("/").await;
    assert_eq!(header(res.headers(), "cache-control"), "no-store");
    assert_eq!(app.get("/pkg/nope.js").await.status().as_u16(), 404);
}

/// A signed-in session is stored when it changes, and its idle timeout pushed back at most
/// once a minute: not on every request. Probes and build files never touch it.
#[tokio::test]
async fn the_session_is_not_written_on_every_request() {
    let app = spawn_app().await;
    app.register_unverified_with(&app.client, "quiet").await;
    let set_cookie = |res: &reqwest::Response| {
        res.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.starts_with("digame_session="))
    };
    // The first request after signing in starts the idle clock (one write).
    let first = app.get("/").await;
    assert_eq!(first.status().as_u16(), 200);
    assert!(set_cookie(&first), "the idle timeout starts");
    for path in ["/", "/settings/security", "/health", "/pkg/digame.css"] {
        let res = app.get(path).await;
        assert_eq!(res.status().as_u16(), 200, "{path}");
        assert!(!set_cookie(&res), "{path} must not rewrite the session");
    }
    // Still signed in.
    assert!(app.me_with(&app.client).await.is_object());
}

/// Sends a raw HTTP/1.1 request and returns the status and the body.
async fn raw_request(app: &common::TestApp, head: &str, body: &[u8]) -> (u16, serde_json::Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(&app.host).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer and close before the whole body is sent: that is fine.
    let _ = stream.write_all(body).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let json = text
        .split("\r\n\r\n")
        .nth(1)
        .and_then(|b| {
            let start = b.find('{')?;
            let end = b.rfind('}')?;
            serde_json::from_str(&b[start..=end]).ok()
        })
        .unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// Accounts issue, finding 11: an oversized body sent in chunks is refused like one with a
/// length (413), and a form field that is not UTF-8 is a 400; both in the error shape.
#[tokio::test]
async fn bad_bodies_are_client_errors_in_the_error_shape() {
    let app = spawn_app().await;
    let chunk = vec![b'x'; 64 * 1024];
    let mut body = Vec::new();
    body.extend_from_slice(b"5\r\nemail\r\n1\r\n=\r\n");
    for _ in 0..5 {
        body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        body.extend_from_slice(&chunk);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let head = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.host
    );
    let (status, json) = raw_request(&app, &head, &body).await;
    assert_eq!(status, 413, "{json}");
    assert_eq!(json["code"], "PAYLOAD_TOO_LARGE", "{json}");

    let body: &[u8] = b"email=\xff\xfea@example.com&password=x&next=";
    let head = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        app.host,
        body.len()
    );
    let (status, json) = raw_request(&app, &head, body).await;
    assert_eq!(status, 400, "{json}");
    assert_eq!(json["code"], "BAD_REQUEST", "{json}");
}

/// Field errors say what is wrong in the app's words, not the deserializer's.
#[tokio::test]
async fn malformed_arguments_do_not_expose_deserializer_internals() {
    let app = spawn_app().await;
    app.register("internals").await;
    for (endpoint, form) in [
        (
            "keys/save",
            vec![
                ("origin", "new"),
                ("name", "writing_service_key"),
                ("value", "sk-123456789"),
            ],
        ),
        (
            "admin/members/active",
            vec![("member_id", "99999999999999999999999"), ("active", "true")],
        ),
        (
            "admin/members/active",
            vec![("member_id", "1"), ("active", "maybe")],
        ),
    ] {
        let (status, _, body) = app.call(endpoint, &form).await;
        assert_eq!(status, 400, "{endpoint}: {body}");
        assert_eq!(body["code"], "BAD_REQUEST", "{body}");
        let message = body["message"].as_str().unwrap();
        for internal in [
            "missing field",
            "`",
            "target type",
            "invalid type",
            "deserializ",
        ] {
            assert!(!message.contains(internal), "{endpoint}: {message}");
        }
    }
}
