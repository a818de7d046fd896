//! No access token, client secret or password ever shows up in logs (tracing at TRACE) or in
//! the `Debug`/`Display` output of any public type or error.

use std::sync::OnceLock;
use std::time::Duration;

use auth0plus::oauth::{CachedTokenSource, ClientCredentials, TokenSource};
use auth0plus::transport::{RetryPolicy, Secret};
use auth0plus::{Auth0, NewUser};
use auth0plus_fake::{FakeTenant, Fault, Route};
use auth0plus_tests::Captured;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Install one global TRACE subscriber writing into a buffer (once per test binary).
fn captured_logs() -> Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let writer = logs.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .init();
        logs
    })
    .clone()
}

/// Debug, pretty Debug and Display of `value`, appended to `out`.
fn show_all(
    out: &mut Vec<String>,
    label: &str,
    value: &(impl std::fmt::Debug + std::fmt::Display),
) {
    out.push(format!("{label}: {value:?}"));
    out.push(format!("{label}: {value:#?}"));
    out.push(format!("{label}: {value}"));
}

fn show_debug(out: &mut Vec<String>, label: &str, value: &impl std::fmt::Debug) {
    out.push(format!("{label}: {value:?}"));
    out.push(format!("{label}: {value:#?}"));
}

/// Every secret, and (for JWTs) its signature alone, must be absent from `haystack`.
fn assert_absent(haystack: &str, secrets: &[(&str, String)]) {
    for (what, secret) in secrets {
        assert!(secret.len() >= 8, "{what} is too short to search for");
        assert!(
            !haystack.contains(secret.as_str()),
            "the {what} leaked:\n{}",
            haystack
                .lines()
                .filter(|l| l.contains(secret.as_str()))
                .collect::<Vec<_>>()
                .join("\n")
        );
        if let Some(signature) = secret.rsplit('.').next().filter(|s| s.len() >= 16) {
            assert!(
                !haystack.contains(signature),
                "the {what}'s signature leaked"
            );
        }
    }
}

const CLIENT_SECRET: &str = "cs-Zq7vW2pLm9XkT4rB8nH3jD6fG1sA5yE0uIoP";
const PASSWORD_CREATE: &str = "pw-create-Kx93mQv7Lr2Tz8";
const PASSWORD_SAVE: &str = "pw-save-Hn47cWp2Ys9Bq1";
const PASSWORD_DUPLICATE: &str = "pw-dup-Fj62kRt8Vm3Xa5";
const PASSWORD_FAILED_SAVE: &str = "pw-failsave-Qe18nZu4Gd7Lc2";
const WRONG_SECRET: &str = "wrong-secret-Mb5xTq9Wn2Kv8Rp4";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_flow_leaks_no_secret_into_logs_or_formatting() {
    let logs = captured_logs();
    let tenant = FakeTenant::builder()
        .client_secret(CLIENT_SECRET)
        .start()
        .await
        .unwrap();
    let mut shown = Vec::new();
    let policy = RetryPolicy::default().base_delay(Duration::from_millis(5));

    let builder = Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), CLIENT_SECRET)
        .default_connection(tenant.connection())
        .base_url(tenant.base_url())
        .retry_policy(policy.clone());
    show_debug(&mut shown, "Auth0Builder", &builder);
    let auth0 = builder.build().unwrap();
    show_debug(&mut shown, "Auth0", &auth0);
    show_debug(&mut shown, "Users", &auth0.users());

    // Token fetch, through the client and on its own.
    let access_token = auth0.token_source().token().await.unwrap();
    show_all(&mut shown, "Secret", &access_token);
    show_debug(&mut shown, "TokenSource", auth0.token_source());
    let credentials = ClientCredentials::new(tenant.domain(), tenant.client_id(), CLIENT_SECRET)
        .unwrap()
        .base_url(tenant.base_url())
        .unwrap()
        .retry_policy(policy.clone());
    show_debug(&mut shown, "ClientCredentials", &credentials);
    let token = credentials.request_token().await.unwrap();
    show_debug(&mut shown, "Token", &token);
    let cached = CachedTokenSource::new(credentials.clone());
    let cached_token = cached.token().await.unwrap();
    show_debug(&mut shown, "CachedTokenSource", &cached);

    // Create with a password.
    let new = NewUser::new()
        .email("secret.keeper@example.com")
        .password(PASSWORD_CREATE);
    show_debug(&mut shown, "NewUser", &new);
    let mut user = auth0.users().create(new.clone()).await.unwrap();
    show_all(&mut shown, "User", &user);

    // Save with a password (two PATCHes: Auth0 refuses password + email together).
    user.set_password(PASSWORD_SAVE);
    user.email = Some("secret.keeper2@example.com".into());
    show_all(&mut shown, "User with a pending password", &user);
    show_debug(&mut shown, "pending changes", &user.pending_changes());
    show_debug(&mut shown, "password()", &user.password());
    show_debug(&mut shown, "state", &user.to_state());
    user.save().await.unwrap();
    show_all(&mut shown, "User after save", &user);

    // Failing calls: a duplicate create, a save that keeps failing, a wrong client secret,
    // a 401, a create whose answer is cut.
    let err = auth0
        .users()
        .create(
            NewUser::new()
                .email("secret.keeper2@example.com")
                .password(PASSWORD_DUPLICATE),
        )
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    show_all(&mut shown, "duplicate error", &err);

    tenant.inject_fault(Route::UpdateUser, Fault::InternalError, 4);
    user.set_password(PASSWORD_FAILED_SAVE);
    let err = user.save().await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    show_all(&mut shown, "failed save", &err);
    show_all(&mut shown, "User after failed save", &user);

    tenant.inject_fault(Route::CreateUser, Fault::DropMidBody, 1);
    let err = auth0
        .users()
        .create(
            NewUser::new()
                .email("cut@example.com")
                .password(PASSWORD_CREATE),
        )
        .await
        .unwrap_err();
    show_all(&mut shown, "cut create", &err);
    tenant.inject_fault(Route::CreateUser, Fault::TruncatedJson, 1);
    let err = auth0
        .users()
        .create(
            NewUser::new()
                .email("trunc@example.com")
                .password(PASSWORD_CREATE),
        )
        .await
        .unwrap_err();
    show_all(&mut shown, "truncated create", &err);

    let wrong = Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), WRONG_SECRET)
        .base_url(tenant.base_url())
        .retry_policy(policy.clone())
        .build()
        .unwrap();
    let err = wrong.users().get_by_id("auth0|x").await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err:?}");
    show_all(&mut shown, "token endpoint error", &err);
    show_debug(&mut shown, "wrong client", &wrong);

    let revoked_token = access_token.expose().to_owned();
    tenant.revoke_tokens();
    auth0.users().get_by_id(user.id().unwrap()).await.unwrap();
    let refreshed = auth0.token_source().token().await.unwrap();
    let stale = Auth0::builder(tenant.domain())
        .token(revoked_token.as_str())
        .base_url(tenant.base_url())
        .build()
        .unwrap();
    let err = stale.users().get_by_id("auth0|x").await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    show_all(&mut shown, "API 401", &err);
    show_debug(&mut shown, "static-token client", &stale);

    let mut haystack = logs.text();
    assert!(
        haystack.contains("http attempt") && haystack.contains("TRACE"),
        "the subscriber captured the library's and its dependencies' events"
    );
    haystack.push_str(&shown.join("\n"));
    assert_absent(
        &haystack,
        &[
            ("client secret", CLIENT_SECRET.to_owned()),
            ("wrong client secret", WRONG_SECRET.to_owned()),
            ("access token", revoked_token),
            ("refreshed access token", refreshed.expose().to_owned()),
            (
                "second access token",
                token.access_token.expose().to_owned(),
            ),
            ("cached access token", cached_token.expose().to_owned()),
            ("create password", PASSWORD_CREATE.to_owned()),
            ("save password", PASSWORD_SAVE.to_owned()),
            ("duplicate password", PASSWORD_DUPLICATE.to_owned()),
            ("failed-save password", PASSWORD_FAILED_SAVE.to_owned()),
        ],
    );
}

