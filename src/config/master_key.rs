//! The master key that encrypts people's API keys: parsed from the environment, or in
//! development made once in the data folder.

use base64::Engine as _;
use std::fmt;
use std::path::{Path, PathBuf};

/// The 32-byte master key that encrypts users' API keys. Never printed.
#[derive(Clone)]
pub struct MasterKey(pub [u8; 32]);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    /// Decodes a base64 key and refuses weak ones (wrong length, few distinct bytes).
    pub fn parse(value: &str) -> Result<MasterKey, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .map_err(|_| {
                "DIGAME_MASTER_KEY must be base64 (e.g. `openssl rand -base64 32`)".to_owned()
            })?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| {
            "DIGAME_MASTER_KEY must decode to exactly 32 bytes (`openssl rand -base64 32`)"
                .to_owned()
        })?;
        let distinct = key.iter().collect::<std::collections::HashSet<_>>().len();
        if distinct < 12 {
            return Err(
                "DIGAME_MASTER_KEY is too weak: use 32 random bytes (`openssl rand -base64 32`)"
                    .into(),
            );
        }
        Ok(MasterKey(key))
    }

    pub fn generate() -> MasterKey {
        use rand::RngCore as _;
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        MasterKey(key)
    }

    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }
}

/// Where the master key came from, so start-up can log it (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MasterKeySource {
    Environment,
    File(PathBuf),
    Generated(PathBuf),
}

/// Development only: reads the master key from `data/master.key`, creating it if missing.
/// Two servers started at once on one data folder get the same key: the file appears whole or
/// not at all (written beside it, then linked into place), and the one that loses the race
/// reads the winner's.
pub(super) fn dev_master_key(data_dir: &Path) -> Result<(MasterKey, MasterKeySource), String> {
    let path = data_dir.join("master.key");
    let read = |path: &Path| -> Result<Option<MasterKey>, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => MasterKey::parse(&text)
                .map(Some)
                .map_err(|e| format!("{} is unreadable: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    };
    if let Some(key) = read(&path)? {
        return Ok((key, MasterKeySource::File(path)));
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create DIGAME_DATA_DIR {}: {e}", data_dir.display()))?;
    let key = MasterKey::generate();
    match write_private(data_dir, &path, &key.to_base64()) {
        Ok(()) => Ok((key, MasterKeySource::Generated(path))),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match read(&path)? {
            Some(key) => Ok((key, MasterKeySource::File(path))),
            None => Err(format!("{} vanished as it was made", path.display())),
        },
        Err(e) => Err(format!("cannot write {}: {e}", path.display())),
    }
}

/// Writes `contents` to `path`, readable by this user only, unless `path` exists
/// (`AlreadyExists`): into a temporary file in `dir` first, then hard-linked into place, so
/// nobody ever reads it half written.
fn write_private(dir: &Path, path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    // tempfile's files are made with mode 0600.
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(contents.as_bytes())?;
    file.as_file().sync_all()?;
    std::fs::hard_link(file.path(), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_servers_starting_at_once_get_one_key() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let start = std::sync::Barrier::new(2);
            let keys: Vec<_> = std::thread::scope(|s| {
                let racers: Vec<_> = (0..2)
                    .map(|_| {
                        s.spawn(|| {
                            start.wait();
                            dev_master_key(dir.path()).unwrap()
                        })
                    })
                    .collect();
                racers.into_iter().map(|r| r.join().unwrap()).collect()
            });
            assert_eq!(keys[0].0 .0, keys[1].0 .0);
            let generated = keys
                .iter()
                .filter(|(_, source)| matches!(source, MasterKeySource::Generated(_)))
                .count();
            assert_eq!(generated, 1, "exactly one of them made the key");
            let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
            assert_eq!(files.len(), 1, "no temporary file is left beside the key");
        }
    }
}
