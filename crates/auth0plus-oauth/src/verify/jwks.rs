//! The tenant's signing keys (`/.well-known/jwks.json`), fetched once, cached,
//! refreshed single-flight, and refetched (rate-limited) for a `kid` not seen yet.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use auth0plus_transport::{Bytes, Clock, HttpBackend, ResponseLimit, SharedBackend, SharedClock};
use jsonwebtoken::DecodingKey;
use serde::Deserialize;

use crate::{Error, TokenProblem};

/// How long a fetched key set is used before it is fetched again: 10
/// minutes, as in auth0-python's `JwksFetcher`.
pub const DEFAULT_JWKS_TTL: Duration = Duration::from_secs(600);

/// Least time between two fetches caused by unknown `kid`s: a stream of
/// tokens with made-up key ids costs one request per period, not one each.
pub const DEFAULT_JWKS_MIN_REFETCH: Duration = Duration::from_secs(30);

/// Largest JWKS document read (Auth0's holds two or three keys).
const MAX_JWKS_BYTES: u64 = 256 * 1024;

/// Most keys kept from one document.
const MAX_KEYS: usize = 64;

/// A cache of one tenant's RS256 signing keys. Cloning shares the cache.
#[derive(Clone)]
pub struct JwksCache {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    backend: SharedBackend,
    clock: SharedClock,
    ttl: Duration,
    min_refetch: Duration,
    state: Mutex<State>,
    /// Held while fetching: one request however many verifications wait.
    fetching: futures::lock::Mutex<()>,
}

#[derive(Default)]
struct State {
    keys: HashMap<String, Arc<DecodingKey>>,
    fetched_at: Option<SystemTime>,
    fetches: u64,
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksCache")
            .field("url", &self.inner.url)
            .field("fetches", &self.fetch_count())
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Document {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: Option<String>,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

impl JwksCache {
    /// A cache of the keys at `url`, fetched through `backend`.
    pub fn new(url: impl Into<String>, backend: impl HttpBackend) -> Self {
        Self::with_shared(
            url.into(),
            SharedBackend::new(backend),
            SharedClock::default(),
        )
    }

    pub(crate) fn with_shared(url: String, backend: SharedBackend, clock: SharedClock) -> Self {
        Self {
            inner: Arc::new(Inner {
                url,
                backend,
                clock,
                ttl: DEFAULT_JWKS_TTL,
                min_refetch: DEFAULT_JWKS_MIN_REFETCH,
                state: Mutex::new(State::default()),
                fetching: futures::lock::Mutex::new(()),
            }),
        }
    }

    /// Change how long keys are used, and the least time between refetches
    /// for unknown key ids (before any use of the cache).
    #[must_use]
    pub fn timing(self, ttl: Duration, min_refetch: Duration) -> Self {
        let inner = &self.inner;
        Self {
            inner: Arc::new(Inner {
                url: inner.url.clone(),
                backend: inner.backend.clone(),
                clock: inner.clock.clone(),
                ttl,
                min_refetch,
                state: Mutex::new(State::default()),
                fetching: futures::lock::Mutex::new(()),
            }),
        }
    }

    /// Read time from `clock` (before any use of the cache).
    #[must_use]
    pub fn clock(self, clock: impl Clock) -> Self {
        let inner = &self.inner;
        Self::with_shared(
            inner.url.clone(),
            inner.backend.clone(),
            SharedClock::new(clock),
        )
        .timing(inner.ttl, inner.min_refetch)
    }

    /// How many times the key set was fetched.
    #[must_use]
    pub fn fetch_count(&self) -> u64 {
        self.state().fetches
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// What the cache can answer without fetching: `Ok(Some)` a key,
    /// `Ok(None)` fetch first, `Err` an unknown key not worth a refetch yet.
    fn lookup(
        &self,
        kid: Option<&str>,
        now: SystemTime,
    ) -> Result<Option<Arc<DecodingKey>>, Error> {
        let state = self.state();
        let Some(fetched_at) = state.fetched_at else {
            return Ok(None);
        };
        let age = now.duration_since(fetched_at).unwrap_or_default();
        if age >= self.inner.ttl {
            return Ok(None);
        }
        let found = match kid {
            Some(kid) => state.keys.get(kid).cloned(),
            // No `kid`: usable only when the tenant has a single key.
            None if state.keys.len() == 1 => state.keys.values().next().cloned(),
            None => None,
        };
        match found {
            Some(key) => Ok(Some(key)),
            None if age >= self.inner.min_refetch => Ok(None),
            None => Err(unknown_key(kid)),
        }
    }

    /// The key that signed a token with header `kid`.
    ///
    /// # Errors
    /// [`TokenProblem::UnknownKey`] ([`Error::InvalidToken`]) when the tenant
    /// has no such key; [`Error::Jwks`] when the keys cannot be fetched.
    pub(crate) async fn key(&self, kid: Option<&str>) -> Result<Arc<DecodingKey>, Error> {
        let now = self.inner.clock.now();
        if let Some(key) = self.lookup(kid, now)? {
            return Ok(key);
        }
        let seen = self.state().fetches;
        let _fetching = self.inner.fetching.lock().await;
        // Another caller may have fetched while this one waited.
        if self.state().fetches != seen {
            return self
                .lookup(kid, self.inner.clock.now())?
                .ok_or_else(|| unknown_key(kid));
        }
        self.fetch().await?;
        self.lookup(kid, self.inner.clock.now())?
            .ok_or_else(|| unknown_key(kid))
    }

    async fn fetch(&self) -> Result<(), Error> {
        let mut request = http::Request::get(&self.inner.url)
            .header(http::header::ACCEPT, "application/json")
            .body(Bytes::new())
            .map_err(|_| Error::Jwks(format!("{} is not a valid URL", self.inner.url)))?;
        request
            .extensions_mut()
            .insert(ResponseLimit(Some(MAX_JWKS_BYTES)));
        tracing::debug!(url = %self.inner.url, "fetching the tenant's signing keys");
        let fetched = self.inner.backend.send(request).await;
        let now = self.inner.clock.now();
        let mut state = self.state();
        // A failed fetch counts too: it spaces out the next attempt.
        state.fetches += 1;
        state.fetched_at = Some(now);
        let response = fetched.map_err(|e| Error::Jwks(e.to_string()))?;
        if !response.status().is_success() {
            state.keys.clear();
            return Err(Error::Jwks(format!("HTTP {}", response.status().as_u16())));
        }
        let document: Document = serde_json::from_slice(response.body())
            .map_err(|_| Error::Jwks("the answer is not a JWK set".into()))?;
        state.keys = document
            .keys
            .into_iter()
            .filter(|k| k.kty.as_deref() == Some("RSA"))
            .filter(|k| k.use_.as_deref().is_none_or(|u| u == "sig"))
            .filter(|k| k.alg.as_deref().is_none_or(|a| a == "RS256"))
            .filter_map(|k| {
                let key =
                    DecodingKey::from_rsa_components(k.n.as_deref()?, k.e.as_deref()?).ok()?;
                Some((k.kid.unwrap_or_default(), Arc::new(key)))
            })
            .take(MAX_KEYS)
            .collect();
        Ok(())
    }
}

fn unknown_key(kid: Option<&str>) -> Error {
    Error::InvalidToken {
        problem: TokenProblem::UnknownKey,
        message: match kid {
            Some(kid) => format!(
                "RSA Public Key with ID {} was not found.",
                super::checks::shown(kid)
            ),
            None => "the token names no key (kid) and the tenant has several".into(),
        },
    }
}
