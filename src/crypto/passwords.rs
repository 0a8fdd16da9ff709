//! Argon2id hashing (the argon2 crate's defaults: m=19456 KiB, t=2, p=1, the OWASP
//! recommendation), off the async runtime and with a cap on concurrent hashes so a burst of
//! sign-ins cannot exhaust memory or starve other requests.

use crate::error::AppError;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// What an account made by single sign-on stores for its password: no password matches it
/// (it is not a hash), and checking against it takes as long as a wrong password. Choosing a
/// password ("Forgot your password?") replaces it.
pub const NO_PASSWORD: &str = "!no-password";

/// Whether a stored hash is a password at all.
pub fn has_password(stored: &str) -> bool {
    stored != NO_PASSWORD
}

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// Verified against when the email is unknown, so that answer takes as long as a wrong
    /// password and does not reveal which emails have accounts.
    dummy_hash: Arc<str>,
}

impl Default for Passwords {
    fn default() -> Self {
        Self::new()
    }
}

impl Passwords {
    pub fn new() -> Passwords {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let dummy = hash_blocking("digame dummy password for unknown accounts")
            .expect("hashing a constant never fails");
        Passwords {
            permits: Arc::new(Semaphore::new(cores.max(1))),
            dummy_hash: dummy.into(),
        }
    }

    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let password = password.to_owned();
        self.run(move || hash_blocking(&password)).await?
    }

    /// Checks `password` against `stored`; with no stored hash it checks the dummy one and
    /// answers false, taking the same time.
    pub async fn verify(&self, stored: Option<&str>, password: &str) -> Result<bool, AppError> {
        let stored = stored.filter(|s| has_password(s));
        let known = stored.is_some();
        let hash = stored.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let password = password.to_owned();
        let ok = self
            .run(move || {
                PasswordHash::new(&hash)
                    .map(|parsed| {
                        Argon2::default()
                            .verify_password(password.as_bytes(), &parsed)
                            .is_ok()
                    })
                    .unwrap_or(false)
            })
            .await?;
        Ok(known && ok)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| AppError::Internal)?;
        tokio::task::spawn_blocking(work).await.map_err(|e| {
            tracing::error!(error = %e, "password hashing task failed");
            AppError::Internal
        })
    }
}

/// Whether `stored` was made with other settings than today's (another algorithm, version or
/// cost parameters): after a correct sign-in it is hashed again with today's.
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    let current = argon2::Params::default();
    let param = |name: &str| parsed.params.get_decimal(name);
    parsed.algorithm != argon2::Algorithm::Argon2id.ident()
        || parsed.version != Some(argon2::Version::V0x13.into())
        || param("m") != Some(current.m_cost())
        || param("t") != Some(current.t_cost())
        || param("p") != Some(current.p_cost())
}

fn hash_blocking(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            tracing::error!(error = %e, "argon2 hashing failed");
            AppError::Internal
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_older_settings_are_renewed() {
        let p = Passwords::new();
        let today = p.hash("amber-kettle-orbit-73").await.unwrap();
        assert!(!needs_rehash(&today));
        let salt = SaltString::generate(&mut OsRng);
        let weak = Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(8192, 1, 1, None).unwrap(),
        )
        .hash_password(b"amber-kettle-orbit-73", &salt)
        .unwrap()
        .to_string();
        assert!(needs_rehash(&weak), "{weak}");
        // Still verifies: the stored hash carries its own settings.
        assert!(p
            .verify(Some(&weak), "amber-kettle-orbit-73")
            .await
            .unwrap());
        let argon2i = Argon2::new(
            argon2::Algorithm::Argon2i,
            argon2::Version::V0x13,
            argon2::Params::default(),
        )
        .hash_password(b"x", &salt)
        .unwrap()
        .to_string();
        assert!(needs_rehash(&argon2i));
        assert!(needs_rehash("not a hash"));
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let p = Passwords::new();
        let hash = p.hash("amber-kettle-orbit-73").await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(p
            .verify(Some(&hash), "amber-kettle-orbit-73")
            .await
            .unwrap());
        assert!(!p
            .verify(Some(&hash), "amber-kettle-orbit-74")
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn unknown_account_never_verifies() {
        let p = Passwords::new();
        assert!(!p
            .verify(None, "digame dummy password for unknown accounts")
            .await
            .unwrap());
        assert!(!p.verify(Some("not a hash"), "x").await.unwrap());
    }
}
