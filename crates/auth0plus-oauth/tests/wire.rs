//! Every Authentication API call, on the wire: method, path, body (form or
//! JSON) and client authentication, exactly; answers parsed into their types.

use std::time::Duration;

use auth0plus_oauth::{
    AuthenticationClient, ClientAuthentication, Error, PasswordlessSend, Secret, SubjectToken,
    TokenProblem,
};
use auth0plus_transport::test_util::{
    ManualClock, ManualSleep, RecordedRequest, ReplayBackend, response,
};
use base64::Engine as _;

const TOKENS: &str = r#"{"access_token":"at-1","id_token":"idt-1","refresh_token":"rt-2","scope":"openid offline_access","expires_in":86400,"token_type":"Bearer"}"#;

fn client(backend: &ReplayBackend, auth: ClientAuthentication) -> AuthenticationClient {
    AuthenticationClient::builder("acme.auth0.com", "cid")
        .authentication(auth)
        .backend(backend.clone())
        .telemetry(auth0plus_transport::Telemetry::disabled())
        .build()
        .unwrap()
}

fn secret_post(backend: &ReplayBackend) -> AuthenticationClient {
    client(
        backend,
        ClientAuthentication::ClientSecretPost(Secret::new("csecret")),
    )
}

fn only(backend: &ReplayBackend) -> RecordedRequest {
    let requests = backend.requests();
    assert_eq!(requests.len(), 1, "one request");
    requests.into_iter().next().unwrap()
}

/// The request's form, in order.
fn form(r: &RecordedRequest) -> Vec<(String, String)> {
    assert_eq!(
        r.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    form_urlencoded::parse(&r.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn json(r: &RecordedRequest) -> serde_json::Value {
    assert_eq!(r.headers["content-type"], "application/json");
    serde_json::from_slice(&r.body).unwrap()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn post_to(r: &RecordedRequest, path: &str) {
    assert_eq!(r.method, http::Method::POST);
    assert_eq!(r.uri.to_string(), format!("https://acme.auth0.com{path}"));
}

#[tokio::test]
async fn client_credentials_with_audience_scope_and_organization() {
    let backend = ReplayBackend::new().then(response(
        200,
        r#"{"access_token":"at","expires_in":60,"token_type":"Bearer"}"#,
    ));
    let tokens = secret_post(&backend)
        .client_credentials()
        .audience("https://api.example")
        .scope("read:x")
        .organization("org_1")
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.access_token.expose(), "at");
    let r = only(&backend);
    post_to(&r, "/oauth/token");
    assert_eq!(
        form(&r),
        pairs(&[
            ("grant_type", "client_credentials"),
            ("audience", "https://api.example"),
            ("scope", "read:x"),
            ("organization", "org_1"),
            ("client_id", "cid"),
            ("client_secret", "csecret")
        ])
    );
    assert!(r.headers.get("authorization").is_none());
}

#[tokio::test]
async fn client_secret_basic_puts_the_secret_in_the_header_only() {
    let backend = ReplayBackend::new().then(response(200, TOKENS));
    client(
        &backend,
        ClientAuthentication::ClientSecretBasic(Secret::new("s&cret")),
    )
    .client_credentials()
    .audience("a")
    .send()
    .await
    .unwrap();
    let r = only(&backend);
    assert_eq!(
        form(&r),
        pairs(&[
            ("grant_type", "client_credentials"),
            ("audience", "a"),
            ("client_id", "cid")
        ])
    );
    let basic = base64::engine::general_purpose::STANDARD.encode("cid:s%26cret");
    assert_eq!(
        r.headers["authorization"],
        format!("Basic {basic}").as_str()
    );
}

#[tokio::test]
async fn a_caller_supplied_secret_or_assertion_is_refused_before_sending() {
    let backend = ReplayBackend::new();
    let c = secret_post(&backend);
    for name in [
        "client_secret",
        "client_assertion",
        "client_assertion_type",
        "client_id",
        "grant_type",
    ] {
        let err = c
            .client_credentials()
            .param(name, "attacker")
            .send()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{name}: {err}");
    }
    assert_eq!(backend.request_count(), 0);
}

#[tokio::test]
async fn authorization_code_with_pkce_as_a_public_client() {
    let backend = ReplayBackend::new().then(response(200, TOKENS));
    let tokens = client(&backend, ClientAuthentication::None)
        .authorization_code(&Secret::new("the-code"))
        .redirect_uri("https://app.example/cb")
        .code_verifier(&Secret::new("v".repeat(43)))
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.id_token.unwrap().expose(), "idt-1");
    let r = only(&backend);
    post_to(&r, "/oauth/token");
    assert_eq!(
        form(&r),
        pairs(&[
            ("grant_type", "authorization_code"),
            ("code", "the-code"),
            ("redirect_uri", "https://app.example/cb"),
            ("code_verifier", &"v".repeat(43)),
            ("client_id", "cid")
        ])
    );
}

#[tokio::test]
async fn refresh_token_returns_the_rotated_refresh_token() {
    let backend = ReplayBackend::new().then(response(200, TOKENS));
    let tokens = secret_post(&backend)
        .refresh_token(&Secret::new("rt-1"))
        .scope("openid")
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.refresh_token.unwrap().expose(), "rt-2");
    assert_eq!(
        form(&only(&backend)),
        pairs(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "rt-1"),
            ("scope", "openid"),
            ("client_id", "cid"),
            ("client_secret", "csecret")
        ])
    );
}

