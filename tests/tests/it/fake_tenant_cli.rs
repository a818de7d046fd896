//! The fake tenant started as a user starts it (`fake-tenant --tls`), and the
//! README's quick start (create, get, query, delete) run against what it prints, unchanged: the domain
//! `localhost:PORT` as the domain, the CA it names as the one root to add.

use std::process::Stdio;
use std::time::Duration;

use auth0plus::prelude::*;
use serde_json::Value;
use tokio::io::AsyncBufReadExt as _;

/// The fake tenant's process; interrupted (ctrl-c, so it cleans up) when dropped.
struct Server {
    child: tokio::process::Child,
    line: Value,
}

impl Server {
    async fn start(args: &[&str]) -> Self {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_fake-tenant"))
            .args(args)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("fake_tenant starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        tokio::time::timeout(
            Duration::from_secs(60),
            tokio::io::BufReader::new(stdout).read_line(&mut line),
        )
        .await
        .expect("the JSON line within a minute")
        .expect("read the JSON line");
        let line = serde_json::from_str(&line).expect("one JSON object on the first line");
        Self { child, line }
    }

    fn field(&self, name: &str) -> &str {
        self.line[name]
            .as_str()
            .unwrap_or_else(|| panic!("{name} in {}", self.line))
    }

    /// Stop it as ctrl-c does, and wait until it is gone.
    async fn interrupt(mut self) {
        let pid = self.child.id().expect("still running").to_string();
        let status = tokio::process::Command::new("kill")
            .args(["-s", "INT", &pid])
            .status()
            .await
            .expect("kill runs");
        assert!(status.success());
        tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("it stops on ctrl-c")
            .expect("exit status");
    }
}

#[tokio::test]
async fn the_quick_start_runs_over_tls_with_what_fake_tenant_prints() {
    let server = Server::start(&["--tls", "--addr", "127.0.0.1:0"]).await;
    let domain = server.field("domain");
    assert!(domain.starts_with("localhost:"), "{domain}");
    let ca_path = std::path::PathBuf::from(server.field("ca_pem_path"));
    let (client_id, client_secret, connection) = (
        server.field("client_id"),
        server.field("client_secret"),
        server.field("connection"),
    );

    // The README's quick start, with the printed values and the printed CA;
    // no base URL: `https://{domain}` is where the fake listens.
    let auth0 = Auth0::builder(domain)
        .client_credentials(client_id, client_secret) // tokens fetched, cached, refreshed
        .default_connection(connection)
        .root_certificate_pem(std::fs::read(&ca_path).expect("the printed CA"))
        .build()
        .expect("build");
    let users = auth0.users();
    let (user, created) = users
        .get_or_create(
            [("email", "quickstart@example.com")],
            NewUser::new().password("Sw0rdfish!"),
        )
        .await
        .expect("get_or_create over TLS");
    assert!(created);
    assert_eq!(user.email.as_deref(), Some("quickstart@example.com"));
    assert_eq!(auth0.base_url(), format!("https://{domain}"));
    let fetched = users
        .get([("email", "quickstart@example.com")])
        .await
        .expect("get over TLS");
    assert_eq!(fetched.id(), user.id());
    // Search lags behind writes, as Auth0's does: wait for the index.
    let query = users.query().filter([("email__startswith", "quickstart")]);
    let mut found = Vec::new();
    for _ in 0..600 {
        found = query.fetch_all().await.expect("query over TLS");
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].id(), user.id());
    users.delete(user.id().unwrap()).await.expect("delete");
    assert!(matches!(
        users.get([("email", "quickstart@example.com")]).await,
        Err(Error::DoesNotExist { .. })
    ));

    // Without the CA the same client is refused at the handshake, and says so.
    let untrusting = Auth0::builder(domain)
        .client_credentials(client_id, client_secret)
        .default_connection(connection)
        .build()
        .expect("build");
    let err = untrusting.users().all().count().await.unwrap_err();
    assert!(
        matches!(&err, Error::Token(auth0plus::oauth::Error::Transport(e)) if e.is_connect()),
        "{err:?}"
    );
    assert!(format!("{err:?}").contains("UnknownIssuer"), "{err:?}");

    server.interrupt().await;
    assert!(!ca_path.exists(), "{} left behind", ca_path.display());
}
