//! The one seam between auth0plus and an HTTP stack.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::future;
use futures::stream::{self, BoxStream, StreamExt as _};

use crate::TransportError;

/// A fully buffered request: `http` 1.x types, body already in memory.
///
/// We use the `http` crate's types because they are what the Rust HTTP
/// ecosystem shares (reqwest, hyper, wiremock, oauth2-rs all speak them), so a
/// backend adapter is a few lines and typed per-request options travel in
/// [`http::Extensions`] without widening the trait.
pub type HttpRequest = http::Request<Bytes>;

/// A fully buffered response. A non-2xx status is **not** an error here.
pub type HttpResponse = http::Response<Bytes>;

/// A response body read chunk by chunk: what
/// [`HttpBackend::send_streaming`] answers with. An error ends it.
pub type BodyStream = BoxStream<'static, Result<Bytes, TransportError>>;

/// A response whose body is still being received.
pub type StreamingResponse = http::Response<BodyStream>;

/// The response-size limit when a request carries no [`ResponseLimit`]:
/// 32 MiB. A page of 100 users with large metadata stays well below it; a
/// server that answers more is broken or hostile.
pub const DEFAULT_RESPONSE_LIMIT: u64 = 32 * 1024 * 1024;

/// Per-request limit on the size of the answer's body, carried in
/// [`http::Extensions`]: `Some(bytes)` fails the request with a
/// [`TransportErrorKind::TooLarge`](crate::TransportErrorKind::TooLarge)
/// error as soon as more arrives, `None` sets no limit. Without it,
/// [`DEFAULT_RESPONSE_LIMIT`] applies. A declared `Content-Length` above the
/// limit fails before any of the body is read.
///
/// [`ReqwestBackend`](crate::ReqwestBackend) stops reading at the limit;
/// [`Retrying`](crate::Retrying) also checks what any other backend
/// returns, so the error is the same whichever backend is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseLimit(pub Option<u64>);

impl ResponseLimit {
    /// The limit `request` carries, else the default.
    #[must_use]
    pub fn of<B>(request: &http::Request<B>) -> Option<u64> {
        request
            .extensions()
            .get::<Self>()
            .map_or(Some(DEFAULT_RESPONSE_LIMIT), |limit| limit.0)
    }
}

/// An async HTTP client that auth0plus can send requests through.
///
/// Implement it to run auth0plus on any HTTP stack: a blocking client on a
/// thread pool, an embedded runtime, a recording proxy. The management and
/// oauth crates only ever talk to this trait.
///
/// ```
/// use auth0plus_transport::{async_trait, Bytes, HttpBackend, HttpRequest, HttpResponse, TransportError};
///
/// /// Answers every request with `204 No Content`.
/// #[derive(Debug)]
/// struct NoContent;
///
/// #[async_trait]
/// impl HttpBackend for NoContent {
///     async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, TransportError> {
///         Ok(http::Response::builder().status(204).body(Bytes::new()).unwrap())
///     }
/// }
/// ```
#[async_trait]
pub trait HttpBackend: Send + Sync + fmt::Debug + 'static {
    /// Send one request and return whatever the server answered.
    ///
    /// # Errors
    /// A [`TransportError`] only when no complete HTTP response was obtained
    /// (connect failure, timeout, connection lost). Say which with its kind:
    /// retry decisions depend on it.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;

    /// Send one request and return as soon as the status and headers are in;
    /// the body follows as a stream, so a large download (an export file)
    /// is never held whole.
    ///
    /// The default buffers through [`HttpBackend::send`] and streams the
    /// result as one chunk, so every backend supports it; a backend that can
    /// stream (such as [`ReqwestBackend`](crate::ReqwestBackend)) overrides it.
    ///
    /// # Errors
    /// As [`HttpBackend::send`], for what happens before the body; errors
    /// while receiving the body come out of the stream.
    async fn send_streaming(
        &self,
        request: HttpRequest,
    ) -> Result<StreamingResponse, TransportError> {
        let response = self.send(request).await?;
        Ok(response.map(|body| stream::once(future::ready(Ok(body))).boxed()))
    }
}

