//! Every action the audit log records, named once. Stored as its dotted name.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditAction {
    FeatureEnabled,
    FeatureDisabled,
    TenantTierChanged,
    InvitationCreated,
    InvitationRevoked,
    MemberJoined,
    MemberRoleChanged,
    MemberDeactivated,
    MemberReactivated,
    ApiKeyAdded,
    ApiKeyReplaced,
    ApiKeyDeleted,
    AiEndpointChanged,
    SignedIn,
    PasswordChanged,
    PasswordReset,
    PersonalTokenCreated,
    PersonalTokenRevoked,
    AccountExported,
    AccountDeleted,
    EmailVerified,
    TwoFactorEnabled,
    TwoFactorDisabled,
    TwoFactorRequirement,
    SessionsEnded,
    TwoFactorReset,
    ApiKeyAddressConfirmed,
}

impl AuditAction {
    pub const ALL: [AuditAction; 27] = [
        AuditAction::FeatureEnabled,
        AuditAction::FeatureDisabled,
        AuditAction::TenantTierChanged,
        AuditAction::InvitationCreated,
        AuditAction::InvitationRevoked,
        AuditAction::MemberJoined,
        AuditAction::MemberRoleChanged,
        AuditAction::MemberDeactivated,
        AuditAction::MemberReactivated,
        AuditAction::ApiKeyAdded,
        AuditAction::ApiKeyReplaced,
        AuditAction::ApiKeyDeleted,
        AuditAction::AiEndpointChanged,
        AuditAction::SignedIn,
        AuditAction::PasswordChanged,
        AuditAction::PasswordReset,
        AuditAction::PersonalTokenCreated,
        AuditAction::PersonalTokenRevoked,
        AuditAction::AccountExported,
        AuditAction::AccountDeleted,
        AuditAction::EmailVerified,
        AuditAction::TwoFactorEnabled,
        AuditAction::TwoFactorDisabled,
        AuditAction::TwoFactorRequirement,
        AuditAction::SessionsEnded,
        AuditAction::TwoFactorReset,
        AuditAction::ApiKeyAddressConfirmed,
    ];

    /// The stable dotted name stored in `audit_events.action` and shown in filters.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::FeatureEnabled => "feature.enabled",
            AuditAction::FeatureDisabled => "feature.disabled",
            AuditAction::TenantTierChanged => "tenant.tier_changed",
            AuditAction::InvitationCreated => "invitation.created",
            AuditAction::InvitationRevoked => "invitation.revoked",
            AuditAction::MemberJoined => "member.joined",
            AuditAction::MemberRoleChanged => "member.role_changed",
            AuditAction::MemberDeactivated => "member.deactivated",
            AuditAction::MemberReactivated => "member.reactivated",
            AuditAction::ApiKeyAdded => "api_key.added",
            AuditAction::ApiKeyReplaced => "api_key.replaced",
            AuditAction::ApiKeyDeleted => "api_key.deleted",
            AuditAction::AiEndpointChanged => "ai.endpoint_changed",
            AuditAction::SignedIn => "auth.signed_in",
            AuditAction::PasswordChanged => "auth.password_changed",
            AuditAction::PasswordReset => "auth.password_reset",
            AuditAction::PersonalTokenCreated => "token.created",
            AuditAction::PersonalTokenRevoked => "token.revoked",
            AuditAction::AccountExported => "account.exported",
            AuditAction::AccountDeleted => "member.account_deleted",
            AuditAction::EmailVerified => "auth.email_verified",
            AuditAction::TwoFactorEnabled => "auth.two_factor_enabled",
            AuditAction::TwoFactorDisabled => "auth.two_factor_disabled",
            AuditAction::TwoFactorRequirement => "tenant.two_factor_required",
            AuditAction::SessionsEnded => "auth.sessions_ended",
            AuditAction::TwoFactorReset => "member.two_factor_reset",
            AuditAction::ApiKeyAddressConfirmed => "api_key.address_confirmed",
        }
    }

    pub fn parse(value: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            assert_eq!(
                AuditAction::ALL
                    .iter()
                    .filter(|a| a.as_str() == action.as_str())
                    .count(),
                1
            );
        }
        assert_eq!(AuditAction::parse("tenant.deleted"), None);
    }
}