#[tokio::test]
async fn password_realm_sends_the_users_ip_in_auth0_forwarded_for() {
    let backend = ReplayBackend::new().then(response(200, TOKENS));
    secret_post(&backend)
        .password("ada@example.com", "pw")
        .realm("db")
        .audience("https://api")
        .scope("openid")
        .forwarded_for("203.0.113.9".parse().unwrap())
        .send()
        .await
        .unwrap();
    let r = only(&backend);
    assert_eq!(r.headers["auth0-forwarded-for"], "203.0.113.9");
    assert_eq!(
        form(&r),
        pairs(&[
            (
                "grant_type",
                "http://auth0.com/oauth/grant-type/password-realm"
            ),
            ("username", "ada@example.com"),
            ("password", "pw"),
            ("realm", "db"),
            ("audience", "https://api"),
            ("scope", "openid"),
            ("client_id", "cid"),
            ("client_secret", "csecret"),
        ])
    );
}

#[tokio::test]
async fn the_password_grant_without_a_realm() {
    let backend = ReplayBackend::new().then(response(200, TOKENS));
    secret_post(&backend)
        .password("ada", "pw")
        .send()
        .await
        .unwrap();
    assert_eq!(
        form(&only(&backend))[0],
        ("grant_type".into(), "password".into())
    );
}

