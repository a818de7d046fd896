//! ID- and access-token verification against the fake tenant's real keys:
//! each check Auth0 documents refuses its token with its own error, and the
//! key cache fetches once, single-flight, and refetches for a new `kid` at
//! most once per period.

use std::time::{Duration, SystemTime};

use auth0plus::fake::FakeTenant;
use auth0plus::oauth::{
    AccessTokenVerifier, AuthenticationClient, Error, IdTokenChecks, IdTokenVerifier, JwksCache,
    Secret, TokenProblem,
};
use auth0plus::transport::test_util::ManualClock;
use auth0plus::transport::{Clock as _, ReqwestBackend, epoch_seconds};
use auth0plus_tests::TestResult;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

struct Setup {
    tenant: FakeTenant,
    clock: ManualClock,
    verifier: IdTokenVerifier,
    issuer: String,
    now: u64,
}

async fn setup() -> Setup {
    let tenant = FakeTenant::start().await.unwrap();
    let clock = ManualClock::new(SystemTime::now());
    let auth = AuthenticationClient::builder(tenant.domain(), tenant.client_id())
        .client_secret(tenant.client_secret())
        .base_url(tenant.base_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    let verifier = auth.id_token_verifier().unwrap();
    let issuer = auth.issuer();
    let now = epoch_seconds(clock.now());
    Setup {
        tenant,
        clock,
        verifier,
        issuer,
        now,
    }
}

impl Setup {
    /// Claims of a good ID token for the tenant's application.
    fn claims(&self) -> Value {
        json!({
            "iss": self.issuer,
            "sub": "auth0|u1",
            "aud": self.tenant.client_id(),
            "iat": self.now,
            "exp": self.now + 3600,
            "nonce": "n-1",
            "auth_time": self.now - 100,
            "org_id": "org_abc",
            "org_name": "acme",
        })
    }

    fn with(&self, changes: &[(&str, Value)]) -> Secret {
        let mut claims = self.claims();
        for (k, v) in changes {
            if v.is_null() {
                claims.as_object_mut().unwrap().remove(*k);
            } else {
                claims[*k] = v.clone();
            }
        }
        Secret::new(self.tenant.sign_token(&claims))
    }

    async fn problem(&self, token: &Secret, checks: &IdTokenChecks) -> (TokenProblem, String) {
        match self.verifier.verify(token, checks).await {
            Err(Error::InvalidToken { problem, message }) => (problem, message),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}

fn checks() -> IdTokenChecks {
    IdTokenChecks::new()
        .nonce("n-1")
        .max_age(600)
        .organization("org_abc")
}

#[tokio::test]
async fn a_good_token_passes_every_check() -> TestResult {
    let s = setup().await;
    let claims = s.verifier.verify(&s.with(&[]), &checks()).await?;
    assert_eq!(claims.sub, "auth0|u1");
    assert_eq!(claims.org_name.as_deref(), Some("acme"));
    // Organization by name, case-insensitively, as Auth0 lowercases it.
    s.verifier
        .verify(&s.with(&[]), &IdTokenChecks::new().organization("ACME"))
        .await?;
    Ok(())
}

#[tokio::test]
async fn each_documented_check_refuses_with_its_own_error() -> TestResult {
    let s = setup().await;
    let cid = s.tenant.client_id().to_owned();
    let cases: Vec<(&str, Secret, IdTokenChecks, TokenProblem, &str)> = vec![
        (
            "wrong iss",
            s.with(&[("iss", json!("https://evil.example/"))]),
            checks(),
            TokenProblem::Issuer,
            "Issuer (iss) claim mismatch in the ID token; expected",
        ),
        (
            "no sub",
            s.with(&[("sub", Value::Null)]),
            checks(),
            TokenProblem::Subject,
            "Subject (sub) claim must be a string present in the ID token",
        ),
        (
            "wrong aud",
            s.with(&[("aud", json!("another-app"))]),
            checks(),
            TokenProblem::Audience,
            "Audience (aud) claim mismatch in the ID token; expected",
        ),
        (
            "aud list without us",
            s.with(&[("aud", json!(["a", "b"]))]),
            checks(),
            TokenProblem::Audience,
            "but was not one of \"a, b\"",
        ),
        (
            "several aud, no azp",
            s.with(&[("aud", json!([cid, "b"]))]),
            checks(),
            TokenProblem::AuthorizedParty,
            "Authorized Party (azp) claim must be a string present in the ID token when Audience (aud) claim has multiple values",
        ),
        (
            "several aud, wrong azp",
            s.with(&[("aud", json!([cid, "b"])), ("azp", json!("b"))]),
            checks(),
            TokenProblem::AuthorizedParty,
            "Authorized Party (azp) claim mismatch in the ID token",
        ),
        (
            "expired",
            s.with(&[("exp", json!(s.now - 61))]),
            checks(),
            TokenProblem::Expired,
            "Expiration Time (exp) claim error in the ID token; current time",
        ),
        (
            "no iat",
            s.with(&[("iat", Value::Null)]),
            checks(),
            TokenProblem::IssuedAt,
            "Issued At (iat) claim must be a number present in the ID token",
        ),
        (
            "not yet valid",
            s.with(&[("nbf", json!(s.now + 120))]),
            checks(),
            TokenProblem::NotYetValid,
            "Not Before (nbf) claim error in the ID token",
        ),
        (
            "wrong nonce",
            s.with(&[("nonce", json!("n-2"))]),
            checks(),
            TokenProblem::Nonce,
            "Nonce (nonce) claim mismatch in the ID token; expected \"n-1\", found \"n-2\"",
        ),
        (
            "no nonce",
            s.with(&[("nonce", Value::Null)]),
            checks(),
            TokenProblem::Nonce,
            "Nonce (nonce) claim must be a string present in the ID token",
        ),
        (
            "too old for max_age",
            s.with(&[("auth_time", json!(s.now - 700))]),
            checks(),
            TokenProblem::AuthTime,
            "too much time has passed since the last end-user authentication",
        ),
        (
            "no auth_time",
            s.with(&[("auth_time", Value::Null)]),
            checks(),
            TokenProblem::AuthTime,
            "Authentication Time (auth_time) claim must be a number present in the ID token when Max Age (max_age) is specified",
        ),
        (
            "wrong org_id",
            s.with(&[("org_id", json!("org_zzz"))]),
            checks(),
            TokenProblem::Organization,
            "Organization Id (org_id) claim mismatch in the ID token",
        ),
        (
            "wrong org_name",
            s.with(&[]),
            IdTokenChecks::new().organization("globex"),
            TokenProblem::Organization,
            "Organization Name (org_name) claim mismatch in the ID token",
        ),
    ];
    for (what, token, checks, problem, message) in cases {
        let (found, text) = s.problem(&token, &checks).await;
        assert_eq!(found, problem, "{what}: {text}");
        assert!(text.contains(message), "{what}: {text}");
        assert!(
            !text.contains(token.expose()),
            "{what}: the token is never in the message"
        );
    }
    Ok(())
}

#[tokio::test]
async fn the_leeway_allows_sixty_seconds_of_skew_and_no_more() -> TestResult {
    let s = setup().await;
    let token = s.with(&[("exp", json!(s.now - 30))]);
    s.verifier.verify(&token, &IdTokenChecks::new()).await?;
    s.clock.advance(Duration::from_secs(31));
    assert_eq!(
        s.problem(&token, &IdTokenChecks::new()).await.0,
        TokenProblem::Expired
    );
    Ok(())
}

fn forge(header: &Value, claims: &Value, signature: &[u8]) -> Secret {
    let b = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    Secret::new(format!(
        "{}.{}.{}",
        b(header),
        b(claims),
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

#[tokio::test]
async fn alg_none_hs256_keyed_with_the_public_key_and_unknown_keys_are_refused() -> TestResult {
    let s = setup().await;
    let claims = s.claims();
    let none = forge(&json!({"alg": "none", "typ": "JWT"}), &claims, b"");
    let (problem, message) = s.problem(&none, &checks()).await;
    assert_eq!(problem, TokenProblem::Algorithm, "{message}");
    assert!(message.contains("Signature algorithm of \"none\" is not supported. Expected the ID token to be signed with \"RS256\""), "{message}");

    // Algorithm confusion: HS256 with the tenant's public key (PEM, and the JWK's modulus) as the secret.
    let kid = s.tenant.signing_key_id();
    for secret in [s.tenant.public_key_pem().into_bytes()] {
        let header = json!({"alg": "HS256", "typ": "JWT", "kid": kid});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &secret);
        let tag = aws_lc_rs::hmac::sign(&key, input.as_bytes());
        let confused = Secret::new(format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref())));
        assert_eq!(
            s.problem(&confused, &checks()).await.0,
            TokenProblem::Algorithm
        );
    }

    // A kid the tenant never published.
    let token = s.with(&[]);
    let (header, rest) = token.expose().split_once('.').ok_or("a jwt")?;
    let mut h: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header)?)?;
    h["kid"] = json!("not-a-tenant-key");
    let unknown = Secret::new(format!("{}.{rest}", URL_SAFE_NO_PAD.encode(h.to_string())));
    let (problem, message) = s.problem(&unknown, &checks()).await;
    assert_eq!(problem, TokenProblem::UnknownKey, "{message}");
    assert!(message.contains("RSA Public Key with ID \"not-a-tenant-key\" was not found."));

    // A tampered payload fails the signature.
    let (h, _) = token.expose().split_once('.').ok_or("a jwt")?;
    let sig = token.expose().rsplit('.').next().ok_or("sig")?;
    let mut other = claims.clone();
    other["sub"] = json!("auth0|admin");
    let tampered = Secret::new(format!(
        "{h}.{}.{sig}",
        URL_SAFE_NO_PAD.encode(other.to_string())
    ));
    assert_eq!(
        s.problem(&tampered, &checks()).await.0,
        TokenProblem::Signature
    );
    Ok(())
}

#[tokio::test]
async fn hs256_id_tokens_verify_with_the_client_secret_only() -> TestResult {
    let s = setup().await;
    let secret = Secret::new(s.tenant.client_secret());
    let hs = IdTokenVerifier::hs256(&s.issuer, s.tenant.client_id(), &secret)?;
    let header = json!({"alg": "HS256", "typ": "JWT"});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(s.claims().to_string())
    );
    let sign = |key: &[u8]| {
        let tag = aws_lc_rs::hmac::sign(
            &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key),
            input.as_bytes(),
        );
        Secret::new(format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref())))
    };
    hs.verify(&sign(secret.expose().as_bytes()), &IdTokenChecks::new())
        .await?;
    let wrong = hs
        .verify(&sign(b"another secret"), &IdTokenChecks::new())
        .await
        .unwrap_err();
    assert_eq!(wrong.token_problem(), Some(TokenProblem::Signature));
    // An RS256 token is refused by an HS256 verifier, and the reverse.
    assert_eq!(
        hs.verify(&s.with(&[]), &IdTokenChecks::new())
            .await
            .unwrap_err()
            .token_problem(),
        Some(TokenProblem::Algorithm)
    );
    assert_eq!(
        s.problem(&sign(secret.expose().as_bytes()), &IdTokenChecks::new())
            .await
            .0,
        TokenProblem::Algorithm
    );
    Ok(())
}

