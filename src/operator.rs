//! The operator's command line (`digame tenant …`, `digame rotate-master-key`): what whoever
//! runs the installation does, with no web page. `main.rs` dispatches here; each command
//! calls the owning feature's service.

use crate::config::Settings;
use crate::crypto::passwords::Passwords;
use crate::domain::Tier;
use crate::entities::tenants;
use crate::error::AppError;
use crate::features::{auth, members, tenancy};
use crate::person::SessionUser;
use sea_orm::DatabaseConnection;

/// `digame`'s command line (the settings' options are added by `config::settings_args`).
#[derive(Debug, clap::Parser)]
#[command(
    name = "digame",
    version,
    about = "Digame: AI productivity tools for teams. Without a command it serves the web app.",
    after_help = crate::config::OTHER_VARIABLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Run the web app (the default)
    Serve,
    /// Copy the SQLite database to the new file PATH while the app runs (consistent,
    /// compacted, integrity-checked); for PostgreSQL use pg_dump
    Backup {
        /// A file that does not exist yet
        path: std::path::PathBuf,
    },
    /// Re-encrypt every stored API key under DIGAME_MASTER_KEY, reading the old ones with
    /// DIGAME_OLD_MASTER_KEY; safe to stop and run again
    RotateMasterKey,
    /// Create tenants, change their tier, list them
    Tenant {
        #[command(subcommand)]
        action: TenantCommand,
    },
    /// Run only the built-in test AI service (OpenAI-compatible, deterministic answers, for
    /// tests and demos); point DIGAME_AI_BASE_URL at http://ADDR/v1 with
    /// DIGAME_AI_ALLOW_PRIVATE=true
    FakeAi {
        #[arg(default_value = "127.0.0.1:3900")]
        addr: String,
    },
    /// Print the JSON API's OpenAPI document (what /api/v1/openapi.json serves), for client
    /// generators
    Openapi,
}

#[derive(Debug, clap::Subcommand)]
pub enum TenantCommand {
    /// Create a tenant and its first admin (a password is generated and printed once)
    Create {
        #[arg(long)]
        company: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long)]
        admin_name: String,
        /// free, professional or enterprise (default: DIGAME_DEFAULT_TIER)
        #[arg(long, value_parser = tier_arg)]
        tier: Option<Tier>,
    },
    /// Change a tenant's tier
    SetTier {
        slug: String,
        /// free, professional or enterprise
        #[arg(value_parser = tier_arg)]
        tier: Tier,
    },
    /// List tenants with their tier and active members
    List,
}

fn tier_arg(value: &str) -> Result<Tier, String> {
    Tier::parse(value)
        .ok_or_else(|| format!("unknown tier `{value}`: use free, professional or enterprise"))
}

