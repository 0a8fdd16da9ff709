//! Who is calling the JSON API.

use crate::error::AppError;
use crate::person::SessionUser;
use crate::web::session::AuthSession;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The caller of a JSON route: an `Authorization: Bearer` access token
/// (`POST /api/v1/auth/login`), or else the session cookie of the pages; otherwise a 401 in
/// the error shape with `WWW-Authenticate: Bearer`.
pub struct ApiCaller(pub SessionUser);

impl<S: Send + Sync> FromRequestParts<S> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        if parts
            .headers
            .contains_key(axum::http::header::AUTHORIZATION)
        {
            let token = crate::web::ctx::bearer_token(&parts.headers).ok_or_else(|| {
                AppError::Unauthorized(
                    "Send the access token as `Authorization: Bearer <token>`.".into(),
                )
            })?;
            if let Some(super::limit::BearerCaller(owner)) = parts.extensions.get() {
                return Ok(ApiCaller(owner.clone()?));
            }
            let state = parts
                .extensions
                .get::<crate::web::state::AppState>()
                .ok_or(AppError::Internal)?;
            return Ok(ApiCaller(
                crate::features::tokens::authenticate(&state.db, &state.memory, token).await?,
            ));
        }
        parts
            .extensions
            .get::<AuthSession>()
            .and_then(|auth| auth.user.clone())
            .map(ApiCaller)
            .ok_or_else(|| ApiError(AppError::unauthorized()))
    }
}

/// A caller who administers their tenant ([`ApiCaller`], then 403 for anyone else).
pub struct ApiAdmin(pub SessionUser);

impl<S: Send + Sync> FromRequestParts<S> for ApiAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let ApiCaller(person) = ApiCaller::from_request_parts(parts, state).await?;
        Ok(ApiAdmin(crate::web::ctx::admin_only(person)?))
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
        let unauthorized = matches!(self.0, AppError::Unauthorized(_));
        let mut res = if validation {
            // The status in the body says the same as the answer's.
            let mut body = crate::error::ErrorBody::from(self.0);
            body.status_code = 422;
            (
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                axum::Json(body),
            )
                .into_response()
        } else {
            self.0.into_response()
        };
        if unauthorized {
            res.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
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

/// A path parameter whose rejections (not a number, not UTF-8) are a 404 in the project's
/// error shape: an address with a malformed part names nothing that exists.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| ApiPath(v))
            .map_err(|_| AppError::NotFound(format!("There is nothing at {}.", parts.uri.path())))
    }
}

/// A query string whose rejections (a number out of range, a wrong type) are a 422 in the
/// project's error shape, naming the parameter when the parser says which.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|axum::extract::Query(v)| ApiQuery(v))
            .map_err(|e| {
                // "Failed to deserialize query string: page: number too large …"
                let text = e.body_text();
                let field = text
                    .split(": ")
                    .nth(1)
                    .filter(|f| {
                        !f.is_empty() && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
                    .unwrap_or("query")
                    .to_owned();
                ApiError(AppError::validation(
                    &field,
                    "This query parameter does not have the expected type or range.",
                ))
            })
    }
}

/// A list's `?page=&per_page=` (`crate::domain::paging`): the same on every list that can
/// grow. Their bounds are written into the document from the paging constants
/// (`rules::apply`).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The page, from 1 (the default).
    #[serde(default)]
    page: Option<i64>,
    /// Items on the page (50 when not given).
    #[serde(default)]
    per_page: Option<i64>,
}

/// The page of a list a caller asked for, checked: out of range is a 422 naming the field.
pub struct ApiPage(pub crate::domain::PageRequest);

impl<S: Send + Sync> FromRequestParts<S> for ApiPage {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let ApiQuery(q) = ApiQuery::<PageQuery>::from_request_parts(parts, state).await?;
        Ok(ApiPage(crate::domain::PageRequest::parse(
            q.page, q.per_page,
        )?))
    }
}
