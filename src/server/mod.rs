//! The axum server: application state, the middleware stack, probes and start-up.

pub mod db;
pub mod metrics;
pub mod request_id;
pub mod retention;
pub mod sessions;

pub use crate::web::state::AppState;

use crate::app::{shell, App};
use crate::config::{MasterKeySource, Settings};
use crate::error::{AppError, ErrorBody};
use crate::web::memory::Memory;
use crate::web::session::{AuthSession, Backend, EPOCH_KEY, LOGIN_AT_KEY};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get, MethodRouter};
use axum::serve::ListenerExt;
use axum::{Json, Router};
use http::{header, HeaderValue, StatusCode};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sea_orm::ConnectionTrait;
use sessions::AppSessionStore;
use std::net::SocketAddr;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::{time, SameSite};
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use crate::config::BODY_LIMIT_BYTES;

/// Reads the site settings from `Cargo.toml` when run from the source tree, otherwise from
/// the `LEPTOS_*` environment variables that `scripts/run` sets.
pub fn leptos_options() -> Result<LeptosOptions, String> {
    let file = std::path::Path::new("Cargo.toml")
        .exists()
        .then_some("Cargo.toml");
    leptos::config::get_configuration(file)
        .map(|c| c.leptos_options)
        .map_err(|e| format!("cannot read the site settings (LEPTOS_*): {e}"))
}