const ECHOED_PASSWORD: &str = "pw-echoed-Tg83hLq5Wz1Nc7";
const ECHOED_SECRET: &str = "cs-echoed-Yr26dKp9Bx4Jm8";

/// A misbehaving server (a proxy, a debug endpoint) that echoes the request body back in
/// its error: the client's errors must still not show the password or client secret.
#[tokio::test]
async fn errors_never_echo_a_request_body_holding_a_secret() {
    let logs = captured_logs();
    let mut shown = Vec::new();
    for html in [false, true] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(move |request: &Request| {
                let body = String::from_utf8_lossy(&request.body).into_owned();
                if html {
                    ResponseTemplate::new(400)
                        .set_body_raw(format!("<html><pre>{body}</pre></html>"), "text/html")
                } else {
                    ResponseTemplate::new(400).set_body_json(serde_json::json!({
                        "statusCode": 400,
                        "error": "Bad Request",
                        "error_description": format!("bad request: {body}"),
                        "message": format!("bad request: {body}"),
                    }))
                }
            })
            .mount(&server)
            .await;
        let auth0 = Auth0::builder("echo.example.com")
            .token("static-token-value-123456")
            .default_connection("db")
            .base_url(server.uri())
            .build()
            .unwrap();
        let err = auth0
            .users()
            .create(
                NewUser::new()
                    .email("echo@example.com")
                    .password(ECHOED_PASSWORD),
            )
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(400));
        show_all(&mut shown, "echoed create", &err);

        let credentials = ClientCredentials::new("echo.example.com", "client-id", ECHOED_SECRET)
            .unwrap()
            .base_url(&server.uri())
            .unwrap();
        let err = credentials.request_token().await.unwrap_err();
        assert_eq!(err.status(), Some(400));
        show_all(&mut shown, "echoed token error", &err);
        let err = auth0plus::Error::from(err);
        show_all(&mut shown, "echoed token error (management)", &err);
    }
    let mut haystack = logs.text();
    haystack.push_str(&shown.join("\n"));
    assert_absent(
        &haystack,
        &[
            ("echoed password", ECHOED_PASSWORD.to_owned()),
            ("echoed client secret", ECHOED_SECRET.to_owned()),
            ("static token", "static-token-value-123456".to_owned()),
        ],
    );
}

#[test]
fn secret_never_prints() {
    let s = Secret::new("hunter2-and-more");
    let mut shown = Vec::new();
    show_all(&mut shown, "Secret", &s);
    show_debug(&mut shown, "Option<Secret>", &Some(s.clone()));
    assert_absent(
        &shown.join("\n"),
        &[("secret", "hunter2-and-more".to_owned())],
    );
}