/// Re-encrypts stored API keys under the current master key and reports what it did.
pub async fn rotate_master_key(settings: Settings) -> Result<(), String> {
    if settings.previous_master_key.is_none() {
        println!("note: DIGAME_OLD_MASTER_KEY is not set; only keys already readable with DIGAME_MASTER_KEY can be re-encrypted");
    }
    let db = crate::server::db::connect_and_migrate(&settings.database_url)
        .await
        .map_err(|e| format!("cannot open the database (DATABASE_URL): {e}"))?;
    let keyring = crate::web::state::keyring(&settings);
    let report = crate::features::api_keys::service::rotate(&db, &keyring)
        .await
        .map_err(|e| {
            format!("rotation stopped by a database error (run it again to resume): {e}")
        })?;
    println!(
        "rotation: {} user(s), {} key(s) re-encrypted, {} already current, {} unreadable, {} changed meanwhile",
        report.users, report.reencrypted, report.already_current, report.unreadable, report.changed_meanwhile
    );
    let totp = crate::features::auth::two_factor::rotate(&db, &keyring)
        .await
        .map_err(|e| {
            format!("rotation stopped by a database error (run it again to resume): {e}")
        })?;
    println!(
        "two-factor secrets: {} re-encrypted, {} unreadable",
        totp.reencrypted, totp.unreadable
    );
    let (sso_resealed, sso_unreadable) = crate::features::sso::service::rotate(&db, &keyring)
        .await
        .map_err(|e| {
            format!("rotation stopped by a database error (run it again to resume): {e}")
        })?;
    println!(
        "single sign-on client secrets: {sso_resealed} re-encrypted, {sso_unreadable} unreadable"
    );
    if sso_unreadable > 0 {
        return Err(format!(
            "{sso_unreadable} single sign-on client secret(s) could not be opened with the configured keys"
        ));
    }
    if totp.unreadable > 0 {
        return Err(format!(
            "{} two-factor secret(s) could not be opened with the configured keys",
            totp.unreadable
        ));
    }
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

/// `digame backup PATH`: a consistent copy of the SQLite database, taken while the app runs.
pub async fn backup(settings: Settings, target: &std::path::Path) -> Result<(), String> {
    let db = crate::server::db::connect_and_migrate(&settings.database_url)
        .await
        .map_err(|e| format!("cannot open the database (DATABASE_URL): {e}"))?;
    crate::server::db::backup_sqlite(&db, target).await?;
    println!(
        "backup written to {} and checked; to restore, stop Digame and put it in place of the database file (DATABASE_URL)",
        target.display()
    );
    Ok(())
}

/// The operator's tenant commands.
pub async fn tenant_command(settings: Settings, action: TenantCommand) -> Result<(), String> {
    let db = crate::server::db::connect_and_migrate(&settings.database_url)
        .await
        .map_err(|e| format!("cannot open the database (DATABASE_URL): {e}"))?;
    let app_error = |e: crate::error::AppError| e.message().to_owned();
    match action {
        TenantCommand::Create {
            company,
            admin_email,
            admin_name,
            tier,
        } => {
            let tier = tier.unwrap_or(settings.default_tier);
            let passwords = crate::crypto::passwords::Passwords::new();
            let (person, password) =
                create_tenant(&db, &passwords, &company, &admin_email, &admin_name, tier)
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
        TenantCommand::SetTier { slug, tier } => {
            let (tenant, before) = tenancy::service::set_tier(&db, &slug, tier)
                .await
                .map_err(app_error)?;
            println!("{}: {} → {}", tenant.slug, before.label(), tier.label());
            Ok(())
        }
        TenantCommand::List => {
            let tenants = list_tenants(&db).await.map_err(app_error)?;
            println!("{:<32} {:<14} {:>7}  name", "slug", "tier", "members");
            for (t, members) in &tenants {
                println!(
                    "{:<32} {:<14} {:>7}  {}",
                    t.slug,
                    t.tier.as_str(),
                    members,
                    t.name
                );
            }
            println!("{} tenant(s)", tenants.len());
            Ok(())
        }
    }
}

/// Creates a tenant and its first admin with a generated password, printed once.
pub async fn create_tenant(
    db: &DatabaseConnection,
    passwords: &Passwords,
    company: &str,
    admin_email: &str,
    admin_name: &str,
    tier: Tier,
) -> Result<(SessionUser, String), AppError> {
    let password = {
        use base64::Engine as _;
        use rand::RngCore as _;
        let mut bytes = [0u8; 18];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    };
    let account =
        auth::registration::NewAccount::parse(admin_name, admin_email, &password, company)?;
    let person = auth::registration::register(
        db,
        passwords,
        tier,
        account,
        auth::registration::Verification::Vouched,
    )
    .await?;
    Ok((person, password))
}

/// Every tenant with its number of active members.
pub async fn list_tenants(db: &DatabaseConnection) -> Result<Vec<(tenants::Model, u64)>, AppError> {
    let all = tenancy::service::all(db).await?;
    let mut out = Vec::with_capacity(all.len());
    for t in all {
        let active = members::service::count_active(db, t.id).await?;
        out.push((t, active));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches};

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let matches = Cli::command()
            .args(crate::config::settings_args())
            .try_get_matches_from(args)?;
        Cli::from_arg_matches(&matches)
    }

    #[test]
    fn the_command_line_is_consistent_and_parses_each_command() {
        Cli::command()
            .args(crate::config::settings_args())
            .debug_assert();
        assert!(parse(&["digame"]).unwrap().command.is_none());
        assert!(matches!(
            parse(&["digame", "tenant", "set-tier", "acme", "Enterprise"])
                .unwrap()
                .command,
            Some(Command::Tenant {
                action: TenantCommand::SetTier {
                    tier: Tier::Enterprise,
                    ..
                }
            })
        ));
        assert!(matches!(
            parse(&["digame", "serve", "--ai-timeout-seconds", "5"])
                .unwrap()
                .command,
            Some(Command::Serve)
        ));
        for bad in [
            &["digame", "tenant", "set-tier", "acme", "gold"][..],
            &["digame", "tenant", "create", "--company", "Acme"],
            &["digame", "launch"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
