//! [`FileCache`]: one file per key, for CLIs and cron jobs whose runs follow
//! each other (or overlap) on one machine.
//!
//! Files are never readable by other users: on Unix the directory is created
//! `0700` and every file `0600` from the moment it exists (the mode is given
//! to `open`, so there is no window between creating and restricting it);
//! a token file found with wider permissions, or that is a symbolic link, is
//! refused. A token is written to a new temporary file in the same directory,
//! flushed, then renamed over the old one: a reader sees the old file or the
//! new one, never half of one. The lock is a file created exclusively.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::{CacheKey, CacheLock, CachedToken, TokenCache, epoch_ms};
use crate::Error;

/// Largest token file read (a JWT is a few KiB).
const MAX_FILE: u64 = 64 * 1024;

/// Tokens in files under one directory, one file per tenant + client +
/// audience + scope (named by a hash of them; the file holds the key, the
/// token and its expiry).
///
/// The file operations are small and run on the calling task: they happen
/// only when the token is refreshed.
///
/// ```
/// use auth0plus_oauth::FileCache;
/// let cache = FileCache::new(std::env::temp_dir().join("my-cli-tokens"));
/// # let _ = cache;
/// ```
#[derive(Debug, Clone)]
pub struct FileCache {
    dir: PathBuf,
}

