//! The `HttpBackend` + `Sleep` seam, end to end, on a runtime that is not
//! tokio: the users walkthrough's core calls (create, get, query, save,
//! delete), client-credentials tokens included, run under
//! `futures::executor::block_on` with a backend that is not reqwest (a
//! hand-written HTTP/1.1 exchange over `std::net::TcpStream`, on a thread per
//! request) and a timer that is a sleeping thread. The fake tenant runs on
//! its own tokio runtime in other threads, as a server elsewhere would: any
//! tokio call on the client's side would panic here ("no reactor running").

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use auth0plus::fake::FakeTenant;
use auth0plus::prelude::*;
use auth0plus::transport::{
    Bytes, HttpBackend, HttpRequest, HttpResponse, Sleep, SleepFuture, TransportError,
    TransportErrorKind, async_trait, http,
};
use futures::channel::oneshot;

/// A blocking HTTP/1.1 client, one connection per request, each exchange
/// on its own thread so the executor is never blocked.
#[derive(Debug)]
struct StdHttp;

#[async_trait]
impl HttpBackend for StdHttp {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let (answer, answered) = oneshot::channel();
        std::thread::spawn(move || {
            let _ = answer.send(exchange(&request));
        });
        answered.await.map_err(|_| {
            TransportError::new(TransportErrorKind::Interrupted, "the exchange thread died")
        })?
    }
}

/// One request and its response over a fresh connection (`Connection:
/// close`: the response ends where the stream does).
fn exchange(request: &HttpRequest) -> Result<HttpResponse, TransportError> {
    let uri = request.uri();
    let invalid = |what: &str| TransportError::new(TransportErrorKind::InvalidRequest, what);
    let host = uri.host().ok_or_else(|| invalid("no host"))?;
    let port = uri
        .port_u16()
        .ok_or_else(|| invalid("the fake's URL has a port"))?;
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut stream = TcpStream::connect((host, port))
        .map_err(|e| TransportError::with_source(TransportErrorKind::Connect, e))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| TransportError::with_source(TransportErrorKind::Connect, e))?;
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nhost: {host}:{port}\r\n",
        request.method()
    );
    for (name, value) in request.headers() {
        let value = value
            .to_str()
            .map_err(|_| invalid("a header is not text"))?;
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        request.body().len()
    ));
    let lost = |e| TransportError::with_source(TransportErrorKind::Interrupted, e);
    stream.write_all(head.as_bytes()).map_err(lost)?;
    stream.write_all(request.body()).map_err(lost)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(lost)?;
    parse(&raw).ok_or_else(|| {
        TransportError::new(TransportErrorKind::Interrupted, "not an HTTP/1.1 response")
    })
}

/// Status, headers and body (by content-length, chunked or to the end).
fn parse(raw: &[u8]) -> Option<HttpResponse> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut body = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut response = http::Response::builder().status(status);
    let mut chunked = false;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            body = body.get(..value.parse::<usize>().ok()?)?;
        }
        chunked |= name.eq_ignore_ascii_case("transfer-encoding") && value == "chunked";
        response = response.header(name, value);
    }
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_vec()
    };
    response.body(Bytes::from(body)).ok()
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&rest[..end]).ok()?.split(';').next()?;
        let size = usize::from_str_radix(size.trim(), 16).ok()?;
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(end + 2..end + 2 + size)?);
        rest = rest.get(end + 4 + size..)?;
    }
}

/// A timer that is a sleeping thread.
#[derive(Debug)]
struct ThreadSleep;

impl Sleep for ThreadSleep {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        let (done, slept) = oneshot::channel::<()>();
        std::thread::spawn(move || {
            std::thread::sleep(duration);
            let _ = done.send(());
        });
        Box::pin(async move {
            let _ = slept.await;
        })
    }
}

#[test]
fn the_users_walkthrough_runs_on_another_runtime_and_backend() {
    // The fake, served by tokio worker threads until the end of the test.
    let server = tokio::runtime::Runtime::new().expect("a runtime for the fake");
    let tenant = server.block_on(FakeTenant::start()).expect("the fake");

    futures::executor::block_on(async {
        assert!(tokio::runtime::Handle::try_current().is_err(), "not tokio");
        let auth0 = Auth0::builder(tenant.domain())
            .client_credentials(tenant.client_id(), tenant.client_secret())
            .default_connection(tenant.connection())
            .base_url(tenant.base_url())
            .backend(StdHttp)
            .sleep(ThreadSleep)
            .build()
            .expect("a client");
        let users = auth0.users();

        let angus = users
            .create(
                NewUser::new()
                    .email("angus.young@example.com")
                    .password("Jailbreak1!"),
            )
            .await
            .expect("create");
        let id = angus.id().expect("an id").to_owned();

        let mut fetched = users
            .get([("email", "angus.young@example.com")])
            .await
            .expect("get");
        assert_eq!(fetched.id(), Some(id.as_str()));

        fetched.email = Some("angus@example.com".into());
        fetched.save().await.expect("save");
        let saved = users.get_by_id(&id).await.expect("get_by_id");
        assert_eq!(saved.email.as_deref(), Some("angus@example.com"));

        // Search lags behind writes: wait on this runtime's own timer.
        let query = users.query().filter([("email__startswith", "angus")]);
        let mut count = 0;
        for _ in 0..300 {
            count = query.count().await.expect("query");
            if count == 1 {
                break;
            }
            ThreadSleep.sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(count, 1);
        assert_eq!(
            query.fetch_all().await.expect("fetch_all")[0].id(),
            Some(id.as_str())
        );

        users.delete(&id).await.expect("delete");
        assert!(matches!(
            users.get_by_id(&id).await,
            Err(Error::DoesNotExist { .. })
        ));
    });
    drop(tenant);
}
