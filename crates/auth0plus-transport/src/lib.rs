//! The transport layer of auth0plus: the pluggable [`HttpBackend`] trait, the
//! retry policy that honours Auth0's rate limits, injected time, the
//! [`Secret`] type and the `Auth0-Client` telemetry header.
//!
//! Nothing here knows about Auth0's API; the oauth and management crates
//! build on it, and any HTTP stack plugs in by implementing one method.
//!
//! ```
//! use std::time::Duration;
//! use auth0plus_transport::{backend_fn, Bytes, HttpBackend, NoSleep, Retrying, RetryPolicy};
//!
//! # futures::executor::block_on(async {
//! let backend = Retrying::new(
//!     backend_fn(|_request| async { Ok(http::Response::new(Bytes::from_static(b"{}"))) }),
//!     NoSleep,
//! )
//! .with_policy(RetryPolicy::default().max_attempts(3));
//! let response = backend.send(http::Request::new(Bytes::new())).await.unwrap();
//! assert_eq!(response.status(), 200);
//! # });
//! ```
//!
//! # Guarantees
//!
//! What the retry layer ([`Retrying`], used for the Management API and the
//! token endpoint alike) and the clients above it promise, with the defaults
//! of [`RetryPolicy::default`]. Every number is configurable.
//!
//! **Attempts and backoff.** At most 4 attempts per request (the first
//! included); a 429 is not an attempt (see the rate-limit budget below).
//! Between attempts: exponential backoff with full jitter, a random
//! wait up to 250 ms, then up to 500 ms, 1 s, 2 s… capped at 10 s. No sleep
//! follows the last attempt, and dropping the future cancels any wait.
//!
//! **What is retried.**
//! - `429 Too Many Requests`, for every method, `POST` included (Auth0 did
//!   nothing): it waits as the answer says, `Retry-After` first, else until
//!   `x-ratelimit-reset`, else the backoff (`Retry-After` may be seconds or
//!   an HTTP date), plus a jitter of a quarter of the
//!   backoff step that grows with each retry, so clients colliding on the same
//!   reset spread out. With the [`Throttle`] (on by default in the management
//!   client) the wait is the server's but at least one refill slot, and the
//!   throttle then paces the retry. A wait longer than 60 s is not slept: the
//!   429 is returned at once as a typed error (`RetryPolicy::patient()`: 10
//!   attempts and waits as long as the server asks, for bulk jobs). A server-requested
//!   wait is clamped to at most one hour, in every policy, and computed with
//!   saturating arithmetic, so no header value can panic the client; a
//!   number too large to read counts as the longest wait, not as none.
//! - Connection failures (refused, DNS, TLS handshake), for every method:
//!   nothing was sent.
//! - `408`, `500`, `502`, `503`, `504`, timeouts and connections lost after the
//!   request was sent (reset before the answer, cut mid-body): only for
//!   idempotent requests, i.e. `GET`, `PATCH`, `PUT`, `DELETE` and the token
//!   request (a `POST` marked [`Idempotent`]: asking twice for a token is
//!   harmless).
//!
//! **What is never retried.**
//! - A `POST` that may have reached Auth0 (`POST /users`, tickets, export
//!   jobs) after a 5xx, a timeout or a lost connection: a lost answer never
//!   creates a duplicate user. The caller gets the typed error (an API error
//!   with the status, or a transport error saying the connection was
//!   interrupted or timed out) and decides.
//! - `409 Conflict` and every other 4xx but 408 and 429 (and the one 401
//!   refresh below).
//! - A `2xx` whose body is not what the API documents (truncated JSON, an HTML
//!   page): it becomes a typed decode error, never a panic.
//!
//! **Timeouts.** Each attempt has 30 s for connecting, sending and reading
//! the whole answer; past that it fails as a timeout (and is retried only if
//! idempotent). The reqwest backend also gives up connecting after 10 s.
//!
//! **A fleet can share the rate limit.** With a [`SharedRateLimit`]
//! (`RedisRateLimit`, feature `redis`) every paced request draws from one
//! budget the fleet keeps in Redis instead of the share this process learns;
//! when it cannot answer, the [`Throttle`] paces as without it, so no call
//! fails for it.
//!
//! **Rate limits have their own budget, in time.** A 429 means the server did
//! nothing, so it is always safe to retry, and a busy tenant (a fleet of
//! processes sharing it) should slow a call down, not fail it. 429s therefore
//! do not use up attempts; instead everything a call spends on the rate limit
//! (waits for the throttle, sleeps after 429s and the round trips that got
//! them) comes out of [`RetryPolicy::rate_limit_budget`]: 60 s by default,
//! two hours with `patient()`, none with `never()`. A 429 whose wait would
//! overrun it is returned as the typed error; a throttle wait that would is
//! skipped, and the request goes and the server decides.
//!
//! **The time bound.** So one call ends within attempts × 30 s, plus the
//! backoffs between them (at most 250 ms + 500 ms + 1 s by default), plus the
//! 60 s rate-limit budget, plus one more 30 s attempt for the 429 that finds
//! the budget spent: at most 212 s with the defaults, and about 2 h 7 min
//! with `patient()` (10 attempts, backoffs up to 10 s, a two-hour budget). A
//! management call that must first fetch a token sends the token request with
//! its own attempts, bounded the same way, so it makes at most 2 × attempts
//! attempts; when a 401 forces a token refresh, the refresh and the resend add
//! as much again (4 × attempts at most). A streamed body
//! ([`HttpBackend::send_streaming`]) has the attempt's time for its headers,
//! then for each chunk.
//!
//! **Sizes.** A body may be at most 32 MiB ([`DEFAULT_RESPONSE_LIMIT`]; per
//! request with [`ResponseLimit`]). Past it reading stops and the request
//! fails with a [`TransportErrorKind::TooLarge`] error, which is not
//! retried: an endless body costs at most the limit.
//!
//! **Tokens.** Client-credentials tokens are cached and refreshed 60 s before
//! they expire (at most half their lifetime early), through the same retry
//! policy, so a token endpoint answering 429 or 5xx is retried like any
//! idempotent request. Refreshes are single-flight: however many tasks need
//! a token at once, one token request is made. An answer whose `token_type`
//! is not `Bearer` is refused, and a token that lives less than the leeway
//! is fetched at most once a second. A `401` from the API
//! invalidates the token, fetches one fresh token and resends the request
//! exactly once (any method: a 401 is refused before anything is done); a
//! second 401 is returned.
//!
//! **Errors and secrets.** Every failure is a typed error: transport (connect,
//! timeout, interrupted), API (status, `error`, `errorCode`, message, the
//! first KiB of a non-JSON body, rate-limit headers), decode, or token
//! endpoint. Every text a server puts into one is cut to a few KB
//! ([`Scrubber::scrubbed_within`]), however large the answer. Tokens, client secrets and passwords are held in
//! [`Secret`], which prints as `[redacted]`; they never appear in `Debug`,
//! `Display`, errors or `tracing` output, even when a server echoes the
//! request back in its error: a [`Scrubber`] replaces every secret in the
//! server's text, raw, JSON-escaped, URL-encoded, in any case or
//! base64-encoded, in one pass linear in the text.
//!
//! These are checked by `tests/tests/it/fault_matrix.rs` (7 operations × 12
//! failure modes against the fake tenant), `tokens.rs`, `load.rs`,
//! `secrets.rs` and `decode_fuzz.rs`.
//!
//! # Features
#![doc = document_features::document_features!()]
//!
//! With no features this crate pulls in neither tokio nor reqwest nor hyper.
// On docs.rs (nightly, `--cfg docsrs`) each item says which feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backend;
mod error;
mod retry;
mod secret;
mod shared_limit;
mod store_key;
mod telemetry;
mod throttle;
mod time;

