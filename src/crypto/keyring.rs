//! AES-256-GCM encryption of users' API keys under the master key.
//!
//! Each ciphertext has a fresh random 96-bit nonce, and its associated data binds the
//! tenant, the user and the key name, so a ciphertext copied to another row, person or
//! name does not decrypt. Rows record which master key sealed them by its key check value
//! (the first four bytes of AES-256 of a zero block under that key), so a previous master
//! key can stay readable while `digame rotate-master-key` re-encrypts.

use crate::config::MasterKey;
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::aes::cipher::BlockEncrypt;
use aes_gcm::aes::Aes256;
use aes_gcm::{Aes256Gcm, Key, Nonce};
use secrecy::{ExposeSecret, SecretString};

/// The master keys this process can use: the current one seals, both open.
#[derive(Clone)]
pub struct Keyring {
    current: MasterKey,
    previous: Option<MasterKey>,
}

/// What is stored for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_version: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenError {
    /// No master key with that version is configured.
    UnknownKeyVersion,
    /// Tampered, moved to another row, or sealed under another key.
    Rejected,
}

/// Binds a ciphertext to its owner and name.
pub fn associated_data(tenant_id: i64, user_id: i64, key_name: &str) -> String {
    format!("digame:user-api-key:v1:{tenant_id}:{user_id}:{key_name}")
}

/// The key check value of a master key, used as its version number.
pub fn key_version(key: &MasterKey) -> i32 {
    let cipher = Aes256::new_from_slice(&key.0).expect("32-byte key");
    let mut block = aes_gcm::aes::Block::default();
    cipher.encrypt_block(&mut block);
    i32::from_be_bytes([block[0], block[1], block[2], block[3]])
}

impl Keyring {
    pub fn new(current: MasterKey, previous: Option<MasterKey>) -> Keyring {
        Keyring { current, previous }
    }

    pub fn current_version(&self) -> i32 {
        key_version(&self.current)
    }

    pub fn seal(&self, plaintext: &SecretString, aad: &str) -> Sealed {
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.current.0));
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.expose_secret().as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of a bounded input cannot fail");
        Sealed {
            ciphertext,
            nonce: nonce.to_vec(),
            key_version: self.current_version(),
        }
    }

    pub fn open(&self, sealed: &Sealed, aad: &str) -> Result<SecretString, OpenError> {
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| key_version(k) == sealed.key_version)
            .ok_or(OpenError::UnknownKeyVersion)?;
        if sealed.nonce.len() != 12 {
            return Err(OpenError::Rejected);
        }
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key.0));
        let plaintext = cipher
            .decrypt(
                Nonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| OpenError::Rejected)?;
        String::from_utf8(plaintext)
            .map(SecretString::from)
            .map_err(|_| OpenError::Rejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn round_trip() {
        let ring = Keyring::new(MasterKey::generate(), None);
        let aad = associated_data(1, 2, "writing_service_key");
        let sealed = ring.seal(&secret("sk-test-1234567890"), &aad);
        assert_eq!(sealed.nonce.len(), 12);
        assert!(!sealed.ciphertext.windows(10).any(|w| w == b"sk-test-12"));
        assert_eq!(
            ring.open(&sealed, &aad).unwrap().expose_secret(),
            "sk-test-1234567890"
        );
    }

    #[test]
    fn fresh_nonce_every_time() {
        let ring = Keyring::new(MasterKey::generate(), None);
        let a = ring.seal(&secret("same"), "x");
        let b = ring.seal(&secret("same"), "x");
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
    }

    #[test]
    fn other_owner_or_name_fails() {
        let ring = Keyring::new(MasterKey::generate(), None);
        let sealed = ring.seal(&secret("sk-abc"), &associated_data(1, 2, "a_key"));
        for aad in [
            associated_data(1, 3, "a_key"),
            associated_data(9, 2, "a_key"),
            associated_data(1, 2, "b_key"),
        ] {
            assert_eq!(ring.open(&sealed, &aad).unwrap_err(), OpenError::Rejected);
        }
    }

    #[test]
    fn wrong_master_key_fails() {
        let sealed = Keyring::new(MasterKey::generate(), None).seal(&secret("sk-abc"), "x");
        let other = Keyring::new(MasterKey::generate(), None);
        assert_eq!(
            other.open(&sealed, "x").unwrap_err(),
            OpenError::UnknownKeyVersion
        );
        // Even claiming the other key's version, the tag does not verify.
        let forged = Sealed {
            key_version: other.current_version(),
            ..sealed
        };
        assert_eq!(other.open(&forged, "x").unwrap_err(), OpenError::Rejected);
    }

    #[test]
    fn flipped_bytes_fail() {
        let ring = Keyring::new(MasterKey::generate(), None);
        let sealed = ring.seal(&secret("sk-abcdef"), "x");
        for i in 0..sealed.ciphertext.len() {
            let mut bad = sealed.clone();
            bad.ciphertext[i] ^= 0x01;
            assert_eq!(
                ring.open(&bad, "x").unwrap_err(),
                OpenError::Rejected,
                "byte {i}"
            );
        }
        let mut bad_nonce = sealed.clone();
        bad_nonce.nonce[0] ^= 0x80;
        assert_eq!(ring.open(&bad_nonce, "x").unwrap_err(), OpenError::Rejected);
    }

    #[test]
    fn previous_key_stays_readable() {
        let old = MasterKey::generate();
        let sealed = Keyring::new(old.clone(), None).seal(&secret("sk-old"), "x");
        let rotated = Keyring::new(MasterKey::generate(), Some(old));
        assert_eq!(
            rotated.open(&sealed, "x").unwrap().expose_secret(),
            "sk-old"
        );
        assert_ne!(rotated.current_version(), sealed.key_version);
    }
}
