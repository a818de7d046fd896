//! `--story login`: the Authentication API, from sign-up to revocation. A user
//! signs up, logs in with a password, the ID token is verified with the
//! tenant's keys, userinfo is read, the refresh token rotates and is revoked,
//! the logs show it all; then the management client gets its own token with
//! `private_key_jwt` instead of a secret.
//!
//! With `--live` the application in `.env` is changed for the story (its
//! grant types and refresh-token rotation, then private-key authentication)
//! and put back at the end, whatever happened.

use auth0plus::fake::{ClientKey, TestTenant};
use auth0plus::oauth::{
    AuthenticationClient, IdTokenChecks, PrivateKeyJwt, SigningAlgorithm, random_state,
};
use auth0plus::prelude::*;
use auth0plus::{LogType, Method, Timestamp};
use serde_json::{Value, json};

use super::{Made, Narrator, StepResult, check, wait_for};

/// The error of a call that had to fail.
fn refused<T>(
    result: Result<T, auth0plus::oauth::Error>,
    what: &str,
) -> StepResult<auth0plus::oauth::Error> {
    match result {
        Ok(_) => Err(format!("expected an error: {what}").into()),
        Err(e) => Ok(e),
    }
}

const EMAIL: &str = "grace.hopper@login-story.example";
const PASSWORD: &str = "Nanosecond-11.8in";
const GRANTS: [&str; 3] = [
    "client_credentials",
    "refresh_token",
    "http://auth0.com/oauth/grant-type/password-realm",
];

#[allow(clippy::too_many_lines, reason = "one story, told in order")]
pub(super) async fn scenario(tenant: &TestTenant, made: &mut Made) -> StepResult<usize> {
    let mut n = Narrator { step: 0 };
    let since = Timestamp::from_unix_millis(Timestamp::now().unix_millis() - 5_000)?;
    let auth0 = Auth0::builder(&tenant.domain)
        .client_credentials(&tenant.client_id, tenant.client_secret.as_str())
        .default_connection(&tenant.connection)
        .base_url(&tenant.base_url)
        .build()?;
    let app = auth0.request(Method::GET, ["clients", tenant.client_id.as_str()]);
    let before: Value = app.json().await?;

    n.step(
        "Let the application log users in: the password-realm and refresh-token grants, rotating refresh tokens",
        "auth0.request(Method::PATCH, [\"clients\", &client_id]).body(&json!({\n    \"grant_types\": [\"client_credentials\", \"refresh_token\", \"http://auth0.com/oauth/grant-type/password-realm\"],\n    \"refresh_token\": {\"rotation_type\": \"rotating\", \"expiration_type\": \"expiring\"},\n})).send().await?;",
    );
    auth0
        .request(Method::PATCH, ["clients", tenant.client_id.as_str()])
        .body(&json!({
            "grant_types": GRANTS,
            "refresh_token": {"rotation_type": "rotating", "expiration_type": "expiring", "token_lifetime": 2_592_000, "idle_token_lifetime": 1_296_000, "leeway": 0},
        }))
        .send()
        .await?;
    n.shows("grant types and rotation set (put back at the end)");
    let outcome = login(tenant, &auth0, &mut n, made, since).await;
    // Whatever happened, the application goes back to how it was.
    let restore = auth0
        .request(Method::PATCH, ["clients", tenant.client_id.as_str()])
        .body(&json!({
            "grant_types": before.get("grant_types").cloned().unwrap_or_else(|| json!(["client_credentials"])),
            "refresh_token": before.get("refresh_token").cloned().unwrap_or(Value::Null),
        }))
        .send()
        .await;
    let steps = outcome?;
    restore?;
    Ok(steps)
}

