//! The Authentication API, whole stack: `AuthenticationClient` through reqwest
//! to the fake tenant, every grant and endpoint, the tokens verified with the
//! tenant's real keys, and the log events Auth0 writes.

use std::time::Duration;

use auth0plus::fake::{ClientKey, FakeTenant};
use auth0plus::oauth::{
    AuthErrorCode, AuthenticationClient, ClientCredentials, Error, IdTokenChecks, Pkce,
    PrivateKeyJwt, Secret, SigningAlgorithm, SubjectToken, TokenSet, random_state,
};
use auth0plus::transport::http;
use auth0plus::transport::test_util::{ManualClock, ManualSleep};
use auth0plus::transport::{HttpBackend as _, ReqwestBackend};
use auth0plus_tests::{TestResult, fake_client};
use serde_json::{Value, json};

const PASSWORD: &str = "Correct-Horse-9";

/// A fresh RSA key: (private PKCS#8 PEM, public SPKI PEM).
fn rsa_key() -> (String, String) {
    let key = ClientKey::generate("RS256").unwrap();
    (key.private_pem, key.public_pem)
}

/// A fresh P-256 key: (private PKCS#8 PEM, public SPKI PEM).
fn ec_key() -> (String, String) {
    let key = ClientKey::generate("ES256").unwrap();
    (key.private_pem, key.public_pem)
}

async fn tenant() -> FakeTenant {
    let tenant = FakeTenant::builder()
        .index_delay(Duration::ZERO)
        .start()
        .await
        .unwrap();
    tenant.allow_grant_types(FakeTenant::all_grant_types());
    tenant
}

fn builder(tenant: &FakeTenant) -> auth0plus::oauth::AuthenticationClientBuilder {
    AuthenticationClient::builder(tenant.domain(), tenant.client_id())
        .client_secret(tenant.client_secret())
        .base_url(tenant.base_url())
}

fn auth(tenant: &FakeTenant) -> AuthenticationClient {
    builder(tenant).build().unwrap()
}

/// A client that polls on `clock`'s manual timer: no test waits for real time.
fn polling(tenant: &FakeTenant, clock: &ManualClock) -> (AuthenticationClient, ManualSleep) {
    let sleep = ManualSleep::new(clock);
    let auth = builder(tenant)
        .sleep(sleep.clone())
        .clock(clock.clone())
        .build()
        .unwrap();
    (auth, sleep)
}

async fn signed_up(tenant: &FakeTenant, email: &str) -> String {
    auth(tenant)
        .signup(email, PASSWORD, tenant.connection())
        .send()
        .await
        .unwrap()
        .user_id()
}

/// The tenant's log, oldest first.
async fn log_events(tenant: &FakeTenant) -> Vec<Value> {
    let mut events: Vec<Value> = fake_client(tenant)
        .request(http::Method::GET, ["logs"])
        .json()
        .await
        .unwrap();
    events.reverse();
    events
}

/// The Authentication API's event types, in order (the Management API's own
/// token requests and writes, made by the tests' set-up, left out).
fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| e["type"].as_str())
        .filter(|t| !matches!(*t, "seccft" | "sapi" | "fapi"))
        .collect()
}

