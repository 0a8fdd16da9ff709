//! What a bearer token may do. The tokens of a sign-in (`POST /auth/login`, with the
//! password) act as the person. A personal access token acts within the scope chosen when
//! it was made, and never on the account itself: it cannot make tokens, change the
//! password or two-factor sign-in, end sessions or delete the account (a leaked token must
//! not be able to take the account; those need the person, signed in, with their password
//! or code).

/// A personal access token's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `GET` only.
    Read,
    /// Read, and change the person's own data (tasks, keys, tools).
    Write,
    /// Write, and the admin routes (for tenant admins only).
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Admin];

    pub fn parse(raw: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == raw.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Scope::Read => "Read",
            Scope::Write => "Read and write",
            Scope::Admin => "Admin",
        }
    }
}

/// What a verified bearer token grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// The access token of a sign-in with the password: the person.
    SignIn,
    /// A personal access token with its scope.
    Personal(Scope),
}

/// The account routes only a signed-in person may use (paths under `/api/v1`).
fn is_account_route(method: &http::Method, path: &str) -> bool {
    let write = method != http::Method::GET && method != http::Method::HEAD;
    path == "/auth/password-change"
        || path == "/account/delete"
        || path == "/account/sessions/end"
        || (write && path == "/account/email")
        || (write && path.starts_with("/account/two-factor"))
        || (method == http::Method::POST && path == "/account/tokens")
}

/// Whether `grant` may call `method path` (a path under `/api/v1`, with or without that
/// prefix); the refusal says why, in words for the script's author.
pub fn permits(grant: Grant, method: &http::Method, path: &str) -> Result<(), String> {
    let Grant::Personal(scope) = grant else {
        return Ok(());
    };
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    if is_account_route(method, path) {
        return Err("A personal access token cannot make tokens, change the password, the email address or two-factor sign-in, end sessions or delete the account. Sign in with your password to do that.".into());
    }
    if path.starts_with("/admin/") || path == "/admin" {
        return if scope == Scope::Admin {
            Ok(())
        } else {
            Err(format!(
                "This token's scope is “{}”: the admin routes need a token made with the Admin scope.",
                scope.label()
            ))
        };
    }
    let reads = method == http::Method::GET || method == http::Method::HEAD;
    if !reads && scope == Scope::Read {
        return Err("This token's scope is “Read”: it can only read. Make a token with the “Read and write” scope to change data.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    #[test]
    fn personal_tokens_never_reach_the_account_routes() {
        for scope in Scope::ALL {
            let g = Grant::Personal(scope);
            for (m, p) in [
                (Method::POST, "/api/v1/account/tokens"),
                (Method::POST, "/auth/password-change"),
                (Method::POST, "/account/two-factor/start"),
                (Method::POST, "/account/two-factor/enable"),
                (Method::POST, "/account/two-factor/disable"),
                (Method::POST, "/account/sessions/end"),
                (Method::POST, "/account/delete"),
                (Method::POST, "/api/v1/account/email"),
            ] {
                assert!(permits(g, &m, p).is_err(), "{scope:?} {m} {p}");
                assert!(permits(Grant::SignIn, &m, p).is_ok());
            }
            assert!(permits(g, &Method::GET, "/account/tokens").is_ok());
            assert!(permits(g, &Method::GET, "/account/two-factor").is_ok());
        }
    }

    #[test]
    fn scopes_bound_writes_and_admin_routes() {
        let read = Grant::Personal(Scope::Read);
        let write = Grant::Personal(Scope::Write);
        let admin = Grant::Personal(Scope::Admin);
        assert!(permits(read, &Method::GET, "/tasks").is_ok());
        assert!(permits(read, &Method::POST, "/tasks").is_err());
        assert!(permits(write, &Method::POST, "/tasks").is_ok());
        assert!(permits(write, &Method::DELETE, "/account/tokens/4").is_ok());
        assert!(permits(write, &Method::GET, "/admin/members").is_err());
        assert!(permits(admin, &Method::PUT, "/admin/features/writing").is_ok());
        assert_eq!(Scope::parse("write"), Some(Scope::Write));
        assert_eq!(Scope::parse("root"), None);
    }
}
