//! Exact-wire tests of the organizations API: for each call, the method,
//! the raw (percent-encoded) path, the query and the JSON body Auth0 sees;
//! and the calls refused before anything is sent.

use std::time::Duration;

use auth0plus::management::{Invitation, MAX_INVITATION_TTL};
use auth0plus::{EnabledConnectionOptions, Error, NewInvitation, NewOrganization, Organization};
use auth0plus_tests::{answer, call, calls, wire_client};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The organization `org_1` (`acme`), fetched from `server`; the fetch is
/// left out of what later assertions see by clearing the server's log.
async fn acme(server: &MockServer) -> Organization {
    answer(
        server,
        "GET",
        "/api/v2/organizations/org_1",
        200,
        json!({"id": "org_1", "name": "acme", "display_name": "Acme"}),
    )
    .await;
    let org = wire_client(server)
        .organizations()
        .get_by_id("org_1")
        .await
        .expect("fetched");
    server.reset().await;
    org
}

#[tokio::test]
async fn create_save_and_delete() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/api/v2/organizations",
        201,
        json!({"id": "org_1", "name": "acme", "display_name": "Acme", "branding": {"logo_url": "https://acme.example/logo.png"}}),
    )
    .await;
    answer(
        &server,
        "PATCH",
        "/api/v2/organizations/org_1",
        200,
        json!({"id": "org_1", "name": "acme", "display_name": "ACME", "branding": {"logo_url": "https://acme.example/logo.png"}}),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/api/v2/organizations/org_1",
        204,
        json!({}),
    )
    .await;
    let orgs = wire_client(&server).organizations();

    let mut org = orgs
        .create(NewOrganization {
            name: Some("acme".into()),
            display_name: Some("Acme".into()),
            ..NewOrganization::default()
        })
        .await
        .expect("created");
    org.display_name = Some("ACME".into());
    org.save().await.expect("saved");
    org.save().await.expect("nothing to send");
    org.delete().await.expect("deleted");

    assert_eq!(
        calls(&server).await,
        vec![
            call(
                "POST",
                "/api/v2/organizations",
                &[],
                Some(json!({"name": "acme", "display_name": "Acme"}))
            ),
            // Only what changed; `id` and the untouched branding stay home.
            call(
                "PATCH",
                "/api/v2/organizations/org_1",
                &[],
                Some(json!({"display_name": "ACME"}))
            ),
            call("DELETE", "/api/v2/organizations/org_1", &[], None),
        ]
    );
}

#[tokio::test]
async fn an_update_sends_only_fields_auth0_lets_it_change() {
    let server = MockServer::start().await;
    let mut org = acme(&server).await;
    answer(
        &server,
        "PATCH",
        "/api/v2/organizations/org_1",
        200,
        json!({"id": "org_1", "name": "acme"}),
    )
    .await;
    // A field the update schema does not have (it refuses extra properties).
    org.extra.insert("created_at".into(), json!("2026-01-01"));
    org.metadata = Some([("tier".to_owned(), "gold".to_owned())].into());
    org.save().await.expect("saved");
    // Metadata merges one level deep: a changed key, and a removed one as null.
    server.reset().await;
    answer(
        &server,
        "PATCH",
        "/api/v2/organizations/org_1",
        200,
        json!({"id": "org_1", "name": "acme", "metadata": {"tier": "gold", "region": "eu"}}),
    )
    .await;
    org.metadata = Some(
        [
            ("tier".to_owned(), "gold".to_owned()),
            ("region".to_owned(), "eu".to_owned()),
        ]
        .into(),
    );
    org.save().await.expect("saved");
    org.metadata = Some([("region".to_owned(), "us".to_owned())].into());
    org.save().await.expect("saved");
    org.metadata = None;
    org.save().await.expect("saved");
    let bodies: Vec<Option<Value>> = calls(&server).await.into_iter().map(|s| s.body).collect();
    assert_eq!(
        bodies,
        [
            // The last answer had no metadata: both keys are new.
            Some(json!({"metadata": {"tier": "gold", "region": "eu"}})),
            Some(json!({"metadata": {"tier": null, "region": "us"}})),
            Some(json!({"metadata": {}})),
        ]
    );
}