#[allow(clippy::too_many_lines, reason = "one story, told in order")]
async fn login(
    tenant: &TestTenant,
    auth0: &Auth0,
    n: &mut Narrator,
    made: &mut Made,
    since: Timestamp,
) -> StepResult<usize> {
    n.step(
        "An Authentication API client for the application",
        "let auth = AuthenticationClient::builder(&domain, &client_id)\n    .client_secret(&client_secret)\n    .build()?;",
    );
    let auth = AuthenticationClient::builder(&tenant.domain, &tenant.client_id)
        .client_secret(tenant.client_secret.as_str())
        .base_url(&tenant.base_url)
        .build()?;
    n.shows(format_args!("{auth:?}"));

    n.step(
        "Sign up to the database connection",
        "let user = auth.signup(\"grace.hopper@login-story.example\", password, &connection)\n    .given_name(\"Grace\").family_name(\"Hopper\").send().await?;",
    );
    let user = auth
        .signup(EMAIL, PASSWORD, &tenant.connection)
        .given_name("Grace")
        .family_name("Hopper")
        .send()
        .await?;
    let user_id = user.user_id();
    made.user(Some(&user_id));
    n.shows(format_args!(
        "{user_id}, email verified: {}",
        user.email_verified
    ));

    n.step(
        "A wrong password: Auth0's invalid_grant, typed",
        "let err = auth.password(email, \"wrong\").realm(&connection).send().await.unwrap_err();",
    );
    let wrong = refused(
        auth.password(EMAIL, "not-the-password")
            .realm(&tenant.connection)
            .send()
            .await,
        "a wrong password",
    )?;
    check(
        wrong.is_invalid_grant(),
        "a wrong password is invalid_grant",
    )?;
    n.shows(&wrong);

    n.step(
        "Log in with the password (password-realm), asking for an ID token and a refresh token",
        "let tokens = auth.password(email, password)\n    .realm(&connection)\n    .scope(\"openid profile email offline_access\")\n    .send().await?;",
    );
    let tokens = auth
        .password(EMAIL, PASSWORD)
        .realm(&tenant.connection)
        .scope("openid profile email offline_access")
        .send()
        .await?;
    n.shows(format_args!("{tokens:?}"));

    n.step(
        "Verify the ID token: the tenant's keys (JWKS, cached), iss, aud, exp, iat",
        "let claims = auth.id_token_verifier()?\n    .verify(tokens.id_token.as_ref().unwrap(), &IdTokenChecks::new()).await?;",
    );
    let id_token = tokens.id_token.clone().ok_or("no ID token")?;
    let claims = auth
        .id_token_verifier()?
        .verify(&id_token, &IdTokenChecks::new())
        .await?;
    check(claims.sub == user_id, "the ID token is the user's")?;
    n.shows(format_args!(
        "sub {}, email {}, issued by {}",
        claims.sub,
        claims.email.as_deref().unwrap_or("?"),
        claims.iss
    ));

    n.step(
        "Read the user's profile with the access token",
        "let me = auth.userinfo(&tokens.access_token).await?;",
    );
    let me = auth.userinfo(&tokens.access_token).await?;
    check(me.sub == user_id, "userinfo is the user's")?;
    n.shows(format_args!(
        "{} ({} {})",
        me.email.as_deref().unwrap_or("?"),
        me.given_name.as_deref().unwrap_or("?"),
        me.family_name.as_deref().unwrap_or("?")
    ));

    n.step(
        "Refresh: with rotation the answer holds a new refresh token, and the old one stops working",
        "let refreshed = auth.refresh_token(&refresh_token).send().await?;\nauth.refresh_token(&refresh_token).send().await // invalid_grant",
    );
    let first = tokens.refresh_token.clone().ok_or("no refresh token")?;
    let refreshed = auth.refresh_token(&first).send().await?;
    let second = refreshed
        .refresh_token
        .clone()
        .ok_or("rotation returned no new refresh token")?;
    check(second != first, "a new refresh token")?;
    let reused = refused(
        auth.refresh_token(&first).send().await,
        "reusing a rotated refresh token",
    )?;
    check(reused.is_invalid_grant(), "reuse is invalid_grant")?;
    n.shows(format_args!(
        "new refresh token issued; the old one: {reused}"
    ));

    n.step(
        "Revoke: log the user out everywhere that refresh token reached",
        "auth.revoke_refresh_token(&refresh_token).await?;",
    );
    // Reuse detection revoked the family; a fresh login shows revocation on its own.
    let again = auth
        .password(EMAIL, PASSWORD)
        .realm(&tenant.connection)
        .scope("openid offline_access")
        .send()
        .await?;
    let third = again.refresh_token.ok_or("no refresh token")?;
    auth.revoke_refresh_token(&third).await?;
    let revoked = refused(
        auth.refresh_token(&third).send().await,
        "a revoked refresh token",
    )?;
    check(revoked.is_invalid_grant(), "revoked is invalid_grant")?;
    n.shows(format_args!("revoked; refreshing now: {revoked}"));

    n.step(
        "The tenant log has it all: the logins, the refreshes, the refused reuse",
        "let logins = auth0.logs().query()\n    .filter([(\"type\", LogType::SuccessPasswordExchange)])\n    .filter([(\"user_id\", &user_id)]);",
    );
    let logins = auth0
        .logs()
        .query()
        .filter([("type", LogType::SuccessPasswordExchange)])
        .filter([("user_id", user_id.as_str())])
        .filter([("date__gte", since)]);
    let (count, _) = wait_for(&logins, |n| n >= 2, "two logins").await?;
    let refreshes = auth0
        .logs()
        .query()
        .filter([("type", LogType::FailedRefreshToken)])
        .filter([("date__gte", since)]);
    let (refused, _) = wait_for(&refreshes, |n| n >= 2, "two refused refreshes").await?;
    n.shows(format_args!(
        "{count} password logins (sepft), {refused} refused refreshes (fertft)"
    ));

    n.step(
        "The management client without a secret: private_key_jwt with a key registered on the application",
        "auth0.request(Method::POST, [\"clients\", &client_id, \"credentials\"])\n    .body(&json!({\"credential_type\": \"public_key\", \"pem\": public_pem, \"alg\": \"RS256\"})).send().await?;\nlet keyed = Auth0::builder(&domain)\n    .private_key_jwt(&client_id, PrivateKeyJwt::from_pem(private_pem, SigningAlgorithm::Rs256)?)\n    .build()?;",
    );
    let key = ClientKey::generate("RS256")?;
    let credential: Value = auth0
        .request(
            Method::POST,
            ["clients", tenant.client_id.as_str(), "credentials"],
        )
        .body(&json!({
            "credential_type": "public_key",
            "name": format!("login story {}", random_state()?.get(..8).unwrap_or_default()),
            "pem": key.public_pem,
            "alg": "RS256",
        }))
        .json()
        .await?;
    let credential_id = credential["id"]
        .as_str()
        .ok_or("the credential has no id")?
        .to_owned();
    // Auth0 checks assertions once the application uses private_key_jwt
    // (and then refuses its secret): switch, use, switch back.
    let use_key = json!({
        "token_endpoint_auth_method": null,
        "client_authentication_methods": {"private_key_jwt": {"credentials": [{"id": credential_id}]}},
    });
    auth0
        .request(Method::PATCH, ["clients", tenant.client_id.as_str()])
        .body(&use_key)
        .send()
        .await?;
    let keyed = Auth0::builder(&tenant.domain)
        .private_key_jwt(
            &tenant.client_id,
            PrivateKeyJwt::from_pem(&key.private_pem, SigningAlgorithm::Rs256)?,
        )
        .base_url(&tenant.base_url)
        .build()?;
    let listed = keyed.users().get_by_id(&user_id).await;
    // Back to the secret, with the key-authenticated client (the secret is refused now).
    let back = keyed
        .request(Method::PATCH, ["clients", tenant.client_id.as_str()])
        .body(&json!({"client_authentication_methods": null, "token_endpoint_auth_method": "client_secret_post"}))
        .send()
        .await;
    let deleted = auth0
        .request(
            Method::DELETE,
            [
                "clients",
                tenant.client_id.as_str(),
                "credentials",
                credential_id.as_str(),
            ],
        )
        .send()
        .await;
    let found = listed?;
    back?;
    deleted?;
    n.shows(format_args!(
        "signed assertion accepted: {} found by a client that holds no secret",
        found.email.as_deref().unwrap_or("?")
    ));
    Ok(n.step)
}
