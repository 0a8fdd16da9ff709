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

/// An error from a JSON route: the project's error shape, except that a body that parsed
/// but failed validation is a 422 (the JSON API's contract; the pages keep 400).
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl axum::response::IntoResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        let validation = matches!(self.0, AppError::Validation { .. });
        let mut res = self.0.into_response();
        if validation {
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        }
        res
    }
}

/// A JSON body whose rejections (not JSON, wrong types, wrong content type) are 4xx in the
/// project's error shape, without the deserializer's words.
pub struct JsonBody<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::BadRequest(
                "Send the body as JSON, with Content-Type: application/json.".into(),
            )),
            Err(JsonRejection::JsonDataError(e)) => {
                tracing::debug!(detail = %e.body_text(), "JSON body with the wrong shape");
                Err(AppError::BadRequest(
                    "The JSON body does not have the expected fields and types.".into(),
                ))
            }
            Err(JsonRejection::BytesRejection(_)) => Err(AppError::PayloadTooLarge(
                "The request body could not be read or is too large.".into(),
            )),
            Err(_) => Err(AppError::BadRequest("The body is not valid JSON.".into())),
        }
    }
}