/// Connects the database, runs migrations and assembles the router with every layer.
pub async fn build_app(
    mut settings: Settings,
    leptos_options: LeptosOptions,
) -> Result<(Router, AppState), String> {
    if settings.ai.demo {
        start_demo_ai(&mut settings).await?;
    }
    match &settings.master_key_source {
        MasterKeySource::Generated(path) => tracing::warn!(
            path = %path.display(),
            "DIGAME_MASTER_KEY is not set: generated a development master key; set DIGAME_MASTER_KEY in production"
        ),
        MasterKeySource::File(path) => {
            tracing::info!(path = %path.display(), "using the development master key file")
        }
        MasterKeySource::Environment => tracing::info!("using DIGAME_MASTER_KEY"),
    }
    let db = db::connect_and_migrate(&settings.database_url)
        .await
        .map_err(|e| format!("cannot open the database (DATABASE_URL): {e}"))?;
    // On PostgreSQL nothing is kept until the listener hears the other replicas' changes.
    let on_postgres = matches!(
        db,
        sea_orm::DatabaseConnection::SqlxPostgresPoolConnection(_)
    );
    let memory = Memory::new(!on_postgres);
    if on_postgres {
        crate::web::memory::listen(memory.clone(), db.get_postgres_connection_pool().clone());
    }
    let store = AppSessionStore::new(&db, memory.clone())?;
    spawn_expired_session_cleanup(db.clone(), store.clone());
    spawn_retention(db.clone(), settings.retention_months);
    if settings.mail.smtp_url.is_none() && settings.is_production() {
        tracing::warn!("DIGAME_SMTP_URL is not set: mail (password resets, invitations) waits in the outbox undelivered");
    }
    crate::features::mail::sender::start(db.clone(), &settings.mail)?;
    metrics::init();

    let state = AppState::new(leptos_options.clone(), db.clone(), settings, memory)?;
    spawn_digests(db.clone(), state.settings.clone());
    spawn_domain_checks(db.clone(), state.dns.clone());

    let secure = state.settings.secure_cookies();
    let session_layer = SessionManagerLayer::new(store)
        // `__Host-`: the browser takes it only when Secure, for this host alone, path `/`.
        .with_name(if secure {
            "__Host-digame_session"
        } else {
            "digame_session"
        })
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        // Stored only when it changed: `session_upkeep` refreshes the idle timeout at most
        // once a minute, instead of a database write on every request.
        .with_always_save(false)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            state.settings.session_idle_minutes,
        )));
    let auth_layer = axum_login::AuthManagerLayerBuilder::new(
        Backend::new(db, state.passwords.clone(), state.memory.clone()),
        session_layer,
    )
    .build();

    let routes = generate_route_list(App);
    let context_state = state.clone();
    let context = move || provide_context(context_state.clone());
    let options = leptos_options.clone();
    // Everything that may need to know who is asking: pages, server functions, the JSON API,
    // and the 404 page. Only these load (and, when it changed, store) the session.
    let limited = Router::new()
        .route("/api/{*fn_name}", any(unknown_endpoint))
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(options.clone())
        })
        .route(
            crate::features::account_data::EXPORT_PATH,
            get(crate::features::account_data::service::download),
        )
        .route(
            crate::features::ai_admin::CSV_PATH,
            get(crate::features::ai_admin::figures::download),
        )
        .route(
            crate::web::locale::SWITCH_PATH,
            get(crate::web::locale::switch),
        )
        .route(
            crate::features::sso::routes::START_PATH,
            get(crate::features::sso::routes::start),
        )
        .route(
            crate::features::sso::routes::CALLBACK_PATH,
            get(crate::features::sso::routes::callback),
        )
        .merge(tool_streams())
        .fallback_service(site_files(&leptos_options, context))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES));
    let upload_limit = state.settings.upload_body_limit();
    let uploads = Router::new()
        .route(
            crate::features::email::UPLOAD_PATH,
            axum::routing::post(crate::features::email::service::upload),
        )
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(upload_limit))
        .route(
            crate::features::meetings::upload::UPLOAD_PATH,
            axum::routing::post(crate::features::meetings::upload::upload)
                .layer(RequestBodyLimitLayer::new(1024 * 1024)),
        );
    // The JSON API bounds its bodies itself (its mail upload takes the upload limit).
    let api = Router::new().nest("/api/v1", crate::api::router(state.clone()));
    let with_session = limited
        .merge(api)
        .merge(uploads)
        .layer(middleware::from_fn(crate::web::locale::decide))
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(middleware::from_fn(page_guard))
        .layer(middleware::from_fn(crate::web::security::form_error_flash))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session_upkeep,
        ))
        .layer(auth_layer);
    // Probes and the build output never touch the session store.
    let router = Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics::serve))
        .nest_service("/pkg", build_files(&leptos_options))
        // SCIM: the company's provider, by its bearer token; no session, no cookies.
        .nest(
            crate::features::scim::SCIM_BASE,
            crate::features::scim::routes::router(),
        )
        .merge(with_session)
        .layer(middleware::from_fn(crate::web::security::csrf_guard))
        .layer(middleware::from_fn(crate::web::security::same_site_redirects))
        .layer(middleware::from_fn(crate::web::security::security_headers))
        .layer(middleware::from_fn_with_state(state.clone(), crate::web::security::provide_state))
        // Pages and JSON compressed on the fly with gzip only (tower-http's `compression-br`
        // is off): brotli's encoder sets up megabytes of window and tables per response, and a
        // browser (which always offers br) got `/login` at a third of the rate it gets gzip,
        // for a body 7 % smaller (docs/BENCHMARKS.md). Build files keep their brotli q11
        // copies, made once at build time and served by `ServeDir`. At gzip's fastest level:
        // a page is a few kilobytes, and the CPU is better spent answering the next request.
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        .layer(middleware::from_fn(too_large_as_json))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            database_down_as_503,
        ))
        .layer(
            TraceLayer::new_for_http()
                // Method and path only: query strings, headers and bodies may hold secrets.
                .make_span_with(|req: &Request<Body>| {
                    let id = req
                        .extensions()
                        .get::<request_id::RequestId>()
                        .map_or("", |r| r.0.as_str());
                    tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(middleware::from_fn(metrics::track))
        .layer(middleware::from_fn(request_id::assign))
        .with_state(state.clone());
    Ok((router, state))
}

/// `DIGAME_AI_DEMO`: starts the built-in test AI service on a loopback port and points
/// the tools at it.
async fn start_demo_ai(settings: &mut Settings) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot start the demo AI service: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot start the demo AI service: {e}"))?;
    tokio::spawn(crate::ai::fake::serve(listener));
    settings.ai.base_url = format!("http://{addr}/v1");
    settings.ai.model = "fake-model".into();
    settings.ai.allow_private = true;
    tracing::warn!(%addr, "DIGAME_AI_DEMO: the AI tools answer from the built-in test service");
    Ok(())
}

/// The build output under `/pkg` (wasm, JS, CSS), with the brotli and gzip copies the build
/// writes beside each file (`precompress_site` in scripts/env.sh) served as they are.
fn build_files(options: &LeptosOptions) -> ServeDir {
    let root = std::path::Path::new(options.site_root.as_ref());
    ServeDir::new(root.join(options.site_pkg_dir.as_ref()))
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false)
}

