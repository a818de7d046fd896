//! Roles, organizations and logs: create routes, relations both ways, and both paging styles.

mod common;

use std::collections::BTreeSet;

use auth0plus_fake::FakeTenant;
use common::{assert_error, ctx, enc, start};
use serde_json::{Value, json};

fn ids_of(items: &Value, key: &str) -> Vec<String> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {items}"))
        .iter()
        .map(|u| u[key].as_str().unwrap().to_string())
        .collect()
}

/// Walk a checkpoint list to the end with `take`, returning every id and the page count.
async fn walk(c: &common::Ctx, path: &str, key: &str, take: usize) -> (Vec<String>, usize) {
    let mut all = Vec::new();
    let mut from: Option<String> = None;
    let mut pages = 0;
    loop {
        let url = match &from {
            None => format!("{path}?take={take}"),
            Some(f) => format!("{path}?take={take}&from={}", enc(f)),
        };
        let r = c.get(&url).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let v = r.json();
        pages += 1;
        let page = ids_of(&v[key], "user_id");
        assert!(page.len() <= take);
        all.extend(page);
        match v.get("next").and_then(Value::as_str) {
            Some(n) => from = Some(n.to_string()),
            None => break,
        }
        assert!(pages < 1000, "runaway paging");
    }
    (all, pages)
}