impl FileCache {
    /// Keep the files in `dir` (created, owner-only, when first written).
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$XDG_CACHE_HOME/auth0plus/tokens`, else `$HOME/.cache/auth0plus/tokens`;
    /// `None` when neither variable is set.
    #[must_use]
    pub fn in_user_cache_dir() -> Option<Self> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|home| PathBuf::from(home).join(".cache"))
            })?;
        Some(Self::new(base.join("auth0plus").join("tokens")))
    }

    /// The directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds `key`'s token.
    #[must_use]
    pub fn path(&self, key: &CacheKey) -> PathBuf {
        self.dir
            .join(format!("token-{:016x}.json", fnv1a(&key.id())))
    }

    fn lock_path(&self, key: &CacheKey) -> PathBuf {
        self.path(key).with_extension("lock")
    }

    fn create_dir(&self) -> io::Result<()> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&self.dir)
    }
}

/// FNV-1a, 64 bits: stable across builds and platforms (the std hasher is
/// not promised to be), so every run names a key's file alike.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn failed(what: &str, path: &Path, error: &io::Error) -> Error {
    Error::TokenCache(format!("{what} {}: {error}", path.display()))
}

/// A new file, owner-only from its creation; fails if it exists.
fn create_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Read a small regular file that no other user can read; `None` if missing.
fn read_private(path: &Path) -> Result<Option<String>, Error> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(failed("cannot read", path, &e)),
    };
    if !meta.file_type().is_file() {
        return Err(Error::TokenCache(format!(
            "{} is not a regular file (a link?): refused",
            path.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(Error::TokenCache(format!(
                "{} can be read by other users: refused (it will be replaced)",
                path.display()
            )));
        }
    }
    let mut text = String::new();
    File::open(path)
        .and_then(|f| f.take(MAX_FILE).read_to_string(&mut text))
        .map_err(|e| failed("cannot read", path, &e))?;
    Ok(Some(text))
}

#[async_trait]
impl TokenCache for FileCache {
    async fn get(&self, key: &CacheKey) -> Result<Option<CachedToken>, Error> {
        let path = self.path(key);
        let Some(text) = read_private(&path)? else {
            return Ok(None);
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
            return Ok(None);
        };
        // The name is a hash: the file says which key it holds.
        if value.get("key").and_then(serde_json::Value::as_str) != Some(key.id().as_str()) {
            return Ok(None);
        }
        Ok(CachedToken::from_json(&value))
    }

    async fn put(&self, key: &CacheKey, token: &CachedToken) -> Result<(), Error> {
        self.create_dir()
            .map_err(|e| failed("cannot create", &self.dir, &e))?;
        let path = self.path(key);
        let temp = self.dir.join(format!(
            ".{}.{}-{:016x}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("token"),
            std::process::id(),
            fastrand::u64(..)
        ));
        let mut value = token.to_json();
        value["key"] = serde_json::Value::String(key.id());
        let written = create_private(&temp).and_then(|mut file| {
            file.write_all(value.to_string().as_bytes())?;
            file.sync_all()
        });
        let renamed = written.and_then(|()| fs::rename(&temp, &path));
        if let Err(e) = renamed {
            let _ = fs::remove_file(&temp);
            return Err(failed("cannot write", &path, &e));
        }
        Ok(())
    }

    async fn lock(&self, key: &CacheKey, ttl: Duration) -> Result<Option<CacheLock>, Error> {
        self.create_dir()
            .map_err(|e| failed("cannot create", &self.dir, &e))?;
        let path = self.lock_path(key);
        for _ in 0..2 {
            let lock = CacheLock::new();
            let until = epoch_ms(SystemTime::now() + ttl);
            match create_private(&path) {
                Ok(mut file) => {
                    file.write_all(format!("{} {until}", lock.fence()).as_bytes())
                        .map_err(|e| failed("cannot write", &path, &e))?;
                    return Ok(Some(lock));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    // A holder that died leaves its lock: past its time it is
                    // broken (once; if another breaks it first, theirs stands).
                    let expired = fs::read_to_string(&path).ok().is_none_or(|text| {
                        text.split_once(' ')
                            .and_then(|(_, until)| until.trim().parse::<u64>().ok())
                            .is_none_or(|until| until <= epoch_ms(SystemTime::now()))
                    });
                    if !expired {
                        return Ok(None);
                    }
                    let _ = fs::remove_file(&path);
                }
                Err(e) => return Err(failed("cannot create", &path, &e)),
            }
        }
        Ok(None)
    }

    async fn unlock(&self, key: &CacheKey, lock: CacheLock) -> Result<(), Error> {
        let path = self.lock_path(key);
        let held = fs::read_to_string(&path)
            .ok()
            .is_some_and(|text| text.split(' ').next() == Some(lock.fence()));
        if held {
            fs::remove_file(&path).map_err(|e| failed("cannot remove", &path, &e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth0plus_transport::Secret;

    fn key() -> CacheKey {
        CacheKey::new(
            "acme.auth0.com",
            "cid",
            "https://acme.auth0.com/api/v2/",
            None,
        )
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "auth0plus-file-cache-{name}-{}-{:x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn token(text: &str) -> CachedToken {
        CachedToken::new(
            Secret::new(text),
            SystemTime::UNIX_EPOCH + Duration::from_secs(4_000_000_000),
        )
    }

    #[test]
    fn stored_tokens_round_trip_and_the_key_is_checked() {
        futures::executor::block_on(async {
            let dir = temp_dir("round-trip");
            let cache = FileCache::new(&dir);
            assert_eq!(cache.get(&key()).await.unwrap(), None);
            cache.put(&key(), &token("t1")).await.unwrap();
            assert_eq!(cache.get(&key()).await.unwrap(), Some(token("t1")));
            cache.put(&key(), &token("t2")).await.unwrap();
            assert_eq!(cache.get(&key()).await.unwrap(), Some(token("t2")));
            // Another key never reads this file's token, even under its name.
            let other = CacheKey::new("evil.auth0.com", "cid", "x", None);
            fs::copy(cache.path(&key()), cache.path(&other)).unwrap();
            assert_eq!(cache.get(&other).await.unwrap(), None);
            // Nothing is left behind but the token files.
            let names: Vec<_> = fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            assert!(names.iter().all(|n| n.ends_with(".json")), "{names:?}");
            let text = fs::read_to_string(cache.path(&key())).unwrap();
            assert!(!text.contains("secret"), "{text}");
            fs::remove_dir_all(dir).unwrap();
        });
    }

    #[cfg(unix)]
    #[test]
    fn files_and_directory_are_owner_only_and_wider_files_are_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        futures::executor::block_on(async {
            let dir = temp_dir("modes");
            let cache = FileCache::new(&dir);
            cache.put(&key(), &token("t1")).await.unwrap();
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            assert_eq!(mode(&cache.path(&key())), 0o600);
            let lock = cache
                .lock(&key(), Duration::from_secs(30))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(mode(&cache.lock_path(&key())), 0o600);
            cache.unlock(&key(), lock).await.unwrap();
            // Widened by someone: refused, then replaced by a private file.
            fs::set_permissions(cache.path(&key()), fs::Permissions::from_mode(0o644)).unwrap();
            let err = cache.get(&key()).await.unwrap_err();
            assert!(err.to_string().contains("other users"), "{err}");
            cache.put(&key(), &token("t3")).await.unwrap();
            assert_eq!(mode(&cache.path(&key())), 0o600);
            assert_eq!(cache.get(&key()).await.unwrap(), Some(token("t3")));
            // A link in its place is refused, wherever it points.
            fs::remove_file(cache.path(&key())).unwrap();
            std::os::unix::fs::symlink("/etc/hostname", cache.path(&key())).unwrap();
            assert!(cache.get(&key()).await.is_err());
            fs::remove_dir_all(dir).unwrap();
        });
    }

    #[test]
    fn one_lock_holder_at_a_time_and_a_dead_holders_lock_expires() {
        futures::executor::block_on(async {
            let dir = temp_dir("locks");
            let cache = FileCache::new(&dir);
            let ttl = Duration::from_secs(30);
            let first = cache.lock(&key(), ttl).await.unwrap().unwrap();
            assert_eq!(cache.lock(&key(), ttl).await.unwrap(), None);
            // Another holder's unlock does not free it.
            cache.unlock(&key(), CacheLock::new()).await.unwrap();
            assert_eq!(cache.lock(&key(), ttl).await.unwrap(), None);
            cache.unlock(&key(), first).await.unwrap();
            let dead = cache.lock(&key(), Duration::ZERO).await.unwrap().unwrap();
            let next = cache.lock(&key(), ttl).await.unwrap().unwrap();
            assert_ne!(dead, next);
            fs::remove_dir_all(dir).unwrap();
        });
    }
}
