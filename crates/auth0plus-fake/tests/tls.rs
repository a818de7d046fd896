//! HTTPS: a throwaway CA, a `localhost` certificate, and the `localhost:PORT` domain that
//! official SDKs derive their audience from.

use auth0plus_fake::FakeTenant;
use serde_json::{Value, json};

fn client_trusting(pem: &str) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(pem.as_bytes()).expect("CA PEM");
    reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .expect("client")
}

#[tokio::test]
async fn tls_serves_localhost_with_a_throwaway_ca() {
    let tenant = FakeTenant::builder()
        .tls(true)
        .start()
        .await
        .expect("start");
    let port = tenant.addr().port();
    assert_eq!(tenant.base_url(), format!("https://localhost:{port}"));
    assert_eq!(tenant.domain(), format!("localhost:{port}"));
    assert_eq!(
        tenant.audience(),
        format!("https://localhost:{port}/api/v2/")
    );
    let path = tenant.ca_pem_path().expect("CA path").to_path_buf();
    let on_disk = std::fs::read_to_string(&path).expect("CA file");
    assert_eq!(Some(on_disk.as_str()), tenant.ca_pem());
    assert!(on_disk.starts_with("-----BEGIN CERTIFICATE-----"));

    // What an SDK does with domain = "localhost:PORT": token for the derived audience, then a call.
    let http = client_trusting(&on_disk);
    for host in ["localhost", "127.0.0.1"] {
        let base = format!("https://{host}:{port}");
        let r = http
            .post(format!("{base}/oauth/token"))
            .header("content-type", "application/json")
            .body(
                json!({"grant_type": "client_credentials", "client_id": tenant.client_id(),
                       "client_secret": tenant.client_secret(),
                       "audience": format!("https://localhost:{port}/api/v2/")})
                .to_string(),
            )
            .send()
            .await
            .expect("token over TLS");
        assert_eq!(r.status(), 200);
        let token: Value = serde_json::from_str(&r.text().await.unwrap()).expect("json");
        let r = http
            .get(format!("{base}/api/v2/users"))
            .bearer_auth(token["access_token"].as_str().unwrap())
            .send()
            .await
            .expect("users over TLS");
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), "[]");
    }

    // Without the CA the certificate is refused; plain HTTP gets no answer.
    let untrusting = reqwest::Client::new();
    assert!(untrusting.get(tenant.base_url()).send().await.is_err());
    assert!(
        reqwest::get(format!("http://127.0.0.1:{port}/api/v2/users"))
            .await
            .is_err()
    );

    // The CA file goes with the tenant.
    drop(tenant);
    assert!(!path.exists(), "{} left behind", path.display());
}

#[tokio::test]
async fn an_explicit_domain_wins_over_the_tls_default() {
    let tenant = FakeTenant::builder()
        .tls(true)
        .domain("example.auth0.com")
        .start()
        .await
        .expect("start");
    assert_eq!(tenant.domain(), "example.auth0.com");
    assert!(tenant.base_url().starts_with("https://localhost:"));
    // Two TLS tenants at once: each has its own CA.
    let other = FakeTenant::builder()
        .tls(true)
        .start()
        .await
        .expect("start");
    assert_ne!(other.ca_pem(), tenant.ca_pem());
    assert_ne!(other.ca_pem_path(), tenant.ca_pem_path());
    let plain = FakeTenant::start().await.expect("start");
    assert!(plain.ca_pem().is_none() && plain.ca_pem_path().is_none());
}

/// The standalone fake, stopped by SIGTERM (what `kill`, CI runners and process
/// managers send), removes its CA folder as it does on ctrl-c.
#[cfg(unix)]
#[tokio::test]
async fn sigterm_removes_the_ca_folder() {
    use tokio::io::AsyncBufReadExt as _;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_auth0plus-fake"))
        .args(["--tls", "--addr", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the fake starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    tokio::io::BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .expect("the JSON line");
    let info: serde_json::Value = serde_json::from_str(&line).expect("JSON");
    let ca = std::path::PathBuf::from(info["ca_pem_path"].as_str().expect("a CA path"));
    assert!(ca.exists());
    let pid = child.id().expect("a pid").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), child.wait())
        .await
        .expect("the fake stops")
        .expect("a status");
    assert!(status.success(), "{status}");
    assert!(!ca.exists(), "{} is left behind", ca.display());
    assert!(!ca.parent().expect("a folder").exists());
}
