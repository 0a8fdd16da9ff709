//! The two secrets primitives the features share, below them: password hashing
//! (`passwords`, Argon2id) and the sealing of stored API keys under the master key
//! (`keyring`, AES-256-GCM).

pub mod keyring;
pub mod passwords;
