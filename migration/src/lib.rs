//! Append-only schema migrations, run at server start-up (one file per change).
pub use sea_orm_migration::prelude::*;

mod m20261124_000001_create_tenants_and_users;
mod m20261124_000002_create_login_throttles;
mod m20261124_000003_create_api_keys_and_audit;
mod m20261124_000004_create_features_invitations_usage;
mod m20261124_000005_create_onboarding;
mod m20261126_000006_add_session_epoch;
mod m20261126_000007_create_tasks;
mod m20261126_000008_create_ai_calls;
mod m20261126_000009_create_tenant_ai_endpoints;
mod m20261126_000010_create_saved_results;
mod m20261126_000011_create_api_tokens;
mod m20261126_000012_create_outbox_and_password_resets;
mod m20261126_000013_add_api_token_name;
mod m20261126_000014_email_verification;
mod m20261126_000015_two_factor;
mod m20261126_000016_add_user_updated_at;
mod m20261205_000017_add_api_token_scope;
mod m20261205_000018_add_api_key_bound_url;
mod m20261206_000019_memory_notifications;
mod m20261206_000020_create_last_answers;
mod m20261206_000021_add_ai_endpoint_provider;
mod m20261207_000022_create_notification_settings;
mod m20261208_000023_create_token_budgets;
mod m20261208_000024_add_fallback_models;
mod m20261208_000025_create_model_choices;
mod m20261209_000026_create_groups;
mod m20261209_000027_create_email_changes;
mod m20261210_000028_group_budgets;
mod m20261210_000029_add_second_services;
mod m20261211_000030_create_tenant_domains;
mod m20261212_000031_create_sso;
mod m20261213_000032_create_scim;
mod m20261214_000033_add_locales;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_tenants_and_users::Migration),
            Box::new(m20261124_000002_create_login_throttles::Migration),
            Box::new(m20261124_000003_create_api_keys_and_audit::Migration),
            Box::new(m20261124_000004_create_features_invitations_usage::Migration),
            Box::new(m20261124_000005_create_onboarding::Migration),
            Box::new(m20261126_000006_add_session_epoch::Migration),
            Box::new(m20261126_000007_create_tasks::Migration),
            Box::new(m20261126_000008_create_ai_calls::Migration),
            Box::new(m20261126_000009_create_tenant_ai_endpoints::Migration),
            Box::new(m20261126_000010_create_saved_results::Migration),
            Box::new(m20261126_000011_create_api_tokens::Migration),
            Box::new(m20261126_000012_create_outbox_and_password_resets::Migration),
            Box::new(m20261126_000013_add_api_token_name::Migration),
            Box::new(m20261126_000014_email_verification::Migration),
            Box::new(m20261126_000015_two_factor::Migration),
            Box::new(m20261126_000016_add_user_updated_at::Migration),
            Box::new(m20261205_000017_add_api_token_scope::Migration),
            Box::new(m20261205_000018_add_api_key_bound_url::Migration),
            Box::new(m20261206_000019_memory_notifications::Migration),
            Box::new(m20261206_000020_create_last_answers::Migration),
            Box::new(m20261206_000021_add_ai_endpoint_provider::Migration),
            Box::new(m20261207_000022_create_notification_settings::Migration),
            Box::new(m20261208_000023_create_token_budgets::Migration),
            Box::new(m20261208_000024_add_fallback_models::Migration),
            Box::new(m20261208_000025_create_model_choices::Migration),
            Box::new(m20261209_000026_create_groups::Migration),
            Box::new(m20261209_000027_create_email_changes::Migration),
            Box::new(m20261210_000028_group_budgets::Migration),
            Box::new(m20261210_000029_add_second_services::Migration),
            Box::new(m20261211_000030_create_tenant_domains::Migration),
            Box::new(m20261212_000031_create_sso::Migration),
            Box::new(m20261213_000032_create_scim::Migration),
            Box::new(m20261214_000033_add_locales::Migration),
        ]
    }
}
