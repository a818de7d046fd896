//! The HTTP layer: accept loop, routing, knobs (latency, rate limit, faults) and counters.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::BodyExt as _;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::state::Shared;
use crate::util::mgmt_error;
use crate::{Fault, Route, authentication, handlers, spec};

/// Most bytes of a request's head (request line and headers) read before hyper answers
/// `431 Request Header Fields Too Large`, as Auth0's edge does past its limit. Auth0 does not
/// document the number; 16 KiB is the common proxy budget (nginx's `4 × 8k` large header
/// buffers hold 32 KiB, Apache's fields 8 KiB each), far above any bearer token the SDKs send.
pub(crate) const MAX_HEADERS: usize = 16 * 1024;

/// Largest accepted request body (Auth0: 1 MB).
pub(crate) const MAX_BODY: usize = 1024 * 1024;

pub(crate) const JSON_CT: &str = "application/json; charset=utf-8";

/// A response before it is turned into hyper's type.
#[derive(Debug, Clone)]
pub(crate) struct Resp {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

impl Resp {
    pub fn json(status: u16, v: &Value) -> Resp {
        Resp {
            status,
            content_type: JSON_CT,
            headers: Vec::new(),
            body: Bytes::from(v.to_string()),
        }
    }
    pub fn empty(status: u16) -> Resp {
        Resp {
            status,
            content_type: JSON_CT,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }
    pub fn error(status: u16, message: &str, code: Option<&str>) -> Resp {
        Resp::json(status, &mgmt_error(status, message, code))
    }
}

/// The response body: whole, or cut short followed by an error (connection dropped mid-body).
pub(crate) struct FakeBody {
    data: Option<Bytes>,
    fail: Option<Pin<Box<tokio::time::Sleep>>>,
    exact: Option<u64>,
}

impl FakeBody {
    fn full(b: Bytes) -> FakeBody {
        let len = b.len() as u64;
        FakeBody {
            data: if b.is_empty() { None } else { Some(b) },
            fail: None,
            exact: Some(len),
        }
    }
    fn partial(b: Bytes) -> FakeBody {
        FakeBody {
            data: Some(b),
            // Give hyper time to flush the partial body before the error aborts the connection.
            fail: Some(Box::pin(tokio::time::sleep(Duration::from_millis(50)))),
            exact: None,
        }
    }
}

impl Body for FakeBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(d) = self.data.take() {
            return Poll::Ready(Some(Ok(Frame::data(d))));
        }
        match self.fail.as_mut() {
            Some(sleep) => match sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    self.fail = None;
                    Poll::Ready(Some(Err("fake tenant: connection dropped mid-body".into())))
                }
                Poll::Pending => Poll::Pending,
            },
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && self.fail.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match self.exact {
            Some(n) => SizeHint::with_exact(n),
            None => SizeHint::default(),
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Longest a TLS handshake may take before the connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => return,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let stop = shutdown.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => serve_connection(stream, shared, stop).await,
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await;
                    if let Ok(Ok(stream)) = handshake {
                        serve_connection(stream, shared, stop).await;
                    }
                }
            }
        });
    }
}

/// Serve HTTP/1.1 on one connection, plain or TLS, until it ends or the tenant stops.
async fn serve_connection<IO>(io: IO, shared: Arc<Shared>, mut stop: watch::Receiver<bool>)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let header_read_timeout = shared.cfg.header_read_timeout;
    let svc = service_fn(move |req| handle(Arc::clone(&shared), req));
    // A client that never finishes its headers, or leaves a connection idle,
    // is cut off: otherwise half-open connections pile up until file
    // descriptors run out.
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .max_buf_size(MAX_HEADERS)
        .serve_connection(TokioIo::new(io), svc);
    tokio::select! {
        _ = conn => {}
        _ = stop.changed() => {}
    }
}

/// The 404 of a path that is no route (counted as `unknown`).
fn not_found(shared: &Shared) -> Response<FakeBody> {
    shared.lock().count("unknown", 404);
    to_hyper(Resp::error(404, "Not Found", None), false)
}

