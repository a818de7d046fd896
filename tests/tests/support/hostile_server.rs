//! A small hostile HTTP/1.1 server on loopback: it answers each request as
//! a test's handler says, including with bodies that never end and with
//! silence. Raw TCP, so nothing between it and the client tidies up what it
//! sends.

#![allow(dead_code, reason = "each test binary uses a part of it")]

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    /// The `Host` header.
    pub host: String,
    pub body: String,
}

impl Req {
    /// The path without its query.
    pub fn route(&self) -> &str {
        self.path
            .split_once('?')
            .map_or(self.path.as_str(), |(p, _)| p)
    }

    /// The value of query parameter `name`, decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        let query = self.path.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (decoded(k) == name).then(|| decoded(v))
        })
    }
}

/// A query component, `+` and percent escapes decoded (left as sent when
/// it does not decode).
fn decoded(component: &str) -> String {
    let spaced = component.replace('+', " ");
    let bytes = spaced.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escape {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or(spaced)
}

/// How to answer.
pub enum Reply {
    /// A whole response.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// A `200` whose body is `chunk` over and over, `total` bytes in all
    /// (`None`: until the client goes away), no `Content-Length`.
    Endless {
        chunk: Arc<Vec<u8>>,
        total: Option<u64>,
    },
    /// Never answer; hold the connection until the client drops it.
    Silent,
    /// A `200` whose body is `body` sent one byte every `every` (a file
    /// host that drips), with its `Content-Length`.
    Drip { body: Vec<u8>, every: Duration },
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self::Full {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into().into_bytes(),
        }
    }

    /// A JSON answer with extra headers.
    pub fn json_with(status: u16, headers: &[(&str, &str)], body: impl Into<String>) -> Self {
        let mut reply = Self::json(status, body);
        if let Self::Full { headers: h, .. } = &mut reply {
            h.extend(
                headers
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
            );
        }
        reply
    }
}

type Handler = dyn Fn(&Req) -> Reply + Send + Sync;

/// The running server; it stops with the test's runtime.
pub struct Hostile {
    pub base_url: String,
    requests: Arc<Mutex<Vec<Req>>>,
}

impl Hostile {
    /// Serve every request with `handler`.
    pub async fn start(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let seen = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handler = Arc::clone(&handler);
                let seen = Arc::clone(&seen);
                tokio::spawn(async move {
                    let _ = connection(stream, &*handler, &seen).await;
                });
            }
        });
        Self { base_url, requests }
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Req> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many requests went to `path`.
    pub fn count(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.path == path).count()
    }
}

async fn connection(
    mut stream: TcpStream,
    handler: &Handler,
    seen: &Mutex<Vec<Req>>,
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    loop {
        // The head.
        let head_end = loop {
            if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let mut chunk = [0_u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let mut words = head.split_whitespace();
        let method = words.next().unwrap_or_default().to_owned();
        let path = words.next().unwrap_or_default().to_owned();
        let header = |wanted: &str| {
            head.lines().find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case(wanted)
                    .then(|| value.trim().to_owned())
            })
        };
        let length = header("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let host = header("host").unwrap_or_default();
        while buffer.len() < head_end + length {
            let mut chunk = [0_u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..n]);
        }
        let body = String::from_utf8_lossy(&buffer[head_end..head_end + length]).into_owned();
        buffer.drain(..head_end + length);
        let request = Req {
            method,
            path,
            host,
            body,
        };
        seen.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request.clone());
        match handler(&request) {
            Reply::Full {
                status,
                headers,
                body,
            } => {
                let mut out = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                for (name, value) in headers {
                    out.push_str(&format!("{name}: {value}\r\n"));
                }
                out.push_str("\r\n");
                stream.write_all(out.as_bytes()).await?;
                stream.write_all(&body).await?;
            }
            Reply::Endless { chunk, total } => {
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\nconnection: close\r\n\r\n")
                    .await?;
                let mut sent = 0_u64;
                while total.is_none_or(|total| sent < total) {
                    stream.write_all(&chunk).await?;
                    sent += chunk.len() as u64;
                }
                return Ok(());
            }
            Reply::Drip { body, every } => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                stream.write_all(head.as_bytes()).await?;
                for byte in body {
                    tokio::time::sleep(every).await;
                    stream.write_all(&[byte]).await?;
                    stream.flush().await?;
                }
            }
            Reply::Silent => {
                // Wait for the client to give up (read returns 0 or fails).
                let mut sink = [0_u8; 1024];
                loop {
                    match tokio::time::timeout(Duration::from_secs(60), stream.read(&mut sink))
                        .await
                    {
                        Ok(Ok(0) | Err(_)) | Err(_) => return Ok(()),
                        Ok(Ok(_)) => {}
                    }
                }
            }
        }
    }
}