#[tokio::test]
async fn mfa_required_carries_the_mfa_token_and_mfa_grants_send_it() {
    let backend = ReplayBackend::new()
        .then(response(403, r#"{"error":"mfa_required","error_description":"Multifactor authentication required","mfa_token":"mfa-1"}"#))
        .then(response(200, r#"{"challenge_type":"oob","oob_code":"oob-1","binding_method":"prompt"}"#))
        .then(response(200, TOKENS))
        .then(response(200, TOKENS))
        .then(response(200, r#"{"access_token":"a","recovery_code":"NEW"}"#));
    let c = secret_post(&backend);
    let err = c.password("ada", "pw").send().await.unwrap_err();
    let mfa = err.mfa_token().unwrap().clone();
    assert_eq!(mfa.expose(), "mfa-1");
    let challenge = c
        .mfa_challenge(&mfa)
        .challenge_type("oob")
        .authenticator_id("sms|dev_1")
        .send()
        .await
        .unwrap();
    let oob = challenge.oob_code.clone().unwrap();
    c.mfa_oob(&mfa, &oob)
        .binding_code(&Secret::new("123456"))
        .send()
        .await
        .unwrap();
    c.mfa_otp(&mfa, &Secret::new("654321"))
        .send()
        .await
        .unwrap();
    let recovered = c
        .mfa_recovery_code(&mfa, &Secret::new("RC"))
        .send()
        .await
        .unwrap();
    assert_eq!(recovered.recovery_code.unwrap().expose(), "NEW");
    let r = backend.requests();
    post_to(&r[1], "/mfa/challenge");
    assert_eq!(
        json(&r[1]),
        serde_json::json!({"mfa_token":"mfa-1","challenge_type":"oob","authenticator_id":"sms|dev_1","client_id":"cid","client_secret":"csecret"})
    );
    assert_eq!(
        form(&r[2]),
        pairs(&[
            ("grant_type", "http://auth0.com/oauth/grant-type/mfa-oob"),
            ("mfa_token", "mfa-1"),
            ("oob_code", "oob-1"),
            ("binding_code", "123456"),
            ("client_id", "cid"),
            ("client_secret", "csecret")
        ])
    );
    assert_eq!(
        form(&r[3])[..3],
        pairs(&[
            ("grant_type", "http://auth0.com/oauth/grant-type/mfa-otp"),
            ("mfa_token", "mfa-1"),
            ("otp", "654321")
        ])[..]
    );
    assert_eq!(
        form(&r[4])[..3],
        pairs(&[
            (
                "grant_type",
                "http://auth0.com/oauth/grant-type/mfa-recovery-code"
            ),
            ("mfa_token", "mfa-1"),
            ("recovery_code", "RC")
        ])[..]
    );
}

#[tokio::test]
async fn passwordless_start_is_json_and_the_otp_grant_a_form() {
    let backend = ReplayBackend::new()
        .then(response(
            200,
            r#"{"_id":"5f","email":"ada@example.com","email_verified":false}"#,
        ))
        .then(response(
            200,
            r#"{"_id":"6f","phone_number":"+15550100","phone_verified":false}"#,
        ))
        .then(response(200, TOKENS));
    let c = secret_post(&backend);
    let started = c
        .passwordless_email("ada@example.com")
        .send_as(PasswordlessSend::Link)
        .auth_param("scope", "openid")
        .send()
        .await
        .unwrap();
    assert_eq!(started.email.as_deref(), Some("ada@example.com"));
    c.passwordless_sms("+15550100").send().await.unwrap();
    c.passwordless_otp("ada@example.com", &Secret::new("123456"), "email")
        .scope("openid")
        .send()
        .await
        .unwrap();
    let r = backend.requests();
    post_to(&r[0], "/passwordless/start");
    assert_eq!(
        json(&r[0]),
        serde_json::json!({"connection":"email","email":"ada@example.com","send":"link","authParams":{"scope":"openid"},"client_id":"cid","client_secret":"csecret"})
    );
    assert_eq!(
        json(&r[1]),
        serde_json::json!({"connection":"sms","phone_number":"+15550100","send":"code","client_id":"cid","client_secret":"csecret"})
    );
    assert_eq!(
        form(&r[2]),
        pairs(&[
            (
                "grant_type",
                "http://auth0.com/oauth/grant-type/passwordless/otp"
            ),
            ("username", "ada@example.com"),
            ("realm", "email"),
            ("otp", "123456"),
            ("scope", "openid"),
            ("client_id", "cid"),
            ("client_secret", "csecret")
        ])
    );
}

#[tokio::test]
async fn device_polling_waits_the_interval_and_slows_down_on_the_injected_timer() {
    let pending = r#"{"error":"authorization_pending","error_description":"User has yet to authorize device code."}"#;
    let backend = ReplayBackend::new()
        .then(response(200, r#"{"device_code":"dc","user_code":"BCDF-GHJK","verification_uri":"https://acme.auth0.com/activate","expires_in":900,"interval":7}"#))
        .then(response(403, pending))
        .then(response(429, r#"{"error":"slow_down","error_description":"You are polling faster than allowed."}"#))
        .then(response(403, pending))
        .then(response(200, TOKENS));
    let clock = ManualClock::fixed();
    let sleep = ManualSleep::new(&clock);
    let c = AuthenticationClient::builder("acme.auth0.com", "cid")
        .backend(backend.clone())
        .sleep(sleep.clone())
        .clock(clock.clone())
        .build()
        .unwrap();
    let device = c
        .device_authorization()
        .scope("openid")
        .audience("https://api")
        .send()
        .await
        .unwrap();
    assert_eq!(device.user_code, "BCDF-GHJK");
    assert!(!format!("{device:?}").contains("dc\""), "{device:?}");
    let tokens = c.poll_device_token(&device).await.unwrap();
    assert_eq!(tokens.access_token.expose(), "at-1");
    assert_eq!(sleep.sleeps(), [7, 7, 12, 12].map(Duration::from_secs));
    let r = backend.requests();
    post_to(&r[0], "/oauth/device/code");
    assert_eq!(
        form(&r[0]),
        pairs(&[
            ("scope", "openid"),
            ("audience", "https://api"),
            ("client_id", "cid")
        ])
    );
    assert_eq!(
        form(&r[1]),
        pairs(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", "dc"),
            ("client_id", "cid")
        ])
    );
}

#[tokio::test]
async fn polling_stops_at_the_deadline_and_on_a_refusal() {
    let pending = r#"{"error":"authorization_pending"}"#;
    let backend = ReplayBackend::new().otherwise(move |_| response(403, pending));
    let clock = ManualClock::fixed();
    let c = AuthenticationClient::builder("acme.auth0.com", "cid")
        .backend(backend.clone())
        .sleep(ManualSleep::new(&clock))
        .clock(clock.clone())
        .build()
        .unwrap();
    let auth: auth0plus_oauth::BackchannelAuthorization =
        serde_json::from_str(r#"{"auth_req_id":"ar","expires_in":30,"interval":5}"#).unwrap();
    let err = c.poll_backchannel(&auth).await.unwrap_err();
    assert!(
        matches!(err, Error::PollingExpired { waited_seconds: 25 }),
        "{err}"
    );
    assert_eq!(backend.request_count(), 5, "never polls past the deadline");
    let denied = ReplayBackend::new().then(response(
        403,
        r#"{"error":"access_denied","error_description":"User cancelled"}"#,
    ));
    let c = AuthenticationClient::builder("acme.auth0.com", "cid")
        .backend(denied)
        .sleep(ManualSleep::detached())
        .build()
        .unwrap();
    let err = c.poll_backchannel(&auth).await.unwrap_err();
    assert_eq!(
        err.auth_code(),
        Some(auth0plus_oauth::AuthErrorCode::AccessDenied)
    );
}

#[tokio::test]
async fn ciba_sends_auth0s_login_hint_and_polls_its_grant() {
    let backend = ReplayBackend::new()
        .then(response(
            200,
            r#"{"auth_req_id":"ar-1","expires_in":300,"interval":5}"#,
        ))
        .then(response(200, TOKENS));
    let c = AuthenticationClient::builder("acme.auth0.com", "cid")
        .client_secret("csecret")
        .backend(backend.clone())
        .sleep(ManualSleep::detached())
        .build()
        .unwrap();
    let auth = c
        .backchannel_authorize("auth0|u1", "Approve transfer 42")
        .audience("https://bank")
        .send()
        .await
        .unwrap();
    c.poll_backchannel(&auth).await.unwrap();
    let r = backend.requests();
    post_to(&r[0], "/bc-authorize");
    assert_eq!(
        form(&r[0]),
        pairs(&[
            (
                "login_hint",
                r#"{"format":"iss_sub","iss":"https://acme.auth0.com/","sub":"auth0|u1"}"#
            ),
            ("binding_message", "Approve transfer 42"),
            ("scope", "openid"),
            ("audience", "https://bank"),
            ("client_id", "cid"),
            ("client_secret", "csecret"),
        ])
    );
    assert_eq!(
        form(&r[1])[..2],
        pairs(&[
            ("grant_type", "urn:openid:params:grant-type:ciba"),
            ("auth_req_id", "ar-1")
        ])[..]
    );
}

#[tokio::test]
async fn token_exchange_and_the_token_for_a_connection() {
    let backend = ReplayBackend::new().then(response(200, TOKENS)).then(response(200, r#"{"access_token":"google-at","issued_token_type":"http://auth0.com/oauth/token-type/federated-connection-access-token","expires_in":3600,"token_type":"Bearer"}"#));
    let c = secret_post(&backend);
    c.token_exchange(&Secret::new("ext-token"), "urn:acme:legacy-token")
        .audience("https://api")
        .scope("openid")
        .send()
        .await
        .unwrap();
    let vault = c
        .token_for_connection(
            "google-oauth2",
            &SubjectToken::RefreshToken(Secret::new("rt")),
        )
        .login_hint("ada@gmail.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        vault.issued_token_type.as_deref(),
        Some("http://auth0.com/oauth/token-type/federated-connection-access-token")
    );
    let r = backend.requests();
    assert_eq!(
        form(&r[0]),
        pairs(&[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange"
            ),
            ("subject_token", "ext-token"),
            ("subject_token_type", "urn:acme:legacy-token"),
            ("audience", "https://api"),
            ("scope", "openid"),
            ("client_id", "cid"),
            ("client_secret", "csecret")
        ])
    );
    assert_eq!(
        form(&r[1]),
        pairs(&[
            (
                "grant_type",
                "urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token"
            ),
            ("subject_token", "rt"),
            (
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:refresh_token"
            ),
            (
                "requested_token_type",
                "http://auth0.com/oauth/token-type/federated-connection-access-token"
            ),
            ("connection", "google-oauth2"),
            ("login_hint", "ada@gmail.com"),
            ("client_id", "cid"),
            ("client_secret", "csecret"),
        ])
    );
}

#[tokio::test]
async fn signup_change_password_revoke_and_userinfo() {
    let backend = ReplayBackend::new()
        .then(response(
            200,
            r#"{"_id":"64f0","email":"ada@example.com","email_verified":false}"#,
        ))
        .then(response(
            200,
            r#""We've just sent you an email to reset your password.""#,
        ))
        .then(response(200, ""))
        .then(response(
            200,
            r#"{"sub":"auth0|64f0","email":"ada@example.com","https://acme/roles":["admin"]}"#,
        ));
    let c = secret_post(&backend);
    let mut meta = serde_json::Map::new();
    meta.insert("plan".into(), "pro".into());
    let user = c
        .signup("ada@example.com", "pw-1", "db")
        .given_name("Ada")
        .user_metadata(meta)
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_id(), "auth0|64f0");
    let message = c.change_password("ada@example.com", "db").await.unwrap();
    assert!(message.starts_with("We've just sent you an email"));
    c.revoke_refresh_token(&Secret::new("rt-9")).await.unwrap();
    let info = c.userinfo(&Secret::new("at-9")).await.unwrap();
    assert_eq!(
        info.extra["https://acme/roles"][0], "admin",
        "unknown claims are kept"
    );
    let r = backend.requests();
    post_to(&r[0], "/dbconnections/signup");
    assert_eq!(
        json(&r[0]),
        serde_json::json!({"email":"ada@example.com","password":"pw-1","connection":"db","given_name":"Ada","user_metadata":{"plan":"pro"},"client_id":"cid"})
    );
    post_to(&r[1], "/dbconnections/change_password");
    assert_eq!(
        json(&r[1]),
        serde_json::json!({"email":"ada@example.com","connection":"db","client_id":"cid"})
    );
    post_to(&r[2], "/oauth/revoke");
    assert_eq!(
        form(&r[2]),
        pairs(&[
            ("token", "rt-9"),
            ("client_id", "cid"),
            ("client_secret", "csecret")
        ])
    );
    assert_eq!(r[3].method, http::Method::GET);
    assert_eq!(r[3].uri.to_string(), "https://acme.auth0.com/userinfo");
    assert_eq!(r[3].headers["authorization"], "Bearer at-9");
    assert!(r[3].headers["authorization"].is_sensitive());
}

#[tokio::test]
async fn pushed_authorization_requests_and_the_urls() {
    let backend = ReplayBackend::new().then(response(
        201,
        r#"{"request_uri":"urn:ietf:params:oauth:request_uri:abc","expires_in":30}"#,
    ));
    let c = secret_post(&backend);
    let authorize = c
        .authorize_url("https://app.example/cb?x=1&y")
        .state("st&ate")
        .nonce("n")
        .code_challenge("ch")
        .organization("org_1")
        .invitation("inv")
        .connection("db")
        .prompt("login")
        .max_age(300)
        .param("screen_hint", "signup");
    assert_eq!(
        authorize.build().unwrap(),
        "https://acme.auth0.com/authorize?response_type=code&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1%26y&scope=openid+profile+email&state=st%26ate&nonce=n&code_challenge=ch&code_challenge_method=S256&organization=org_1&invitation=inv&connection=db&prompt=login&max_age=300&screen_hint=signup&client_id=cid"
    );
    assert!(
        c.authorize_url("x")
            .param("client_id", "evil")
            .build()
            .is_err()
    );
    let pushed = authorize.push().await.unwrap();
    assert_eq!(
        c.authorize_url_for_request(&pushed),
        "https://acme.auth0.com/authorize?client_id=cid&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc"
    );
    let r = only(&backend);
    post_to(&r, "/oauth/par");
    assert_eq!(
        form(&r).last().unwrap(),
        &("client_secret".to_owned(), "csecret".to_owned())
    );
    assert_eq!(
        c.logout_url()
            .return_to("https://app.example/")
            .federated()
            .build(),
        "https://acme.auth0.com/v2/logout?returnTo=https%3A%2F%2Fapp.example%2F&federated=&client_id=cid"
    );
    assert_eq!(
        c.oidc_logout_url()
            .id_token_hint(&Secret::new("idt"))
            .post_logout_redirect_uri("https://app.example/")
            .state("s")
            .build(),
        "https://acme.auth0.com/oidc/logout?id_token_hint=idt&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2F&state=s&client_id=cid"
    );
}

#[tokio::test]
async fn errors_keep_status_code_and_description_and_never_a_secret() {
    let backend = ReplayBackend::new()
        .then(response(403, r#"{"error":"invalid_grant","error_description":"Wrong email or password for hunter22."}"#))
        .then(response(429, r#"{"error":"too_many_attempts","error_description":"Your account has been blocked after multiple consecutive login attempts."}"#))
        .then(response(400, r#"{"name":"BadRequestError","code":"invalid_signup","description":"Invalid sign up","statusCode":400}"#))
        .then(response(502, "<html>Bad Gateway csecret</html>"));
    let c = secret_post(&backend);
    let err = c.password("ada", "hunter22").send().await.unwrap_err();
    assert!(err.is_invalid_grant());
    assert_eq!(err.status(), Some(403));
    assert!(!format!("{err} {err:?}").contains("hunter22"), "{err}");
    let err = c.password("ada", "x").send().await.unwrap_err();
    assert_eq!(
        err.auth_code(),
        Some(auth0plus_oauth::AuthErrorCode::TooManyAttempts)
    );
    let err = c.signup("a@b.c", "x", "db").send().await.unwrap_err();
    assert_eq!(
        err.auth_code(),
        Some(auth0plus_oauth::AuthErrorCode::Signup(
            "invalid_signup".into()
        ))
    );
    assert_eq!(err.description(), Some("Invalid sign up"));
    let err = c.password("ada", "x").send().await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert!(!format!("{err} {err:?}").contains("csecret"), "{err}");
}

#[tokio::test]
async fn a_token_answer_that_is_not_one_is_a_typed_error_that_shows_no_token() {
    for body in [
        "",
        "{",
        r#"{"id_token":"zq9"}"#,
        r#"{"access_token":"zq9\r\nX: 1"}"#,
    ] {
        let backend = ReplayBackend::new().then(response(200, body));
        let err = secret_post(&backend)
            .password("a", "b")
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::UnexpectedResponse {
                    status: 200,
                    body: None,
                    ..
                }
            ),
            "{body}: {err}"
        );
        assert!(!err.to_string().contains("zq9"));
    }
}

#[tokio::test]
async fn verifying_with_an_unreachable_jwks_is_a_jwks_error_not_a_pass() {
    let backend = ReplayBackend::new().then(response(500, "{}"));
    let c = secret_post(&backend);
    let verifier = c.id_token_verifier().unwrap();
    let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJzdWIiOiJ4In0.c2ln";
    let err = verifier
        .verify(&Secret::new(token), &Default::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Jwks(_)), "{err}");
    let err = verifier
        .verify(&Secret::new("not.a-jwt"), &Default::default())
        .await
        .unwrap_err();
    assert_eq!(err.token_problem(), Some(TokenProblem::Malformed));
}

/// Every public future of the client is `Send` and `'static`.
#[test]
fn futures_are_send_and_static() {
    fn check<T: Send + 'static>(_: &T) {}
    let c = secret_post(&ReplayBackend::new());
    let s = Secret::new("x");
    check(&c.client_credentials().send());
    check(&c.password("a", "b").send());
    check(&c.refresh_token(&s).send());
    check(&c.passwordless_email("a@b.c").send());
    check(&c.device_authorization().send());
    check(&c.backchannel_authorize("u", "m").send());
    check(&c.mfa_challenge(&s).send());
    check(&c.signup("a@b.c", "p", "db").send());
    check(&c.authorize_url("x").push());
    let c2 = c.clone();
    check(&async move { c2.userinfo(&Secret::new("t")).await });
    let c3 = c.clone();
    check(&async move { c3.revoke_refresh_token(&Secret::new("t")).await });
    let c4 = c.clone();
    check(&async move { c4.change_password("a", "b").await });
    let v = c.id_token_verifier().unwrap();
    check(&async move { v.verify(&Secret::new("t"), &Default::default()).await });
}
