//! What the browser may know about the signed-in person (the pages' wire type).

use serde::{Deserialize, Serialize};

/// What the browser may know about the signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    pub tenant_name: String,
    pub tenant_slug: String,
    pub tier: String,
    pub onboarding_completed: bool,
    /// Whether the person has confirmed their email address.
    pub email_verified: bool,
    /// Whether the person's company requires two-factor sign-in and they have not set it up.
    pub needs_two_factor: bool,
}
