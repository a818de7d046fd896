//! Your own HTTP stack: `cargo run -p auth0plus --features fake --example custom_backend`.
//!
//! `auth0plus` is written against one trait, [`HttpBackend`]. This example
//! plugs in a deliberately unusual one — a blocking HTTP/1.1 client over
//! `std::net`, one OS thread per request, with a `std::thread` timer — wraps it
//! in a recorder that prints every exchange, and runs the walkthrough through
//! it against the fake tenant. Nothing of reqwest or hyper is involved on the
//! client side (the fake tenant itself is a hyper server).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use auth0plus::fake::FakeTenant;
use auth0plus::prelude::*;
use auth0plus::transport::{
    Bytes, HttpBackend, HttpRequest, HttpResponse, Sleep, SleepFuture, TransportError, async_trait,
    http,
};
use futures::channel::oneshot;
use serde_json::json;

/// A blocking HTTP/1.1 client (plain `http://` only) run on a thread per request.
#[derive(Debug, Default)]
struct ThreadBackend;

fn blocking_send(request: &HttpRequest) -> Result<HttpResponse, TransportError> {
    let uri = request.uri();
    let authority = uri
        .authority()
        .ok_or_else(|| TransportError::connect("no host in the URL"))?;
    let mut stream = TcpStream::connect(authority.as_str())
        .map_err(|e| TransportError::connect(e.to_string()))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| TransportError::connect(e.to_string()))?;
    let path = uri
        .path_and_query()
        .map_or("/", http::uri::PathAndQuery::as_str);
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n",
        request.method()
    );
    for (name, value) in request.headers() {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap_or("")));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", request.body().len()));
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(request.body()))
        .map_err(|e| {
            // Part of the request may have gone out already.
            TransportError::interrupted(e.to_string())
        })?;
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader
        .read_line(&mut status_line)
        .map_err(|e| TransportError::interrupted(e.to_string()))?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| TransportError::interrupted("no status line"))?;
    let mut response = http::Response::builder().status(status);
    loop {
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .map_err(|e| TransportError::interrupted(e.to_string()))?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            response = response.header(name.trim(), value.trim());
        }
    }
    let mut body = Vec::new();
    reader
        .read_to_end(&mut body)
        .map_err(|e| TransportError::interrupted(e.to_string()))?;
    response
        .body(Bytes::from(body))
        .map_err(|e| TransportError::interrupted(e.to_string()))
}

#[async_trait]
impl HttpBackend for ThreadBackend {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let (tx, rx) = oneshot::channel();
        std::thread::spawn(move || {
            let _ = tx.send(blocking_send(&request));
        });
        rx.await
            .map_err(|_| TransportError::interrupted("the request thread died"))?
    }
}

/// A timer on a plain thread: runtime-agnostic, like the backend.
#[derive(Debug)]
struct ThreadSleep;

impl Sleep for ThreadSleep {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        let (tx, rx) = oneshot::channel::<()>();
        std::thread::spawn(move || {
            std::thread::sleep(duration);
            let _ = tx.send(());
        });
        Box::pin(async move {
            let _ = rx.await;
        })
    }
}

/// Prints each exchange (never the Authorization header) and counts them.
#[derive(Debug)]
struct Recorder<B> {
    inner: B,
    seen: AtomicUsize,
}

#[async_trait]
impl<B: HttpBackend> HttpBackend for Recorder<B> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let line = format!(
            "{} {}",
            request.method(),
            request.uri().path_and_query().map_or("", |p| p.as_str())
        );
        let outcome = self.inner.send(request).await;
        let n = self.seen.fetch_add(1, Ordering::Relaxed) + 1;
        match &outcome {
            Ok(response) => println!("  #{n:<2} {line} -> {}", response.status()),
            Err(error) => println!("  #{n:<2} {line} -> {error}"),
        }
        outcome
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tenant = FakeTenant::start().await?;
    let auth0 = Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), tenant.client_secret())
        .client_id(tenant.client_id())
        .default_connection(tenant.connection())
        .base_url(tenant.base_url())
        .backend(Recorder {
            inner: ThreadBackend,
            seen: AtomicUsize::new(0),
        })
        .sleep(ThreadSleep)
        .build()?;
    let users = auth0.users();

    println!("create Angus:");
    let angus = users
        .create(
            NewUser::new()
                .email("angus@example.com")
                .password("Jailbreak")
                .user_metadata(json!({"family_name": "Young"})),
        )
        .await?;
    println!("get_or_create Malcolm:");
    let (malcolm, created) = users
        .get_or_create(
            [("email", "malcolm@example.com")],
            NewUser::new().password("ChuckB"),
        )
        .await?;
    println!("save Bon with a new email and password (two PATCH requests):");
    let mut bon = users
        .create(
            NewUser::new()
                .email("bon@example.com")
                .password("CanISitNextToYouGirl"),
        )
        .await?;
    bon.email = Some("bon.scott@example.com".into());
    bon.set_password("HighwayToHell");
    bon.save().await?;
    println!("count the band:");
    let band = users.all();
    let count = band.count().await?;
    println!("delete them all:");
    for mut member in band.fetch_all().await? {
        member.delete().await?;
    }
    println!(
        "\n{angus}, {malcolm} (created: {created}), {bon}: {count} users, all through a thread-per-request HTTP/1.1 client"
    );
    Ok(())
}
