//! SeaORM entities, one per table, in the shape `sea-orm-cli generate entity` writes.
//! Behaviour lives in the feature services, not here.
pub mod ai_calls;
pub mod ai_usage;
pub mod api_tokens;
pub mod audit_events;
pub mod changes;
pub mod email_verifications;
pub mod invitations;
pub mod last_answers;
pub mod login_throttles;
pub mod model_choices;
pub mod notification_settings;
pub mod onboarding_events;
pub mod onboarding_states;
pub mod outbox;
pub mod password_resets;
pub mod recovery_codes;
pub mod saved_results;
pub mod tasks;
pub mod tenant_ai_endpoints;
pub mod tenant_features;
pub mod tenants;
pub mod token_budgets;
pub mod token_spend;
pub mod two_factor;
pub mod user_api_keys;
pub mod users;
