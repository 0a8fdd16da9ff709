//! The one error type shared by server functions, JSON routes and the browser.
//!
//! Its wire form is `{"status_code", "code", "message", "detail"?}`. Internal causes are
//! logged on the server where the error is created and never reach the client: an
//! [`AppError::Internal`] always carries the same generic message.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What went wrong, in terms a person (or a JSON client) can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "ErrorBody", try_from = "ErrorBody")]
pub enum AppError {
    /// Not signed in, or the session ended.
    Unauthorized(String),
    /// Signed in, but not allowed to do this.
    Forbidden(String),
    NotFound(String),
    /// One input field is wrong; `field` names the form field.
    Validation {
        field: String,
        message: String,
    },
    /// The request is well-formed but clashes with what is stored (e.g. an email in use).
    Conflict {
        field: String,
        message: String,
    },
    /// Too many attempts; try again after `retry_after_secs`.
    RateLimited {
        message: String,
        retry_after_secs: i64,
    },
    /// The person has not confirmed their email address yet, and this needs it.
    EmailNotVerified(String),
    /// A tool whose flag is off for the tenant.
    FeatureDisabled(String),
    /// More than the tenant's subscription tier allows.
    SubscriptionLimit(String),
    /// A tool needs an API key the user has not stored.
    ApiKeyMissing(String),
    /// The outside AI service failed or could not be reached.
    Upstream(String),
    /// The request could not be read at all (malformed body, missing argument).
    BadRequest(String),
    /// The request body is larger than the server accepts.
    PayloadTooLarge(String),
    /// The database cannot be reached right now (it is restarting, or down); try again soon.
    Unavailable,
    /// Anything else; details are in the server log only.
    Internal,
}

pub const UNAVAILABLE_MESSAGE: &str =
    "Digame cannot reach its database right now. Please try again in a few seconds.";

pub const INTERNAL_MESSAGE: &str =
    "Something went wrong on our side. Please try again in a moment.";

impl AppError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    pub fn unauthorized() -> Self {
        AppError::Unauthorized("Please sign in to continue.".into())
    }

    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthorized(_) => 401,
            AppError::Forbidden(_)
            | AppError::FeatureDisabled(_)
            | AppError::EmailNotVerified(_) => 403,
            AppError::SubscriptionLimit(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Validation { .. } | AppError::BadRequest(_) => 400,
            AppError::ApiKeyMissing(_) => 400,
            AppError::Conflict { .. } => 409,
            AppError::PayloadTooLarge(_) => 413,
            AppError::RateLimited { .. } => 429,
            AppError::Upstream(_) => 502,
            AppError::Unavailable => 503,
            AppError::Internal => 500,
        }
    }

    /// The stable machine-readable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized(_) => "UNAUTHORIZED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::EmailNotVerified(_) => "EMAIL_NOT_VERIFIED",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::Validation { .. } => "VALIDATION_ERROR",
            AppError::Conflict { .. } => "CONFLICT",
            AppError::RateLimited { .. } => "RATE_LIMITED",
            AppError::FeatureDisabled(_) => "FEATURE_DISABLED",
            AppError::SubscriptionLimit(_) => "SUBSCRIPTION_LIMIT_EXCEEDED",
            AppError::ApiKeyMissing(_) => "API_KEY_MISSING",
            AppError::Upstream(_) => "UPSTREAM_ERROR",
            AppError::BadRequest(_) => "BAD_REQUEST",
            AppError::PayloadTooLarge(_) => "PAYLOAD_TOO_LARGE",
            AppError::Unavailable => "SERVICE_UNAVAILABLE",
            AppError::Internal => "INTERNAL_ERROR",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            AppError::Unauthorized(m)
            | AppError::Forbidden(m)
            | AppError::EmailNotVerified(m)
            | AppError::NotFound(m)
            | AppError::FeatureDisabled(m)
            | AppError::SubscriptionLimit(m)
            | AppError::ApiKeyMissing(m)
            | AppError::Upstream(m)
            | AppError::BadRequest(m)
            | AppError::PayloadTooLarge(m) => m,
            AppError::Validation { message, .. }
            | AppError::Conflict { message, .. }
            | AppError::RateLimited { message, .. } => message,
            AppError::Unavailable => UNAVAILABLE_MESSAGE,
            AppError::Internal => INTERNAL_MESSAGE,
        }
    }

    /// The form field this error belongs to, if any (for inline field messages).
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Validation { field, .. } | AppError::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for AppError {}

/// The JSON shape of every error the server sends.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub status_code: u16,
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