/// The site's other files (`/favicon.svg`), and the 404 page for anything else.
///
/// Served by tower-http rather than leptos_axum's `file_and_error_handler`, which wraps each
/// file in a reactive owner created with `Owner::new()`. leptos_axum leaves the root owner
/// of the last page rendered on a worker thread as that thread's current owner (`Owner::
/// new_root` sets it and nothing restores it), so that `Owner::new()` became a child of a
/// page still rendering elsewhere, found that page's `ResponseOptions` by context lookup and
/// took its headers: under load a page went out without its CSP (unstyled and never
/// hydrated) while a stylesheet carried the page's. `tests/concurrency.rs` keeps it fixed.
fn site_files(
    options: &LeptosOptions,
    context: impl Fn() + Clone + Send + Sync + 'static,
) -> ServeDir<MethodRouter> {
    let page_options = options.clone();
    let not_found_page =
        leptos_axum::render_app_async_with_context(context, move || shell(page_options.clone()));
    let not_found = any(move |req: Request| {
        let render = not_found_page.clone();
        async move {
            let mut res = render(req).await;
            // The app's fallback route answers 404 itself; make sure of it whatever it renders.
            if res.status() == StatusCode::OK {
                *res.status_mut() = StatusCode::NOT_FOUND;
            }
            res
        }
    });
    ServeDir::new(options.site_root.as_ref())
        // The build writes .br and .gz beside each file (scripts/env.sh, precompress_site).
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false)
        .call_fallback_on_method_not_allowed(true)
        .fallback(not_found)
}

/// Serves until Ctrl-C or SIGTERM, then lets every request in flight finish.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    serve_with_grace(listener, router, Duration::from_secs(365 * 24 * 3600)).await
}

/// Serves until Ctrl-C or SIGTERM; then stops accepting connections, lets the requests in
/// flight finish for up to `grace` (`DIGAME_SHUTDOWN_GRACE_SECONDS`), and returns, so the
/// process exits 0 either way.
pub async fn serve_with_grace(
    listener: tokio::net::TcpListener,
    router: Router,
    grace: Duration,
) -> std::io::Result<()> {
    let (signalled, mut on_signal) = tokio::sync::watch::channel(false);
    // TCP_NODELAY: a response whose body follows its headers in a second write (every file
    // ServeDir streams, the stylesheet and wasm among them) otherwise waits for the client's
    // delayed ACK, ~40 ms on Linux: static files served at ~900 req/s with a 48 ms p99.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY on a connection");
        }
    });
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = signalled.send(true);
    });
    let deadline = async move {
        if on_signal.wait_for(|s| *s).await.is_err() {
            // The server ended on its own; its branch below has the answer.
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = async { server.await } => result,
        () = deadline => {
            tracing::warn!(
                grace_seconds = grace.as_secs(),
                "the shutdown grace period ended; requests still running were cut off"
            );
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// Deletes expired sessions every hour, on one replica at a time.
fn spawn_expired_session_cleanup(db: sea_orm::DatabaseConnection, store: AppSessionStore) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            let run = db::on_one_replica(&db, db::SESSION_CLEANUP_LOCK_KEY, store.delete_expired());
            match run.await {
                Ok(Some(Err(e))) => {
                    tracing::warn!(error = %e, "could not delete expired sessions")
                }
                Err(e) => tracing::warn!(error = %e, "could not delete expired sessions"),
                // Done here, or by another replica this round.
                Ok(Some(Ok(()))) | Ok(None) => {}
            }
        }
    });
}