fn to_hyper(r: Resp, drop_mid_body: bool) -> Response<FakeBody> {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let len = r.body.len();
    let body = if drop_mid_body {
        let cut = (len / 2).max(1).min(len);
        FakeBody::partial(r.body.slice(..cut))
    } else {
        FakeBody::full(r.body)
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(r.content_type),
    );
    if drop_mid_body {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    for (k, v) in r.headers {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    }
    resp
}

fn fault_response(fault: Fault, route: Route, shared: &Shared) -> Option<Resp> {
    let reset = (crate::util::now_secs() + 1).to_string();
    Some(match fault {
        Fault::InternalError => Resp::error(500, "Internal Server Error", None),
        Fault::ServiceUnavailable => Resp::error(503, "Service Unavailable", None),
        Fault::BadGatewayHtml => Resp {
            status: 502,
            content_type: "text/html",
            headers: Vec::new(),
            body: Bytes::from_static(
                b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n",
            ),
        },
        Fault::RateLimited => {
            let limit = shared.lock().bucket.as_ref().map_or(50, |b| b.limit.burst).to_string();
            let mut r = Resp::error(429, "Global limit has been reached", Some("too_many_requests"));
            r.headers = vec![("x-ratelimit-limit", limit), ("x-ratelimit-remaining", "0".into()), ("x-ratelimit-reset", reset)];
            r
        }
        Fault::RateLimitedBare => Resp::error(429, "Global limit has been reached", Some("too_many_requests")),
        Fault::ExpiredToken => handlers::expired_token(),
        Fault::TruncatedJson => {
            let body = if route == Route::ListUsers || route == Route::UsersByEmail {
                "[{\"user_id\":\"auth0|5f1a2b3c4d5e6f7a8b9c0d1e\",\"email\":\"trunc"
            } else {
                "{\"user_id\":\"auth0|5f1a2b3c4d5e6f7a8b9c0d1e\",\"email\":\"trunc"
            };
            Resp { status: 200, content_type: crate::server::JSON_CT, headers: Vec::new(), body: Bytes::from_static(body.as_bytes()) }
        }
        Fault::NonJson => Resp {
            status: 200,
            content_type: JSON_CT,
            headers: Vec::new(),
            body: Bytes::from_static(b"upstream sent something that is not JSON"),
        },
        Fault::ResetConnection | Fault::DropMidBody | Fault::Delay(_) => return None,
    })
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<FakeBody>, BoxError> {
    // The configured latency is the least time from a request's arrival to its answer, the
    // fake's own work included: a sleep *before* the work added that work to every call,
    // and a client walking a cursor page by page paid it once a page on top of the latency.
    let arrived = tokio::time::Instant::now();
    let (parts, incoming) = req.into_parts();
    let method = parts.method;
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let header_str = |name: header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let auth = header_str(header::AUTHORIZATION);
    // As sent (a multipart boundary is case-sensitive), and lowercased for matching.
    let raw_content_type = header_str(header::CONTENT_TYPE).unwrap_or_default();
    let content_type = raw_content_type.to_ascii_lowercase();
    let user_agent = header_str(header::USER_AGENT).unwrap_or_default();
    let forwarded_for = parts
        .headers
        .get("auth0-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // Every request body is read before any answer, whatever the answer: a client still
    // sending (a multipart upload to an unknown route, say) must get a status, not EPIPE.
    let body = read_body(&parts.headers, incoming, shared.cfg.body_read_timeout).await;

    // An operation of the Management API (the routing table names its handler), the
    // export downloads, the Authentication API (its token endpoint is `Route::Token`, so
    // faults can target it), the rest of the `/__fake/` API, else 404. An Authentication API
    // endpoint is found once, here, and answered below.
    let mut endpoint = None;
    let (route, param, operation) = match path.strip_prefix("/api/v2/") {
        Some(rest) => {
            let segs: Vec<&str> = rest.split('/').collect();
            match spec::spec().find(&method, &segs) {
                Some((op, params)) => {
                    let first = params.first().cloned().unwrap_or_default();
                    (
                        handlers::routes::route_of(&op.id),
                        first,
                        Some((op, params)),
                    )
                }
                None => return Ok(not_found(&shared)),
            }
        }
        None => match path.strip_prefix("/__fake/exports/") {
            Some(file) if method == Method::GET && !file.is_empty() && !file.contains('/') => {
                (Route::ExportDownload, file.to_string(), None)
            }
            _ => match authentication::route(&method, &path) {
                Some(found) => {
                    endpoint = Some(found);
                    let route = if found == authentication::Endpoint::Token {
                        Route::Token
                    } else {
                        Route::Authentication
                    };
                    (route, String::new(), None)
                }
                None if path.starts_with("/__fake/") || path == "/__fake" => {
                    let resp = match body {
                        Ok(b) => handlers::admin(&shared, &method, &path, &b),
                        Err(r) => r,
                    };
                    return Ok(to_hyper(resp, false));
                }
                None => return Ok(not_found(&shared)),
            },
        },
    };
    // Counters name a route by its name, any other operation by its operationId.
    let spec_op = operation.as_ref().filter(|_| route == Route::Spec);
    let name = spec_op.map_or(route.as_str(), |(op, _)| op.id.as_str());
    let summary = spec_op.map_or(route.summary(), |(op, _)| op.summary.as_str());
    let targets_user = spec_op.map_or(route.targets_user(), |(op, _)| {
        op.path.starts_with("/users/{")
    });
    let record = |resp: &Resp, client: Option<&str>| {
        handlers::logs::record(
            &shared,
            &handlers::logs::Happened {
                method: &method,
                route,
                client,
                summary,
                targets_user,
                param: &param,
                path: &path,
                status: resp.status,
                user_agent: &user_agent,
                body: &resp.body,
            },
        );
    };

    let (latency, fault) = {
        let mut st = shared.lock();
        (st.latency, st.take_fault(route))
    };
    let answer_at = arrived + latency;
    let mut drop_mid_body = false;
    match fault {
        Some(Fault::ResetConnection) => {
            wait_until(answer_at).await;
            shared.lock().count(name, 0);
            return Err("fake tenant: connection reset (injected)".into());
        }
        Some(Fault::DropMidBody) => drop_mid_body = true,
        Some(Fault::Delay(d)) => tokio::time::sleep(d).await,
        Some(f) => {
            if let Some(r) = fault_response(f, route, &shared) {
                wait_until(answer_at).await;
                shared.lock().count(name, r.status);
                return Ok(to_hyper(r, false));
            }
        }
        None => {}
    }

    let mut rate_headers: Vec<(&'static str, String)> = Vec::new();
    if route.is_management() {
        let info = shared.lock().rate_check();
        if let Some(info) = info {
            rate_headers = vec![
                ("x-ratelimit-limit", info.limit.to_string()),
                ("x-ratelimit-remaining", info.remaining.to_string()),
                ("x-ratelimit-reset", info.reset.to_string()),
            ];
            if !info.allowed {
                let mut r = Resp::error(
                    429,
                    "Global limit has been reached",
                    Some("too_many_requests"),
                );
                r.headers = rate_headers;
                shared.lock().count(name, 429);
                record(&r, None);
                wait_until(answer_at).await;
                return Ok(to_hyper(r, false));
            }
        }
    }

    // The client the bearer token was issued to, for the log.
    let mut caller: Option<String> = None;
    let mut resp = match (body, &operation) {
        (Err(r), _) => r,
        (Ok(body), Some((op, params))) => {
            match handlers::check_bearer(&shared, auth.as_deref(), &op.scopes) {
                Err(r) => r,
                // On the blocking pool: a heavy search or export must not
                // hold a runtime worker that other connections need.
                Ok(client) => {
                    caller = Some(client);
                    let (shared, op, params) = (Arc::clone(&shared), *op, params.clone());
                    let (query, raw_content_type) = (query.clone(), raw_content_type.clone());
                    tokio::task::spawn_blocking(move || {
                        handlers::routes::handle(
                            &shared,
                            op,
                            &params,
                            &query,
                            &raw_content_type,
                            &body,
                        )
                    })
                    .await
                    .unwrap_or_else(|_| Resp::error(500, "Internal Server Error", None))
                }
            }
        }
        (Ok(_), None) if route == Route::ExportDownload => handlers::download(&shared, &param),
        (Ok(body), None) => match endpoint {
            Some(endpoint) => {
                let request = authentication::AuthRequest {
                    method: &method,
                    path: &path,
                    query: &query,
                    authorization: auth.as_deref(),
                    content_type: &content_type,
                    user_agent: &user_agent,
                    forwarded_for: forwarded_for.as_deref(),
                    body: &body,
                };
                authentication::handle(&shared, endpoint, &request)
            }
            None => Resp::error(404, "Not Found", None),
        },
    };
    resp.headers.extend(rate_headers);
    shared.lock().count(name, resp.status);
    record(&resp, caller.as_deref());
    let answer = to_hyper(resp, drop_mid_body);
    wait_until(answer_at).await;
    Ok(answer)
}

/// Waits until `deadline` to within a few tens of microseconds.
///
/// Tokio's timer fires on a millisecond tick and parks in whole milliseconds, so a bare
/// `sleep_until` overshoots by about 1.2 ms: 51 sleeps of 25 ms took 1,336 ms here, 4.8%
/// over, which a benchmark of a client at 25 ms latency would charge to the client. The
/// last stretch is slept on a blocking-pool thread instead (51 × 25 ms → 1,281 ms); the
/// timer covers the rest, so a waiting answer holds a thread for at most [`PRECISE_TAIL`].
async fn wait_until(deadline: tokio::time::Instant) {
    let now = tokio::time::Instant::now();
    if deadline <= now {
        return;
    }
    if let Some(coarse) = deadline.checked_sub(PRECISE_TAIL).filter(|c| *c > now) {
        tokio::time::sleep_until(coarse).await;
    }
    let deadline = deadline.into_std();
    let tail = tokio::task::spawn_blocking(move || {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if !left.is_zero() {
            std::thread::sleep(left);
        }
    });
    // A runtime shutting down cancels the task: answering a little early is fine then.
    let _ = tail.await;
}

/// How much of a latency [`wait_until`] sleeps on a thread rather than on tokio's timer.
const PRECISE_TAIL: Duration = Duration::from_millis(2);

/// Most bytes read (and dropped) past [`MAX_BODY`] before answering 413: enough for any
/// upload a client sends in one go, bounded so that an endless stream cannot hold a task.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Read the whole request body within `timeout` (408 after); beyond [`MAX_BODY`] keep
/// reading (up to [`DRAIN_LIMIT`]) without keeping it, then answer 413.
async fn read_body(
    headers: &http::HeaderMap,
    body: Incoming,
    timeout: Duration,
) -> Result<Bytes, Resp> {
    tokio::time::timeout(timeout, drain_body(headers, body))
        .await
        .unwrap_or_else(|_| Err(Resp::error(408, "Request body not received in time", None)))
}

/// [`read_body`] without its time bound.
async fn drain_body(headers: &http::HeaderMap, mut body: Incoming) -> Result<Bytes, Resp> {
    let too_large = || {
        Resp::error(
            413,
            &format!("Payload content length greater than maximum allowed: {MAX_BODY}"),
            None,
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT) {
        return Err(too_large());
    }
    let mut kept = bytes::BytesMut::new();
    let mut seen: usize = 0;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(Resp::error(400, "Invalid request payload", None));
        };
        if let Ok(data) = frame.into_data() {
            seen = seen.saturating_add(data.len());
            if seen <= MAX_BODY {
                kept.extend_from_slice(&data);
            } else if seen > DRAIN_LIMIT {
                break;
            }
        }
    }
    if seen > MAX_BODY {
        Err(too_large())
    } else {
        Ok(kept.freeze())
    }
}