impl From<AppError> for ErrorBody {
    fn from(err: AppError) -> Self {
        let detail = match &err {
            AppError::Validation { field, .. } | AppError::Conflict { field, .. } => {
                Some(serde_json::json!({ "field": field }))
            }
            AppError::RateLimited {
                retry_after_secs, ..
            } => Some(serde_json::json!({ "retry_after_secs": retry_after_secs })),
            _ => None,
        };
        ErrorBody {
            status_code: err.status_code(),
            code: err.code().to_owned(),
            message: err.message().to_owned(),
            detail,
        }
    }
}

impl TryFrom<ErrorBody> for AppError {
    type Error = String;

    fn try_from(body: ErrorBody) -> Result<Self, String> {
        let field = || {
            body.detail
                .as_ref()
                .and_then(|d| d.get("field"))
                .and_then(|f| f.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let message = body.message.clone();
        Ok(match body.code.as_str() {
            "UNAUTHORIZED" => AppError::Unauthorized(message),
            "FORBIDDEN" => AppError::Forbidden(message),
            "EMAIL_NOT_VERIFIED" => AppError::EmailNotVerified(message),
            "NOT_FOUND" => AppError::NotFound(message),
            "VALIDATION_ERROR" => AppError::Validation {
                field: field(),
                message,
            },
            "CONFLICT" => AppError::Conflict {
                field: field(),
                message,
            },
            "RATE_LIMITED" => AppError::RateLimited {
                message,
                retry_after_secs: body
                    .detail
                    .as_ref()
                    .and_then(|d| d.get("retry_after_secs"))
                    .and_then(|v| v.as_i64())
                    .unwrap_or(60),
            },
            "FEATURE_DISABLED" => AppError::FeatureDisabled(message),
            "SUBSCRIPTION_LIMIT_EXCEEDED" => AppError::SubscriptionLimit(message),
            "API_KEY_MISSING" => AppError::ApiKeyMissing(message),
            "UPSTREAM_ERROR" => AppError::Upstream(message),
            "BAD_REQUEST" => AppError::BadRequest(message),
            "PAYLOAD_TOO_LARGE" => AppError::PayloadTooLarge(message),
            "SERVICE_UNAVAILABLE" => AppError::Unavailable,
            "INTERNAL_ERROR" => AppError::Internal,
            other => return Err(format!("unknown error code {other}")),
        })
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The arguments could not be read: the caller sent a malformed request. The
            // deserializer's words stay in the server log; the caller gets the app's.
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => {
                #[cfg(feature = "ssr")]
                tracing::debug!(detail = %m, "unreadable server function arguments");
                match missing_field(&m) {
                    Some(field) => AppError::BadRequest(format!(
                        "The request is missing the “{field}” field."
                    )),
                    None => AppError::BadRequest(
                        "A value in the request is not in the expected form. Check the form and try again."
                            .into(),
                    ),
                }
            }
            // On the server: the body itself could not be read (too large when sent in
            // chunks, or not UTF-8).
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(m) => {
                if m.contains("length limit exceeded") {
                    AppError::PayloadTooLarge("The request is too large.".into())
                } else {
                    tracing::debug!(detail = %m, "unreadable request body");
                    AppError::BadRequest(
                        "The request could not be read: it is not valid form or JSON data.".into(),
                    )
                }
            }
            // The browser could not reach the server at all.
            ServerFnErrorErr::Request(_) => AppError::Upstream(
                "Could not reach Digame. Check your connection and try again.".into(),
            ),
            _ => AppError::Internal,
        }
    }
}

/// Logs an internal failure with its detail and returns the generic error people see:
/// [`AppError::Unavailable`] (503, "try again") when it is a database error that says the
/// database could not be reached, [`AppError::Internal`] otherwise.
#[cfg(feature = "ssr")]
pub fn internal<E: fmt::Display + 'static>(context: &'static str) -> impl FnOnce(E) -> AppError {
    move |e| {
        tracing::error!(error = %e, "{context}");
        let any: &dyn std::any::Any = &e;
        let unreachable = any
            .downcast_ref::<sea_orm::DbErr>()
            .is_some_and(database_unreachable)
            || any
                .downcast_ref::<sea_orm::sqlx::Error>()
                .is_some_and(connection_lost);
        if unreachable {
            AppError::Unavailable
        } else {
            AppError::Internal
        }
    }
}

