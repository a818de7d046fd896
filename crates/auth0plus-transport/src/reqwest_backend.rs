//! [`ReqwestBackend`]: the default HTTP stack (reqwest + hyper + rustls).

use std::time::Duration;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures::stream::{self, StreamExt as _};

use crate::{
    HttpBackend, HttpRequest, HttpResponse, ResponseLimit, StreamingResponse, TransportError,
    TransportErrorKind,
};

/// Per-request timeout for [`ReqwestBackend`], carried in [`http::Extensions`].
// Repeats the module's cfg: a copy inlined elsewhere (the facade's docs)
// shows only the item's own cfg as its feature badge.
#[cfg(feature = "reqwest")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTimeout(pub Duration);

/// An [`HttpBackend`] over one pooled [`reqwest::Client`].
///
/// Cloning is cheap and clones share the connection pool, so the token
/// endpoint and the Management API reuse the same connections. Build it from
/// your own client to add proxies, mTLS or custom roots:
///
/// ```
/// use auth0plus_transport::ReqwestBackend;
/// use auth0plus_transport::reqwest;
/// let client = reqwest::Client::builder()
///     .redirect(reqwest::redirect::Policy::none())
///     .build()
///     .unwrap();
/// let backend = ReqwestBackend::from_client(client);
/// # let _ = backend;
/// ```
// Repeats the module's cfg: a copy inlined elsewhere (the facade's docs)
// shows only the item's own cfg as its feature badge.
#[cfg(feature = "reqwest")]
#[derive(Debug, Clone)]
pub struct ReqwestBackend {
    client: reqwest::Client,
}

impl ReqwestBackend {
    /// A client with auth0plus's defaults: no redirects (a redirect must
    /// never carry our bearer token elsewhere), a 10 s connect timeout,
    /// HTTP/2 where the server offers it, idle connections kept for reuse.
    ///
    /// # Errors
    /// When the TLS backend cannot be initialised.
    pub fn new() -> Result<Self, TransportError> {
        Self::build(defaults())
    }

    /// [`ReqwestBackend::new`]'s client, also trusting the CA certificates
    /// in `pem` (one or more `-----BEGIN CERTIFICATE-----` blocks) beside
    /// the platform's roots: a company proxy's CA, or the fake tenant's
    /// throwaway CA with `--tls`.
    ///
    /// ```
    /// # fn run(ca_pem: &[u8]) -> Result<(), auth0plus_transport::TransportError> {
    /// let backend = auth0plus_transport::ReqwestBackend::trusting_pem(ca_pem)?;
    /// # let _ = backend; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// An [`InvalidRequest`](TransportErrorKind::InvalidRequest) error when
    /// `pem` holds no certificate or one that does not parse, when this
    /// build has no TLS (neither the `rustls` nor the `native-tls` feature),
    /// or when the TLS backend cannot be initialised.
    pub fn trusting_pem(pem: &[u8]) -> Result<Self, TransportError> {
        let invalid = |reason: &str| {
            TransportError::new(
                TransportErrorKind::InvalidRequest,
                format!("root certificate PEM: {reason}"),
            )
        };
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        {
            let _ = pem;
            return Err(invalid(
                "this build has no TLS: enable the `rustls` or `native-tls` feature",
            ));
        }
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        {
            let roots = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|_| invalid("a certificate in it does not parse"))?;
            if roots.is_empty() {
                return Err(invalid("it holds no -----BEGIN CERTIFICATE----- block"));
            }
            Self::build(defaults().tls_certs_merge(roots))
        }
    }

    fn build(builder: reqwest::ClientBuilder) -> Result<Self, TransportError> {
        let client = builder
            .build()
            .map_err(|e| TransportError::with_source(TransportErrorKind::InvalidRequest, e))?;
        Ok(Self { client })
    }

    /// Use the caller's client as it is.
    #[must_use]
    pub fn from_client(client: reqwest::Client) -> Self {
        Self { client }
    }

    /// The underlying client.
    #[must_use]
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