#[tokio::test]
async fn access_tokens_for_an_api_need_its_audience_and_scopes() -> TestResult {
    let s = setup().await;
    let api = "https://api.acme.example";
    let backend = auth0plus::transport::SharedBackend::new(ReqwestBackend::new()?);
    let verifier = AccessTokenVerifier::with_base_url(
        &s.tenant.domain().parse()?,
        api,
        s.tenant.base_url(),
        backend,
    )
    .require_scopes(["read:messages"]);
    let token = |aud: Value, scope: &str| {
        s.tenant.sign_token(&json!({"iss": s.issuer, "sub": "auth0|u1", "aud": aud, "iat": s.now, "exp": s.now + 60, "scope": scope}))
    };
    let claims = verifier
        .verify(&token(
            json!([api, format!("{}userinfo", s.issuer)]),
            "openid read:messages write:messages",
        ))
        .await?;
    claims.require_scopes(&["write:messages"])?;
    let missing = claims.require_scopes(&["delete:messages"]).unwrap_err();
    assert_eq!(missing.token_problem(), Some(TokenProblem::Scope));
    let err = verifier
        .verify(&token(json!(api), "openid"))
        .await
        .unwrap_err();
    assert_eq!(err.token_problem(), Some(TokenProblem::Scope));
    let err = verifier
        .verify(&token(json!("https://other.api"), "read:messages"))
        .await
        .unwrap_err();
    assert_eq!(err.token_problem(), Some(TokenProblem::Audience));
    assert!(err.to_string().contains("in the access token"), "{err}");
    Ok(())
}

