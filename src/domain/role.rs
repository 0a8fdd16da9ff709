//! A member's role in their company. Stored as text (`admin`, `member`) in `users.role`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Role {
    Admin,
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

    /// The role of a stored row: an unreadable value grants the least, never the most.
    pub fn from_stored(value: &str) -> Role {
        Role::parse(value).unwrap_or(Role::Member)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_ones_grant_the_least() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(
                serde_json::to_string(&role).unwrap(),
                format!("\"{}\"", role.as_str())
            );
        }
        assert_eq!(Role::parse("owner"), None);
        assert_eq!(Role::parse("Admin"), None);
        assert_eq!(Role::from_stored("superuser"), Role::Member);
    }
}
