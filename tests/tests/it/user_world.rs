//! A user's world against the fake tenant: sessions and refresh tokens made
//! by real password logins and revoked, linked accounts, authentication
//! methods, and the brute-force protection's login blocks (kept apart from
//! the administrator's `blocked` flag).

use auth0plus::fake::FakeTenant;
use auth0plus::management::api::sessions::GetSession;
use auth0plus::management::{LoginBlock, SecondaryAccount};
use auth0plus::prelude::*;
use auth0plus::transport::{Bytes, HttpBackend, ReqwestBackend};
use auth0plus::{Method, Users};
use serde_json::{Value, json};

use auth0plus_tests::{TestResult, fake_client};

const PASSWORD: &str = "Highway-To-H3ll";

/// A fake tenant whose client may log users in by password and exchange
/// refresh tokens, set through the clients API as on Auth0.
async fn tenant_with_logins() -> Result<(FakeTenant, Auth0), Box<dyn std::error::Error>> {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);
    let mut client = auth0.clients().get_by_id(tenant.client_id()).await?;
    client.grant_types = Some(vec![
        "client_credentials".into(),
        "password".into(),
        "refresh_token".into(),
    ]);
    client.save().await?;
    Ok((tenant, auth0))
}

async fn create(users: &Users, email: &str) -> Result<User, Error> {
    users
        .create(NewUser::new().email(email).password(PASSWORD))
        .await
}

/// `POST /oauth/token` with `params` added to the client's credentials:
/// the status and the JSON answer.
async fn token(
    tenant: &FakeTenant,
    params: Value,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let mut body = json!({
        "client_id": tenant.client_id(),
        "client_secret": tenant.client_secret(),
    });
    if let (Some(body), Value::Object(params)) = (body.as_object_mut(), params) {
        body.extend(params);
    }
    let request = auth0plus::transport::http::Request::builder()
        .method("POST")
        .uri(format!("{}/oauth/token", tenant.base_url()))
        .header("content-type", "application/json")
        .body(Bytes::from(serde_json::to_vec(&body)?))?;
    let response = ReqwestBackend::new()?.send(request).await?;
    Ok((
        response.status().as_u16(),
        serde_json::from_slice(response.body())?,
    ))
}

async fn login(
    tenant: &FakeTenant,
    username: &str,
    password: &str,
    scope: &str,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    token(
        tenant,
        json!({"grant_type": "password", "username": username, "password": password, "scope": scope}),
    )
    .await
}

async fn refresh(
    tenant: &FakeTenant,
    refresh_token: &str,
) -> Result<u16, Box<dyn std::error::Error>> {
    let (status, _) = token(
        tenant,
        json!({"grant_type": "refresh_token", "refresh_token": refresh_token}),
    )
    .await?;
    Ok(status)
}

// ------------------------------------------------- sessions, refresh tokens

#[tokio::test]
async fn a_client_not_allowed_the_password_grant_is_refused() -> TestResult {
    let tenant = FakeTenant::start().await?;
    create(&fake_client(&tenant).users(), "bon@acdc.example").await?;
    let (status, body) = login(&tenant, "bon@acdc.example", PASSWORD, "openid").await?;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "unauthorized_client");
    Ok(())
}