/// PATCH the tenant's application.
async fn patch_client(tenant: &FakeTenant, body: Value) {
    fake_client(tenant)
        .request(http::Method::PATCH, ["clients", tenant.client_id()])
        .body(&body)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn sign_up_log_in_verify_read_refresh_with_rotation_and_revoke() -> TestResult {
    let tenant = tenant().await;
    patch_client(
        &tenant,
        json!({"refresh_token": {"rotation_type": "rotating", "expiration_type": "expiring"}}),
    )
    .await;
    let auth = auth(&tenant);
    let user = auth
        .signup("ada@example.com", PASSWORD, tenant.connection())
        .given_name("Ada")
        .send()
        .await?;
    assert!(!user.email_verified);
    let tokens = auth
        .password("ada@example.com", PASSWORD)
        .realm(tenant.connection())
        .scope("openid profile email offline_access")
        .send()
        .await?;
    let claims = auth
        .id_token_verifier()?
        .verify(
            tokens.id_token.as_ref().ok_or("an id token")?,
            &IdTokenChecks::new(),
        )
        .await?;
    assert_eq!(claims.sub, user.user_id());
    assert_eq!(claims.email.as_deref(), Some("ada@example.com"));
    assert!(claims.sid.is_some());
    let info = auth.userinfo(&tokens.access_token).await?;
    assert_eq!(info.sub, user.user_id());
    assert_eq!(info.given_name.as_deref(), Some("Ada"));

    let first = tokens.refresh_token.clone().ok_or("a refresh token")?;
    let refreshed = auth.refresh_token(&first).send().await?;
    let second = refreshed
        .refresh_token
        .clone()
        .ok_or("rotation returns a new refresh token")?;
    assert_ne!(first, second);
    auth.id_token_verifier()?
        .verify(
            refreshed.id_token.as_ref().ok_or("an id token")?,
            &IdTokenChecks::new(),
        )
        .await?;
    let reused = auth.refresh_token(&first).send().await.unwrap_err();
    assert!(reused.is_invalid_grant(), "{reused}");
    // Reuse of a rotated token revokes the family (Auth0's reuse detection).
    assert!(
        auth.refresh_token(&second)
            .send()
            .await
            .unwrap_err()
            .is_invalid_grant()
    );

    let again = auth
        .password("ada@example.com", PASSWORD)
        .realm(tenant.connection())
        .scope("openid offline_access")
        .send()
        .await?;
    let third = again.refresh_token.ok_or("a refresh token")?;
    auth.revoke_refresh_token(&third).await?;
    assert!(
        auth.refresh_token(&third)
            .send()
            .await
            .unwrap_err()
            .is_invalid_grant()
    );

    let events = log_events(&tenant).await;
    let login = events
        .iter()
        .find(|e| e["type"] == "sepft")
        .ok_or("a sepft event")?;
    assert_eq!(login["user_id"], user.user_id().as_str());
    assert_eq!(login["client_id"], tenant.client_id());
    assert_eq!(login["ip"], "127.0.0.1");
    assert!(login["user_agent"].as_str().is_some());
    assert_eq!(
        types(&events),
        [
            "ss", "sepft", "sertft", "fertft", "fertft", "sepft", "srrt", "fertft"
        ]
    );
    let text = serde_json::to_string(&events)?;
    assert!(!text.contains(PASSWORD), "no password in the log");
    assert!(!text.contains(first.expose()), "no token in the log");
    Ok(())
}

#[tokio::test]
async fn wrong_passwords_are_logged_and_block_after_ten_from_one_ip() -> TestResult {
    let tenant = tenant().await;
    signed_up(&tenant, "bo@example.com").await;
    patch_client(
        &tenant,
        json!({"is_token_endpoint_ip_header_trusted": true}),
    )
    .await;
    let auth = auth(&tenant);
    for _ in 0..10 {
        let err = auth
            .password("bo@example.com", "wrong")
            .forwarded_for("203.0.113.7".parse()?)
            .send()
            .await
            .unwrap_err();
        assert!(err.is_invalid_grant());
    }
    let blocked = auth
        .password("bo@example.com", PASSWORD)
        .forwarded_for("203.0.113.7".parse()?)
        .send()
        .await
        .unwrap_err();
    assert_eq!(blocked.auth_code(), Some(AuthErrorCode::TooManyAttempts));
    // The block is per IP: the same user from another IP still logs in.
    auth.password("bo@example.com", PASSWORD)
        .forwarded_for("198.51.100.1".parse()?)
        .send()
        .await?;
    let events = log_events(&tenant).await;
    let failed: Vec<&Value> = events.iter().filter(|e| e["type"] == "fepft").collect();
    assert_eq!(failed.len(), 11);
    assert_eq!(failed[0]["ip"], "203.0.113.7");
    assert_eq!(failed[0]["description"], "Wrong email or password.");
    Ok(())
}

#[tokio::test]
async fn client_credentials_by_secret_basic_and_by_private_key_jwt_rs256_and_ps256() -> TestResult {
    let tenant = tenant().await;
    let basic = builder(&tenant)
        .client_secret_basic(tenant.client_secret())
        .build()?;
    basic
        .client_credentials()
        .audience(tenant.audience())
        .send()
        .await?;

    let management = fake_client(&tenant);
    let (rsa_private, rsa_public) = rsa_key();
    let (ps_private, ps_public) = rsa_key();
    for (alg, public) in [("RS256", &rsa_public), ("PS256", &ps_public)] {
        management
            .request(
                http::Method::POST,
                ["clients", tenant.client_id(), "credentials"],
            )
            .body(&json!({"credential_type": "public_key", "name": alg, "pem": public, "alg": alg}))
            .send()
            .await?;
    }
    // Auth0 registers RS256, RS384 and PS256 credentials (ES256 is refused, as there).
    let (_, ec_public) = ec_key();
    let refused = management
        .request(
            http::Method::POST,
            ["clients", tenant.client_id(), "credentials"],
        )
        .body(&json!({"credential_type": "public_key", "pem": ec_public, "alg": "ES256"}))
        .send()
        .await;
    assert!(refused.is_err());
    for (pem, alg) in [
        (&rsa_private, SigningAlgorithm::Rs256),
        (&ps_private, SigningAlgorithm::Ps256),
    ] {
        let key = PrivateKeyJwt::from_pem(pem, alg)?;
        let credentials =
            ClientCredentials::private_key_jwt(tenant.domain(), tenant.client_id(), key)?
                .base_url(tenant.base_url())?;
        let token = credentials.request_token().await?;
        // The fake checked the assertion against the registered public key,
        // with its own JOSE code (aws-lc-rs), not the client's jsonwebtoken.
        assert!(token.scopes().any(|s| s == "read:users"), "{alg}");
    }
    // A key that was never registered, or a registered key under another algorithm, is refused.
    let (stranger, _) = rsa_key();
    let key = PrivateKeyJwt::from_pem(&stranger, SigningAlgorithm::Rs256)?;
    let err = ClientCredentials::private_key_jwt(tenant.domain(), tenant.client_id(), key)?
        .base_url(tenant.base_url())?
        .request_token()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    let key = PrivateKeyJwt::from_pem(&rsa_private, SigningAlgorithm::Rs384)?;
    let err = ClientCredentials::private_key_jwt(tenant.domain(), tenant.client_id(), key)?
        .base_url(tenant.base_url())?
        .request_token()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    let events = log_events(&tenant).await;
    assert_eq!(types(&events), ["feccft", "feccft"]);
    let refused = events
        .iter()
        .find(|e| e["type"] == "feccft")
        .ok_or("a failure")?;
    assert_eq!(refused["client_id"], tenant.client_id());
    Ok(())
}

#[tokio::test]
async fn the_management_client_gets_its_tokens_by_private_key_jwt() -> TestResult {
    let tenant = tenant().await;
    let (private, public) = rsa_key();
    fake_client(&tenant)
        .request(
            http::Method::POST,
            ["clients", tenant.client_id(), "credentials"],
        )
        .body(&json!({"credential_type": "public_key", "pem": public, "alg": "PS256"}))
        .send()
        .await?;
    let auth0 = auth0plus::Auth0::builder(tenant.domain())
        .private_key_jwt(
            tenant.client_id(),
            PrivateKeyJwt::from_pem(&private, SigningAlgorithm::Ps256)?,
        )
        .base_url(tenant.base_url())
        .build()?;
    assert_eq!(auth0.users().all().count().await?, 0);
    // Switched to private_key_jwt, the application's secret is refused, as on Auth0.
    auth0
        .request(http::Method::PATCH, ["clients", tenant.client_id()])
        .body(&json!({"token_endpoint_auth_method": null, "client_authentication_methods": {"private_key_jwt": {"credentials": []}}}))
        .send()
        .await?;
    let secret = auth(&tenant)
        .client_credentials()
        .audience(tenant.audience())
        .send()
        .await
        .unwrap_err();
    assert_eq!(secret.status(), Some(401), "{secret}");
    assert_eq!(auth0.users().all().count().await?, 0, "the key still works");
    Ok(())
}

#[tokio::test]
async fn a_private_key_jwt_assertion_works_once() -> TestResult {
    let tenant = tenant().await;
    let (private, public) = rsa_key();
    fake_client(&tenant)
        .request(
            http::Method::POST,
            ["clients", tenant.client_id(), "credentials"],
        )
        .body(&json!({"credential_type": "public_key", "pem": public}))
        .send()
        .await?;
    let key = PrivateKeyJwt::from_pem(&private, SigningAlgorithm::Rs256)?;
    let credentials = ClientCredentials::private_key_jwt(tenant.domain(), tenant.client_id(), key)?
        .base_url(tenant.base_url())?;
    let request = credentials.token_request()?;
    let backend = ReqwestBackend::new()?;
    assert_eq!(backend.send(request.clone()).await?.status(), 200);
    let replayed = backend.send(request).await?;
    assert_eq!(replayed.status(), 401);
    assert!(String::from_utf8_lossy(replayed.body()).contains("already been used"));
    Ok(())
}

/// Follow `/authorize` as a browser would, to the redirect's query.
async fn browse(url: &str) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let response = ReqwestBackend::new()?
        .send(http::Request::get(url).body(auth0plus::transport::Bytes::new())?)
        .await?;
    assert_eq!(
        response.status(),
        302,
        "{}",
        String::from_utf8_lossy(response.body())
    );
    let location = response.headers()["location"].to_str()?.to_owned();
    let query = location
        .split_once('?')
        .map(|(_, q)| q.to_owned())
        .unwrap_or_default();
    Ok(form_pairs(&query))
}