#[cfg(feature = "redis")]
mod redis_limit;
#[cfg(feature = "redis")]
mod redis_link;
#[cfg(feature = "reqwest")]
mod reqwest_backend;
#[cfg(feature = "test-util")]
pub mod test_util;

/// The `redis` crate this one is built on (for [`Redis::from_client`]).
#[cfg(feature = "redis")]
pub use ::redis as redis_crate;
pub use async_trait::async_trait;
pub use backend::{
    AttemptTimeout, BodyStream, DEFAULT_RESPONSE_LIMIT, FnBackend, HttpBackend, HttpRequest,
    HttpResponse, Idempotent, RateLimitIsAnswer, ResponseLimit, SharedBackend, StreamingResponse,
    Unthrottled, backend_fn, is_idempotent,
};
pub use bytes::Bytes;
pub use error::{TransportError, TransportErrorKind};
pub use http;
#[cfg(feature = "redis")]
pub use redis_limit::RedisRateLimit;
#[cfg(feature = "redis")]
pub use redis_link::{DEFAULT_REDIS_TIMEOUT, Redis};
#[cfg(feature = "reqwest")]
pub use reqwest_backend::{RequestTimeout, ReqwestBackend};
pub use retry::{RateLimitInfo, RetryPolicy, Retrying};
pub use secret::{Scrubber, Secret};
pub use shared_limit::{SharedAcquire, SharedGrant, SharedRateLimit};
pub use store_key::store_key;
pub use telemetry::{TELEMETRY_HEADER, Telemetry};
pub use throttle::{Acquire, Permit, Throttle};
#[cfg(feature = "tokio")]
pub use time::TokioSleep;
pub use time::{
    Clock, NoSleep, SharedClock, SharedSleep, Sleep, SleepFuture, SystemClock, default_sleep,
    epoch_seconds,
};

/// The default backend for this build: [`ReqwestBackend`] when the `reqwest`
/// feature is on, otherwise `None` (bring your own [`HttpBackend`]).
///
/// # Errors
/// When the reqwest client cannot be built.
pub fn default_backend() -> Result<Option<SharedBackend>, TransportError> {
    #[cfg(feature = "reqwest")]
    {
        Ok(Some(SharedBackend::new(ReqwestBackend::new()?)))
    }
    #[cfg(not(feature = "reqwest"))]
    {
        Ok(None)
    }
}

/// This crate's own README (its crates.io page), with its examples compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
