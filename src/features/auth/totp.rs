//! TOTP (RFC 6238: HMAC-SHA1, 30-second steps, six digits) by `totp-rs`, the secret as
//! base32 text and as an `otpauth://` QR code: what two-factor sign-in needs of one-time codes.

use chrono::{DateTime, Utc};

/// Seconds per code.
pub const STEP_SECONDS: i64 = 30;

/// RFC 4648 base32 without padding, as authenticator apps take secrets.
pub fn base32(bytes: &[u8]) -> String {
    totp_rs::Secret::Raw(bytes.to_vec())
        .to_encoded()
        .to_string()
}

/// The bytes of a base32 secret (case, spaces and padding ignored); `None` if it is not
/// base32.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let normal: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    totp_rs::Secret::Encoded(normal).to_bytes().ok()
}

/// RFC 6238 codes of `secret` (SHA-1, six digits, 30-second steps) by the `totp-rs` crate;
/// `None` for a secret under 128 bits (ours are 160).
fn totp(secret: &[u8], digits: usize) -> Option<totp_rs::TOTP> {
    totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        digits,
        0,
        STEP_SECONDS as u64,
        secret.to_vec(),
    )
    .ok()
}

/// The time step of `at`.
pub fn step_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

/// The six-digit code of `secret` at `step`, as the app shows it.
pub fn code_at(secret: &[u8], step: i64) -> String {
    totp(secret, 6).map_or_else(String::new, |t| {
        t.generate(step.max(0) as u64 * STEP_SECONDS as u64)
    })
}

/// The step a typed code matches: the current step or a neighbour (clocks drift), and
/// later than `last_step` (a code works once). Spaces in the code are ignored; the crate
/// compares in constant time.
pub fn matching_step(
    secret: &[u8],
    code: &str,
    now: DateTime<Utc>,
    last_step: Option<i64>,
) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret, 6)?;
    let current = step_of(now);
    (current - 1..=current + 1)
        .filter(|step| *step >= 0 && last_step.is_none_or(|last| *step > last))
        .find(|step| totp.check(&code, *step as u64 * STEP_SECONDS as u64))
}

/// The `otpauth://` address the QR code carries.
pub fn otpauth_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "otpauth://totp/{}:{}?secret={secret_base32}&issuer={}&algorithm=SHA1&digits=6&period={STEP_SECONDS}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// `text` as a QR code in SVG (black modules on white, a four-module quiet zone).
pub fn qr_svg(text: &str) -> Option<String> {
    use qrcodegen::{QrCode, QrCodeEcc};
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let border = 4;
    let size = qr.size() + border * 2;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    Some(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="200" height="200" role="img" aria-label="QR code for your authenticator app" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path d="{path}" fill="#000"/></svg>"##
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc_6238_test_vectors() {
        // RFC 6238 appendix B, SHA-1, eight digits.
        for (time, expected) in [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            let totp = totp(RFC_SECRET, 8).unwrap();
            assert_eq!(totp.generate(time), format!("{expected:08}"), "t={time}");
        }
        assert_eq!(code_at(RFC_SECRET, 1), "287082");
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(RFC_SECRET), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap(),
            RFC_SECRET
        );
        assert_eq!(from_base32("not base32!"), None);
    }

    #[test]
    fn codes_match_neighbouring_steps_once() {
        let now = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let step = step_of(now);
        let code = code_at(RFC_SECRET, step);
        assert_eq!(matching_step(RFC_SECRET, &code, now, None), Some(step));
        assert_eq!(
            matching_step(
                RFC_SECRET,
                &format!("{} {}", &code[..3], &code[3..]),
                now,
                None
            ),
            Some(step)
        );
        // Used: the same step never again.
        assert_eq!(matching_step(RFC_SECRET, &code, now, Some(step)), None);
        let previous = code_at(RFC_SECRET, step - 1);
        assert_eq!(
            matching_step(RFC_SECRET, &previous, now, None),
            Some(step - 1)
        );
        let stale = code_at(RFC_SECRET, step - 3);
        assert_eq!(matching_step(RFC_SECRET, &stale, now, None), None);
        for bad in ["", "12345", "1234567", "abcdef"] {
            assert_eq!(matching_step(RFC_SECRET, bad, now, None), None, "{bad}");
        }
    }

    #[test]
    fn the_qr_code_is_an_svg_of_the_address() {
        let svg = qr_svg(&otpauth_uri("Digame", "ana@example.com", "GEZDGNBV")).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<path d=\"M"));
        assert!(otpauth_uri("Digame", "ana@example.com", "GEZDGNBV")
            .starts_with("otpauth://totp/Digame:ana%40example.com?secret=GEZDGNBV&issuer=Digame"));
    }
}