#[tokio::test]
async fn logins_make_sessions_and_refresh_tokens_that_revoking_ends() -> TestResult {
    let (tenant, auth0) = tenant_with_logins().await?;
    let users = auth0.users();
    let bon = create(&users, "bon@acdc.example").await?;
    let (status, first) = login(&tenant, "bon@acdc.example", PASSWORD, "openid").await?;
    assert_eq!(status, 200, "{first}");
    assert!(
        first.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );
    let (_, second) = login(
        &tenant,
        "BON@acdc.example",
        PASSWORD,
        "openid offline_access",
    )
    .await?;
    let refresh_token = second["refresh_token"]
        .as_str()
        .ok_or("a refresh token")?
        .to_owned();

    let sessions = bon.sessions().query().fetch_all().await?;
    assert_eq!(sessions.len(), 2);
    assert!(sessions.iter().all(|s| s.user_id.as_deref() == bon.id()));
    let tokens = bon.refresh_tokens().query().fetch_all().await?;
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].client_id.as_deref(), Some(tenant.client_id()));
    assert_eq!(refresh(&tenant, &refresh_token).await?, 200);
    // A login counts on the user.
    assert_eq!(
        users.get_by_id(bon.id().ok_or("id")?).await?.logins_count,
        Some(2)
    );

    // Revoking the refresh token ends its exchanges.
    let token_id = tokens[0].id.clone().ok_or("a token id")?;
    bon.refresh_tokens().revoke(&token_id).await?;
    assert_eq!(refresh(&tenant, &refresh_token).await?, 403);
    assert_eq!(bon.refresh_tokens().query().count().await?, 0);

    // One session (and the refresh tokens issued in it), then all.
    let (_, third) = login(&tenant, "bon@acdc.example", PASSWORD, "offline_access").await?;
    let third_token = third["refresh_token"].as_str().ok_or("a refresh token")?;
    let third_session = bon
        .refresh_tokens()
        .query()
        .first()
        .await?
        .and_then(|t| t.session_id)
        .ok_or("the token's session")?;
    bon.sessions().revoke(&third_session).await?;
    assert_eq!(refresh(&tenant, third_token).await?, 403);
    assert_eq!(bon.sessions().query().count().await?, 2);
    let first_session = sessions[0].id.clone().ok_or("a session id")?;
    bon.sessions().revoke(&first_session).await?;
    assert_eq!(bon.sessions().query().count().await?, 1);
    bon.sessions().revoke_all().await?;
    assert!(bon.sessions().query().fetch_all().await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn revoke_all_refresh_tokens_and_deleting_the_user_leave_nothing() -> TestResult {
    let (tenant, auth0) = tenant_with_logins().await?;
    let users = auth0.users();
    let mut angus = create(&users, "angus@acdc.example").await?;
    let mut refresh_tokens = Vec::new();
    for _ in 0..3 {
        let (_, answer) = login(&tenant, "angus@acdc.example", PASSWORD, "offline_access").await?;
        refresh_tokens.push(
            answer["refresh_token"]
                .as_str()
                .ok_or("a refresh token")?
                .to_owned(),
        );
    }
    // Three sessions, paged one at a time through the checkpoint.
    let sessions = angus.sessions().query().per_page(1).fetch_all().await?;
    assert_eq!(sessions.len(), 3);
    angus.refresh_tokens().revoke_all().await?;
    for token in &refresh_tokens {
        assert_eq!(refresh(&tenant, token).await?, 403);
    }
    angus.delete().await?;
    for session in &sessions {
        let id = session.id.as_deref().ok_or("a session id")?;
        let gone = auth0
            .send(GetSession::new(id))
            .await
            .err()
            .ok_or("deleted")?;
        assert_eq!(gone.api().map(|a| a.status), Some(404), "{gone}");
    }
    Ok(())
}

#[tokio::test]
async fn one_users_handle_never_revokes_another_users_session() -> TestResult {
    let (tenant, auth0) = tenant_with_logins().await?;
    let users = auth0.users();
    let bon = create(&users, "bon@acdc.example").await?;
    let brian = create(&users, "brian@acdc.example").await?;
    login(&tenant, "brian@acdc.example", PASSWORD, "openid").await?;
    let brians = brian.sessions().query().fetch_all().await?;
    let id = brians[0].id.as_deref().ok_or("a session id")?;
    let refused = bon.sessions().revoke(id).await.err().ok_or("refused")?;
    assert!(
        matches!(
            refused,
            Error::DoesNotExist {
                kind: "Session",
                ..
            }
        ),
        "{refused}"
    );
    assert_eq!(brian.sessions().query().count().await?, 1);
    let refused = bon
        .refresh_tokens()
        .revoke("no-such-token")
        .await
        .err()
        .ok_or("refused")?;
    assert!(
        matches!(
            refused,
            Error::DoesNotExist {
                kind: "RefreshToken",
                ..
            }
        ),
        "{refused}"
    );
    Ok(())
}

#[tokio::test]
async fn a_missing_user_has_no_sessions_to_list_or_revoke() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let users = fake_client(&tenant).users();
    for hostile in [
        "auth0|nobody",
        "../users",
        "a/b?x=1#y",
        "auth0|x/../../clients",
    ] {
        let listed = users
            .sessions(hostile)
            .query()
            .fetch_all()
            .await
            .err()
            .ok_or("404")?;
        assert_eq!(
            listed.api().map(|a| a.status),
            Some(404),
            "{hostile}: {listed}"
        );
        let revoked = users
            .refresh_tokens(hostile)
            .revoke_all()
            .await
            .err()
            .ok_or("404")?;
        assert_eq!(
            revoked.api().map(|a| a.status),
            Some(404),
            "{hostile}: {revoked}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn empty_and_dot_ids_are_refused_before_sending() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);
    let users = auth0.users();
    let before = tenant.counters().total();
    for bad in ["", ".", ".."] {
        let refusals = [
            users.sessions(bad).query().count().await.err(),
            users.sessions(bad).revoke_all().await.err(),
            users.sessions("auth0|1").revoke(bad).await.err(),
            users.sessions(bad).revoke("s").await.err(),
            users.refresh_tokens(bad).query().count().await.err(),
            users.refresh_tokens("auth0|1").revoke(bad).await.err(),
            users
                .authentication_methods(bad)
                .query()
                .count()
                .await
                .err(),
            users
                .authentication_methods("auth0|1")
                .delete(bad)
                .await
                .err(),
            users.authentication_methods(bad).delete_all().await.err(),
            users.login_blocks(bad).await.err(),
            users.clear_login_blocks(bad).await.err(),
            users
                .link(bad, &SecondaryAccount::new("auth0", "x"))
                .await
                .err(),
            users
                .unlink("auth0|1", &SecondaryAccount::new("auth0", bad))
                .await
                .err(),
        ];
        for (i, refusal) in refusals.into_iter().enumerate() {
            assert!(
                matches!(refusal, Some(Error::InvalidArgument(_))),
                "{bad:?} #{i}: {refusal:?}"
            );
        }
    }
    for refusal in [
        users.login_blocks_by_identifier("").await.err(),
        users.clear_login_blocks_by_identifier("").await.err(),
        users
            .link("auth0|1", &SecondaryAccount::new("", "x"))
            .await
            .err(),
        users
            .link("auth0|1", &SecondaryAccount::new("auth0", "1"))
            .await
            .err(),
        users
            .link(
                "auth0|1",
                &SecondaryAccount::new("auth0", "2").connection_id(""),
            )
            .await
            .err(),
    ] {
        assert!(
            matches!(refusal, Some(Error::InvalidArgument(_))),
            "{refusal:?}"
        );
    }
    // An unsaved user has no id to act on.
    let mut unsaved = users.new_user();
    assert!(matches!(
        unsaved.login_blocks().await,
        Err(Error::MissingId)
    ));
    assert!(matches!(
        unsaved.link(&SecondaryAccount::new("auth0", "2")).await,
        Err(Error::MissingId)
    ));
    let missing: Vec<(&str, Result<(), Error>)> = vec![
        (
            "sessions",
            unsaved.sessions().query().count().await.map(drop),
        ),
        ("revoke a session", unsaved.sessions().revoke("s1").await),
        ("revoke all sessions", unsaved.sessions().revoke_all().await),
        (
            "refresh tokens",
            unsaved.refresh_tokens().query().count().await.map(drop),
        ),
        (
            "revoke a token",
            unsaved.refresh_tokens().revoke("t1").await,
        ),
        (
            "revoke all tokens",
            unsaved.refresh_tokens().revoke_all().await,
        ),
        (
            "authentication methods",
            unsaved
                .authentication_methods()
                .query()
                .count()
                .await
                .map(drop),
        ),
        (
            "delete a method",
            unsaved.authentication_methods().delete("m1").await,
        ),
        (
            "delete all methods",
            unsaved.authentication_methods().delete_all().await,
        ),
    ];
    for (what, result) in missing {
        assert!(
            matches!(result, Err(Error::MissingId)),
            "{what}: {result:?}"
        );
    }
    assert_eq!(tenant.counters().total(), before, "nothing was sent");
    Ok(())
}

// ---------------------------------------------------------------- linking

#[tokio::test]
async fn linking_moves_the_secondary_in_and_unlinking_gives_it_back() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let users = fake_client(&tenant).users();
    let mut bon = create(&users, "bon@acdc.example").await?;
    let other = create(&users, "bon.scott@acdc.example").await?;
    let other_id = other.id().ok_or("id")?.to_owned();
    let secondary = SecondaryAccount::parse(&other_id)?;
    bon.link(&secondary).await?;
    assert_eq!(bon.identities.len(), 2);
    assert_eq!(
        bon.identities[1].user_id.as_deref(),
        Some(secondary.user_id())
    );
    assert!(
        users.get_by_id(&other_id).await.is_err(),
        "the secondary user is gone"
    );
    // Identities are read-only: nothing to save.
    assert!(bon.pending_changes().is_empty());

    bon.unlink(&secondary).await?;
    assert_eq!(bon.identities.len(), 1);
    assert_eq!(
        users.get_by_id(&other_id).await?.email.as_deref(),
        Some("bon.scott@acdc.example")
    );
    // Linking to itself is refused before sending.
    let itself = SecondaryAccount::parse(bon.id().ok_or("id")?)?;
    assert!(matches!(
        bon.link(&itself).await,
        Err(Error::InvalidArgument(_))
    ));
    Ok(())
}

// ------------------------------------------------- authentication methods

#[tokio::test]
async fn authentication_methods_list_and_delete() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);
    let bon = create(&auth0.users(), "bon@acdc.example").await?;
    let id = bon.id().ok_or("id")?;
    // Seeded through the API, as on a real tenant.
    for (kind, field, value) in [
        ("email", "email", "bon@acdc.example"),
        ("phone", "phone_number", "+15551234567"),
        ("email", "email", "bon.scott@acdc.example"),
    ] {
        auth0
            .request(Method::POST, ["users", id, "authentication-methods"])
            .body(&json!({"type": kind, field: value}))
            .send()
            .await?;
    }
    let methods = bon.authentication_methods();
    let all = methods.query().fetch_all().await?;
    assert_eq!(all.len(), 3);
    assert_eq!(methods.query().count().await?, 3);
    methods.delete(all[0].id.as_deref().ok_or("id")?).await?;
    assert_eq!(methods.query().count().await?, 2);
    methods.delete_all().await?;
    assert_eq!(methods.query().count().await?, 0);
    let missing = auth0
        .users()
        .authentication_methods("auth0|nobody")
        .query()
        .count()
        .await;
    assert_eq!(
        missing.err().and_then(|e| e.api().map(|a| a.status)),
        Some(404)
    );
    Ok(())
}