impl From<reqwest::Client> for ReqwestBackend {
    fn from(client: reqwest::Client) -> Self {
        Self::from_client(client)
    }
}

/// auth0plus's settings, on which every built-in client starts.
fn defaults() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(60))
        .tcp_nodelay(true)
}

fn classify(error: reqwest::Error) -> TransportError {
    let kind = if error.is_connect() {
        TransportErrorKind::Connect
    } else if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if error.is_builder() {
        TransportErrorKind::InvalidRequest
    } else {
        TransportErrorKind::Interrupted
    };
    // The URL may carry a search query; it is not secret, but keep errors short.
    TransportError::with_source(kind, error.without_url())
}

impl ReqwestBackend {
    /// Send `request`; the answer's status and headers, and reqwest's
    /// response to read the body from.
    async fn start(
        &self,
        request: HttpRequest,
    ) -> Result<(http::response::Builder, reqwest::Response, Option<u64>), TransportError> {
        let limit = ResponseLimit::of(&request);
        let (parts, body) = request.into_parts();
        let mut builder = self
            .client
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body);
        if let Some(RequestTimeout(timeout)) = parts.extensions.get::<RequestTimeout>() {
            builder = builder.timeout(*timeout);
        }
        let response = builder.send().await.map_err(classify)?;
        // A declared length past the limit fails before a byte is read.
        if let (Some(limit), Some(declared)) = (limit, response.content_length())
            && declared > limit
        {
            return Err(TransportError::too_large(limit));
        }
        let mut out = http::Response::builder()
            .status(response.status())
            .version(response.version());
        if let Some(headers) = out.headers_mut() {
            headers.extend(
                response
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
        }
        Ok((out, response, limit))
    }
}

/// The next chunk of `response`'s body, counted against `limit`.
async fn next_chunk(
    response: &mut reqwest::Response,
    received: &mut u64,
    limit: Option<u64>,
) -> Result<Option<Bytes>, TransportError> {
    let chunk = response.chunk().await.map_err(|e| {
        // The status line arrived, so the server did act on the request.
        let mut err = classify(e);
        if err.is_connect() {
            err = TransportError::interrupted("connection lost while reading the body");
        }
        err
    })?;
    if let Some(chunk) = &chunk {
        *received = received.saturating_add(chunk.len() as u64);
        if let Some(limit) = limit.filter(|limit| *received > *limit) {
            return Err(TransportError::too_large(limit));
        }
    }
    Ok(chunk)
}

#[async_trait]
impl HttpBackend for ReqwestBackend {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let (out, mut response, limit) = self.start(request).await?;
        // Read chunk by chunk, so an endless body stops at the limit instead
        // of filling memory; join the chunks once, at their final size (a
        // growing buffer would briefly hold its old and new copies).
        let mut chunks = Vec::new();
        let mut received = 0;
        while let Some(chunk) = next_chunk(&mut response, &mut received, limit).await? {
            chunks.push(chunk);
        }
        let body = match chunks.len() {
            0 => Bytes::new(),
            1 => chunks.swap_remove(0),
            _ => {
                let mut body = BytesMut::with_capacity(usize::try_from(received).unwrap_or(0));
                for chunk in chunks {
                    body.extend_from_slice(&chunk);
                }
                body.freeze()
            }
        };
        out.body(body)
            .map_err(|e| TransportError::with_source(TransportErrorKind::Interrupted, e))
    }

    async fn send_streaming(
        &self,
        request: HttpRequest,
    ) -> Result<StreamingResponse, TransportError> {
        let (out, response, limit) = self.start(request).await?;
        let body = stream::try_unfold(
            (response, 0_u64),
            move |(mut response, mut received)| async move {
                let chunk = next_chunk(&mut response, &mut received, limit).await?;
                Ok(chunk.map(|chunk| (chunk, (response, received))))
            },
        );
        out.body(body.boxed())
            .map_err(|e| TransportError::with_source(TransportErrorKind::Interrupted, e))
    }
}