fn form_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn authorization_code_with_pkce_state_and_nonce() -> TestResult {
    let tenant = tenant().await;
    signed_up(&tenant, "cy@example.com").await;
    let auth = auth(&tenant);
    let pkce = Pkce::new()?;
    let (state, nonce) = (random_state()?, random_state()?);
    let url = auth
        .authorize_url("https://app.example/callback")
        .pkce(&pkce)
        .state(&state)
        .nonce(&nonce)
        .scope("openid email")
        .max_age(600)
        .param("login_hint", "cy@example.com")
        .build()?;
    let back = browse(&url).await?;
    assert_eq!(get(&back, "state"), Some(state.as_str()));
    let code = Secret::new(get(&back, "code").ok_or("a code")?);
    // A wrong verifier is refused (and the code is spent: codes work once).
    let wrong = Pkce::new()?;
    let err = auth
        .authorization_code(&code)
        .redirect_uri("https://app.example/callback")
        .code_verifier(wrong.verifier())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_invalid_grant(), "{err}");

    let back = browse(&url).await?;
    let code = Secret::new(get(&back, "code").ok_or("a code")?);
    let tokens = auth
        .authorization_code(&code)
        .redirect_uri("https://app.example/callback")
        .code_verifier(pkce.verifier())
        .send()
        .await?;
    let checks = IdTokenChecks::new().nonce(&nonce).max_age(600);
    let claims = auth
        .id_token_verifier()?
        .verify(tokens.id_token.as_ref().ok_or("id token")?, &checks)
        .await?;
    assert_eq!(claims.nonce.as_deref(), Some(nonce.as_str()));
    let again = auth.authorization_code(&code).send().await.unwrap_err();
    assert!(again.is_invalid_grant(), "a code works once: {again}");
    assert!(types(&log_events(&tenant).await).contains(&"seacft"));
    Ok(())
}

