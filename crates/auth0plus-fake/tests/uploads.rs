//! Every request body is read before any answer: a big upload to an unknown or failing
//! route gets an HTTP status, never a broken pipe.

use auth0plus_fake::{FakeTenant, Fault, Route};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const FIVE_MB: usize = 5 * 1024 * 1024;

/// A multipart/form-data body of about `size` bytes with a `users` file part.
fn multipart(size: usize) -> (String, Vec<u8>) {
    let boundary = "----auth0plus-fake-test-boundary";
    let mut body = Vec::with_capacity(size + 512);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"connection_id\"\r\n\r\ncon_0123456789abcdef\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"users\"; filename=\"users.json\"\r\n\
             Content-Type: application/json\r\n\r\n["
        )
        .as_bytes(),
    );
    let user = br#"{"email":"someone@example.com","email_verified":false},"#;
    while body.len() + user.len() < size {
        body.extend_from_slice(user);
    }
    body.extend_from_slice(b"{}]\r\n");
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Send `body` to `path` over a raw connection in 64 KiB writes (chunked when `chunked`),
/// then read the answer's status. Panics when a write fails (the server hung up early).
async fn upload(tenant: &FakeTenant, path: &str, token: &str, chunked: bool) -> u16 {
    let (ct, body) = multipart(FIVE_MB);
    let mut s = TcpStream::connect(tenant.addr()).await.expect("connect");
    let length = if chunked {
        "Transfer-Encoding: chunked".to_string()
    } else {
        format!("Content-Length: {}", body.len())
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: {ct}\r\n{length}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.expect("write head");
    for chunk in body.chunks(64 * 1024) {
        if chunked {
            s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await
                .expect("chunk size");
        }
        s.write_all(chunk)
            .await
            .unwrap_or_else(|e| panic!("{path}: the server hung up mid-upload: {e}"));
        if chunked {
            s.write_all(b"\r\n").await.expect("chunk end");
        }
    }
    if chunked {
        s.write_all(b"0\r\n\r\n").await.expect("last chunk");
    }
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await.expect("read answer");
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|r| r.get(..3))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("{path}: no status line in {text:?}"));
    assert!(text.contains("\r\n\r\n{"), "{path}: no JSON body: {text}");
    status
}

#[tokio::test]
async fn a_five_megabyte_upload_always_gets_a_status() {
    let tenant = FakeTenant::start().await.expect("start");
    let token = tenant.issue_token();
    for chunked in [false, true] {
        // A route the fake does not know.
        assert_eq!(
            upload(&tenant, "/api/v2/no-such-thing", &token, chunked).await,
            404
        );
        // The import route, over Auth0's size limit.
        assert_eq!(
            upload(&tenant, "/api/v2/jobs/users-imports", &token, chunked).await,
            413
        );
        // A route that fails: bad token, and an injected 500.
        let s = upload(&tenant, "/api/v2/users", "not-a-token", chunked).await;
        assert!(s == 413 || s == 401, "{s}");
        tenant.inject_fault(Route::CreateUser, Fault::InternalError, 1);
        assert_eq!(upload(&tenant, "/api/v2/users", &token, chunked).await, 500);
        // The admin API too.
        assert_eq!(upload(&tenant, "/__fake/seed", &token, chunked).await, 413);
    }
}