/// The tools' answers as events, for their pages with JavaScript (`tools::stream`): each
/// route takes the same form as the tool's server function.
fn tool_streams() -> Router<AppState> {
    use crate::features::tools::stream::{cancel, page, CANCEL_PATH};
    use crate::features::{email, language, meetings, style, writing};
    use axum::routing::post;
    Router::new()
        .route(CANCEL_PATH, post(cancel))
        .route(
            meetings::STREAM_PATH,
            post(page::<meetings::AnalyseMeeting>),
        )
        .route(writing::STREAM_PATH, post(page::<writing::SuggestWriting>))
        .route(style::STREAM_PATH, post(page::<style::AnalyseStyle>))
        .route(
            language::TRANSLATE_STREAM_PATH,
            post(page::<language::Translate>),
        )
        .route(language::DEFINE_STREAM_PATH, post(page::<language::Define>))
        .route(
            email::NARRATIVE_STREAM_PATH,
            post(page::<email::EmailNarrative>),
        )
}

/// Deletes usage records and audit events past the retention period, hourly, on one
/// replica at a time (`retention`).
fn spawn_retention(db: sea_orm::DatabaseConnection, months: u32) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            let run = retention::delete_expired(&db, months, chrono::Utc::now());
            match db::on_one_replica(&db, db::RETENTION_LOCK_KEY, run).await {
                Ok(Some(Ok(removed))) if removed != retention::Removed::default() => {
                    tracing::info!(
                        ?removed,
                        months,
                        "deleted records past the retention period"
                    )
                }
                Ok(Some(Err(e))) | Err(e) => {
                    tracing::warn!(error = %e, "could not delete records past the retention period")
                }
                Ok(Some(Ok(_))) | Ok(None) => {}
            }
        }
    });
}

/// Looks up verified domains' records again, hourly, on one replica at a time; each domain
/// is due once a day (`domains::service::recheck_due`).
fn spawn_domain_checks(db: sea_orm::DatabaseConnection, dns: crate::dns::TxtLookup) {
    use crate::features::domains::service as domains;
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            let run = domains::recheck_due(&db, &dns, chrono::Utc::now());
            match db::on_one_replica(&db, db::DOMAIN_CHECK_LOCK_KEY, run).await {
                Ok(Some(Ok(done))) if done.lapsed > 0 => {
                    tracing::warn!(
                        ?done,
                        "verified domains whose record was gone for a week are no longer verified"
                    )
                }
                Ok(Some(Err(e))) => {
                    tracing::warn!(error = %e, "could not look up verified domains again")
                }
                Err(e) => tracing::warn!(error = %e, "could not look up verified domains again"),
                Ok(Some(Ok(_))) | Ok(None) => {}
            }
        }
    });
}

/// Sends the week's digests and the budget warnings that are due, every quarter of an hour;
/// each is claimed in the database, so any number of replicas send each once.
fn spawn_digests(
    db: sea_orm::DatabaseConnection,
    settings: std::sync::Arc<crate::config::Settings>,
) {
    use crate::features::budgets::warnings;
    use crate::features::notifications::digest;
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(900));
        loop {
            every.tick().await;
            match digest::send_due(&db, &settings, chrono::Utc::now()).await {
                Ok(0) => {}
                Ok(sent) => tracing::info!(sent, "weekly digests put in the outbox"),
                Err(e) => tracing::warn!(error = %e, "could not send the weekly digests"),
            }
            match warnings::send_due(&db, &settings, chrono::Utc::now()).await {
                Ok(0) => {}
                Ok(sent) => tracing::info!(sent, "budget warnings put in the outbox"),
                Err(e) => tracing::warn!(error = %e, "could not send the budget warnings"),
            }
        }
    });
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// Readiness: one round-trip to the database.
async fn ready(State(state): State<AppState>) -> Response {
    let started = std::time::Instant::now();
    let check = tokio::time::timeout(
        Duration::from_secs(3),
        state.db.execute_unprepared("SELECT 1"),
    )
    .await;
    match check {
        Ok(Ok(_)) => Json(serde_json::json!({
            "status": "ready",
            "database": "ok",
            "database_ms": started.elapsed().as_millis() as u64,
        }))
        .into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "readiness check: database error");
            not_ready()
        }
        Err(_) => {
            tracing::error!("readiness check: database timed out");
            not_ready()
        }
    }
}

fn not_ready() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(serde_json::json!({ "status": "unavailable", "database": "unreachable" })),
    )
        .into_response()
}

