//! The tool gate: the one path every tool call takes before it does any work.
//!
//! [`access`] builds the facts a decision rests on (tier, flags, active account, stored
//! keys) in one place; [`begin`] is the entry point each tool's server function or JSON
//! route calls: it refuses with the one error that explains why not, counts an AI call
//! against the tier's daily allowance, and hands back the person's key for the tool.

use super::ToolCard;
use crate::crypto::keyring::Keyring;
use crate::domain::{explain, tool_access, AccessFacts, KeyNeed, Tier, ToolAccess, ToolId, TOOLS};
use crate::entities::ai_usage;
use crate::error::{AppError, ResultExt};
use crate::features::api_keys::service as vault;
use crate::features::groups::service::outside_groups;
use crate::features::tenancy::service::flags_and_limits_of;
use crate::person::SessionUser;
use chrono::{Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use secrecy::SecretString;
use std::collections::HashMap;

/// Everything whether a person may use each tool depends on, read once.
#[derive(Debug, Clone)]
pub struct Access {
    pub tier: Tier,
    pub flags: HashMap<ToolId, bool>,
    /// The tools limited to groups the person is in none of, with those groups' names.
    pub outside_groups: HashMap<ToolId, Vec<String>>,
    pub user_active: bool,
    pub email_verified: bool,
    pub two_factor_ok: bool,
    /// Names of the person's stored, unexpired keys.
    pub keys: Vec<String>,
}

impl Access {
    pub fn facts(&self, tool: ToolId) -> AccessFacts {
        let has_key = match tool.info().key {
            KeyNeed::Required(k) | KeyNeed::Optional(k) => self.keys.iter().any(|n| n == k),
            KeyNeed::None => false,
        };
        AccessFacts {
            tier: self.tier,
            flag_on: self.flags[&tool],
            outside_groups: self.outside_groups.get(&tool).cloned(),
            user_active: self.user_active,
            email_verified: self.email_verified,
            two_factor_ok: self.two_factor_ok,
            has_key,
        }
    }

    /// Each tool's flag, off where the tool is limited to groups the person is outside of:
    /// what the person's recommendations choose from.
    pub fn open_flags(&self) -> HashMap<ToolId, bool> {
        self.flags
            .iter()
            .map(|(tool, on)| (*tool, *on && !self.outside_groups.contains_key(tool)))
            .collect()
    }

    pub fn of(&self, tool: ToolId) -> ToolAccess {
        tool_access(tool, self.facts(tool))
    }
}

/// The one function that assembles the access facts of a person.
pub async fn access(db: &DatabaseConnection, person: &SessionUser) -> Result<Access, AppError> {
    access_with(db, person, true).await
}

/// The flags the person's recommendations choose from ([`Access::open_flags`]).
pub async fn open_flags(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<HashMap<ToolId, bool>, AppError> {
    Ok(access_with(db, person, false).await?.open_flags())
}

/// The access facts, reading the person's stored key names only when asked (a tool that
/// takes no key does not need that query on every call).
async fn access_with(
    db: &DatabaseConnection,
    person: &SessionUser,
    with_keys: bool,
) -> Result<Access, AppError> {
    let keys = if with_keys {
        vault::usable_key_names(db, person).await?
    } else {
        Vec::new()
    };
    let (flags, limits) = flags_and_limits_of(db, person).await?;
    let outside = outside_groups(db, person, &limits).await?;
    Ok(access_from(person, flags, outside, keys))
}

/// The access facts from the person, their company's flags, the limited tools they are
/// outside of and the names of their usable keys, read by the caller (the dashboard reads the
/// keys in the same query as the rest of its page).
pub fn access_from(
    person: &SessionUser,
    flags: HashMap<ToolId, bool>,
    outside_groups: HashMap<ToolId, Vec<String>>,
    keys: Vec<String>,
) -> Access {
    Access {
        tier: person.tier(),
        flags,
        outside_groups,
        user_active: person.user.active,
        email_verified: person.email_verified(),
        two_factor_ok: person.two_factor_ok(),
        keys,
    }
}

/// The person's access to every tool, for the dashboard.
pub async fn tool_cards(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<Vec<ToolCard>, AppError> {
    Ok(cards(&access(db, person).await?, person))
}

/// The dashboard's cards from access facts already read.
pub fn cards(access: &Access, person: &SessionUser) -> Vec<ToolCard> {
    TOOLS
        .iter()
        .map(|t| {
            let state = access.of(t.id);
            ToolCard {
                flag: t.id,
                title: t.title.to_owned(),
                summary: t.summary.to_owned(),
                message: explain(&state, &person.tenant.name, access.tier),
                access: state,
            }
        })
        .collect()
}

/// The gate's pass: proof that it let `person` through to `tool` on this request. A
/// keyless tool's service functions take it in place of the bare person, so no route can
/// reach the tool without passing the gate first; only this module makes one.
#[derive(Debug, Clone, Copy)]
pub struct Pass<'a> {
    person: &'a SessionUser,
    tool: ToolId,
}

impl<'a> Pass<'a> {
    /// The person let through, when this pass is for `tool` (a pass for another tool is a
    /// programming error: logged, and answered as an internal error).
    pub fn person_for(&self, tool: ToolId) -> Result<&'a SessionUser, AppError> {
        if self.tool == tool {
            Ok(self.person)
        } else {
            tracing::error!(pass = ?self.tool, wanted = ?tool, "a gate pass used for another tool");
            Err(AppError::Internal)
        }
    }
}

/// What a tool gets from the gate.
pub struct ToolCall {
    pub tool: ToolId,
    /// The person's key for the tool's outside service; `None` for a tool that needs none,
    /// or an optional-key tool (email analysis) running its built-in analysis.
    pub key: Option<SecretString>,
    /// Whether this call was counted against the daily AI allowance (it goes to an outside
    /// AI service).
    pub counts_as_ai_call: bool,
}

impl std::fmt::Debug for ToolCall {
    // The key stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolCall")
            .field("tool", &self.tool)
            .field("has_key", &self.key.is_some())
            .field("counts_as_ai_call", &self.counts_as_ai_call)
            .finish()
    }
}

