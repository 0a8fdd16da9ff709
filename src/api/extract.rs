//! Who is calling the JSON API.

use crate::domain::SessionUser;
use crate::error::AppError;
use crate::features::auth::backend::AuthSession;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The signed-in caller of a JSON route, or a 401 in the error shape.
///
/// Today a caller is identified by their session cookie, as the pages are. Bearer tokens
/// (the JSON API issue) are checked here too once they are issued, so routes written
/// against `ApiCaller` do not change.
pub struct ApiCaller(pub SessionUser);

impl<S: Send + Sync> FromRequestParts<S> for ApiCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        if parts
            .headers
            .contains_key(axum::http::header::AUTHORIZATION)
        {
            return Err(AppError::Unauthorized(
                "This server does not issue API tokens yet. Sign in on the web page and call the API from the same browser session.".into(),
            ));
        }
        parts
            .extensions
            .get::<AuthSession>()
            .and_then(|auth| auth.user.clone())
            .map(ApiCaller)
            .ok_or_else(AppError::unauthorized)
    }
}
