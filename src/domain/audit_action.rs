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
    DefaultLanguage,
    SessionsEnded,
    TwoFactorReset,
    ApiKeyAddressConfirmed,
    BudgetChanged,
    GroupCreated,
    GroupRenamed,
    GroupDeleted,
    GroupMemberAdded,
    GroupMemberRemoved,
    ToolGroupsChanged,
    NameChanged,
    EmailChanged,
    EmailChangeUndone,
    DomainClaimed,
    DomainVerified,
    DomainRemoved,
    DomainJoinChanged,
    DomainLapsed,
    SsoConfigured,
    SsoRemoved,
    SsoEnforcementChanged,
    SsoAccountCreated,
    SsoLinked,
    SsoUnlinked,
    ScimTokenCreated,
    ScimTokenRevoked,
    ScimAccountCreated,
    ScimAccountChanged,
    ScimAccountDeleted,
}

impl AuditAction {
    pub const ALL: [AuditAction; 54] = [
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
        AuditAction::DefaultLanguage,
        AuditAction::SessionsEnded,
        AuditAction::TwoFactorReset,
        AuditAction::ApiKeyAddressConfirmed,
        AuditAction::BudgetChanged,
        AuditAction::GroupCreated,
        AuditAction::GroupRenamed,
        AuditAction::GroupDeleted,
        AuditAction::GroupMemberAdded,
        AuditAction::GroupMemberRemoved,
        AuditAction::ToolGroupsChanged,
        AuditAction::NameChanged,
        AuditAction::EmailChanged,
        AuditAction::EmailChangeUndone,
        AuditAction::DomainClaimed,
        AuditAction::DomainVerified,
        AuditAction::DomainRemoved,
        AuditAction::DomainJoinChanged,
        AuditAction::DomainLapsed,
        AuditAction::SsoConfigured,
        AuditAction::SsoRemoved,
        AuditAction::SsoEnforcementChanged,
        AuditAction::SsoAccountCreated,
        AuditAction::SsoLinked,
        AuditAction::SsoUnlinked,
        AuditAction::ScimTokenCreated,
        AuditAction::ScimTokenRevoked,
        AuditAction::ScimAccountCreated,
        AuditAction::ScimAccountChanged,
        AuditAction::ScimAccountDeleted,
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
            AuditAction::DefaultLanguage => "tenant.default_language",
            AuditAction::SessionsEnded => "auth.sessions_ended",
            AuditAction::TwoFactorReset => "member.two_factor_reset",
            AuditAction::ApiKeyAddressConfirmed => "api_key.address_confirmed",
            AuditAction::BudgetChanged => "budget.changed",
            AuditAction::GroupCreated => "group.created",
            AuditAction::GroupRenamed => "group.renamed",
            AuditAction::GroupDeleted => "group.deleted",
            AuditAction::GroupMemberAdded => "group.member_added",
            AuditAction::GroupMemberRemoved => "group.member_removed",
            AuditAction::ToolGroupsChanged => "feature.groups_changed",
            AuditAction::NameChanged => "account.name_changed",
            AuditAction::EmailChanged => "account.email_changed",
            AuditAction::EmailChangeUndone => "account.email_change_undone",
            AuditAction::DomainClaimed => "domain.claimed",
            AuditAction::DomainVerified => "domain.verified",
            AuditAction::DomainRemoved => "domain.removed",
            AuditAction::DomainJoinChanged => "domain.join_changed",
            AuditAction::DomainLapsed => "domain.lapsed",
            AuditAction::SsoConfigured => "sso.configured",
            AuditAction::SsoRemoved => "sso.removed",
            AuditAction::SsoEnforcementChanged => "sso.enforcement_changed",
            AuditAction::SsoAccountCreated => "sso.account_created",
            AuditAction::SsoLinked => "sso.linked",
            AuditAction::SsoUnlinked => "sso.unlinked",
            AuditAction::ScimTokenCreated => "scim.token_created",
            AuditAction::ScimTokenRevoked => "scim.token_revoked",
            AuditAction::ScimAccountCreated => "scim.account_created",
            AuditAction::ScimAccountChanged => "scim.account_changed",
            AuditAction::ScimAccountDeleted => "scim.account_deleted",
        }
    }

    pub fn parse(value: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == value)
    }

    /// What happened, in words, for the audit log's filter.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::FeatureEnabled => "Tool switched on",
            AuditAction::FeatureDisabled => "Tool switched off",
            AuditAction::TenantTierChanged => "Plan changed",
            AuditAction::InvitationCreated => "Invitation sent",
            AuditAction::InvitationRevoked => "Invitation withdrawn",
            AuditAction::MemberJoined => "Member joined",
            AuditAction::MemberRoleChanged => "Role changed",
            AuditAction::MemberDeactivated => "Member deactivated",
            AuditAction::MemberReactivated => "Member reactivated",
            AuditAction::ApiKeyAdded => "Key added",
            AuditAction::ApiKeyReplaced => "Key replaced",
            AuditAction::ApiKeyDeleted => "Key deleted",
            AuditAction::AiEndpointChanged => "AI service address changed",
            AuditAction::SignedIn => "Signed in",
            AuditAction::PasswordChanged => "Password changed",
            AuditAction::PasswordReset => "Password reset by email",
            AuditAction::PersonalTokenCreated => "Access token made",
            AuditAction::PersonalTokenRevoked => "Access token revoked",
            AuditAction::AccountExported => "Data downloaded",
            AuditAction::AccountDeleted => "Account deleted",
            AuditAction::EmailVerified => "Address confirmed",
            AuditAction::TwoFactorEnabled => "Two-factor sign-in turned on",
            AuditAction::TwoFactorDisabled => "Two-factor sign-in turned off",
            AuditAction::TwoFactorRequirement => "Two-factor requirement changed",
            AuditAction::DefaultLanguage => "Default language changed",
            AuditAction::SessionsEnded => "Other sessions ended",
            AuditAction::TwoFactorReset => "Two-factor sign-in reset",
            AuditAction::ApiKeyAddressConfirmed => "Key's new address confirmed",
            AuditAction::BudgetChanged => "Token budget changed",
            AuditAction::GroupCreated => "Group made",
            AuditAction::GroupRenamed => "Group renamed",
            AuditAction::GroupDeleted => "Group deleted",
            AuditAction::GroupMemberAdded => "Added to a group",
            AuditAction::GroupMemberRemoved => "Taken out of a group",
            AuditAction::ToolGroupsChanged => "Tool's groups changed",
            AuditAction::NameChanged => "Name changed",
            AuditAction::EmailChanged => "Email address changed",
            AuditAction::EmailChangeUndone => "Email change undone",
            AuditAction::DomainClaimed => "Domain claimed",
            AuditAction::DomainVerified => "Domain verified",
            AuditAction::DomainRemoved => "Domain removed",
            AuditAction::DomainJoinChanged => "Joining by domain changed",
            AuditAction::DomainLapsed => "Domain no longer verified",
            AuditAction::SsoConfigured => "Single sign-on set up",
            AuditAction::SsoRemoved => "Single sign-on removed",
            AuditAction::SsoEnforcementChanged => "Single sign-on required or not",
            AuditAction::SsoAccountCreated => "Account made by single sign-on",
            AuditAction::SsoLinked => "Company sign-in linked",
            AuditAction::SsoUnlinked => "Company sign-in unlinked",
            AuditAction::ScimTokenCreated => "Provisioning token made",
            AuditAction::ScimTokenRevoked => "Provisioning token revoked",
            AuditAction::ScimAccountCreated => "Account provisioned",
            AuditAction::ScimAccountChanged => "Account changed by provisioning",
            AuditAction::ScimAccountDeleted => "Account deleted by provisioning",
        }
    }

    /// The event as a sentence: `actor` did this to `target` (as the log stores it: a
    /// tool's flag, a key's name, an address, a token's name).
    pub fn sentence(self, actor: &str, target: &str) -> String {
        let tool = || {
            crate::domain::ToolId::from_flag(target)
                .map_or_else(|| target.to_owned(), |t| t.info().title.to_owned())
        };
        let key = || crate::domain::access::key_words(target);
        match self {
            AuditAction::FeatureEnabled => format!("{actor} switched on {}", tool()),
            AuditAction::FeatureDisabled => format!("{actor} switched off {}", tool()),
            AuditAction::TenantTierChanged => format!("{actor} changed the company's plan"),
            AuditAction::InvitationCreated => format!("{actor} invited {target}"),
            AuditAction::InvitationRevoked => {
                format!("{actor} withdrew the invitation to {target}")
            }
            AuditAction::MemberJoined => format!("{target} joined the company"),
            AuditAction::MemberRoleChanged => format!("{actor} changed the role of {target}"),
            AuditAction::MemberDeactivated => format!("{actor} deactivated {target}"),
            AuditAction::MemberReactivated => format!("{actor} reactivated {target}"),
            AuditAction::ApiKeyAdded => format!("{actor} added their {}", key()),
            AuditAction::ApiKeyReplaced => format!("{actor} replaced their {}", key()),
            AuditAction::ApiKeyDeleted => format!("{actor} deleted their {}", key()),
            AuditAction::ApiKeyAddressConfirmed => {
                format!("{actor} let their {} go to its tool's new address", key())
            }
            AuditAction::AiEndpointChanged => {
                format!("{actor} changed the AI service address of {}", tool())
            }
            AuditAction::SignedIn => format!("{actor} signed in"),
            AuditAction::PasswordChanged => format!("{actor} changed their password"),
            AuditAction::PasswordReset => {
                format!("The password of {target} was reset with an emailed link")
            }
            AuditAction::PersonalTokenCreated => {
                format!("{actor} made the personal access token “{target}”")
            }
            AuditAction::PersonalTokenRevoked => {
                format!("{actor} revoked the personal access token “{target}”")
            }
            AuditAction::AccountExported => format!("{actor} downloaded their data"),
            AuditAction::AccountDeleted => format!("{actor} deleted their account"),
            AuditAction::EmailVerified => format!("{target} confirmed their address"),
            AuditAction::TwoFactorEnabled => format!("{actor} turned on two-factor sign-in"),
            AuditAction::TwoFactorDisabled => format!("{actor} turned off two-factor sign-in"),
            AuditAction::TwoFactorRequirement => {
                format!("{actor} changed whether the company requires two-factor sign-in")
            }
            AuditAction::DefaultLanguage => {
                format!("{actor} changed the company's default language")
            }
            AuditAction::SessionsEnded => format!("{actor} signed out their other sessions"),
            AuditAction::TwoFactorReset => {
                format!("{actor} reset two-factor sign-in for {target}")
            }
            AuditAction::BudgetChanged => {
                format!("{actor} changed the monthly token budget of {target}")
            }
            AuditAction::GroupCreated => format!("{actor} made the group {target}"),
            AuditAction::GroupRenamed => format!("{actor} renamed a group to {target}"),
            AuditAction::GroupDeleted => format!("{actor} deleted the group {target}"),
            AuditAction::GroupMemberAdded => format!("{actor} added {target} to a group"),
            AuditAction::GroupMemberRemoved => format!("{actor} took {target} out of a group"),
            AuditAction::ToolGroupsChanged => {
                format!("{actor} changed which groups may use {}", tool())
            }
            AuditAction::NameChanged => format!("{actor} changed their name to {target}"),
            AuditAction::EmailChanged => format!("{actor} changed their email address to {target}"),
            AuditAction::EmailChangeUndone => {
                format!("The change of email address to {target} was undone from the old address")
            }
            AuditAction::DomainClaimed => format!("{actor} claimed the domain {target}"),
            AuditAction::DomainVerified => format!("{actor} verified the domain {target}"),
            AuditAction::DomainRemoved => format!("{actor} removed the domain {target}"),
            AuditAction::DomainJoinChanged => {
                format!("{actor} changed who may join by an address at {target}")
            }
            AuditAction::DomainLapsed => format!(
                "The domain {target} is no longer verified: its DNS record was gone for a week"
            ),
            AuditAction::SsoConfigured => {
                format!("{actor} set up single sign-on with {target}")
            }
            AuditAction::SsoRemoved => format!("{actor} removed single sign-on with {target}"),
            AuditAction::SsoEnforcementChanged => {
                format!("{actor} changed whether people must sign in through {target}")
            }
            AuditAction::SsoAccountCreated => {
                format!("{target} signed in through the company's provider for the first time; their account was made")
            }
            AuditAction::SsoLinked => format!("{actor} linked their company sign-in ({target})"),
            AuditAction::SsoUnlinked => {
                format!("{actor} unlinked their company sign-in ({target})")
            }
            AuditAction::ScimTokenCreated => {
                format!("{actor} made the company's provisioning (SCIM) token")
            }
            AuditAction::ScimTokenRevoked => {
                format!("{actor} revoked the company's provisioning (SCIM) token")
            }
            AuditAction::ScimAccountCreated => {
                format!("The company's provider made the account of {target} (SCIM)")
            }
            AuditAction::ScimAccountChanged => {
                format!("The company's provider changed the account of {target} (SCIM)")
            }
            AuditAction::ScimAccountDeleted => {
                format!("The company's provider deleted the account of {target} (SCIM)")
            }
        }
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

    #[test]
    fn events_read_as_sentences() {
        assert_eq!(
            AuditAction::ApiKeyReplaced.sentence("Marta", "writing_service_key"),
            "Marta replaced their key for Writing assistance"
        );
        assert_eq!(
            AuditAction::FeatureDisabled.sentence("Ana", "meeting_insights"),
            "Ana switched off Meeting insights"
        );
        assert_eq!(
            AuditAction::InvitationCreated.sentence("Ana", "bo@example.com"),
            "Ana invited bo@example.com"
        );
        for action in AuditAction::ALL {
            assert!(!action.label().is_empty());
            assert!(!action.sentence("A", "t").contains('_'), "{action:?}");
        }
    }
}
