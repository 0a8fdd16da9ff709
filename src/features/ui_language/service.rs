//! Storing the language choices.

use crate::audit_log::{record, Event};
use crate::domain::AuditAction;
use crate::entities::{tenants, users};
use crate::error::{AppError, ResultExt};
pub use crate::locale::parse_choice as read_choice;
use crate::locale::{self, Locale};
use crate::person::SessionUser;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, TransactionTrait};

/// The person's own choice.
pub async fn set_for_person(
    db: &DatabaseConnection,
    person: &SessionUser,
    choice: Option<Locale>,
) -> Result<(), AppError> {
    users::ActiveModel {
        id: Set(person.user.id),
        locale: Set(choice.map(|l| locale::tag(l).to_owned())),
        ..Default::default()
    }
    .update(db)
    .await
    .or_internal("saving a language")?;
    Ok(())
}

/// The company's default, audited.
pub async fn set_for_company(
    db: &DatabaseConnection,
    admin: &SessionUser,
    choice: Option<Locale>,
) -> Result<(), AppError> {
    let after = choice.map(|l| locale::tag(l).to_owned());
    let txn = db
        .begin()
        .await
        .or_internal("saving the default language")?;
    tenants::ActiveModel {
        id: Set(admin.tenant_id()),
        default_locale: Set(after.clone()),
        ..Default::default()
    }
    .update(&txn)
    .await
    .or_internal("saving the default language")?;
    record(
        &txn,
        Event {
            tenant_id: admin.tenant_id(),
            actor_user_id: Some(admin.user.id),
            action: AuditAction::DefaultLanguage,
            target: &admin.tenant.slug,
            before: Some(serde_json::json!({ "language": admin.tenant.default_locale })),
            after: Some(serde_json::json!({ "language": after })),
        },
    )
    .await?;
    txn.commit()
        .await
        .or_internal("saving the default language")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_is_one_of_ours_or_none() {
        assert_eq!(read_choice("").unwrap(), None);
        assert_eq!(read_choice("  ").unwrap(), None);
        assert_eq!(read_choice("pt-br").unwrap(), Some(Locale::pt_BR));
        let refused = read_choice("klingon").unwrap_err();
        assert_eq!(refused.field(), Some("lang"));
        assert!(
            refused.message().contains("Deutsch"),
            "{}",
            refused.message()
        );
    }
}