#[tokio::test]
async fn a_pushed_authorization_request_stands_for_its_parameters() -> TestResult {
    let tenant = tenant().await;
    signed_up(&tenant, "di@example.com").await;
    let auth = auth(&tenant);
    let pushed = auth
        .authorize_url("https://app.example/cb")
        .state("s-1")
        .param("login_hint", "di@example.com")
        .push()
        .await?;
    assert!(
        pushed
            .request_uri
            .starts_with("urn:ietf:params:oauth:request_uri:")
    );
    let back = browse(&auth.authorize_url_for_request(&pushed)).await?;
    assert_eq!(get(&back, "state"), Some("s-1"));
    let code = Secret::new(get(&back, "code").ok_or("a code")?);
    auth.authorization_code(&code)
        .redirect_uri("https://app.example/cb")
        .send()
        .await?;
    Ok(())
}

#[tokio::test]
async fn passwordless_email_code_read_through_the_fake() -> TestResult {
    let tenant = tenant().await;
    let auth = auth(&tenant);
    let started = auth.passwordless_email("eve@example.com").send().await?;
    assert_eq!(started.email.as_deref(), Some("eve@example.com"));
    let code = tenant
        .passwordless_code("email", "eve@example.com")
        .ok_or("a code was sent")?;
    let wrong = auth
        .passwordless_otp("eve@example.com", &Secret::new("000000x"), "email")
        .send()
        .await
        .unwrap_err();
    assert!(wrong.is_invalid_grant());
    let tokens = auth
        .passwordless_otp("eve@example.com", &Secret::new(code), "email")
        .scope("openid email")
        .send()
        .await?;
    let claims = auth
        .id_token_verifier()?
        .verify(
            tokens.id_token.as_ref().ok_or("id token")?,
            &IdTokenChecks::new(),
        )
        .await?;
    assert!(claims.sub.starts_with("email|"));
    let sms = auth
        .passwordless_sms("not-a-number")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        sms.auth_code(),
        Some(AuthErrorCode::BadRequest("bad.phone_number".into()))
    );
    assert_eq!(
        types(&log_events(&tenant).await),
        ["cs", "fepotpft", "sepotpft"]
    );
    Ok(())
}