#[tokio::test]
async fn the_key_set_is_fetched_once_for_many_concurrent_verifications() -> TestResult {
    let s = setup().await;
    let jwks = JwksCache::new(
        format!("{}/.well-known/jwks.json", s.tenant.base_url()),
        ReqwestBackend::new()?,
    );
    let verifier = IdTokenVerifier::rs256(&s.issuer, s.tenant.client_id(), jwks.clone());
    let token = s.with(&[]);
    let runs = (0..50).map(|_| {
        let (v, t) = (verifier.clone(), token.clone());
        tokio::spawn(async move { v.verify(&t, &IdTokenChecks::new()).await })
    });
    for run in futures::future::join_all(runs).await {
        run??;
    }
    assert_eq!(jwks.fetch_count(), 1);
    Ok(())
}

#[tokio::test]
async fn an_unknown_kid_refetches_once_per_period_then_is_refused_from_cache() -> TestResult {
    let s = setup().await;
    let clock = ManualClock::new(SystemTime::now());
    let jwks = JwksCache::new(
        format!("{}/.well-known/jwks.json", s.tenant.base_url()),
        ReqwestBackend::new()?,
    )
    .clock(clock.clone());
    let verifier = IdTokenVerifier::rs256(&s.issuer, s.tenant.client_id(), jwks.clone());
    verifier.verify(&s.with(&[]), &IdTokenChecks::new()).await?;
    let good = s.with(&[]);
    let (header, rest) = good.expose().split_once('.').ok_or("jwt")?;
    let mut h: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header)?)?;
    h["kid"] = json!("rotated-key");
    let unknown = Secret::new(format!("{}.{rest}", URL_SAFE_NO_PAD.encode(h.to_string())));
    // Fresh keys: an unknown kid within 30 s of the fetch is refused from the cache.
    for _ in 0..20 {
        let err = verifier
            .verify(&unknown, &IdTokenChecks::new())
            .await
            .unwrap_err();
        assert_eq!(err.token_problem(), Some(TokenProblem::UnknownKey));
    }
    assert_eq!(jwks.fetch_count(), 1);
    // Past the period, one refetch (a rotation may have published it), then cached again.
    clock.advance(Duration::from_secs(31));
    for _ in 0..20 {
        assert!(
            verifier
                .verify(&unknown, &IdTokenChecks::new())
                .await
                .is_err()
        );
    }
    assert_eq!(jwks.fetch_count(), 2);
    // Past the cache's lifetime (10 minutes) the set is fetched again for any token.
    clock.advance(Duration::from_secs(600));
    verifier
        .verify(
            &s.with(&[("exp", json!(epoch_seconds(clock.now()) + 60))]),
            &IdTokenChecks::new(),
        )
        .await?;
    assert_eq!(jwks.fetch_count(), 3);
    Ok(())
}
