//! The browsers a person has signed in from: a long-lived signed cookie that lets them
//! through the account-wide slow-down of sign-ins (`service::sign_in`), so strangers'
//! failures against an address never stop its owner on a browser they used before.
//!
//! The cookie holds up to [`MAX_ACCOUNTS`] entries, `issued.nonce.mac`, where `mac` is
//! HMAC-SHA-256 under a key derived from the master key (every replica agrees) over the
//! account's email, the issue time and the nonce. The email itself is not in the cookie.
//! It proves only "this browser signed in to this account before" and opens nothing else.

use crate::config::Settings;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long a browser stays known after its last sign-in.
pub const LIFETIME_DAYS: i64 = 365;
/// Accounts one browser is known for (shared computers, several accounts).
pub const MAX_ACCOUNTS: usize = 5;

fn cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies() {
        "__Host-digame_device"
    } else {
        "digame_device"
    }
}

fn mac(settings: &Settings, email: &str, issued: i64, nonce: &str) -> Hmac<Sha256> {
    let mut key =
        Hmac::<Sha256>::new_from_slice(&settings.master_key.0).expect("HMAC takes any key length");
    key.update(b"digame: device cookie");
    let derived = key.finalize().into_bytes();
    let mut mac = Hmac::<Sha256>::new_from_slice(&derived).expect("HMAC takes any key length");
    mac.update(format!("{}\n{issued}\n{nonce}", email.to_lowercase()).as_bytes());
    mac
}

fn entries(headers: &http::HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .filter(|(n, _)| *n == name)
        .flat_map(|(_, v)| v.split('~').map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

fn verifies(settings: &Settings, entry: &str, email: &str, now: i64) -> bool {
    let mut parts = entry.splitn(3, '.');
    let (Some(issued), Some(nonce), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(issued) = issued.parse::<i64>() else {
        return false;
    };
    let Ok(sig) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig) else {
        return false;
    };
    issued <= now
        && now - issued <= LIFETIME_DAYS * 86_400
        && mac(settings, email, issued, nonce)
            .verify_slice(&sig)
            .is_ok()
}

/// Whether the request comes from a browser that signed in to `email` before.
pub fn is_known(settings: &Settings, headers: &http::HeaderMap, email: &str) -> bool {
    let now = chrono::Utc::now().timestamp();
    entries(headers, cookie_name(settings))
        .iter()
        .any(|e| verifies(settings, e, email, now))
}

/// The `Set-Cookie` value that remembers this browser for `email` (newest first, keeping
/// the browser's other valid entries up to [`MAX_ACCOUNTS`]).
pub fn remember(settings: &Settings, headers: &http::HeaderMap, email: &str) -> String {
    use rand::RngCore as _;
    let now = chrono::Utc::now().timestamp();
    let mut nonce = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let nonce = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(nonce);
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(mac(settings, email, now, &nonce).finalize().into_bytes());
    let name = cookie_name(settings);
    let mut kept = vec![format!("{now}.{nonce}.{sig}")];
    kept.extend(
        entries(headers, name)
            .into_iter()
            .filter(|e| !verifies(settings, e, email, now) && e.len() < 120)
            .take(MAX_ACCOUNTS - 1),
    );
    let secure = if settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{name}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
        kept.join("~"),
        LIFETIME_DAYS * 86_400
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings::from_lookup(|name| {
            (name == "DIGAME_MASTER_KEY")
                .then(|| "q83vEjRlZR0K9yHc0Qx8Ki3pLw9Z7nM2bV4cX6sA1dE=".to_owned())
        })
        .unwrap()
    }

    fn cookie_of(set_cookie: &str) -> http::HeaderMap {
        let pair = set_cookie.split(';').next().unwrap();
        let mut h = http::HeaderMap::new();
        h.insert(http::header::COOKIE, pair.parse().unwrap());
        h
    }

    #[test]
    fn a_remembered_browser_is_known_for_that_account_only() {
        let s = settings();
        let none = http::HeaderMap::new();
        assert!(!is_known(&s, &none, "ana@acme.test"));
        let set = remember(&s, &none, "Ana@acme.test");
        assert!(
            set.contains("HttpOnly") && set.contains("Max-Age=31536000"),
            "{set}"
        );
        let h = cookie_of(&set);
        assert!(is_known(&s, &h, "ana@acme.test"));
        assert!(!is_known(&s, &h, "bob@acme.test"));
        // A second account on the same browser keeps the first.
        let both = cookie_of(&remember(&s, &h, "bob@acme.test"));
        assert!(is_known(&s, &both, "ana@acme.test"));
        assert!(is_known(&s, &both, "bob@acme.test"));
    }

    #[test]
    fn a_forged_or_altered_entry_is_not_known() {
        let s = settings();
        let set = remember(&s, &http::HeaderMap::new(), "ana@acme.test");
        let value = set.split(';').next().unwrap();
        let altered = value.replacen('.', "1.", 1);
        assert!(!is_known(&s, &cookie_of(&altered), "ana@acme.test"));
        assert!(!is_known(
            &s,
            &cookie_of("digame_device=1.x.AAAA"),
            "ana@acme.test"
        ));
    }
}