#[tokio::test]
async fn insert_user_gets_the_connection_identity_and_seed_takes_a_template() {
    let c = start().await;
    let t = &c.tenant;
    let id = t.insert_user(json!({"user_id": "auth0|bare-one", "email": "bare@example.com"}));
    let stored = t.users().into_iter().find(|u| u["user_id"] == id).unwrap();
    assert_eq!(
        stored["identities"],
        json!([{"connection": t.connection(), "user_id": "bare-one", "provider": "auth0", "isSocial": false}])
    );
    // …so a connection query finds it (it matched nothing before).
    let q = enc(&format!("identities.connection:\"{}\"", t.connection()));
    let r = c
        .get(&format!("/api/v2/users?search_engine=v3&q={q}"))
        .await;
    assert_eq!(ids_of(&r.json(), "user_id"), std::slice::from_ref(&id));
    // Given identities are kept as they are.
    let other = t.insert_user(json!({"user_id": "google-oauth2|42",
        "identities": [{"connection": "google-oauth2", "user_id": "42", "provider": "google-oauth2", "isSocial": true}]}));
    let stored = t
        .users()
        .into_iter()
        .find(|u| u["user_id"] == other)
        .unwrap();
    assert_eq!(stored["identities"][0]["connection"], "google-oauth2");

    let old = t.seed_users_with(
        3,
        json!({"created_at": "2020-01-01T00:00:00.000Z", "email_verified": true,
               "app_metadata": {"plan": "legacy"}, "user_id": "auth0|ignored"}),
    );
    assert_eq!(old.iter().collect::<BTreeSet<_>>().len(), 3);
    let r = c
        .get(&format!(
            "/api/v2/users?search_engine=v3&q={}",
            enc("app_metadata.plan:\"legacy\" AND email_verified:true AND created_at:[* TO 2021-01-01]")
        ))
        .await;
    let mut found = ids_of(&r.json(), "user_id");
    found.sort();
    let mut want = old.clone();
    want.sort();
    assert_eq!(found, want);
    // The old call still seeds with the defaults.
    assert_eq!(t.seed_users(2).len(), 2);
    // And over HTTP.
    let r = c
        .http
        .post(c.url("/__fake/seed"))
        .body(json!({"count": 2, "template": {"user_metadata": {"team": "blue"}}}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = c
        .get(&format!(
            "/api/v2/users?q={}",
            enc("user_metadata.team:\"blue\"")
        ))
        .await;
    assert_eq!(r.json().as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn roles_users_both_paging_styles_and_deletes_both_ways() {
    let c = ctx(FakeTenant::builder().seed_users(7).start().await.unwrap());
    let users = c.tenant.users();
    let mut ids: Vec<String> = ids_of(&Value::Array(users), "user_id");
    ids.sort();

    let r = c
        .post(
            "/api/v2/roles",
            &json!({"name": "admin", "description": "All of it"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let role = r.json();
    let rid = role["id"].as_str().unwrap().to_string();
    assert!(rid.starts_with("rol_") && rid.len() == 20, "{rid}");
    assert_eq!(
        role,
        json!({"id": rid, "name": "admin", "description": "All of it"})
    );
    assert_error(
        &c.post("/api/v2/roles", &json!({"name": "admin"})).await,
        409,
        "Role name already exists.",
        Some("conflict"),
    );
    assert_error(
        &c.post("/api/v2/roles", &json!({"name": "x", "color": "red"}))
            .await,
        400,
        "Payload validation error: 'Additional properties not allowed: color'.",
        Some("invalid_body"),
    );

    let path = format!("/api/v2/roles/{rid}/users");
    let r = c.post(&path, &json!({"users": ids})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.text, "");
    // Assigning again is harmless; an unknown user assigns nobody.
    assert_eq!(c.post(&path, &json!({"users": [ids[0]]})).await.status, 200);
    assert_error(
        &c.post(&path, &json!({"users": [ids[1], "auth0|nobody"]}))
            .await,
        404,
        "The user does not exist.",
        Some("inexistent_user"),
    );
    assert_error(
        &c.post(&path, &json!({"users": []})).await,
        400,
        "Payload validation error: 'Array is too short (0), minimum 1' on property users.",
        Some("invalid_body"),
    );
    assert_error(
        &c.get("/api/v2/roles/rol_nope/users").await,
        404,
        "The role does not exist.",
        Some("inexistent_role"),
    );

    // Checkpoint: every user once, in pages of 3, `next` only while more remain.
    let (seen, pages) = walk(&c, &path, "users", 3).await;
    assert_eq!(seen, ids);
    assert_eq!(pages, 3);
    let first = c.get(&format!("{path}?take=3")).await.json();
    assert_eq!(
        first["users"][0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect::<BTreeSet<_>>(),
        BTreeSet::from(["email", "name", "picture", "user_id"])
    );
    let exact = c.get(&format!("{path}?take=7")).await.json();
    assert!(exact.get("next").is_none(), "{exact}");
    assert_eq!(exact["users"].as_array().unwrap().len(), 7);
    assert_error(
        &c.get(&format!("{path}?take=101")).await,
        400,
        "Query validation error: 'Value 101 is greater than maximum 100' on property take.",
        Some("invalid_query_string"),
    );

    // A checkpoint survives a deletion of what it points at: nothing after it is skipped.
    let next = first["next"].as_str().unwrap().to_string();
    assert_eq!(
        c.delete(&format!("/api/v2/users/{}", enc(&ids[2])))
            .await
            .status,
        204
    );
    let r = c
        .get(&format!("{path}?take=10&from={}", enc(&next)))
        .await
        .json();
    assert_eq!(ids_of(&r["users"], "user_id"), ids[3..].to_vec());
    // Deleting a user removed it from the role.
    let r = c
        .get(&format!("{path}?include_totals=true&per_page=2&page=1"))
        .await;
    let v = r.json();
    assert_eq!(v["total"], 6);
    assert_eq!(v["start"], 2);
    assert_eq!(v["limit"], 2);
    assert!(v.get("length").is_none());
    assert_eq!(
        ids_of(&v["users"], "user_id"),
        [ids[3].clone(), ids[4].clone()]
    );
    // Plain offset: a bare array.
    let r = c.get(&format!("{path}?per_page=100")).await.json();
    assert_eq!(r.as_array().unwrap().len(), 6);
    assert_error(
        &c.get(&format!("{path}?per_page=100&page=10")).await,
        400,
        "You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation",
        Some("invalid_paging"),
    );

    // The other way: a user's roles, and deleting the role takes it off every user.
    let r = c
        .get(&format!("/api/v2/users/{}/roles", enc(&ids[0])))
        .await;
    assert_eq!(r.json(), json!([role]));
    assert_eq!(c.delete(&format!("/api/v2/roles/{rid}")).await.status, 200);
    let r = c
        .get(&format!(
            "/api/v2/users/{}/roles?include_totals=true",
            enc(&ids[0])
        ))
        .await;
    assert_eq!(
        r.json(),
        json!({"start": 0, "limit": 50, "total": 0, "roles": []})
    );
    assert_error(
        &c.delete(&format!("/api/v2/roles/{rid}")).await,
        404,
        "The role does not exist.",
        Some("inexistent_role"),
    );
}

#[tokio::test]
async fn checkpoint_paging_reaches_past_a_thousand() {
    let c = ctx(FakeTenant::builder()
        .seed_users(1234)
        .start()
        .await
        .unwrap());
    let mut ids: Vec<String> = ids_of(&Value::Array(c.tenant.users()), "user_id");
    ids.sort();
    let rid = c
        .post("/api/v2/roles", &json!({"name": "many"}))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for chunk in ids.chunks(1000) {
        let r = c
            .post(
                &format!("/api/v2/roles/{rid}/users"),
                &json!({"users": chunk}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let too_many: Vec<String> = (0..1001).map(|i| format!("auth0|{i}")).collect();
    assert_error(
        &c.post(
            &format!("/api/v2/roles/{rid}/users"),
            &json!({"users": too_many}),
        )
        .await,
        400,
        "Payload validation error: 'Array is too long (1001), maximum 1000' on property users.",
        Some("invalid_body"),
    );
    let (seen, pages) = walk(&c, &format!("/api/v2/roles/{rid}/users"), "users", 100).await;
    assert_eq!(seen, ids);
    assert_eq!(pages, 13);
}

#[tokio::test]
async fn organizations_members_and_deletes() {
    let c = ctx(FakeTenant::builder().seed_users(5).start().await.unwrap());
    let mut ids: Vec<String> = ids_of(&Value::Array(c.tenant.users()), "user_id");
    ids.sort();
    let r = c
        .post(
            "/api/v2/organizations",
            &json!({"name": "acme", "display_name": "Acme Inc", "metadata": {"tier": "gold"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let org = r.json();
    let oid = org["id"].as_str().unwrap().to_string();
    assert!(oid.starts_with("org_") && oid.len() == 20, "{oid}");
    assert_eq!(org["display_name"], "Acme Inc");
    assert_eq!(org["metadata"], json!({"tier": "gold"}));
    assert_eq!(
        c.post("/api/v2/organizations", &json!({"name": "acme"}))
            .await
            .status,
        409
    );
    assert_error(
        &c.post("/api/v2/organizations", &json!({"name": "Not Valid"}))
            .await,
        400,
        "Payload validation error: 'Object didn't pass validation for format organization-name: Not Valid' on property name (The name of this organization.).",
        Some("invalid_body"),
    );

    let path = format!("/api/v2/organizations/{oid}/members");
    let r = c.post(&path, &json!({"members": ids})).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_error(
        &c.post(
            "/api/v2/organizations/org_nope/members",
            &json!({"members": [ids[0]]}),
        )
        .await,
        404,
        "No organization found by that id or name",
        Some("inexistent_organization"),
    );
    let (seen, pages) = walk(&c, &path, "members", 2).await;
    assert_eq!(seen, ids);
    assert_eq!(pages, 3);
    let v = c
        .get(&format!("{path}?include_totals=true&per_page=3"))
        .await
        .json();
    assert_eq!(v["total"], 5);
    assert_eq!(v["members"].as_array().unwrap().len(), 3);
    let v = c.get(&format!("{path}?fields=user_id,roles")).await.json();
    assert_eq!(v[0], json!({"user_id": ids[0], "roles": []}));
    assert_eq!(c.get(&format!("{path}?fields=password")).await.status, 400);

    // Deleting a user ends its membership; deleting the organization ends them all.
    assert_eq!(
        c.delete(&format!("/api/v2/users/{}", enc(&ids[0])))
            .await
            .status,
        204
    );
    let v = c.get(&path).await.json();
    assert_eq!(ids_of(&v, "user_id"), ids[1..].to_vec());
    assert_eq!(
        c.delete(&format!("/api/v2/organizations/{oid}"))
            .await
            .status,
        204
    );
    assert_eq!(c.get(&path).await.status, 404);
}

#[tokio::test]
async fn logs_record_what_happens_and_page_by_checkpoint_and_offset() {
    let c = start().await;
    let t = &c.tenant;
    // A client-credentials login, a failed one, a create, a failed create, a read (not logged).
    let body = json!({"grant_type": "client_credentials", "client_id": t.client_id(),
        "client_secret": t.client_secret(), "audience": t.audience()});
    assert_eq!(
        c.send("POST", "/oauth/token", Some(&body), None)
            .await
            .status,
        200
    );
    let bad = json!({"grant_type": "client_credentials", "client_id": t.client_id(),
        "client_secret": "wrong", "audience": t.audience()});
    assert_eq!(
        c.send("POST", "/oauth/token", Some(&bad), None)
            .await
            .status,
        401
    );
    let user = c.create("logged@example.com").await;
    let uid = user["user_id"].as_str().unwrap();
    assert_eq!(
        c.post("/api/v2/users", &json!({"connection": "nope"}))
            .await
            .status,
        400
    );
    assert_eq!(c.get("/api/v2/users").await.status, 200);

    let all = c.get("/api/v2/logs?take=100").await;
    assert_eq!(all.status, 200, "{}", all.text);
    let events = all.json();
    let events = events.as_array().unwrap();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["seccft", "feccft", "sapi", "fapi"]);
    assert_eq!(events[0]["client_id"], t.client_id());
    assert_eq!(
        events[0]["description"],
        "Client Credentials for Access Token"
    );
    assert!(events[0]["scope"].as_str().unwrap().contains("read:users"));
    assert_eq!(events[1]["description"], "Unauthorized");
    assert_eq!(events[2]["description"], "Create a User");
    assert_eq!(events[2]["user_id"], uid);
    assert_eq!(events[2]["details"]["response"]["statusCode"], 201);
    assert_eq!(events[3]["description"], "Connection does not exist.");
    // No secret ever reaches the log.
    assert!(!all.text.contains(t.client_secret()) && !all.text.contains("Passw0rd"));
    let ids: Vec<String> = ids_of(&Value::Array(events.clone()), "log_id");
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);

    // `from` = a log_id: the events after it, oldest first, and a Link to the next request.
    let r = c.get(&format!("/api/v2/logs?from={}&take=2", ids[0])).await;
    assert_eq!(ids_of(&r.json(), "log_id"), ids[1..3].to_vec());
    let link = r.header("link").unwrap();
    assert_eq!(
        link,
        format!(
            "<{}/api/v2/logs?from={}&take=2>; rel=\"next\"",
            t.base_url(),
            ids[2]
        )
    );
    let r = c.get(&format!("/api/v2/logs?from={}&take=2", ids[3])).await;
    assert_eq!(r.json(), json!([]));

    // Search criteria: newest first by default, totals envelope with `length`, Lucene.
    let v = c
        .get("/api/v2/logs?include_totals=true&per_page=3")
        .await
        .json();
    assert_eq!(v["total"], 4);
    assert_eq!(v["length"], 3);
    assert_eq!(v["start"], 0);
    assert_eq!(v["limit"], 3);
    assert_eq!(
        ids_of(&v["logs"], "log_id"),
        [ids[3].clone(), ids[2].clone(), ids[1].clone()]
    );
    let v = c
        .get("/api/v2/logs?sort=date:1&per_page=1&page=1")
        .await
        .json();
    assert_eq!(ids_of(&v, "log_id"), [ids[1].clone()]);
    let v = c
        .get(&format!("/api/v2/logs?q={}", enc("type:sapi")))
        .await
        .json();
    assert_eq!(ids_of(&v, "log_id"), [ids[2].clone()]);
    let v = c
        .get(&format!(
            "/api/v2/logs?q={}",
            enc(&format!("user_id:\"{uid}\""))
        ))
        .await
        .json();
    assert_eq!(ids_of(&v, "log_id"), [ids[2].clone()]);
    assert_eq!(c.get("/api/v2/logs?per_page=100&page=10").await.status, 400);

    let r = c.get(&format!("/api/v2/logs/{}", ids[2])).await;
    assert_eq!(r.json()["type"], "sapi");
    assert_error(
        &c.get("/api/v2/logs/900123").await,
        404,
        "log not found",
        Some("inexistent_log"),
    );
}
