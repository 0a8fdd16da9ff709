//! A member's role in their company. Stored as text (`admin`, `member`) in `users.role` and
//! `invitations.role`, read back as this enum: an unknown stored value is a read error,
//! never a silent default.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(
    feature = "ssr",
    derive(utoipa::ToSchema, sea_orm::DeriveActiveEnum, sea_orm::EnumIter)
)]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text"))]
pub enum Role {
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "admin"))]
    Admin,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "member"))]
    Member,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Admin, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Member => "Member",
        }
    }

    /// Parses a stored or submitted role name.
    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_ones_are_refused() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(
                serde_json::to_string(&role).unwrap(),
                format!("\"{}\"", role.as_str())
            );
        }
        assert_eq!(Role::parse("owner"), None);
        assert_eq!(Role::parse("Admin"), None);
        #[cfg(feature = "ssr")]
        {
            use sea_orm::ActiveEnum;
            assert_eq!(
                Role::try_from_value(&"admin".to_owned()).ok(),
                Some(Role::Admin)
            );
            assert!(Role::try_from_value(&"superuser".to_owned()).is_err());
        }
    }
}
