//! `ReqwestBackend` against a real HTTP server (wiremock) and against failures
//! only a real socket can produce.

use auth0plus_transport::{Bytes, HttpBackend, ReqwestBackend, TransportErrorKind};
use tokio::io::AsyncWriteExt;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn sends_method_headers_body_and_returns_status_headers_body() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/api/v2/users/auth0%7C1"))
        .and(header("authorization", "Bearer t"))
        .and(body_string("{\"a\":1}"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-remaining", "9")
                .set_body_string("{}"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let backend = ReqwestBackend::new().unwrap();
    let request = http::Request::builder()
        .method("PATCH")
        .uri(format!("{}/api/v2/users/auth0%7C1", server.uri()))
        .header("authorization", "Bearer t")
        .body(Bytes::from_static(b"{\"a\":1}"))
        .unwrap();
    let response = backend.send(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-ratelimit-remaining"], "9");
    assert_eq!(response.body().as_ref(), b"{}");
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let backend = ReqwestBackend::new().unwrap();
    let request = http::Request::get(format!("http://{addr}/"))
        .body(Bytes::new())
        .unwrap();
    let err = backend.send(request).await.unwrap_err();
    assert_eq!(err.kind(), TransportErrorKind::Connect, "{err}");
}

#[tokio::test]
async fn a_body_cut_short_is_an_interrupted_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 1024];
        let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buf).await;
        socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"user_id\":")
            .await
            .unwrap();
        drop(socket);
    });
    let backend = ReqwestBackend::new().unwrap();
    let request = http::Request::get(format!("http://{addr}/"))
        .body(Bytes::new())
        .unwrap();
    let err = backend.send(request).await.unwrap_err();
    assert_eq!(err.kind(), TransportErrorKind::Interrupted, "{err}");
    assert!(err.may_have_reached_server());
}
