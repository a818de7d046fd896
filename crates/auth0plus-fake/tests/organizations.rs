//! An organization's invitations, members' roles and enabled connections on the wire:
//! answers, error bodies, and what deleting each side leaves behind.

mod common;

use auth0plus_fake::FakeTenant;
use common::{assert_error, ctx, enc};
use serde_json::{Value, json};

fn org_404(r: &common::Reply) {
    assert_error(
        r,
        404,
        "No organization found by that id or name",
        Some("inexistent_organization"),
    );
}

/// The id of a new organization or role named `name`.
async fn created_id(c: &common::Ctx, collection: &str, name: &str) -> String {
    let r = c.post(collection, &json!({"name": name})).await;
    assert!(r.status < 300, "{}", r.text);
    r.json()["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn invitations_answer_the_recorded_shape_and_go_with_the_organization() {
    let c = ctx(FakeTenant::start().await.unwrap());
    let oid = created_id(&c, "/api/v2/organizations", "acme").await;
    let path = format!("/api/v2/organizations/{oid}/invitations");
    let body = json!({"inviter": {"name": "Ada"}, "invitee": {"email": "new@acme.example"}, "client_id": c.tenant.client_id()});
    let r = c.post(&path, &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let inv = r.json();
    let keys: Vec<&str> = inv
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "id",
        "client_id",
        "inviter",
        "invitee",
        "invitation_url",
        "ticket_id",
        "created_at",
        "expires_at",
        "organization_id",
    ] {
        assert!(keys.contains(&key), "{key} in {inv}");
    }
    assert_eq!(inv["organization_id"], oid.as_str());
    let id = inv["id"].as_str().unwrap();
    assert_eq!(c.get(&format!("{path}/{id}")).await.json(), inv);
    // Auth0's envelope for invitations has no `total` (its schema, and node-auth0's).
    let listed = c.get(&format!("{path}?include_totals=true")).await.json();
    assert_eq!(
        listed,
        json!({"start": 0, "limit": 50, "invitations": [inv.clone()]})
    );

    // The spec's checks, in Auth0's words.
    let r = c
        .post(
            &path,
            &json!({"inviter": {"name": "Ada"}, "client_id": "x"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["errorCode"].clone()),
        (400, json!("invalid_body")),
        "{}",
        r.text
    );
    let mut long = body.clone();
    long["ttl_sec"] = json!(2_592_001);
    assert_eq!(c.post(&path, &long).await.status, 400);
    // What does not exist.
    org_404(
        &c.post("/api/v2/organizations/org_nope/invitations", &body)
            .await,
    );
    org_404(&c.get("/api/v2/organizations/org_nope/invitations").await);
    let mut ghost = body.clone();
    ghost["client_id"] = json!("no-such-client");
    assert_error(
        &c.post(&path, &ghost).await,
        404,
        "The client does not exist.",
        Some("inexistent_client"),
    );
    assert_error(
        &c.get(&format!("{path}/uinv_nope")).await,
        404,
        "The invitation does not exist.",
        Some("inexistent_invitation"),
    );

    assert_eq!(
        c.delete(&format!("/api/v2/organizations/{oid}"))
            .await
            .status,
        204
    );
    org_404(&c.get(&format!("{path}/{id}")).await);
    // A new organization never sees the old one's invitations.
    assert_eq!(
        c.get(&format!("/api/v2/organizations/{oid}")).await.status,
        404
    );
}

#[tokio::test]
async fn a_members_roles_need_the_membership_and_leave_with_it() {
    let c = ctx(FakeTenant::builder().seed_users(2).start().await.unwrap());
    let users: Vec<String> = c
        .tenant
        .users()
        .iter()
        .map(|u| u["user_id"].as_str().unwrap().to_string())
        .collect();
    let oid = created_id(&c, "/api/v2/organizations", "acme").await;
    let rid = created_id(&c, "/api/v2/roles", "admin").await;
    let roles = |u: &str| format!("/api/v2/organizations/{oid}/members/{}/roles", enc(u));
    let give = json!({"roles": [rid]});

    assert_error(
        &c.post(&roles(&users[0]), &give).await,
        400,
        "The user is not a member of the organization.",
        Some("invalid_body"),
    );
    let members = format!("/api/v2/organizations/{oid}/members");
    assert_eq!(
        c.post(&members, &json!({"members": users})).await.status,
        204
    );
    assert_eq!(c.post(&roles(&users[0]), &give).await.status, 204);
    assert_eq!(c.post(&roles(&users[1]), &give).await.status, 204);
    assert_error(
        &c.post(&roles(&users[0]), &json!({"roles": ["rol_nope"]}))
            .await,
        404,
        "The role does not exist.",
        Some("inexistent_role"),
    );
    assert_eq!(
        c.post(&roles(&users[0]), &json!({"roles": []}))
            .await
            .status,
        400
    );
    let listed = c
        .get(&format!("{}?include_totals=true", roles(&users[0])))
        .await
        .json();
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["roles"][0]["name"], "admin");
    let with = c
        .get(&format!("{members}?fields=user_id,roles"))
        .await
        .json();
    assert_eq!(with[0]["roles"], json!([{"id": rid, "name": "admin"}]));

    // Leaving the organization ends the roles in it.
    let one = json!({"members": [users[1]]});
    assert_eq!(
        c.send("DELETE", &members, Some(&one), Some(&c.token))
            .await
            .status,
        204
    );
    assert_eq!(c.post(&members, &one).await.status, 204);
    assert_eq!(c.get(&roles(&users[1])).await.json(), json!([]));

    // Deleting the role ends it for every member.
    assert_eq!(c.delete(&format!("/api/v2/roles/{rid}")).await.status, 200);
    assert_eq!(c.get(&roles(&users[0])).await.json(), json!([]));
}

#[tokio::test]
async fn enabled_connections_are_one_at_a_time_with_their_options() {
    let c = ctx(FakeTenant::start().await.unwrap());
    let oid = created_id(&c, "/api/v2/organizations", "acme").await;
    let cid = c.tenant.connection_id().to_string();
    let base = format!("/api/v2/organizations/{oid}/enabled_connections");
    let r = c
        .post(
            &base,
            &json!({"connection_id": cid, "assign_membership_on_login": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({
            "connection_id": cid,
            "assign_membership_on_login": true,
            "show_as_button": true,
            "is_signup_enabled": false,
            "connection": {"name": c.tenant.connection(), "strategy": "auth0"},
        })
    );
    assert_eq!(
        c.post(&base, &json!({"connection_id": cid})).await.status,
        409
    );
    assert_eq!(
        c.post(&base, &json!({"connection_id": cid, "unknown": 1}))
            .await
            .status,
        400,
        "the spec refuses other properties"
    );
    let one = format!("{base}/{cid}");
    let patched = c
        .patch(&one, &json!({"show_as_button": false}))
        .await
        .json();
    assert_eq!(
        (
            patched["show_as_button"].clone(),
            patched["assign_membership_on_login"].clone()
        ),
        (json!(false), json!(true))
    );
    assert_eq!(c.get(&one).await.json(), patched);

    // Deleting the connection (202: Auth0 does it in the background) disables it everywhere.
    assert_eq!(
        c.delete(&format!("/api/v2/connections/{cid}")).await.status,
        202
    );
    assert_eq!(c.get(&one).await.status, 404);
    let listed: Value = c.get(&base).await.json();
    assert_eq!(listed, json!([]));
}