#[tokio::test]
async fn device_login_approved_in_the_fake_while_polling() -> TestResult {
    let tenant = tenant().await;
    let user = signed_up(&tenant, "fay@example.com").await;
    let clock = ManualClock::fixed();
    let (auth, _) = polling(&tenant, &clock);
    let device = auth
        .device_authorization()
        .scope("openid offline_access")
        .send()
        .await?;
    // Nobody approved: the poll loop hears pending, then slow_down (it polls
    // faster than the fake's real clock allows), until the deadline.
    let denied_device = auth.device_authorization().send().await?;
    tenant.deny_device(&denied_device.user_code)?;
    let err = auth.poll_device_token(&denied_device).await.unwrap_err();
    assert_eq!(err.auth_code(), Some(AuthErrorCode::AccessDenied));
    tenant.approve_device(&device.user_code, &user)?;
    let tokens = auth.poll_device_token(&device).await?;
    assert!(tokens.refresh_token.is_some());
    assert_eq!(auth.userinfo(&tokens.access_token).await?.sub, user);
    assert!(types(&log_events(&tenant).await).contains(&"sede"));
    Ok(())
}

#[tokio::test]
async fn a_pending_device_login_is_slowed_down_then_expires() -> TestResult {
    let tenant = tenant().await;
    let clock = ManualClock::fixed();
    let (auth, sleep) = polling(&tenant, &clock);
    let mut device = auth.device_authorization().send().await?;
    device.expires_in = 40;
    let err = auth.poll_device_token(&device).await.unwrap_err();
    assert!(matches!(err, Error::PollingExpired { .. }), "{err}");
    // 5 s, then the fake's slow_down (its real clock saw polls back to back) adds 5 s each time.
    assert_eq!(sleep.sleeps(), [5, 5, 10, 15].map(Duration::from_secs));
    Ok(())
}

#[tokio::test]
async fn ciba_login_approved_by_the_user_in_the_fake() -> TestResult {
    let tenant = tenant().await;
    let user = signed_up(&tenant, "gil@example.com").await;
    let (auth, _) = polling(&tenant, &ManualClock::fixed());
    let request = auth
        .backchannel_authorize(&user, "Approve payment #42")
        .scope("openid")
        .send()
        .await?;
    assert_eq!(tenant.approve_backchannel(&user)?, "Approve payment #42");
    let tokens: TokenSet = auth.poll_backchannel(&request).await?;
    let claims = auth
        .id_token_verifier()?
        .verify(
            tokens.id_token.as_ref().ok_or("id token")?,
            &IdTokenChecks::new(),
        )
        .await?;
    assert_eq!(claims.sub, user);
    Ok(())
}

