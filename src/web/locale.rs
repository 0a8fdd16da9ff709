//! The language of each answer, decided once per request and put on it for the pages and
//! server functions (`crate::locale::current`): the person's own choice → the choice a
//! signed-out visitor made with the switcher (a cookie) → the company's default → the
//! browser's `Accept-Language` → English.

use crate::locale::{self, Locale, COOKIE};
use crate::web::session::AuthSession;
use axum::extract::{Query, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Where the switcher's form goes (`GET`, so it works without JavaScript and changes no
/// account: it only sets the cookie).
pub const SWITCH_PATH: &str = "/language";

/// How long a visitor's choice is kept.
const COOKIE_DAYS: i64 = 365;

/// The middleware (inside the session layer, which it reads).
pub async fn decide(mut req: Request, next: Next) -> Response {
    let locale = {
        let person = req
            .extensions()
            .get::<AuthSession>()
            .and_then(|auth| auth.user.as_ref());
        decide_for(
            person.and_then(|p| p.user.locale.as_deref()),
            cookie(req.headers()),
            person.and_then(|p| p.tenant.default_locale.as_deref()),
            req.headers()
                .get(http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    };
    req.extensions_mut().insert(locale);
    next.run(req).await
}

/// The rule, on its own: the first of these that names one of our locales.
pub fn decide_for(
    chosen: Option<&str>,
    cookie: Option<&str>,
    company: Option<&str>,
    accept_language: Option<&str>,
) -> Locale {
    chosen
        .and_then(locale::parse)
        .or_else(|| cookie.and_then(locale::parse))
        .or_else(|| company.and_then(locale::parse))
        .or_else(|| accept_language.and_then(locale::negotiate))
        .unwrap_or_default()
}

fn cookie(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

#[derive(serde::Deserialize)]
pub struct Switch {
    lang: String,
    #[serde(default)]
    next: Option<String>,
}

/// `GET /language?lang=de&next=/login`: keeps the visitor's choice in a cookie and goes
/// back to the page; `lang=` (empty) forgets it. An unknown language is 400 with the reason,
/// nothing kept.
pub async fn switch(Query(switch): Query<Switch>) -> Response {
    // Empty: forget the choice (the browser's language decides again).
    let chosen = match locale::parse_choice(&switch.lang) {
        Ok(chosen) => chosen,
        Err(refusal) => return refusal.into_response(),
    };
    let back = switch
        .next
        .as_deref()
        .and_then(crate::util::local_path)
        .unwrap_or_else(|| "/".to_owned());
    let cookie = format!(
        "{COOKIE}={}; Path=/; Max-Age={}; SameSite=Lax; HttpOnly",
        chosen.map_or("", locale::tag),
        chosen.map_or(0, |_| COOKIE_DAYS * 86_400)
    );
    let mut res = Redirect::to(&back).into_response();
    if let Ok(value) = http::HeaderValue::from_str(&cookie) {
        res.headers_mut().append(http::header::SET_COOKIE, value);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_person_s_choice_comes_first_then_the_visitor_s_then_the_company_s_then_the_browser_s() {
        assert_eq!(
            decide_for(Some("fr"), Some("de"), Some("es"), Some("ar")),
            Locale::fr
        );
        assert_eq!(
            decide_for(None, Some("de"), Some("es"), Some("ar")),
            Locale::de
        );
        assert_eq!(decide_for(None, None, Some("es"), Some("ar")), Locale::es);
        assert_eq!(decide_for(None, None, None, Some("ar-EG")), Locale::ar);
        assert_eq!(decide_for(None, None, None, Some("ja")), Locale::en);
        assert_eq!(decide_for(None, None, None, None), Locale::en);
        // A stored value we no longer speak falls through to the next rule.
        assert_eq!(
            decide_for(Some("xx"), Some("zz"), Some("pt-BR"), None),
            Locale::pt_BR
        );
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            http::HeaderValue::from_static("a=1; digame_lang=pt-BR; b=2"),
        );
        assert_eq!(cookie(&headers), Some("pt-BR"));
        assert_eq!(cookie(&http::HeaderMap::new()), None);
    }
}
