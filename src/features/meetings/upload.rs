//! `POST /tools/meetings/upload`: notes or a transcript as a `.txt` or `.vtt` file (a form
//! upload, for browsers without JavaScript; with it the page reads the file into the text
//! box itself). The file's text is analysed as pasted notes are, and the browser is sent back
//! to the page with the text and the answer.

use super::{service, MeetingResult, NOTES_MAX_CHARS};
use crate::error::AppError;
use crate::features::tools::ai_call::AiCallContext;
use crate::web::session::AuthSession;
use crate::web::state::AppState;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

pub const UPLOAD_PATH: &str = "/tools/meetings/upload";
const PAGE: &str = "/tools/meetings";
/// Room for the most characters a meeting may have, at up to four bytes each.
pub const FILE_MAX_BYTES: usize = NOTES_MAX_CHARS * 4;

pub async fn upload(
    State(state): State<AppState>,
    auth: AuthSession,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let Some(person) = auth.user.clone() else {
        return Redirect::to(&format!("/login?next={PAGE}")).into_response();
    };
    let (notes, result): (String, Result<MeetingResult, AppError>) =
        match read_file(multipart).await {
            Ok(text) => {
                let cx = AiCallContext::new(&state.db, &state.keyring, &state.ai);
                let result = service::analyse(&cx, &person, text.clone()).await;
                (super::clean_transcript(&text), result)
            }
            Err(e) => (String::new(), Err(e)),
        };
    crate::features::tools::last::keep_or_log(
        &state.db,
        &person,
        crate::domain::ToolId::MeetingInsights,
        &serde_json::json!({ "notes": notes }),
        Some(&result),
    )
    .await;
    Redirect::to(&format!("{PAGE}?answered=1")).into_response()
}

/// The uploaded file's text: UTF-8 (a byte-order mark dropped), at most [`FILE_MAX_BYTES`].
pub async fn read_file(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<String, AppError> {
    let interrupted =
        || AppError::BadRequest("The upload was interrupted or malformed. Try again.".into());
    let mut multipart = multipart.map_err(|_| interrupted())?;
    while let Some(field) = multipart.next_field().await.map_err(|_| interrupted())? {
        if field.name() != Some("file") {
            continue;
        }
        let bytes = crate::web::upload::read_capped(field, FILE_MAX_BYTES)
            .await
            .map_err(|e| match e {
                crate::web::upload::Capped::TooLong => AppError::validation(
                    "file",
                    format!(
                        "The file is larger than {} KB; a meeting's notes are at most {NOTES_MAX_CHARS} characters. Shorten it and try again.",
                        FILE_MAX_BYTES / 1024
                    ),
                ),
                crate::web::upload::Capped::Interrupted => interrupted(),
            })?;
        if bytes.is_empty() {
            return Err(AppError::validation(
                "file",
                "Choose a .txt or .vtt file with the notes.",
            ));
        }
        return text_of(&bytes);
    }
    Err(AppError::validation(
        "file",
        "Choose a .txt or .vtt file with the notes.",
    ))
}

/// The file as text, or a clear refusal of anything that is not (a binary file).
pub fn text_of(bytes: &[u8]) -> Result<String, AppError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => Ok(text.to_owned()),
        _ => Err(AppError::validation(
            "file",
            "This file is not plain text. Upload the notes as a .txt file or the transcript as a .vtt file.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::features::meetings::upload::text_of;

    #[test]
    fn text_files_are_read_and_binary_ones_refused() {
        assert_eq!(text_of(b"\xEF\xBB\xBFWEBVTT\n").unwrap(), "WEBVTT\n");
        assert_eq!(text_of("Décision: go".as_bytes()).unwrap(), "Décision: go");
        let err = text_of(b"\x89PNG\r\n\x1a\n\0\0").unwrap_err();
        assert_eq!(err.field(), Some("file"));
        assert!(err.message().contains("not plain text"));
        assert!(text_of(b"a\0b").is_err());
    }
}
