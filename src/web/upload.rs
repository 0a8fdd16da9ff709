//! Reading one field of a form upload with a cap, shared by the tools that take files.

use axum::extract::multipart::Field;

pub enum Capped {
    /// More than the cap arrived; reading stopped there.
    TooLong,
    Interrupted,
}

/// The field's bytes, refusing as soon as they pass `cap`.
pub async fn read_capped(mut field: Field<'_>, cap: usize) -> Result<Vec<u8>, Capped> {
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|_| Capped::Interrupted)? {
        if out.len() + chunk.len() > cap {
            return Err(Capped::TooLong);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}