#[tokio::test]
async fn mfa_required_then_otp_oob_and_recovery_code() -> TestResult {
    let tenant = tenant().await;
    let user = signed_up(&tenant, "hal@example.com").await;
    let (_, recovery) = tenant.enroll_mfa(&user)?;
    let auth = auth(&tenant);
    let login = || {
        auth.password("hal@example.com", PASSWORD)
            .realm(tenant.connection())
            .scope("openid")
    };
    let mfa = login().send().await.unwrap_err();
    let token = mfa
        .mfa_token()
        .ok_or("mfa_required carries an mfa_token")?
        .clone();
    assert!(!format!("{mfa} {mfa:?}").contains(token.expose()));
    let challenge = auth
        .mfa_challenge(&token)
        .challenge_type("otp")
        .send()
        .await?;
    assert_eq!(challenge.challenge_type, "otp");
    let otp = Secret::new(tenant.mfa_otp(&user).ok_or("an otp")?);
    auth.mfa_otp(&token, &otp).send().await?;

    let token = login()
        .send()
        .await
        .unwrap_err()
        .mfa_token()
        .ok_or("mfa")?
        .clone();
    let challenge = auth
        .mfa_challenge(&token)
        .challenge_type("oob")
        .send()
        .await?;
    let oob = challenge.oob_code.ok_or("an oob code")?;
    let binding = Secret::new(tenant.mfa_binding_code(&user).ok_or("a binding code")?);
    assert!(
        auth.mfa_oob(&token, &oob)
            .binding_code(&Secret::new("999999x"))
            .send()
            .await
            .unwrap_err()
            .is_invalid_grant()
    );
    auth.mfa_oob(&token, &oob)
        .binding_code(&binding)
        .send()
        .await?;

    let token = login()
        .send()
        .await
        .unwrap_err()
        .mfa_token()
        .ok_or("mfa")?
        .clone();
    let recovered = auth
        .mfa_recovery_code(&token, &Secret::new(recovery))
        .send()
        .await?;
    assert!(recovered.recovery_code.is_some());
    assert_eq!(
        types(&log_events(&tenant).await),
        ["ss", "seotpft", "feoobft", "seoobft", "sercft"]
    );
    Ok(())
}

#[tokio::test]
async fn custom_token_exchange_and_the_token_for_a_connection() -> TestResult {
    let tenant = tenant().await;
    let user = signed_up(&tenant, "ida@example.com").await;
    let auth = auth(&tenant);
    let no_profile = auth
        .token_exchange(&Secret::new(&user), "urn:acme:legacy")
        .send()
        .await
        .unwrap_err();
    assert_eq!(no_profile.status(), Some(400));
    fake_client(&tenant)
        .request(http::Method::POST, ["token-exchange-profiles"])
        .body(&json!({"name": "legacy", "subject_token_type": "urn:acme:legacy", "action_id": "act_1", "type": "custom_authentication"}))
        .send()
        .await?;
    let tokens = auth
        .token_exchange(&Secret::new("ida@example.com"), "urn:acme:legacy")
        .scope("openid offline_access")
        .send()
        .await?;
    let claims = auth
        .id_token_verifier()?
        .verify(tokens.id_token.as_ref().ok_or("id")?, &IdTokenChecks::new())
        .await?;
    assert_eq!(claims.sub, user);

    let refresh = tokens.refresh_token.ok_or("refresh")?;
    let err = auth
        .token_for_connection("google-oauth2", &SubjectToken::RefreshToken(refresh))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401), "ida has no google identity: {err}");

    // A user with a Google identity (and its token): Token Vault hands that token over.
    let jo = tenant.insert_user(json!({
        "email": "jo@example.com",
        "identities": [{"connection": "google-oauth2", "provider": "google-oauth2", "user_id": "1", "access_token": "ya29.google"}],
    }));
    let jo_tokens = auth
        .token_exchange(&Secret::new(&jo), "urn:acme:legacy")
        .scope("openid offline_access")
        .send()
        .await?;
    let vault = auth
        .token_for_connection(
            "google-oauth2",
            &SubjectToken::RefreshToken(jo_tokens.refresh_token.ok_or("refresh")?),
        )
        .send()
        .await?;
    assert_eq!(vault.access_token.expose(), "ya29.google");
    assert_eq!(
        vault.issued_token_type.as_deref(),
        Some(auth0plus::oauth::CONNECTION_ACCESS_TOKEN_TYPE)
    );
    let by_access = auth
        .token_for_connection(
            "google-oauth2",
            &SubjectToken::AccessToken(jo_tokens.access_token),
        )
        .send()
        .await?;
    assert_eq!(by_access.access_token.expose(), "ya29.google");
    Ok(())
}

