//! What every request handler stands on, below the features: the application state, the
//! request's context (who is signed in, the client, plain-form answers), the session
//! backend, the security middleware, the API rate limiter and capped uploads. Features and
//! the JSON API import this room; it imports none of them (`scripts/check-imports`).

pub mod ctx;
pub mod limiter;
pub mod locale;
pub mod memory;
pub mod security;
pub mod session;
pub mod state;
pub mod upload;

pub use state::AppState;