#[async_trait]
impl<B: HttpBackend + ?Sized> HttpBackend for Arc<B> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        (**self).send(request).await
    }

    async fn send_streaming(
        &self,
        request: HttpRequest,
    ) -> Result<StreamingResponse, TransportError> {
        (**self).send_streaming(request).await
    }
}

/// A cheap-to-clone, type-erased backend (`Arc<dyn HttpBackend>`).
///
/// Handles in the higher crates hold this, so none of them carries a backend
/// type parameter.
#[derive(Clone, Debug)]
pub struct SharedBackend(Arc<dyn HttpBackend>);

impl SharedBackend {
    /// Erase `backend`.
    pub fn new(backend: impl HttpBackend) -> Self {
        Self(Arc::new(backend))
    }

    /// Wrap an already shared backend without another allocation.
    #[must_use]
    pub fn from_arc(backend: Arc<dyn HttpBackend>) -> Self {
        Self(backend)
    }
}

#[async_trait]
impl HttpBackend for SharedBackend {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.0.send(request).await
    }

    async fn send_streaming(
        &self,
        request: HttpRequest,
    ) -> Result<StreamingResponse, TransportError> {
        self.0.send_streaming(request).await
    }
}

/// A backend made from an async closure; handy in tests and small adapters.
///
/// ```
/// use auth0plus_transport::{backend_fn, Bytes, HttpBackend};
/// let backend = backend_fn(|request| async move {
///     assert_eq!(request.uri().path(), "/ping");
///     Ok(http::Response::new(Bytes::from_static(b"pong")))
/// });
/// # let _ = backend;
/// ```
pub fn backend_fn<F, Fut>(f: F) -> FnBackend<F>
where
    F: Fn(HttpRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<HttpResponse, TransportError>> + Send + 'static,
{
    FnBackend(f)
}

/// See [`backend_fn`].
pub struct FnBackend<F>(F);

impl<F> fmt::Debug for FnBackend<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnBackend")
    }
}

#[async_trait]
impl<F, Fut> HttpBackend for FnBackend<F>
where
    F: Fn(HttpRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<HttpResponse, TransportError>> + Send + 'static,
{
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        (self.0)(request).await
    }
}

/// Per-request hint, carried in [`http::Extensions`]: whether sending the
/// request twice has the same effect as sending it once.
///
/// Without it, every method but `POST` counts as idempotent. Auth0's `PATCH`
/// sets absolute values, so repeating it is harmless; a `POST /users` is not.
/// The token request is a `POST` that is safe to repeat and says so with this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Idempotent(pub bool);

/// Per-request marker, carried in [`http::Extensions`]: skip the throttle for
/// this request: it is limited separately.
///
/// [`Retrying`](crate::Retrying) neither waits on its
/// [`Throttle`](crate::Throttle) before sending such a request nor feeds the
/// answer's rate-limit headers into it. Auth0's token endpoint has its own
/// rate-limit bucket, so the token request carries this marker and cannot
/// distort the pacing of Management API calls.
#[derive(Debug, Clone, Copy)]
pub struct Unthrottled;

/// Per-request marker, carried in [`http::Extensions`]: a `429` to this
/// request is an answer for the caller, not a rate limit to wait out, so the
/// retry layer returns it at once. The device flow's and CIBA's `slow_down`
/// (which Auth0 sends as a 429) must reach the poll loop that acts on it.
#[derive(Debug, Clone, Copy)]
pub struct RateLimitIsAnswer;

/// Per-request override of the retry policy's attempt timeout, carried in
/// [`http::Extensions`]: `Some(limit)` allows each attempt of this request
/// `limit`, `None` sets no limit. Without it the policy's
/// [`RetryPolicy::timeout`](crate::RetryPolicy::timeout) applies. For
/// requests known to take long, such as downloading a large export.
///
/// As with the policy's timeout, an instant timer
/// ([`Sleep::is_instant`](crate::Sleep::is_instant)) enforces no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptTimeout(pub Option<std::time::Duration>);

/// Whether `request` may be sent again after it may have reached the server.
#[must_use]
pub fn is_idempotent(request: &HttpRequest) -> bool {
    request
        .extensions()
        .get::<Idempotent>()
        .map_or(*request.method() != http::Method::POST, |hint| hint.0)
}
