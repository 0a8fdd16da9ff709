//! Small pure helpers shared by the server and the browser.

/// Percent-encodes a string for use as one query-string value.
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Percent-encodes text for a `data:` link (everything but unreserved characters).
pub fn data_url(mime: &str, text: &str) -> String {
    let mut out = format!("data:{mime};charset=utf-8,");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Returns `next` when it is a same-site relative path that is safe to redirect to.
///
/// Only paths that start with a single `/` are honoured: `//host`, `/\host`, absolute URLs
/// and anything with control characters could send the person to another site.
pub fn safe_next(next: Option<&str>) -> Option<String> {
    local_path(next?)
        // A signed-in person should not be sent back to the sign-in forms.
        .filter(|next| !next.starts_with("/login") && !next.starts_with("/register"))
}

/// `path` when it is an address on this site (`/…`, not `//host` or `/\host`, no control
/// characters, at most 512 bytes): where a form may send the browser back to.
pub fn local_path(path: &str) -> Option<String> {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && path.len() <= 512
        && !path.chars().any(|c| c.is_control() || c == '\\');
    ok.then(|| path.to_owned())
}

/// A stored time as people read it: `7 Mar 2026, 14:05 UTC`.
#[cfg(feature = "ssr")]
pub fn format_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// A time as the JSON API carries it: RFC 3339 in UTC, to the millisecond
/// (`2026-03-07T14:05:00.000Z`). Pages show it with [`time_words`].
#[cfg(feature = "ssr")]
pub fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An RFC 3339 UTC time (as [`rfc3339`] writes it) as people read it, `7 Mar 2026, 14:05
/// UTC`, in the browser too (no date library there); anything else is shown as it is.
pub fn time_words(rfc3339: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts = (|| {
        let (date, time) = rfc3339.split_once('T')?;
        let mut d = date.splitn(3, '-');
        let (year, month, day) = (d.next()?, d.next()?, d.next()?);
        let month = MONTHS.get(month.parse::<usize>().ok()?.checked_sub(1)?)?;
        let day: u32 = day.parse().ok()?;
        let hm = time
            .get(..5)
            .filter(|hm| hm.as_bytes().get(2) == Some(&b':'))?;
        (time.ends_with('Z') && year.len() == 4).then(|| format!("{day} {month} {year}, {hm} UTC"))
    })();
    parts.unwrap_or_else(|| rfc3339.to_owned())
}

/// The sign-in URL that returns to `path` afterwards.
pub fn login_url_for(path: &str) -> String {
    match safe_next(Some(path)) {
        Some(next) if next != "/" => format!("/login?next={}", encode_query_value(&next)),
        _ => "/login".to_owned(),
    }
}

/// 32 random bytes from the operating system, URL-safe base64: invitation links, API tokens.
#[cfg(feature = "ssr")]
pub fn secret_token() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of `text`, lower-case hex: how tokens are stored.
#[cfg(feature = "ssr")]
pub fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_next_accepts_relative_paths_only() {
        assert_eq!(
            safe_next(Some("/settings/security")),
            Some("/settings/security".into())
        );
        assert_eq!(
            safe_next(Some("/tools/tasks?x=1")),
            Some("/tools/tasks?x=1".into())
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "",
            "/login",
            "/ok\n",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(Some(bad)), None, "{bad:?} must be refused");
        }
        assert_eq!(safe_next(None), None);
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(600)))), None);
    }

    #[test]
    fn login_url_encodes_the_return_path() {
        assert_eq!(
            login_url_for("/settings/security"),
            "/login?next=/settings/security"
        );
        assert_eq!(login_url_for("/a?b=c&d"), "/login?next=/a%3Fb%3Dc%26d");
        assert_eq!(login_url_for("/"), "/login");
        assert_eq!(login_url_for("//evil"), "/login");
    }

    #[test]
    fn data_urls_encode_everything_but_unreserved_characters() {
        assert_eq!(
            data_url("text/markdown", "# A é\n"),
            "data:text/markdown;charset=utf-8,%23%20A%20%C3%A9%0A"
        );
    }

    #[test]
    fn api_times_read_as_people_say_them() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-03-07T14:05:09.5+00:00")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(rfc3339(t), "2026-03-07T14:05:09.500Z");
        assert_eq!(time_words(&rfc3339(t)), format_time(t));
        assert_eq!(time_words("2026-11-26T20:48:00Z"), "26 Nov 2026, 20:48 UTC");
        assert_eq!(time_words("not a time"), "not a time");
        assert_eq!(time_words("2026-13-01T00:00:00Z"), "2026-13-01T00:00:00Z");
    }
}
