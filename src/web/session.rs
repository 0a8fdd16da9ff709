//! The axum-login backend: loads the signed-in user (with their tenant) for each request.

use crate::crypto::passwords::Passwords;
use crate::domain::account::Email;
use crate::entities::{tenants, users};
use crate::error::{AppError, ResultExt};
use crate::web::memory::Memory;
use axum_login::{AuthUser, AuthnBackend, UserId};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::sync::Arc;

pub use crate::person::SessionUser;

pub type AuthSession = axum_login::AuthSession<Backend>;

/// Session key holding when the person signed in (unix seconds), for the absolute timeout.
pub const LOGIN_AT_KEY: &str = "digame.login_at";

/// Session key holding the person's `session_epoch` when the session was signed in: a
/// session whose epoch no longer matches the person's ends (see `server::session_upkeep`).
pub const EPOCH_KEY: &str = "digame.epoch";

impl AuthUser for SessionUser {
    type Id = i64;

    fn id(&self) -> i64 {
        self.user.id
    }

    /// Sessions are bound to the password hash: changing the password ends every other
    /// session of that person.
    fn session_auth_hash(&self) -> &[u8] {
        self.user.password_hash.as_bytes()
    }
}

pub struct Credentials {
    pub email: Email,
    pub password: String,
}

#[derive(Clone)]
pub struct Backend {
    db: DatabaseConnection,
    passwords: Passwords,
    memory: Arc<Memory>,
}

impl Backend {
    pub fn new(db: DatabaseConnection, passwords: Passwords, memory: Arc<Memory>) -> Backend {
        Backend {
            db,
            passwords,
            memory,
        }
    }
}

impl Backend {
    /// After a correct password: stores it hashed with today's settings when the stored hash
    /// used older ones (the session is then bound to the new hash). A failure is logged and
    /// the sign-in goes on with the old hash.
    async fn renew_hash(&self, user: users::Model, password: &str) -> users::Model {
        if !crate::crypto::passwords::needs_rehash(&user.password_hash) {
            return user;
        }
        let renewed = async {
            let hash = self.passwords.hash(password).await?;
            let mut row: users::ActiveModel = user.clone().into();
            row.password_hash = sea_orm::ActiveValue::Set(hash);
            sea_orm::ActiveModelTrait::update(row, &self.db)
                .await
                .or_internal("storing a renewed password hash")
        }
        .await;
        match renewed {
            Ok(updated) => {
                tracing::info!(
                    user_id = updated.id,
                    "password hash renewed with today's settings"
                );
                updated
            }
            Err(_) => user,
        }
    }
}

impl AuthnBackend for Backend {
    type User = SessionUser;
    type Credentials = Credentials;
    type Error = AppError;

    /// The person for these credentials, or `None`. Unknown emails cost the same time as
    /// wrong passwords. Deactivated accounts are returned so the caller can say so (after
    /// the password proved who is asking).
    async fn authenticate(&self, creds: Credentials) -> Result<Option<SessionUser>, AppError> {
        let found = users::Entity::find()
            .filter(users::Column::Email.eq(creds.email.as_str()))
            .find_also_related(tenants::Entity)
            .one(&self.db)
            .await
            .or_internal("loading a user to sign in")?;
        let stored = found.as_ref().map(|(u, _)| u.password_hash.as_str());
        if !self.passwords.verify(stored, &creds.password).await? {
            return Ok(None);
        }
        Ok(match found {
            Some((user, Some(tenant))) => Some(SessionUser::new(
                self.renew_hash(user, &creds.password).await,
                tenant,
            )),
            _ => None,
        })
    }

    /// A deactivated person is signed out on their next request. Read from memory where
    /// kept (`web::memory`: dropped on every change to the person or their company).
    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<SessionUser>, AppError> {
        load_person(&self.db, &self.memory, *id).await
    }
}

/// The active person with this id (with their company and its flags), from memory where
/// kept, else from the database (and then kept). `None` for an unknown or deactivated person.
pub async fn load_person(
    db: &DatabaseConnection,
    memory: &Memory,
    id: i64,
) -> Result<Option<SessionUser>, AppError> {
    if let Some(person) = memory.person(id) {
        return Ok(Some(person));
    }
    let ticket = memory.ticket();
    let person = SessionUser::load_active(db, id)
        .await
        .or_internal("loading the session user")?;
    if let Some(person) = &person {
        memory.keep_person(ticket, person);
    }
    Ok(person)
}
