//! Which language a page speaks: the six locales of `locales/`, how a tag or a browser's
//! `Accept-Language` maps onto them, and (on the server) the locale of the request being
//! answered, decided once per request by `web::locale`.

pub use crate::i18n::Locale;
use leptos_i18n::Locale as _;

/// The cookie that keeps a signed-out visitor's choice (the sign-in page's switcher).
pub const COOKIE: &str = "digame_lang";

/// Every locale, in the order the pickers list them.
pub fn all() -> &'static [Locale] {
    Locale::get_all()
}

/// The locale's tag as BCP 47 writes it (`pt-BR`): `<html lang>`, the stored choice.
pub fn tag(locale: Locale) -> &'static str {
    locale.as_str()
}

/// The language's own name for itself, as a picker shows it whatever the page's language.
pub fn name(locale: Locale) -> &'static str {
    match locale {
        Locale::en => "English",
        Locale::de => "Deutsch",
        Locale::fr => "Français",
        Locale::es => "Español",
        Locale::pt_BR => "Português (Brasil)",
        Locale::ar => "العربية",
    }
}

/// The name of the language in English, for the AI tools' prompts.
pub fn english_name(locale: Locale) -> &'static str {
    match locale {
        Locale::en => "English",
        Locale::de => "German",
        Locale::fr => "French",
        Locale::es => "Spanish",
        Locale::pt_BR => "Brazilian Portuguese",
        Locale::ar => "Arabic",
    }
}

/// `rtl` for the languages written right to left, `ltr` otherwise (`<html dir>`).
pub fn dir(locale: Locale) -> &'static str {
    match locale {
        Locale::ar => "rtl",
        _ => "ltr",
    }
}

/// A stored or submitted tag, exactly one of ours (case aside): `None` otherwise.
pub fn parse(tag: &str) -> Option<Locale> {
    let tag = tag.trim();
    all()
        .iter()
        .copied()
        .find(|l| l.as_str().eq_ignore_ascii_case(tag))
}

/// The best of ours for one language range of a browser: the exact tag, else the same
/// language (`de-AT` → `de`, `pt` and `pt-PT` → `pt-BR`, `ar-EG` → `ar`).
#[cfg(feature = "ssr")]
fn closest(range: &str) -> Option<Locale> {
    parse(range).or_else(|| {
        let language = range.split(['-', '_']).next()?;
        all().iter().copied().find(|l| {
            l.as_str()
                .split('-')
                .next()
                .is_some_and(|ours| ours.eq_ignore_ascii_case(language))
        })
    })
}

/// The browser's preferred locale among ours, from its `Accept-Language` (quality order;
/// ranges we do not speak are skipped); `None` when none matches.
#[cfg(feature = "ssr")]
pub fn negotiate(accept_language: &str) -> Option<Locale> {
    accept_language::parse_with_quality(accept_language)
        .into_iter()
        .filter(|(_, quality)| *quality > 0.0)
        .find_map(|(range, _)| closest(&range))
}

