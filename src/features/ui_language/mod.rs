//! The interface's language: the person's own choice (their profile) and the company's
//! default for people who chose none (Admin → Features). How a request's language is decided
//! from these is `web::locale`.

pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;

pub use pages::{CompanyLanguageCard, LanguageCard};

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the two pickers start from: tags (`de`, `pt-BR`), `None` where nothing is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Languages {
    /// The signed-in person's own choice.
    pub chosen: Option<String>,
    /// Their company's default.
    pub company_default: Option<String>,
}

/// The signed-in person's choice and their company's default.
#[server(endpoint = "account/language")]
pub async fn language_choices() -> Result<Languages, AppError> {
    let (_, person) = crate::web::ctx::signed_in().await?;
    Ok(Languages {
        chosen: person.user.locale.clone(),
        company_default: person.tenant.default_locale.clone(),
    })
}

/// Saves the person's language (`lang` empty: none chosen, the company's default applies).
#[server(endpoint = "account/language/set")]
pub async fn set_language(lang: String) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let choice = service::read_choice(&lang)?;
    service::set_for_person(&state.db, &person, choice).await?;
    ctx::redirect_plain_form("/settings/profile?language=saved#language");
    Ok(())
}

/// Saves the company's default language (`lang` empty: each person's browser decides).
/// Administrators only.
#[server(endpoint = "admin/language/set")]
pub async fn set_company_language(lang: String) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let choice = service::read_choice(&lang)?;
    service::set_for_company(&state.db, &admin, choice).await?;
    ctx::redirect_plain_form("/admin/features?language=saved#language");
    Ok(())
}
