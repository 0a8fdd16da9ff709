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

#[cfg(feature = "ssr")]
impl From<&super::SessionUser> for CurrentUser {
    fn from(p: &super::SessionUser) -> Self {
        let tier = p.tier().label().to_owned();
        CurrentUser {
            id: p.user.id,
            name: p.user.display_name.clone(),
            email: p.user.email.clone(),
            is_admin: p.is_admin(),
            tenant_name: p.tenant.name.clone(),
            tenant_slug: p.tenant.slug.clone(),
            tier,
            onboarding_completed: p.user.onboarding_completed,
            email_verified: p.email_verified(),
            needs_two_factor: !p.two_factor_ok(),
        }
    }
}