/// Server functions live at their own routes (registered by `leptos_routes`); anything
/// else under `/api/` is a JSON 404.
async fn unknown_endpoint(req: Request<Body>) -> Response {
    AppError::NotFound(format!("There is no endpoint at {}.", req.uri().path())).into_response()
}

/// Gives a server function's error the status code of its kind: server_fn answers every
/// error with 500. (A plain-form post keeps its redirect back to the form.)
async fn server_fn_error_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key("serverfnerror")
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<ErrorBody>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status_code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(secs) = err.detail.as_ref().and_then(|d| d.get("retry_after_secs")) {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                parts.headers.insert(header::RETRY_AFTER, v);
            }
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The body limit answers in plain text; give it the project's error shape.
async fn too_large_as_json(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let already_json = res
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE && !already_json {
        return AppError::PayloadTooLarge(format!(
            "The request is too large: {} KB at most.",
            BODY_LIMIT_BYTES / 1024
        ))
        .into_response();
    }
    res
}

/// A bare 500 from a layer that reads the database before any handler runs (the session
/// store, the signed-in person) while the database cannot be reached: answered 503 in the
/// error shape instead, so clients and proxies know to retry. One quick ping decides.
async fn database_down_as_503(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let ping = tokio::time::timeout(Duration::from_secs(1), state.db.ping()).await;
    if matches!(ping, Ok(Ok(()))) {
        return res;
    }
    tracing::warn!("answering 503: the database cannot be reached");
    AppError::Unavailable.into_response()
}

/// Session key: when the session's idle timeout was last pushed back (unix seconds).
const TOUCHED_AT_KEY: &str = "digame.touched_at";

/// How often activity pushes the idle timeout back (one session write at most this often).
pub const SESSION_TOUCH_SECS: i64 = 60;

/// Keeps a signed-in session's timeouts: ends one older than the absolute limit, however
/// active it was, or signed in under an older session epoch of the person (they were
/// deactivated since), and otherwise pushes its idle timeout back, at most once a minute (a
/// change to the session is what makes the session layer store it and renew the cookie).
async fn session_upkeep(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(mut auth) = req.extensions().get::<AuthSession>().cloned() {
        if let Some(epoch_now) = auth.user.as_ref().map(|u| u.user.session_epoch) {
            let started: Option<i64> = auth.session.get(LOGIN_AT_KEY).await.ok().flatten();
            // Sessions from before epochs existed carry none: they belong to epoch 0.
            let epoch: i32 = auth
                .session
                .get(EPOCH_KEY)
                .await
                .ok()
                .flatten()
                .unwrap_or(0);
            let limit = state.settings.session_absolute_hours * 3600;
            let now = chrono::Utc::now().timestamp();
            if started.is_none_or(|t| now - t > limit) || epoch != epoch_now {
                if let Err(e) = auth.logout().await {
                    tracing::warn!(error = %e, "could not end an expired session");
                }
                req.extensions_mut().insert(auth);
            } else {
                let touched: Option<i64> = auth.session.get(TOUCHED_AT_KEY).await.ok().flatten();
                if touched.is_none_or(|t| now - t >= SESSION_TOUCH_SECS) {
                    if let Err(e) = auth.session.insert(TOUCHED_AT_KEY, now).await {
                        tracing::warn!(error = %e, "could not refresh a session");
                    }
                }
            }
        }
    }
    next.run(req).await
}

/// Member pages need a session: signed-out visitors go to sign-in and come back after.
/// Signed-in people asking for the sign-in forms go to their dashboard.
async fn page_guard(req: Request, next: Next) -> Response {
    if req.method() != http::Method::GET {
        return next.run(req).await;
    }
    let path = req.uri().path();
    let signed_in = req
        .extensions()
        .get::<AuthSession>()
        .is_some_and(|a| a.user.is_some());
    if !signed_in && crate::app::is_member_page(path) {
        let full = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| path.to_owned());
        return Redirect::to(&crate::util::login_url_for(&full)).into_response();
    }
    if signed_in && (path == "/login" || path == "/register") {
        return Redirect::to("/").into_response();
    }
    next.run(req).await
}