// ------------------------------------------------------------ login blocks

async fn fail_logins(tenant: &FakeTenant, username: &str, times: usize) -> TestResult {
    for _ in 0..times {
        let (status, body) = login(tenant, username, "wrong-password", "openid").await?;
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("invalid_grant"))
        );
    }
    Ok(())
}

#[tokio::test]
async fn ten_wrong_passwords_block_until_the_login_block_is_cleared() -> TestResult {
    let (tenant, auth0) = tenant_with_logins().await?;
    let users = auth0.users();
    let bon = create(&users, "bon@acdc.example").await?;
    let id = bon.id().ok_or("id")?;
    fail_logins(&tenant, "bon@acdc.example", 9).await?;
    assert!(
        bon.login_blocks().await?.is_empty(),
        "nine failures do not block"
    );
    fail_logins(&tenant, "bon@acdc.example", 1).await?;

    // Blocked now, even with the right password.
    let (status, body) = login(&tenant, "bon@acdc.example", PASSWORD, "openid").await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("too_many_attempts"))
    );
    let blocks: Vec<LoginBlock> = users.login_blocks(id).await?;
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].identifier.as_deref(), Some("bon@acdc.example"));
    assert_eq!(blocks[0].ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(blocks[0].connection.as_deref(), Some(tenant.connection()));
    assert_eq!(
        users
            .login_blocks_by_identifier("Bon@ACDC.example")
            .await?
            .len(),
        1
    );

    // The administrator's unblock is another thing: the login block stays.
    users.unblock(id).await?;
    assert_eq!(users.login_blocks(id).await?.len(), 1);
    assert_eq!(
        login(&tenant, "bon@acdc.example", PASSWORD, "openid")
            .await?
            .0,
        429
    );

    users.clear_login_blocks(id).await?;
    assert!(users.login_blocks(id).await?.is_empty());
    assert_eq!(
        login(&tenant, "bon@acdc.example", PASSWORD, "openid")
            .await?
            .0,
        200
    );

    // By identifier this time.
    fail_logins(&tenant, "bon@acdc.example", 10).await?;
    users
        .clear_login_blocks_by_identifier("bon@acdc.example")
        .await?;
    assert_eq!(
        login(&tenant, "bon@acdc.example", PASSWORD, "openid")
            .await?
            .0,
        200
    );
    Ok(())
}

