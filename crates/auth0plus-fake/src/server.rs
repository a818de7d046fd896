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
use crate::{Fault, Route, handlers};

/// Largest accepted request body (Auth0: 1 MB).
pub(crate) const MAX_BODY: usize = 1024 * 1024;

pub(crate) const JSON_CT: &str = "application/json; charset=utf-8";

/// A response before it is turned into hyper's type.
#[derive(Debug)]
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

pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
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
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let header_read_timeout = shared.cfg.header_read_timeout;
            let svc = service_fn(move |req| handle(Arc::clone(&shared), req));
            // A client that never finishes its headers, or leaves a
            // connection idle, is cut off: otherwise half-open connections
            // pile up until file descriptors run out.
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = stop.changed() => {}
            }
        });
    }
}

/// Which route a method + raw path is, and the raw (still percent-encoded) path parameter.
fn route_of<'a>(method: &Method, path: &'a str) -> Option<(Route, &'a str)> {
    let segs: Vec<&str> = path.split('/').collect();
    let r = match (method, segs.as_slice()) {
        (&Method::POST, ["", "oauth", "token"]) => (Route::Token, ""),
        (&Method::GET, ["", "api", "v2", "users"]) => (Route::ListUsers, ""),
        (&Method::POST, ["", "api", "v2", "users"]) => (Route::CreateUser, ""),
        (&Method::GET, ["", "api", "v2", "users", id]) if !id.is_empty() => (Route::GetUser, *id),
        (&Method::PATCH, ["", "api", "v2", "users", id]) if !id.is_empty() => {
            (Route::UpdateUser, *id)
        }
        (&Method::DELETE, ["", "api", "v2", "users", id]) if !id.is_empty() => {
            (Route::DeleteUser, *id)
        }
        (&Method::GET, ["", "api", "v2", "users-by-email"]) => (Route::UsersByEmail, ""),
        (&Method::POST, ["", "api", "v2", "tickets", "email-verification"]) => {
            (Route::EmailVerificationTicket, "")
        }
        (&Method::POST, ["", "api", "v2", "tickets", "password-change"]) => {
            (Route::PasswordChangeTicket, "")
        }
        (&Method::POST, ["", "api", "v2", "jobs", "users-exports"]) => (Route::CreateExport, ""),
        (&Method::GET, ["", "api", "v2", "jobs", id]) if !id.is_empty() => (Route::GetJob, *id),
        (&Method::POST, ["", "api", "v2", "roles"]) => (Route::CreateRole, ""),
        (&Method::POST, ["", "api", "v2", "roles", id, "users"]) if !id.is_empty() => {
            (Route::AssignRoleUsers, *id)
        }
        (&Method::GET, ["", "api", "v2", "roles", id, "users"]) if !id.is_empty() => {
            (Route::ListRoleUsers, *id)
        }
        (&Method::POST, ["", "api", "v2", "organizations"]) => (Route::CreateOrganization, ""),
        (&Method::POST, ["", "api", "v2", "organizations", id, "members"]) if !id.is_empty() => {
            (Route::AddOrganizationMembers, *id)
        }
        (&Method::GET, ["", "api", "v2", "organizations", id, "members"]) if !id.is_empty() => {
            (Route::ListOrganizationMembers, *id)
        }
        (&Method::GET, ["", "api", "v2", "logs"]) => (Route::ListLogs, ""),
        (&Method::GET, ["", "api", "v2", "logs", id]) if !id.is_empty() => (Route::GetLog, *id),
        (&Method::DELETE, ["", "api", "v2", "roles", id]) if !id.is_empty() => {
            (Route::DeleteRole, *id)
        }
        (&Method::GET, ["", "api", "v2", "users", id, "roles"]) if !id.is_empty() => {
            (Route::ListUserRoles, *id)
        }
        (&Method::DELETE, ["", "api", "v2", "organizations", id]) if !id.is_empty() => {
            (Route::DeleteOrganization, *id)
        }
        (&Method::GET, ["", "__fake", "exports", file]) if !file.is_empty() => {
            (Route::ExportDownload, *file)
        }
        _ => return None,
    };
    Some(r)
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
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();

    let Some((route, param)) = route_of(&method, &path) else {
        if path.starts_with("/__fake/") || path == "/__fake" {
            let body = match read_body(req, shared.cfg.body_read_timeout).await {
                Ok(b) => b,
                Err(r) => return Ok(to_hyper(r, false)),
            };
            return Ok(to_hyper(
                handlers::admin(&shared, &method, &path, &body),
                false,
            ));
        }
        shared.lock().count("unknown", 404);
        return Ok(to_hyper(Resp::error(404, "Not Found", None), false));
    };
    let param = param.to_string();
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let record = |resp: &Resp| {
        handlers::logs::record(
            &shared,
            &handlers::logs::Happened {
                method: &method,
                route,
                param: &param,
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
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let mut drop_mid_body = false;
    match fault {
        Some(Fault::ResetConnection) => {
            shared.lock().count(route.as_str(), 0);
            return Err("fake tenant: connection reset (injected)".into());
        }
        Some(Fault::DropMidBody) => drop_mid_body = true,
        Some(Fault::Delay(d)) => tokio::time::sleep(d).await,
        Some(f) => {
            if let Some(r) = fault_response(f, route, &shared) {
                shared.lock().count(route.as_str(), r.status);
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
                shared.lock().count(route.as_str(), 429);
                record(&r);
                return Ok(to_hyper(r, false));
            }
        }
    }

    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();

    let mut resp = if route.is_management() {
        match handlers::check_bearer(&shared, auth.as_deref(), route) {
            Err(r) => r,
            Ok(()) => match read_body(req, shared.cfg.body_read_timeout).await {
                Err(r) => r,
                // On the blocking pool: a heavy search or export must not
                // hold a runtime worker that other connections need.
                Ok(body) => {
                    let shared = Arc::clone(&shared);
                    let param = param.clone();
                    tokio::task::spawn_blocking(move || {
                        handlers::dispatch(&shared, route, &param, &query, &body)
                    })
                    .await
                    .unwrap_or_else(|_| Resp::error(500, "Internal Server Error", None))
                }
            },
        }
    } else {
        match read_body(req, shared.cfg.body_read_timeout).await {
            Err(r) => r,
            Ok(body) => match route {
                Route::Token => handlers::token(&shared, auth.as_deref(), &content_type, &body),
                _ => handlers::download(&shared, &param),
            },
        }
    };
    resp.headers.extend(rate_headers);
    shared.lock().count(route.as_str(), resp.status);
    record(&resp);
    Ok(to_hyper(resp, drop_mid_body))
}

/// Read the whole request body, up to [`MAX_BODY`] (413 beyond), within
/// `timeout` (408 after).
async fn read_body(req: Request<Incoming>, timeout: Duration) -> Result<Bytes, Resp> {
    let too_large = || {
        Resp::error(
            413,
            &format!("Payload content length greater than maximum allowed: {MAX_BODY}"),
            None,
        )
    };
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && len > MAX_BODY
    {
        return Err(too_large());
    }
    let limited = http_body_util::Limited::new(req.into_body(), MAX_BODY);
    let Ok(collected) = tokio::time::timeout(timeout, limited.collect()).await else {
        return Err(Resp::error(408, "Request body not received in time", None));
    };
    match collected {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                Err(too_large())
            } else {
                Err(Resp::error(400, "Invalid request payload", None))
            }
        }
    }
}