/// The entry point of every tool call. In order: the account is active, the tier includes
/// the tool (`SUBSCRIPTION_LIMIT_EXCEEDED`), the tenant has it switched on
/// (`FEATURE_DISABLED`) to a group the person is in (`FEATURE_DISABLED`, naming the groups), the person has confirmed their address (`EMAIL_NOT_VERIFIED`), the person has stored the key it needs (`API_KEY_MISSING`). Then,
/// when the call goes to an outside AI service, it is counted against the daily allowance
/// (`RATE_LIMITED` once used up) and the key is revealed and marked used.
pub async fn begin(
    db: &DatabaseConnection,
    keyring: &Keyring,
    person: &SessionUser,
    tool: ToolId,
    address: Option<&str>,
) -> Result<ToolCall, AppError> {
    let access = access_with(db, person, tool.info().key != KeyNeed::None).await?;
    let state = access.of(tool);
    let refusal =
        |make: fn(String) -> AppError| Err(make(explain(&state, &person.tenant.name, access.tier)));
    match &state {
        ToolAccess::Available => {}
        ToolAccess::AccountInactive => return refusal(AppError::Forbidden),
        ToolAccess::EmailNotVerified => return refusal(AppError::EmailNotVerified),
        ToolAccess::TwoFactorRequired => return refusal(AppError::Forbidden),
        ToolAccess::NotInTier { .. } => return refusal(AppError::SubscriptionLimit),
        ToolAccess::SwitchedOff | ToolAccess::NotInGroup { .. } => {
            return refusal(AppError::FeatureDisabled)
        }
        ToolAccess::NeedsKey { .. } => return refusal(AppError::ApiKeyMissing),
    }
    let key_name = match tool.info().key {
        KeyNeed::Required(name) => Some(name),
        KeyNeed::Optional(name) if access.facts(tool).has_key => Some(name),
        KeyNeed::Optional(_) | KeyNeed::None => None,
    };
    let Some(key_name) = key_name else {
        return Ok(ToolCall {
            tool,
            key: None,
            counts_as_ai_call: false,
        });
    };
    // Opened before counting, so an unreadable key does not use up the allowance.
    let (key, used) = vault::reveal(db, keyring, person, key_name, address).await?;
    count_ai_call(db, person).await?;
    used.record(db).await;
    Ok(ToolCall {
        tool,
        key: Some(key),
        counts_as_ai_call: true,
    })
}