#[tokio::test]
async fn the_administrators_block_refuses_logins_and_a_new_password_clears_login_blocks()
-> TestResult {
    let (tenant, auth0) = tenant_with_logins().await?;
    let users = auth0.users();
    let angus = create(&users, "angus@acdc.example").await?;
    let id = angus.id().ok_or("id")?;
    users.block(id).await?;
    let (status, body) = login(&tenant, "angus@acdc.example", PASSWORD, "openid").await?;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized"))
    );
    users.unblock(id).await?;

    fail_logins(&tenant, "angus@acdc.example", 10).await?;
    users
        .update(id, NewUser::new().password("Back-In-Bl4ck"))
        .await?;
    assert!(users.login_blocks(id).await?.is_empty());
    assert_eq!(
        login(&tenant, "angus@acdc.example", "Back-In-Bl4ck", "openid")
            .await?
            .0,
        200
    );
    Ok(())
}

#[tokio::test]
async fn a_hostile_identifier_is_one_value_and_matches_no_one_else() -> TestResult {
    let (tenant, auth0) = tenant_with_logins().await?;
    let users = auth0.users();
    let victim = create(&users, "victim@acdc.example").await?;
    fail_logins(&tenant, "victim@acdc.example", 10).await?;
    for hostile in [
        "x&identifier=victim@acdc.example",
        "identifier=victim@acdc.example",
        "x#identifier=victim@acdc.example",
        "victim@acdc.example\r\nx-injected: 1",
        "victim@acdc.example%26",
        "vïctim@acdc.example",
        "*",
    ] {
        assert!(
            users.login_blocks_by_identifier(hostile).await?.is_empty(),
            "{hostile:?}"
        );
        users.clear_login_blocks_by_identifier(hostile).await?;
    }
    assert_eq!(
        victim.login_blocks().await?.len(),
        1,
        "the victim's block is untouched"
    );
    Ok(())
}

#[tokio::test]
async fn the_fakes_log_in_helper_is_the_password_grant() -> TestResult {
    // No grant_types change needed: the helper logs in as an allowed application.
    let tenant = FakeTenant::start().await?;
    let users = fake_client(&tenant).users();
    let malcolm = create(&users, "malcolm@acdc.example").await?;
    let answer = tenant.log_in("malcolm@acdc.example", PASSWORD, "openid offline_access");
    assert!(answer.is_ok_and(|a| a["refresh_token"].is_string()));
    let refused = tenant.log_in("malcolm@acdc.example", "nope", "openid");
    assert_eq!(
        refused.err().map(|e| e["error"].clone()),
        Some(json!("invalid_grant"))
    );
    assert_eq!(malcolm.sessions().query().count().await?, 1);
    assert_eq!(malcolm.refresh_tokens().query().count().await?, 1);
    Ok(())
}
