//! The dashboard's one read: the person's setup answers and the names of their usable keys,
//! in one query (the person, their company and its flags come from the session, in memory).

use crate::entities::{onboarding_states, user_api_keys, users};
use crate::error::{AppError, ResultExt};
use crate::features::onboarding::model::{parse_stored, OnboardingData};
use crate::person::SessionUser;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationDef,
};

/// What the dashboard reads of its own.
#[derive(Debug, Default)]
pub struct DashboardData {
    pub onboarding: OnboardingData,
    /// Names of the person's stored, unexpired keys.
    pub keys: Vec<String>,
}

/// One row of the read: the setup answers (repeated on each row), one key's name and expiry.
type Row = (Option<String>, Option<String>, Option<DateTime<Utc>>);

/// `users` → the person's rows in `table`, matched on both the person and their company.
fn of_person<E: EntityTrait>(user_id: E::Column, tenant_id: E::Column) -> RelationDef {
    E::belongs_to(users::Entity)
        .from((user_id, tenant_id))
        .to((users::Column::Id, users::Column::TenantId))
        .into()
}

/// The person's row, their setup answers (if any) and each of their keys (if any): one row per
/// key, or one row when they have none.
pub async fn read(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<DashboardData, AppError> {
    let rows: Vec<Row> = users::Entity::find()
        .select_only()
        .column(onboarding_states::Column::Data)
        .column(user_api_keys::Column::KeyName)
        .column(user_api_keys::Column::ExpiresAt)
        .join(
            JoinType::LeftJoin,
            of_person::<onboarding_states::Entity>(
                onboarding_states::Column::UserId,
                onboarding_states::Column::TenantId,
            )
            .rev(),
        )
        .join(
            JoinType::LeftJoin,
            of_person::<user_api_keys::Entity>(
                user_api_keys::Column::UserId,
                user_api_keys::Column::TenantId,
            )
            .rev(),
        )
        .filter(users::Column::Id.eq(person.user.id))
        .filter(users::Column::TenantId.eq(person.tenant_id()))
        .into_tuple()
        .all(db)
        .await
        .or_internal("reading the dashboard")?;
    let now = Utc::now();
    Ok(DashboardData {
        onboarding: parse_stored(rows.first().and_then(|(data, _, _)| data.as_deref())),
        keys: rows
            .into_iter()
            .filter_map(|(_, name, expires)| name.filter(|_| expires.is_none_or(|t| t > now)))
            .collect(),
    })
}