/// The gate for a tool's built-in work, which calls no outside service (task
/// prioritisation, the email tool's own analysis): the same refusals as [`begin`] for
/// account, tier and flag, but no key is opened and nothing counts against the AI
/// allowance. Not for tools that require a key.
pub async fn begin_builtin<'a>(
    db: &DatabaseConnection,
    person: &'a SessionUser,
    tool: ToolId,
) -> Result<Pass<'a>, AppError> {
    debug_assert!(!matches!(tool.info().key, KeyNeed::Required(_)));
    let access = access_with(db, person, false).await?;
    let state = access.of(tool);
    let why = || explain(&state, &person.tenant.name, access.tier);
    match &state {
        ToolAccess::Available | ToolAccess::NeedsKey { .. } => Ok(Pass { person, tool }),
        ToolAccess::AccountInactive => Err(AppError::Forbidden(why())),
        ToolAccess::EmailNotVerified => Err(AppError::EmailNotVerified(why())),
        ToolAccess::TwoFactorRequired => Err(AppError::Forbidden(why())),
        ToolAccess::NotInTier { .. } => Err(AppError::SubscriptionLimit(why())),
        ToolAccess::SwitchedOff | ToolAccess::NotInGroup { .. } => {
            Err(AppError::FeatureDisabled(why()))
        }
    }
}

/// Counts one AI call against the person's daily allowance (UTC days), refusing once it is
/// used up. One atomic statement, so concurrent calls cannot overshoot.
pub async fn count_ai_call(db: &DatabaseConnection, person: &SessionUser) -> Result<(), AppError> {
    let tier = person.tier();
    let allowance = tier.limits().ai_calls_per_user_per_day as i32;
    if allowance == 0 {
        return Err(AppError::SubscriptionLimit(format!(
            "The {} plan includes no AI calls. The Professional plan includes {} a day per person.",
            tier.label(),
            Tier::Professional.limits().ai_calls_per_user_per_day
        )));
    }
    let now = Utc::now();
    let counted = ai_usage::Entity::insert(ai_usage::ActiveModel {
        tenant_id: Set(person.tenant_id()),
        user_id: Set(person.user.id),
        day: Set(now.format("%Y-%m-%d").to_string()),
        calls: Set(1),
    })
    .on_conflict(
        OnConflict::columns([ai_usage::Column::UserId, ai_usage::Column::Day])
            .value(
                ai_usage::Column::Calls,
                Expr::col((ai_usage::Entity, ai_usage::Column::Calls)).add(1),
            )
            .action_and_where(Expr::col((ai_usage::Entity, ai_usage::Column::Calls)).lt(allowance))
            .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .or_internal("counting an AI call")?;
    if counted == 0 {
        let midnight = (now + Duration::days(1))
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map_or(now + Duration::days(1), |t| t.and_utc());
        return Err(AppError::RateLimited {
            message: format!(
                "You have used today's {allowance} AI calls. The allowance renews at midnight UTC."
            ),
            retry_after_secs: (midnight - now).num_seconds().max(1),
        });
    }
    Ok(())
}