/// Whether a database error says the database could not be reached (as opposed to a query
/// that failed): no connection could be taken from the pool in time, or the connection
/// broke, or the server refused or is shutting down its connections.
#[cfg(feature = "ssr")]
pub fn database_unreachable(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    match e {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => connection_lost(e),
        _ => false,
    }
}

#[cfg(feature = "ssr")]
fn connection_lost(e: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match e {
        Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::WorkerCrashed => true,
        // PostgreSQL's SQLSTATEs for a connection that failed or a server that is going
        // away or not yet up (class 08, and 57P01-57P03).
        Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

/// `.or_internal("reading the flags")` on any fallible database or I/O call: the cause is
/// logged on the server, the caller gets [`AppError::Internal`].
#[cfg(feature = "ssr")]
pub trait ResultExt<T> {
    fn or_internal(self, context: &'static str) -> Result<T, AppError>;
}

#[cfg(feature = "ssr")]
impl<T, E: fmt::Display + 'static> ResultExt<T> for Result<T, E> {
    fn or_internal(self, context: &'static str) -> Result<T, AppError> {
        self.map_err(internal(context))
    }
}

/// The JSON error response every route uses, with `Retry-After` on a 429.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        use http::{header, HeaderValue, StatusCode};
        let status =
            StatusCode::from_u16(self.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry = match &self {
            AppError::RateLimited {
                retry_after_secs, ..
            } => HeaderValue::from_str(&retry_after_secs.to_string()).ok(),
            _ => None,
        };
        let mut res = (status, axum::Json(ErrorBody::from(self))).into_response();
        if let Some(v) = retry {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// The field a deserializer said is missing ("missing field `expires_on`"), if it says so;
/// only plain field names are taken.
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.split("missing field `").nth(1)?;
    let field = rest.split('`').next()?;
    (!field.is_empty()
        && field.len() <= 64
        && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_error_has_the_documented_json_shape() {
        let err = AppError::validation("email", "Enter a valid email address.");
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "status_code": 400,
                "code": "VALIDATION_ERROR",
                "message": "Enter a valid email address.",
                "detail": {"field": "email"}
            })
        );
    }

    #[test]
    fn every_variant_round_trips_through_json() {
        let all = vec![
            AppError::Unauthorized("a".into()),
            AppError::Forbidden("b".into()),
            AppError::NotFound("c".into()),
            AppError::validation("f", "d"),
            AppError::Conflict {
                field: "email".into(),
                message: "e".into(),
            },
            AppError::RateLimited {
                message: "slow".into(),
                retry_after_secs: 120,
            },
            AppError::FeatureDisabled("g".into()),
            AppError::SubscriptionLimit("h".into()),
            AppError::ApiKeyMissing("i".into()),
            AppError::Upstream("j".into()),
            AppError::BadRequest("k".into()),
            AppError::PayloadTooLarge("l".into()),
            AppError::Internal,
        ];
        for err in all {
            let text = serde_json::to_string(&err).unwrap();
            let back: AppError = serde_json::from_str(&text).unwrap();
            assert_eq!(back, err, "{text}");
        }
    }

    #[test]
    fn internal_error_never_carries_details() {
        let json = serde_json::to_value(AppError::Internal).unwrap();
        assert_eq!(json["message"], INTERNAL_MESSAGE);
        assert_eq!(json["status_code"], 500);
        assert!(json.get("detail").is_none());
    }

    #[test]
    fn status_codes_follow_the_codes() {
        assert_eq!(AppError::unauthorized().status_code(), 401);
        assert_eq!(AppError::FeatureDisabled(String::new()).status_code(), 403);
        assert_eq!(
            AppError::RateLimited {
                message: String::new(),
                retry_after_secs: 1
            }
            .status_code(),
            429
        );
        assert_eq!(
            AppError::SubscriptionLimit(String::new()).code(),
            "SUBSCRIPTION_LIMIT_EXCEEDED"
        );
    }

    #[test]
    fn deserializer_words_stay_out_of_messages() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args(
            "missing field `expires_on`".into(),
        ));
        assert_eq!(
            err.message(),
            "The request is missing the “expires_on” field."
        );
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args(
            "number too large to fit in target type".into(),
        ));
        assert_eq!(err.status_code(), 400);
        assert!(!err.message().contains("target type"));
        assert_eq!(missing_field("missing field `a<b`"), None);
    }

    #[test]
    fn malformed_arguments_become_bad_request() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args("missing field".into()));
        assert_eq!(err.status_code(), 400);
        let err = AppError::from_server_fn_error(ServerFnErrorErr::ServerError("db down".into()));
        assert_eq!(err, AppError::Internal);
    }
}