#[tokio::test]
async fn change_password_and_logout_urls() -> TestResult {
    let tenant = tenant().await;
    signed_up(&tenant, "kim@example.com").await;
    let auth = auth(&tenant);
    let message = auth
        .change_password("kim@example.com", tenant.connection())
        .await?;
    assert_eq!(
        message,
        "We've just sent you an email to reset your password."
    );
    // No enumeration: an unknown email gets the same answer.
    assert_eq!(
        auth.change_password("nobody@example.com", tenant.connection())
            .await?,
        message
    );
    let url = auth
        .logout_url()
        .return_to("https://app.example/bye")
        .build();
    let response = ReqwestBackend::new()?
        .send(http::Request::get(&url).body(auth0plus::transport::Bytes::new())?)
        .await?;
    assert_eq!(response.headers()["location"], "https://app.example/bye");
    let url = auth
        .oidc_logout_url()
        .post_logout_redirect_uri("https://app.example/bye")
        .state("z")
        .build();
    let response = ReqwestBackend::new()?
        .send(http::Request::get(&url).body(auth0plus::transport::Bytes::new())?)
        .await?;
    assert_eq!(
        response.headers()["location"],
        "https://app.example/bye?state=z"
    );
    assert_eq!(
        types(&log_events(&tenant).await),
        ["ss", "scpr", "scpr", "slo", "slo"]
    );
    Ok(())
}

#[tokio::test]
async fn signup_errors_in_auth0s_words() -> TestResult {
    let tenant = tenant().await;
    let auth = auth(&tenant);
    signed_up(&tenant, "lu@example.com").await;
    let dup = auth
        .signup("lu@example.com", PASSWORD, tenant.connection())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        dup.auth_code(),
        Some(AuthErrorCode::Signup("invalid_signup".into()))
    );
    let weak = auth
        .signup("mo@example.com", "short", tenant.connection())
        .send()
        .await
        .unwrap_err();
    assert_eq!(weak.error_code(), Some("invalid_password"));
    assert!(!format!("{weak} {weak:?}").contains("short"));
    Ok(())
}

#[tokio::test]
async fn the_fake_publishes_its_keys_and_its_configuration() -> TestResult {
    let tenant = tenant().await;
    let get = |path: &str| {
        let url = format!("{}{path}", tenant.base_url());
        async move {
            let r = ReqwestBackend::new()
                .unwrap()
                .send(
                    http::Request::get(url)
                        .body(auth0plus::transport::Bytes::new())
                        .unwrap(),
                )
                .await
                .unwrap();
            serde_json::from_slice::<Value>(r.body()).unwrap()
        }
    };
    let jwks = get("/.well-known/jwks.json").await;
    assert_eq!(jwks["keys"][0]["kid"], tenant.signing_key_id().as_str());
    assert_eq!(jwks["keys"][0]["alg"], "RS256");
    let discovery = get("/.well-known/openid-configuration").await;
    assert_eq!(
        discovery["issuer"],
        format!("https://{}/", tenant.domain()).as_str()
    );
    assert_eq!(
        discovery["jwks_uri"],
        format!("https://{}/.well-known/jwks.json", tenant.domain()).as_str()
    );
    // The Management API's own tokens are signed with that key too.
    let claims = auth0plus::oauth::AccessTokenVerifier::with_base_url(
        &tenant.domain().parse()?,
        tenant.audience(),
        tenant.base_url(),
        auth0plus::transport::SharedBackend::new(ReqwestBackend::new()?),
    )
    .verify(&tenant.issue_token())
    .await?;
    assert_eq!(claims.sub, format!("{}@clients", tenant.client_id()));
    Ok(())
}
