//! The Digame server binary: `digame` (or `digame serve`) runs the web app.

use digame::config::{Settings, ENV_HELP};
use digame::operator::USAGE;
use tracing_subscriber::EnvFilter;

/// Server-rendering a page walks a deep view tree; worker threads get 8 MiB of stack (the
/// default is 2 MiB) so a large page never runs out.
const WORKER_STACK_BYTES: usize = 8 * 1024 * 1024;

/// Allocations of 1 MiB and more get their own mapping and go back to the system when freed.
///
/// Each password hash (Argon2id, m = 19 MiB) allocates one 19 MiB block. glibc's default
/// threshold adapts upwards after the first such block is freed, so later blocks came from
/// the heap arenas of whichever blocking-pool thread hashed, and stayed there: 20 sign-ups
/// took the server from 28 MB to 245 MB, 20 concurrent ones to 500 MB, and the memory never
/// went back (`bench/soak.sh`, `bench/run.sh`). A fixed threshold turns the adaptation off.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks_to_the_system() {
    const ONE_MIB: libc::c_int = 1024 * 1024;
    // SAFETY: mallopt only sets a tuning parameter of glibc's allocator; called first thing
    // in main, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, ONE_MIB);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks_to_the_system() {}

fn main() {
    return_large_blocks_to_the_system();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(WORKER_STACK_BYTES)
        .build();
    match runtime {
        Ok(rt) => rt.block_on(start()),
        Err(e) => {
            eprintln!("digame: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    }
}

async fn start() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().cloned().unwrap_or_else(|| "serve".into());
    match command.as_str() {
        "serve" | "backup" | "rotate-master-key" | "tenant" => {}
        "--help" | "-h" | "help" => {
            println!("{USAGE}\n\n{ENV_HELP}");
            return;
        }
        "fake-ai" => {
            // Needs no settings: the built-in test AI service on its own.
            let addr = args.get(1).map_or("127.0.0.1:3900", String::as_str);
            if let Err(e) = fake_ai(addr).await {
                eprintln!("digame: {e}");
                std::process::exit(1);
            }
            return;
        }
        other => {
            eprintln!("digame: unknown command `{other}`\n\n{USAGE}");
            std::process::exit(2);
        }
    }
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("digame: configuration error: {e}\n\nRun `digame --help` for the settings.");
            std::process::exit(2);
        }
    };
    init_tracing(settings.is_production());
    let result = match command.as_str() {
        "rotate-master-key" => digame::operator::rotate_master_key(settings).await,
        "backup" => digame::operator::backup(settings, &args[1..]).await,
        "tenant" => digame::operator::tenant_command(settings, &args[1..]).await,
        _ => run(settings).await,
    };
    if let Err(e) = result {
        tracing::error!("{e}");
        eprintln!("digame: {e}");
        std::process::exit(1);
    }
}

async fn run(settings: Settings) -> Result<(), String> {
    let options = digame::server::leptos_options()?;
    let addr = settings.listen_addr.unwrap_or(options.site_addr);
    let grace = std::time::Duration::from_secs(settings.shutdown_grace_seconds);
    let (router, _state) = digame::server::build_app(settings, options).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} (DIGAME_LISTEN_ADDR): {e}"))?;
    tracing::info!("Digame is running at http://{addr}");
    println!("Digame is running at http://{addr}");
    digame::server::serve_with_grace(listener, router, grace)
        .await
        .map_err(|e| format!("server error: {e}"))?;
    tracing::info!("stopped");
    Ok(())
}

async fn fake_ai(addr: &str) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("The built-in test AI service is answering at http://{addr}/v1 (not a real model)");
    digame::ai::fake::serve(listener)
        .await
        .map_err(|e| format!("test AI service error: {e}"))
}

fn init_tracing(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if json {
        builder.json().init();
    } else {
        builder.compact().init();
    }
}