/// A submitted choice: empty is "none chosen"; otherwise one of ours, or a refusal on the
/// `lang` field that names them (the profile's and company's pickers, the visitors' switcher).
pub fn parse_choice(value: &str) -> Result<Option<Locale>, crate::error::AppError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    parse(value).map(Some).ok_or_else(|| {
        crate::error::AppError::validation(
            "lang",
            format!(
                "Choose one of the languages Digame speaks: {}.",
                all()
                    .iter()
                    .map(|l| name(*l))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

/// The locale of the request being answered (`web::locale` puts it on the request), or
/// English where there is no request (a test rendering a component on its own).
#[cfg(feature = "ssr")]
pub fn current() -> Locale {
    leptos::prelude::with_context::<http::request::Parts, _>(|parts| {
        parts.extensions.get::<Locale>().copied()
    })
    .flatten()
    .unwrap_or_default()
}

/// In the browser there is no request: an island is given its words (or its locale) by the
/// server as props, and the server-only views that call this never run there.
#[cfg(not(feature = "ssr"))]
pub fn current() -> Locale {
    Locale::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_read_exactly_and_case_blind() {
        assert_eq!(parse("pt-BR"), Some(Locale::pt_BR));
        assert_eq!(parse("PT-br"), Some(Locale::pt_BR));
        assert_eq!(parse(" de "), Some(Locale::de));
        assert_eq!(parse("pt"), None);
        assert_eq!(parse("xx"), None);
        assert_eq!(parse(""), None);
        for l in all() {
            assert_eq!(parse(tag(*l)), Some(*l));
        }
    }

    #[test]
    fn only_arabic_is_right_to_left() {
        assert_eq!(dir(Locale::ar), "rtl");
        for l in all().iter().filter(|l| **l != Locale::ar) {
            assert_eq!(dir(*l), "ltr", "{}", tag(*l));
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_browser_s_first_language_we_speak_wins() {
        assert_eq!(negotiate("de-AT,de;q=0.9,en;q=0.8"), Some(Locale::de));
        assert_eq!(negotiate("ja,fr-CA;q=0.7,en;q=0.5"), Some(Locale::fr));
        assert_eq!(negotiate("pt-PT"), Some(Locale::pt_BR));
        assert_eq!(negotiate("pt"), Some(Locale::pt_BR));
        assert_eq!(negotiate("ar-EG,ar;q=0.9"), Some(Locale::ar));
        assert_eq!(negotiate("es-419"), Some(Locale::es));
        // Quality decides, not the order written.
        assert_eq!(negotiate("en;q=0.3,es;q=0.9"), Some(Locale::es));
        // A language refused outright (q=0) is never chosen.
        assert_eq!(negotiate("de;q=0,ja"), None);
        assert_eq!(negotiate("ja,zh-CN"), None);
        assert_eq!(negotiate(""), None);
        assert_eq!(negotiate("*"), None);
    }

    /// Every key of the English files, and nothing else, in every locale's files; each
    /// translation with the same `{{ arguments }}` and `<components>` as the English one
    /// (leptos_i18n falls back to English for a missing key and says so only as a warning).
    #[test]
    fn every_locale_has_every_key_with_the_same_arguments() {
        use std::collections::BTreeMap;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let read = |locale: &str| -> BTreeMap<String, String> {
            let mut out = BTreeMap::new();
            let mut files: Vec<_> = std::fs::read_dir(dir.join(locale))
                .unwrap_or_else(|e| panic!("locales/{locale}: {e}"))
                .map(|f| f.unwrap().path())
                .collect();
            files.sort();
            for file in files {
                let namespace = file.file_stem().unwrap().to_string_lossy().into_owned();
                let json: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
                        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                flatten(&namespace, &json, &mut out);
            }
            out
        };
        fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, String>) {
            match value {
                serde_json::Value::Object(map) => {
                    for (k, v) in map {
                        flatten(&format!("{prefix}.{k}"), v, out);
                    }
                }
                serde_json::Value::String(text) => {
                    out.insert(prefix.to_owned(), text.clone());
                }
                other => panic!("{prefix}: a translation is text, not {other}"),
            }
        }
        // `{{ name }}` and `<tag>` in a translation, sorted.
        fn marks(text: &str) -> Vec<String> {
            let mut found = Vec::new();
            let mut rest = text;
            while let Some(start) = rest.find("{{") {
                let end = rest[start..]
                    .find("}}")
                    .map_or(rest.len(), |e| start + e + 2);
                found.push(rest[start..end].replace(' ', ""));
                rest = &rest[end..];
            }
            let mut rest = text;
            while let Some(start) = rest.find('<') {
                let end = rest[start..]
                    .find('>')
                    .map_or(rest.len(), |e| start + e + 1);
                found.push(rest[start..end].to_owned());
                rest = &rest[end..];
            }
            found.sort();
            found
        }
        let english = read("en");
        assert!(
            english.len() > 50,
            "the English files have {} keys",
            english.len()
        );
        for locale in all().iter().filter(|l| **l != Locale::en) {
            let tag = tag(*locale);
            let theirs = read(tag);
            let missing: Vec<_> = english
                .keys()
                .filter(|k| !theirs.contains_key(*k))
                .collect();
            let extra: Vec<_> = theirs
                .keys()
                .filter(|k| !english.contains_key(*k))
                .collect();
            assert!(missing.is_empty(), "{tag} lacks {missing:?}");
            assert!(
                extra.is_empty(),
                "{tag} has keys English does not: {extra:?}"
            );
            for (key, text) in &english {
                assert_eq!(marks(&theirs[key]), marks(text), "{tag}: {key}");
                assert!(!theirs[key].trim().is_empty(), "{tag}: {key} is empty");
            }
        }
    }
}
