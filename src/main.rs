//! The Digame server binary: `digame` (or `digame serve`) runs the web app.

use digame::config::Settings;
use tracing_subscriber::EnvFilter;

/// Server-rendering a page walks a deep view tree; worker threads get 8 MiB of stack (the
/// default is 2 MiB) so a large page never runs out.
const WORKER_STACK_BYTES: usize = 8 * 1024 * 1024;

/// mimalloc instead of glibc's malloc. Server rendering allocates and frees many small
/// strings: under load glibc's malloc and free (with `malloc_consolidate`) took about a
/// quarter of the CPU of a page (`perf`, docs/BENCHMARKS.md). mimalloc also gives a password
/// hash's 19 MiB block (Argon2id) its own mapping and returns it when freed, which glibc
/// needed a fixed `M_MMAP_THRESHOLD` for (its adaptive threshold kept those blocks in the
/// heap arenas: 20 sign-ups took the server from 28 MB to 245 MB); `bench/run.sh` and
/// `bench/soak.sh` measure the memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's options: freed memory goes back to the system at once (purge delay 0, not
/// 10 ms), and its arenas are committed as they are used, not up front (an arena committed
/// up front is never purged). With its defaults the idle server took 64 MB; with these
/// 34 MB (glibc: 34 MB), at the same speed (`bench/run.sh`, docs/BENCHMARKS.md).
///
/// mimalloc reserves its first arena at the first allocation, which the Rust runtime makes
/// before `main`: on Linux this runs earlier still, as an ELF constructor (`.init_array`),
/// before any Rust code allocates. Elsewhere it runs first thing in `main`, where the first
/// arena keeps the default.
extern "C" fn tune_allocator() {
    use libmimalloc_sys::{mi_option_set, mi_option_t};
    // `mi_option_e` in mimalloc.h (v2, the version libmimalloc-sys builds by default); the
    // crate names neither.
    const ARENA_EAGER_COMMIT: mi_option_t = 4;
    const PURGE_DELAY: mi_option_t = 15;
    // SAFETY: mi_option_set only stores a tuning value, which mimalloc reads when it next
    // reserves or purges memory; no other thread exists yet.
    unsafe {
        mi_option_set(ARENA_EAGER_COMMIT, 0);
        mi_option_set(PURGE_DELAY, 0);
    }
}

#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static TUNE_ALLOCATOR_AT_LOAD: extern "C" fn() = tune_allocator;

fn main() {
    #[cfg(not(target_os = "linux"))]
    tune_allocator();
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
    use clap::{CommandFactory, FromArgMatches};
    use digame::operator::{Cli, Command};
    // `--help`, `--version` and a mistyped command line print and exit here.
    let matches = Cli::command()
        .args(digame::config::settings_args())
        .get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::FakeAi { addr } = &command {
        // Needs no settings: the built-in test AI service on its own.
        if let Err(e) = fake_ai(addr).await {
            eprintln!("digame: {e}");
            std::process::exit(1);
        }
        return;
    }
    if let Command::Openapi = &command {
        // Needs no settings: the document is built from the code.
        println!("{}", digame::api::openapi::document());
        return;
    }
    let settings = match Settings::from_matches(&matches) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("digame: configuration error: {e}\n\nRun `digame --help` for the settings.");
            std::process::exit(2);
        }
    };
    init_tracing(settings.is_production());
    let result = match command {
        Command::RotateMasterKey => digame::operator::rotate_master_key(settings).await,
        Command::Backup { path } => digame::operator::backup(settings, &path).await,
        Command::Tenant { action } => digame::operator::tenant_command(settings, action).await,
        Command::Serve | Command::FakeAi { .. } => run(settings).await,
        // Printed above, before the settings are read.
        Command::Openapi => Ok(()),
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