#[tokio::test]
async fn a_name_is_one_path_segment_and_a_404_is_does_not_exist() {
    let server = MockServer::start().await;
    let not_found = json!({"statusCode": 404, "error": "Not Found", "message": "No organization found by that id or name", "errorCode": "inexistent_organization"});
    answer(
        &server,
        "GET",
        "/api/v2/organizations/name/..%2Fusers%3Fq%3D%2A%23x",
        404,
        not_found,
    )
    .await;
    answer(
        &server,
        "GET",
        "/api/v2/organizations/name/acme",
        200,
        json!({"id": "org_1", "name": "acme"}),
    )
    .await;
    let orgs = wire_client(&server).organizations();

    let err = orgs.get([("name", "../users?q=*#x")]).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::DoesNotExist {
                kind: "Organization",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        orgs.get_opt([("name", "../users?q=*#x")])
            .await
            .expect("no error")
            .is_none()
    );
    let org = orgs.get([("name", "acme")]).await.expect("found");
    assert_eq!(org.id(), Some("org_1"));
    assert!(org.is_fetched());
    let paths: Vec<String> = calls(&server).await.into_iter().map(|s| s.path).collect();
    assert_eq!(
        paths,
        [
            "/api/v2/organizations/name/..%2Fusers%3Fq%3D%2A%23x",
            "/api/v2/organizations/name/..%2Fusers%3Fq%3D%2A%23x",
            "/api/v2/organizations/name/acme"
        ]
    );
}

