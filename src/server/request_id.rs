//! Every request gets an id: the one a proxy in front sent in `X-Request-Id` when it is a
//! plain token (letters, digits, `.`, `_`, `-`, at most 64), else a new random one. It is in
//! the request's log span, so every log line of the request carries it, and in the answer's
//! `X-Request-Id`, so a person reporting a problem can quote it.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderValue;

pub const HEADER: &str = "x-request-id";

/// The request's id, as [`assign`] left it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

fn fresh() -> String {
    use rand::RngCore as _;
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sets the request's id (an extension and the header), and returns it on the answer.
pub async fn assign(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map_or_else(fresh, str::to_owned);
    if let Ok(value) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(HEADER, value.clone());
        req.extensions_mut().insert(RequestId(id));
        let mut res = next.run(req).await;
        res.headers_mut().insert(HEADER, value);
        return res;
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_are_taken_from_the_proxy() {
        assert!(acceptable("3f2a-19.b_c"));
        assert!(!acceptable(""));
        assert!(!acceptable("a b"));
        assert!(!acceptable("line\nbreak"));
        assert!(!acceptable(&"x".repeat(65)));
        let id = fresh();
        assert_eq!(id.len(), 24);
        assert!(acceptable(&id));
        assert_ne!(fresh(), id);
    }
}
