//! The Digame server binary: `digame` (or `digame serve`) runs the web app.

use digame::config::{Settings, ENV_HELP};
use tracing_subscriber::EnvFilter;

const USAGE: &str = "Usage: digame [serve | rotate-master-key | tenant ...]

  serve               run the web app (the default)
  tenant create --company NAME --admin-email EMAIL --admin-name NAME [--tier TIER]
                      create a tenant and its first admin (a password is generated and printed once)
  tenant set-tier SLUG TIER
                      change a tenant's tier (free, professional, enterprise)
  tenant list         list tenants with their tier and active members
  rotate-master-key   re-encrypt every stored API key under DIGAME_MASTER_KEY, reading the
                      old ones with DIGAME_OLD_MASTER_KEY; safe to stop and run again
  --help              this text";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().cloned().unwrap_or_else(|| "serve".into());
    match command.as_str() {
        "serve" | "rotate-master-key" | "tenant" => {}
        "--help" | "-h" | "help" => {
            println!("{USAGE}\n\n{ENV_HELP}");
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
        "rotate-master-key" => rotate_master_key(settings).await,
        "tenant" => tenant_command(settings, &args[1..]).await,
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
    let (router, _state) = digame::server::build_app(settings, options).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} (DIGAME_LISTEN_ADDR): {e}"))?;
    tracing::info!("Digame is running at http://{addr}");
    println!("Digame is running at http://{addr}");
    digame::server::serve(listener, router)
        .await
        .map_err(|e| format!("server error: {e}"))
}

/// Re-encrypts stored API keys under the current master key and reports what it did.
async fn rotate_master_key(settings: Settings) -> Result<(), String> {
    if settings.previous_master_key.is_none() {
        println!("note: DIGAME_OLD_MASTER_KEY is not set; only keys already readable with DIGAME_MASTER_KEY can be re-encrypted");
    }
    let db = digame::server::db::connect_and_migrate(&settings.database_url)
        .await
        .map_err(|e| format!("cannot open the database (DATABASE_URL): {e}"))?;
    let keyring = digame::server::keyring(&settings);
    let report = digame::features::api_keys::service::rotate(&db, &keyring)
        .await
        .map_err(|e| {
            format!("rotation stopped by a database error (run it again to resume): {e}")
        })?;
    println!(
        "rotation: {} user(s), {} key(s) re-encrypted, {} already current, {} unreadable, {} changed meanwhile",
        report.users, report.reencrypted, report.already_current, report.unreadable, report.changed_meanwhile
    );
    if report.unreadable > 0 || report.changed_meanwhile > 0 {
        return Err(format!(
            "{} key(s) could not be re-encrypted: {} unreadable with the configured keys, {} changed during the run (run again)",
            report.unreadable + report.changed_meanwhile,
            report.unreadable,
            report.changed_meanwhile
        ));
    }
    println!("done: every stored key is under the current master key; DIGAME_OLD_MASTER_KEY can be removed");
    Ok(())
}

/// The operator's tenant commands.
async fn tenant_command(settings: Settings, args: &[String]) -> Result<(), String> {
    use digame::features::tenancy::{service, Tier};
    let db = digame::server::db::connect_and_migrate(&settings.database_url)
        .await
        .map_err(|e| format!("cannot open the database (DATABASE_URL): {e}"))?;
    let flag = |name: &str| -> Option<String> {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let tier_arg = |value: &str| {
        Tier::parse(value)
            .ok_or_else(|| format!("unknown tier `{value}`: use free, professional or enterprise"))
    };
    let app_error = |e: digame::error::AppError| e.message().to_owned();
    match args.first().map(String::as_str) {
        Some("create") => {
            let (Some(company), Some(email), Some(name)) = (
                flag("--company"),
                flag("--admin-email"),
                flag("--admin-name"),
            ) else {
                return Err(format!(
                    "tenant create needs --company, --admin-email and --admin-name\n\n{USAGE}"
                ));
            };
            let tier = match flag("--tier") {
                Some(t) => tier_arg(&t)?,
                None => settings.default_tier,
            };
            let passwords = digame::features::auth::passwords::Passwords::new();
            let (person, password) =
                service::operator_create_tenant(&db, &passwords, &company, &email, &name, tier)
                    .await
                    .map_err(app_error)?;
            println!(
                "created tenant {} ({}) on the {} tier\nadmin: {}\npassword (shown once; ask them to change it in Settings → Security): {}",
                person.tenant.name,
                person.tenant.slug,
                tier.label(),
                person.user.email,
                password
            );
            Ok(())
        }
        Some("set-tier") => {
            let (Some(slug), Some(tier)) = (args.get(1), args.get(2)) else {
                return Err(format!("tenant set-tier needs SLUG and TIER\n\n{USAGE}"));
            };
            let tier = tier_arg(tier)?;
            let (tenant, before) = service::operator_set_tier(&db, slug, tier)
                .await
                .map_err(app_error)?;
            println!("{}: {} → {}", tenant.slug, before.label(), tier.label());
            Ok(())
        }
        Some("list") => {
            let tenants = service::operator_list(&db).await.map_err(app_error)?;
            println!("{:<32} {:<14} {:>7}  name", "slug", "tier", "members");
            for (t, members) in &tenants {
                println!("{:<32} {:<14} {:>7}  {}", t.slug, t.tier, members, t.name);
            }
            println!("{} tenant(s)", tenants.len());
            Ok(())
        }
        _ => Err(format!(
            "tenant needs a subcommand: create, set-tier or list\n\n{USAGE}"
        )),
    }
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
