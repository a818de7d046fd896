//! Auth0 client-credentials tokens, usable on their own.
//!
//! - [`get_token`]: the original auth0plus call, one token now.
//! - [`ClientCredentials`]: the same with options (audience, base URL,
//!   backend, retry policy, telemetry).
//! - [`TokenSource`]: what the management client asks for tokens;
//!   [`CachedTokenSource`] caches, refreshes early and fetches once however
//!   many tasks ask; [`StaticToken`] wraps a token you already have.
//! - [`TokenCache`]: where a cached source keeps its token for other
//!   processes too: [`MemoryCache`] (default), [`FileCache`] (CLIs, cron
//!   jobs), `RedisTokenCache` (feature `redis`: a fleet).
//! - [`TokenQuotas`]: Auth0's M2M token quota headers, typed, on [`Token`]
//!   and on [`Error::QuotaExceeded`].
//!
//! ```no_run
//! use auth0plus_oauth::{CachedTokenSource, ClientCredentials, TokenSource};
//! # async fn run() -> Result<(), auth0plus_oauth::Error> {
//! let credentials = ClientCredentials::new("acme.eu.auth0.com", "client-id", "client-secret")?;
//! let tokens = CachedTokenSource::new(credentials);
//! let bearer = tokens.token().await?; // fetched once, then reused until a minute before expiry
//! # let _ = bearer; Ok(()) }
//! ```
//!
//! # Features
#![doc = document_features::document_features!()]
//!
//! With `default-features = false` this crate needs no tokio, reqwest or hyper:
//! pass your own backend with [`ClientCredentials::backend`].
// On docs.rs (nightly, `--cfg docsrs`) each item says which feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod cache;
mod credentials;
mod domain;
mod error;
mod quota;
mod source;
mod token;

#[cfg(feature = "redis")]
pub use cache::RedisTokenCache;
pub use cache::{
    CacheKey, CacheLock, CachedToken, DEFAULT_LOCK_TTL, FileCache, MemoryCache, TokenCache,
};
#[cfg(feature = "reqwest")]
pub use credentials::get_token;
pub use credentials::{ClientCredentials, default_retrying_backend};
pub use domain::{Domain, parse_base_url};
pub use error::Error;
pub use quota::{
    CLIENT_QUOTA_HEADER, ORGANIZATION_QUOTA_HEADER, QuotaLimit, TokenQuota, TokenQuotas,
};
pub use source::{CachedTokenSource, DEFAULT_LEEWAY, StaticToken, TokenSource};
pub use token::{DEFAULT_EXPIRES_IN, MAX_LIFETIME, Token, parse_token_response};

pub use auth0plus_transport::Secret;

/// This crate's own README (its crates.io page), with its examples compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
