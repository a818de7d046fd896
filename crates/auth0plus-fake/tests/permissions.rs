//! Roles by name and the permissions of roles and users, replayed from recordings of Auth0
//! itself (tests/recordings/rbac/, provenance in tests/recordings/README.md) and checked
//! for what the recordings cannot show: where a user's permissions come from, and that
//! deleting a role or a user leaves nothing behind.

mod common;

use auth0plus_fake::FakeTenant;
use common::{Ctx, assert_error, ctx, enc, start};
use serde_json::{Value, json};

fn recording(name: &str) -> Value {
    let path = format!(
        "{}/tests/recordings/rbac/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("a recording")).expect("JSON")
}

/// The recorded request's path and query string, with the recorded role id replaced by `role`.
fn target(rec: &Value, role: Option<&str>) -> String {
    let mut path = rec["request"]["path"].as_str().unwrap().to_string();
    if let Some(role) = role {
        let recorded = path.split('/').nth(4).unwrap().to_string();
        path = path.replace(&recorded, role);
    }
    let query = rec["request"]["query"].as_object().unwrap();
    if query.is_empty() {
        return path;
    }
    let qs: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v.as_str().unwrap())))
        .collect();
    format!("{path}?{}", qs.join("&"))
}

/// The APIs and scopes a recording mentions, created on the fake as the recorded tenant had them.
async fn seed_apis(c: &Ctx, permissions: &[Value]) {
    let mut apis: Vec<(String, String, Vec<Value>)> = Vec::new();
    for p in permissions {
        let id = p["resource_server_identifier"]
            .as_str()
            .unwrap()
            .to_string();
        let name = p["resource_server_name"]
            .as_str()
            .unwrap_or("API")
            .to_string();
        let scope = json!({"value": p["permission_name"], "description": p.get("description").cloned().unwrap_or(json!(""))});
        match apis.iter_mut().find(|(i, _, _)| *i == id) {
            Some((_, _, scopes)) => scopes.push(scope),
            None => apis.push((id, name, vec![scope])),
        }
    }
    for (identifier, name, scopes) in apis {
        let r = c
            .post(
                "/api/v2/resource-servers",
                &json!({"identifier": identifier, "name": name, "scopes": scopes}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
}

async fn new_role(c: &Ctx, name: &str) -> String {
    let r = c.post("/api/v2/roles", &json!({"name": name})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["id"].as_str().unwrap().to_string()
}

fn user_of(rec: &Value) -> String {
    let raw = rec["request"]["path"]
        .as_str()
        .unwrap()
        .split('/')
        .nth(4)
        .unwrap();
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .unwrap()
        .into_owned()
}

async fn send(c: &Ctx, rec: &Value, path: &str) -> common::Reply {
    let req = &rec["request"];
    let body = (!req["body"].is_null()).then_some(&req["body"]);
    c.send(req["method"].as_str().unwrap(), path, body, Some(&c.token))
        .await
}

fn assert_recorded(rec: &Value, got: &common::Reply) {
    let resp = &rec["response"];
    assert_eq!(
        u64::from(got.status),
        resp["status"].as_u64().unwrap(),
        "{}: {}",
        rec["name"],
        got.text
    );
    if resp["body"] == "" {
        assert_eq!(got.text, "", "{}", rec["name"]);
    } else {
        assert_eq!(got.json(), resp["body"], "{}", rec["name"]);
    }
}

#[tokio::test]
async fn recorded_role_permission_calls_replay_exactly() {
    for name in [
        "role_permissions_add_201",
        "role_permissions_list_200",
        "role_permissions_remove_204",
    ] {
        let c = start().await;
        let rec = recording(name);
        let role = new_role(&c, "Acceptance Test").await;
        let listed = rec["response"]["body"]["permissions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let sent = rec["request"]["body"]["permissions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut apis = listed.clone();
        apis.extend(sent.iter().cloned());
        seed_apis(&c, &apis).await;
        let path = format!("/api/v2/roles/{role}/permissions");
        if !listed.is_empty() || rec["request"]["method"] == "DELETE" {
            let own: Vec<Value> = listed
                .iter()
                .chain(&sent)
                .map(|p| json!({"resource_server_identifier": p["resource_server_identifier"], "permission_name": p["permission_name"]}))
                .collect();
            let r = c.post(&path, &json!({"permissions": own})).await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
        let got = send(&c, &rec, &target(&rec, Some(&role))).await;
        assert_recorded(&rec, &got);
        if rec["request"]["method"] == "DELETE" {
            let left = c.get(&path).await.json();
            assert!(left.as_array().unwrap().is_empty(), "{left}");
        }
    }
}

#[tokio::test]
async fn recorded_user_permission_calls_replay_exactly() {
    for name in [
        "user_permissions_add_201",
        "user_permissions_list_direct_200",
        "user_permissions_remove_204",
    ] {
        let c = start().await;
        let rec = recording(name);
        let user = user_of(&rec);
        c.tenant
            .insert_user(json!({"user_id": user, "email": "perm@example.com"}));
        let listed = rec["response"]["body"]["permissions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut apis = listed.clone();
        apis.extend(
            rec["request"]["body"]["permissions"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|mut p| {
                    p["resource_server_name"] = json!("Acceptance Test");
                    p
                }),
        );
        seed_apis(&c, &apis).await;
        if rec["request"]["method"] != "POST" {
            let own: Vec<Value> = apis
                .iter()
                .map(|p| json!({"resource_server_identifier": p["resource_server_identifier"], "permission_name": p["permission_name"]}))
                .collect();
            let path = format!("/api/v2/users/{}/permissions", enc(&user));
            let r = c.post(&path, &json!({"permissions": own})).await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
        let got = send(&c, &rec, &target(&rec, None)).await;
        assert_recorded(&rec, &got);
    }
}

#[tokio::test]
async fn recorded_refusals_and_an_empty_name_filter_replay() {
    // A permission that no API defines: 404, word for word (ruby-auth0's recording).
    let c = start().await;
    let rec = recording("permission_not_found_on_user_permissions_404");
    c.tenant
        .insert_user(json!({"user_id": user_of(&rec), "email": "p@example.com"}));
    let got = send(&c, &rec, &target(&rec, None)).await;
    assert_recorded(&rec, &got);

    // Removing a role that does not exist from a user: 404. The recording (2022) has no
    // errorCode; the fake sends `inexistent_role` as its other role 404s do.
    let rec = recording("role_not_found_on_user_roles_delete_404");
    c.tenant
        .insert_user(json!({"user_id": user_of(&rec), "email": "r@example.com"}));
    let got = send(&c, &rec, &target(&rec, None)).await;
    assert_error(
        &got,
        404,
        "The role does not exist.",
        Some("inexistent_role"),
    );

    let rec = recording("roles_name_filter_none_200");
    new_role(&c, "this-role-exists").await;
    let got = send(&c, &rec, &target(&rec, None)).await;
    assert_recorded(&rec, &got);
}

#[tokio::test]
async fn name_filter_is_a_case_insensitive_substring_and_names_stay_unique() {
    let c = start().await;
    let admin = new_role(&c, "admin").await;
    new_role(&c, "Super Admin").await;
    new_role(&c, "editor").await;
    let names = |v: Value| -> Vec<String> {
        v["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let r = c
        .get("/api/v2/roles?name_filter=ADMIN&include_totals=true&per_page=100&page=0")
        .await;
    let mut got = names(r.json());
    got.sort();
    assert_eq!(got, ["Super Admin", "admin"]);
    // Not a pattern language: `%`, `*` and `_` are characters like any other.
    for pattern in ["%", "*", "_", "a%n", "adm*"] {
        let r = c
            .get(&format!(
                "/api/v2/roles?name_filter={}&include_totals=true",
                enc(pattern)
            ))
            .await;
        assert!(names(r.json()).is_empty(), "{pattern}: {}", r.text);
    }

    // A taken name is refused on update as on create; the role itself may keep its own.
    let r = c
        .patch(
            &format!("/api/v2/roles/{admin}"),
            &json!({"name": "editor"}),
        )
        .await;
    assert_error(&r, 409, "Role name already exists.", Some("conflict"));
    let r = c
        .patch(
            &format!("/api/v2/roles/{admin}"),
            &json!({"name": "admin", "description": "All"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({"id": admin, "name": "admin", "description": "All"})
    );
    let r = c
        .patch("/api/v2/roles/rol_missing", &json!({"name": "x"}))
        .await;
    assert_error(&r, 404, "The role does not exist.", Some("inexistent_role"));
    let r = c
        .patch(&format!("/api/v2/roles/{admin}"), &json!({"name": 3}))
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
}

#[tokio::test]
async fn a_users_permissions_name_their_sources_and_deletes_leave_nothing() {
    let c = ctx(FakeTenant::builder().start().await.unwrap());
    seed_apis(
        &c,
        &[
            json!({"resource_server_identifier": "https://api", "resource_server_name": "API", "permission_name": "read", "description": "R"}),
            json!({"resource_server_identifier": "https://api", "permission_name": "write", "description": "W"}),
        ],
    )
    .await;
    let user = c.create("perm@example.com").await;
    let uid = enc(user["user_id"].as_str().unwrap());
    let role = new_role(&c, "writer").await;
    let read = json!({"resource_server_identifier": "https://api", "permission_name": "read"});
    let write = json!({"resource_server_identifier": "https://api", "permission_name": "write"});
    let upath = format!("/api/v2/users/{uid}/permissions");
    let rpath = format!("/api/v2/roles/{role}/permissions");
    assert_eq!(
        c.post(&upath, &json!({"permissions": [read]})).await.status,
        201
    );
    assert_eq!(
        c.post(&rpath, &json!({"permissions": [read, write]}))
            .await
            .status,
        201
    );
    let r = c
        .post(
            &format!("/api/v2/users/{uid}/roles"),
            &json!({"roles": [role]}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);

    let mine = c.get(&upath).await.json();
    assert_eq!(
        mine,
        json!([
            {"permission_name": "read", "description": "R", "resource_server_name": "API",
             "resource_server_identifier": "https://api",
             "sources": [{"source_id": "", "source_name": "", "source_type": "DIRECT"},
                         {"source_id": role, "source_name": "writer", "source_type": "ROLE"}]},
            {"permission_name": "write", "description": "W", "resource_server_name": "API",
             "resource_server_identifier": "https://api",
             "sources": [{"source_id": role, "source_name": "writer", "source_type": "ROLE"}]},
        ])
    );
    // Removing what the user has only through the role changes nothing.
    let r = c
        .send(
            "DELETE",
            &upath,
            Some(&json!({"permissions": [write]})),
            Some(&c.token),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(c.get(&upath).await.json().as_array().unwrap().len(), 2);

    // Unknown owners, a bad body.
    let r = c
        .post(
            "/api/v2/roles/rol_nope/permissions",
            &json!({"permissions": [read]}),
        )
        .await;
    assert_error(&r, 404, "The role does not exist.", Some("inexistent_role"));
    let r = c.get("/api/v2/users/auth0%7Cnope/permissions").await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = c
        .post(
            &rpath,
            &json!({"permissions": [{"permission_name": "read"}]}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = c.post(&rpath, &json!({"permissions": []})).await;
    assert_eq!(r.status, 400, "{}", r.text);

    // Deleting the role takes its grants from the user; deleting the user, its own.
    assert_eq!(c.delete(&format!("/api/v2/roles/{role}")).await.status, 200);
    let mine = c.get(&upath).await.json();
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(c.delete(&format!("/api/v2/users/{uid}")).await.status, 204);
    let again = c.create("perm@example.com").await;
    assert_ne!(again["user_id"], user["user_id"]);
    c.tenant
        .insert_user(json!({"user_id": user["user_id"], "email": "back@example.com"}));
    assert_eq!(c.get(&upath).await.json(), json!([]));
}

#[tokio::test]
async fn a_scope_removed_from_its_api_leaves_every_list() {
    let c = start().await;
    let r = c
        .post(
            "/api/v2/resource-servers",
            &json!({"identifier": "https://api", "name": "API",
                    "scopes": [{"value": "read"}, {"value": "write"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let api = r.json()["id"].as_str().unwrap().to_string();
    let role = new_role(&c, "editor").await;
    let path = format!("/api/v2/roles/{role}/permissions");
    let both = json!({"permissions": [
        {"resource_server_identifier": "https://api", "permission_name": "read"},
        {"resource_server_identifier": "https://api", "permission_name": "write"}]});
    assert_eq!(c.post(&path, &both).await.status, 201);
    let r = c
        .patch(
            &format!("/api/v2/resource-servers/{api}"),
            &json!({"scopes": [{"value": "read"}]}),
        )
        .await;
    assert!((200..300).contains(&r.status), "{}", r.text);
    let names: Vec<Value> = c
        .get(&path)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["permission_name"].clone())
        .collect();
    assert_eq!(names, [json!("read")]);
    assert_eq!(
        c.delete(&format!("/api/v2/resource-servers/{api}"))
            .await
            .status,
        204
    );
    assert_eq!(c.get(&path).await.json(), json!([]));
}