#[tokio::test]
async fn organizations_count_by_offset_and_stream_by_checkpoint() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/organizations"))
        .and(query_param("include_totals", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"organizations": [{"id": "org_1", "name": "a"}], "start": 0, "limit": 1, "total": 1500}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/organizations"))
        .and(query_param_is_missing("from"))
        .and(query_param("take", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"organizations": [{"id": "org_1", "name": "a"}, {"id": "org_2", "name": "b"}], "next": "cp1"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/organizations"))
        .and(query_param("from", "cp1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"organizations": [{"id": "org_3", "name": "c"}]})),
        )
        .mount(&server)
        .await;
    let orgs = wire_client(&server).organizations();
    let query = orgs.query().per_page(2);

    assert_eq!(query.count().await.expect("counted"), 1500);
    let all = query.fetch_all().await.expect("listed");
    let ids: Vec<&str> = all.iter().filter_map(Organization::id).collect();
    assert_eq!(ids, ["org_1", "org_2", "org_3"]);
    assert!(all.iter().all(Organization::is_fetched));

    assert_eq!(
        calls(&server).await,
        vec![
            call(
                "GET",
                "/api/v2/organizations",
                &[("page", "0"), ("per_page", "1"), ("include_totals", "true")],
                None
            ),
            // The first offset page's total is past the window: the
            // checkpoint is walked from its start.
            call(
                "GET",
                "/api/v2/organizations",
                &[("page", "0"), ("per_page", "2"), ("include_totals", "true")],
                None
            ),
            call("GET", "/api/v2/organizations", &[("take", "2")], None),
            call(
                "GET",
                "/api/v2/organizations",
                &[("from", "cp1"), ("take", "2")],
                None
            ),
        ]
    );
}

#[tokio::test]
async fn members_are_added_in_calls_of_100_and_removed_with_a_body() {
    let server = MockServer::start().await;
    let org = acme(&server).await;
    answer(
        &server,
        "POST",
        "/api/v2/organizations/org_1/members",
        204,
        json!({}),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/api/v2/organizations/org_1/members",
        204,
        json!({}),
    )
    .await;

    let ids: Vec<String> = (0..250).map(|i| format!("auth0|{i:03}")).collect();
    org.members().add(&ids).await.expect("added");
    org.members().remove(["auth0|000"]).await.expect("removed");

    let mut posts: Vec<Vec<String>> = calls(&server)
        .await
        .into_iter()
        .filter(|s| s.method == "POST")
        .map(|s| {
            assert_eq!(s.path, "/api/v2/organizations/org_1/members");
            serde_json::from_value(s.body.expect("a body")["members"].clone()).expect("ids")
        })
        .collect();
    posts.sort();
    let sizes: Vec<usize> = posts.iter().map(Vec::len).collect();
    assert_eq!(sizes, [100, 100, 50]);
    assert_eq!(posts.concat(), ids);
    let delete = calls(&server)
        .await
        .into_iter()
        .find(|s| s.method == "DELETE")
        .expect("a DELETE");
    assert_eq!(
        delete,
        call(
            "DELETE",
            "/api/v2/organizations/org_1/members",
            &[],
            Some(json!({"members": ["auth0|000"]}))
        )
    );
}

#[tokio::test]
async fn members_stream_by_checkpoint() {
    let server = MockServer::start().await;
    let org = acme(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/organizations/org_1/members"))
        .and(query_param_is_missing("from"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"members": [{"user_id": "auth0|1", "email": "a@x.example"}], "next": "n1"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/organizations/org_1/members"))
        .and(query_param("from", "n1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"members": [{"user_id": "auth0|2", "roles": [{"id": "rol_1", "name": "admin"}]}]})),
        )
        .mount(&server)
        .await;
    let members = org
        .members()
        .query()
        .param("fields", "user_id,roles")
        .fetch_all()
        .await
        .expect("listed");
    assert_eq!(members.len(), 2);
    assert_eq!(members[1].roles.as_ref().map(Vec::len), Some(1));
    assert_eq!(
        calls(&server).await,
        vec![
            // An offset answer without a total: the checkpoint is walked.
            call(
                "GET",
                "/api/v2/organizations/org_1/members",
                &[
                    ("fields", "user_id,roles"),
                    ("page", "0"),
                    ("per_page", "50"),
                    ("include_totals", "true")
                ],
                None
            ),
            call(
                "GET",
                "/api/v2/organizations/org_1/members",
                &[("fields", "user_id,roles"), ("take", "50")],
                None
            ),
            call(
                "GET",
                "/api/v2/organizations/org_1/members",
                &[("fields", "user_id,roles"), ("from", "n1"), ("take", "50")],
                None
            ),
        ]
    );
}

#[tokio::test]
async fn a_members_roles_live_under_the_encoded_user_id() {
    let server = MockServer::start().await;
    let org = acme(&server).await;
    let roles = "/api/v2/organizations/org_1/members/auth0%7C1%2F..%2F..%2Froles/roles";
    answer(&server, "POST", roles, 204, json!({})).await;
    answer(&server, "DELETE", roles, 204, json!({})).await;
    answer(
        &server,
        "GET",
        roles,
        200,
        json!({"roles": [{"id": "rol_1", "name": "admin", "description": "All"}], "start": 0, "limit": 50, "total": 1}),
    )
    .await;
    let member = org.member_roles("auth0|1/../../roles");
    member
        .add(["rol_1", "rol_2", "rol_1"])
        .await
        .expect("added");
    member.remove(["rol_2"]).await.expect("removed");
    let listed = member.query().fetch_all().await.expect("listed");
    assert_eq!(listed[0].name.as_deref(), Some("admin"));
    assert!(listed[0].is_fetched(), "role records, like user.roles()");
    assert_eq!(
        calls(&server).await,
        vec![
            call(
                "POST",
                roles,
                &[],
                Some(json!({"roles": ["rol_1", "rol_2"]}))
            ),
            call("DELETE", roles, &[], Some(json!({"roles": ["rol_2"]}))),
            call(
                "GET",
                roles,
                &[
                    ("page", "0"),
                    ("per_page", "50"),
                    ("include_totals", "true")
                ],
                None
            ),
        ]
    );
}

#[tokio::test]
async fn invitations_wire() {
    let server = MockServer::start().await;
    let org = acme(&server).await;
    // The answer as Auth0 gave it (go-auth0 recording
    // TestOrganizationManager_CreateInvitation.yaml, MIT, ids shortened).
    let created = json!({"id": "uinv_1", "client_id": "cid", "inviter": {"name": "Ada"}, "invitee": {"email": "new@acme.example"}, "invitation_url": "https://mycompany.org/login?invitation=T&organization=org_1&organization_name=acme", "ticket_id": "T", "created_at": "2023-01-25T17:49:32.656Z", "expires_at": "2023-02-01T17:49:32.656Z", "organization_id": "org_1"});
    answer(
        &server,
        "POST",
        "/api/v2/organizations/org_1/invitations",
        201,
        created.clone(),
    )
    .await;
    answer(
        &server,
        "GET",
        "/api/v2/organizations/org_1/invitations/uinv_1",
        200,
        created.clone(),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/api/v2/organizations/org_1/invitations/uinv_1",
        204,
        json!({}),
    )
    .await;
    answer(
        &server,
        "GET",
        "/api/v2/organizations/org_1/invitations",
        200,
        json!({"invitations": [created.clone()], "start": 0, "limit": 50, "total": 1}),
    )
    .await;
    let invitations = org.invitations();

    let sent = invitations
        .create(
            NewInvitation::new("Ada", "new@acme.example", "cid")
                .connection("con_1")
                .roles(["rol_1"])
                .ttl(Duration::from_millis(3_600_999))
                .send_invitation_email(false)
                .app_metadata(
                    json!({"plan": "pro"})
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                ),
        )
        .await
        .expect("invited");
    let expected: Invitation = serde_json::from_value(created).expect("an invitation");
    assert_eq!(sent, expected);
    assert_eq!(invitations.get("uinv_1").await.expect("found"), expected);
    assert_eq!(
        invitations.query().fetch_all().await.expect("listed"),
        [expected]
    );
    invitations.delete("uinv_1").await.expect("deleted");

    assert_eq!(
        calls(&server).await,
        vec![
            call(
                "POST",
                "/api/v2/organizations/org_1/invitations",
                &[],
                Some(json!({
                    "app_metadata": {"plan": "pro"},
                    "client_id": "cid",
                    "connection_id": "con_1",
                    "invitee": {"email": "new@acme.example"},
                    "inviter": {"name": "Ada"},
                    "roles": ["rol_1"],
                    "send_invitation_email": false,
                    "ttl_sec": 3600,
                }))
            ),
            call(
                "GET",
                "/api/v2/organizations/org_1/invitations/uinv_1",
                &[],
                None
            ),
            call(
                "GET",
                "/api/v2/organizations/org_1/invitations",
                &[
                    ("page", "0"),
                    ("per_page", "50"),
                    ("include_totals", "true")
                ],
                None
            ),
            call(
                "DELETE",
                "/api/v2/organizations/org_1/invitations/uinv_1",
                &[],
                None
            ),
        ]
    );
}

#[tokio::test]
async fn connections_wire() {
    let server = MockServer::start().await;
    let org = acme(&server).await;
    let enabled = json!({"connection_id": "con_1", "assign_membership_on_login": true, "show_as_button": true, "connection": {"name": "db", "strategy": "auth0"}});
    let base = "/api/v2/organizations/org_1/enabled_connections";
    let one = "/api/v2/organizations/org_1/enabled_connections/con_1";
    answer(&server, "POST", base, 201, enabled.clone()).await;
    answer(&server, "PATCH", one, 200, enabled.clone()).await;
    answer(&server, "GET", one, 200, enabled.clone()).await;
    answer(&server, "DELETE", one, 204, json!({})).await;
    answer(
        &server,
        "GET",
        base,
        200,
        json!({"enabled_connections": [enabled.clone()], "start": 0, "limit": 50, "total": 1}),
    )
    .await;
    let connections = org.connections();

    let on = connections
        .enable(
            "con_1",
            EnabledConnectionOptions::new().assign_membership_on_login(true),
        )
        .await
        .expect("enabled");
    assert_eq!(on.connection.and_then(|c| c.name).as_deref(), Some("db"));
    connections
        .update(
            "con_1",
            EnabledConnectionOptions::new()
                .show_as_button(false)
                .is_signup_enabled(true),
        )
        .await
        .expect("updated");
    connections.get("con_1").await.expect("found");
    assert_eq!(
        connections.query().fetch_all().await.expect("listed").len(),
        1
    );
    connections.disable("con_1").await.expect("disabled");

    assert_eq!(
        calls(&server).await,
        vec![
            call(
                "POST",
                base,
                &[],
                Some(json!({"connection_id": "con_1", "assign_membership_on_login": true}))
            ),
            call(
                "PATCH",
                one,
                &[],
                Some(json!({"show_as_button": false, "is_signup_enabled": true}))
            ),
            call("GET", one, &[], None),
            call(
                "GET",
                base,
                &[
                    ("page", "0"),
                    ("per_page", "50"),
                    ("include_totals", "true")
                ],
                None
            ),
            call("DELETE", one, &[], None),
        ]
    );
}

#[tokio::test]
async fn a_users_organizations() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v2/users/auth0%7C1",
        200,
        json!({"user_id": "auth0|1", "email": "a@x.example"}),
    )
    .await;
    let auth0 = wire_client(&server);
    let user = auth0.users().get_by_id("auth0|1").await.expect("found");
    server.reset().await;
    answer(
        &server,
        "GET",
        "/api/v2/users/auth0%7C1/organizations",
        200,
        json!({"organizations": [{"id": "org_1", "name": "acme"}], "start": 0, "limit": 50, "total": 1}),
    )
    .await;
    let orgs = user.organizations().fetch_all().await.expect("listed");
    assert_eq!(orgs[0].name.as_deref(), Some("acme"));
    assert!(orgs[0].is_fetched(), "records that can be saved");
    assert_eq!(
        calls(&server).await,
        vec![call(
            "GET",
            "/api/v2/users/auth0%7C1/organizations",
            &[
                ("page", "0"),
                ("per_page", "50"),
                ("include_totals", "true")
            ],
            None
        )]
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let orgs = auth0.organizations();
    let org = acme(&server).await;

    for bad in ["", ".", ".."] {
        assert!(matches!(
            orgs.get([("name", bad)]).await,
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            orgs.get_by_id(bad).await,
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            orgs.delete(bad).await,
            Err(Error::InvalidArgument(_))
        ));
        assert!(org.member_roles(bad).query().count().await.is_err());
        assert!(org.member_roles(bad).add(["rol_1"]).await.is_err());
        assert!(org.invitations().get(bad).await.is_err());
        assert!(org.invitations().delete(bad).await.is_err());
        assert!(org.connections().get(bad).await.is_err());
        assert!(org.connections().disable(bad).await.is_err());
        assert!(
            org.connections()
                .update(bad, EnabledConnectionOptions::new().show_as_button(true))
                .await
                .is_err()
        );
    }
    assert!(
        org.connections()
            .enable("", EnabledConnectionOptions::new())
            .await
            .is_err()
    );
    assert!(org.members().add(["auth0|1", ""]).await.is_err());
    assert!(
        org.members()
            .query()
            .per_page(101)
            .fetch_all()
            .await
            .is_err()
    );
    assert!(orgs.query().per_page(0).count().await.is_err());
    let nameless = orgs.create(NewOrganization::default()).await;
    assert!(
        matches!(nameless, Err(Error::InvalidArgument(_))),
        "{nameless:?}"
    );
    let mut renamed = org.clone();
    renamed.name = Some(String::new());
    assert!(matches!(
        renamed.save().await,
        Err(Error::InvalidArgument(_))
    ));
    for bad in [
        NewInvitation::new(" ", "a@x.example", "cid"),
        NewInvitation::new("Ada", "", "cid"),
        NewInvitation::new("Ada", "a@x.example", ""),
        NewInvitation::new("Ada", "a@x.example", "cid").connection(""),
        NewInvitation::new("Ada", "a@x.example", "cid").roles(["rol_1", ""]),
        NewInvitation::new("Ada", "a@x.example", "cid")
            .ttl(MAX_INVITATION_TTL + Duration::from_secs(1)),
    ] {
        let refused = org.invitations().create(bad.clone()).await;
        assert!(
            matches!(refused, Err(Error::InvalidArgument(_))),
            "{bad:?}: {refused:?}"
        );
    }
    assert!(calls(&server).await.is_empty(), "nothing was sent");
}

#[tokio::test]
async fn get_or_create_by_name_looks_then_creates_with_that_name() {
    let server = MockServer::start().await;
    let not_found = json!({"statusCode": 404, "error": "Not Found", "message": "No organization found by that id or name", "errorCode": "inexistent_organization"});
    answer(
        &server,
        "GET",
        "/api/v2/organizations/name/acme",
        404,
        not_found,
    )
    .await;
    answer(
        &server,
        "POST",
        "/api/v2/organizations",
        201,
        json!({"id": "org_1", "name": "acme", "display_name": "Acme"}),
    )
    .await;
    let orgs = wire_client(&server).organizations();
    let (org, created) = orgs
        .get_or_create(
            [("name", "acme")],
            NewOrganization {
                name: Some("ignored: the lookup's name wins".into()),
                display_name: Some("Acme".into()),
                ..NewOrganization::default()
            },
        )
        .await
        .expect("created");
    assert!(created);
    assert_eq!(org.id(), Some("org_1"));
    assert_eq!(
        calls(&server).await,
        vec![
            call("GET", "/api/v2/organizations/name/acme", &[], None),
            call(
                "POST",
                "/api/v2/organizations",
                &[],
                Some(json!({"name": "acme", "display_name": "Acme"}))
            ),
        ]
    );
}
