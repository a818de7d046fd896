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
//! # Features
//! - `reqwest` (default): [`ReqwestBackend`], one pooled reqwest client.
//! - `rustls` (default) / `native-tls`: the TLS stack of [`ReqwestBackend`].
//! - `tokio`: [`TokioSleep`], the tokio timer behind [`Sleep`].
//! - `test-util`: [`test_util`], a scripted backend and a manual clock.
//!
//! With no features this crate pulls in neither tokio nor reqwest nor hyper.

mod backend;
mod error;
mod retry;
mod secret;
mod telemetry;
mod time;

#[cfg(feature = "reqwest")]
mod reqwest_backend;
#[cfg(feature = "test-util")]
pub mod test_util;

pub use async_trait::async_trait;
pub use backend::{
    FnBackend, HttpBackend, HttpRequest, HttpResponse, Idempotent, SharedBackend, backend_fn,
    is_idempotent,
};
pub use bytes::Bytes;
pub use error::{TransportError, TransportErrorKind};
pub use http;
#[cfg(feature = "reqwest")]
pub use reqwest_backend::{RequestTimeout, ReqwestBackend};
pub use retry::{RateLimitInfo, RetryPolicy, Retrying};
pub use secret::Secret;
pub use telemetry::{TELEMETRY_HEADER, Telemetry};
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
