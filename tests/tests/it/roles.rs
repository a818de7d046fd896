//! Roles and permissions against the fake tenant: exact-name lookups that no
//! hostile name can widen, relations seen from both sides (deleting a role
//! takes it from its users, deleting a user takes it from its roles), role
//! users past the 1,000-result window, permissions direct and through roles,
//! and bad input refused before any request.

use std::collections::BTreeSet;
use std::sync::Arc;

use auth0plus::fake::{FakeTenant, Route};
use auth0plus::prelude::*;
use auth0plus::{AssignedPermission, Method, NewRole, Permission, Role};
use futures::TryStreamExt;
use serde_json::json;
use tokio::sync::Barrier;

use auth0plus_tests::{TestResult, fake_client, stored_ids};

const API: &str = "https://api.acdc.example";

/// An API on the tenant with the scopes `read:setlists` and `write:setlists`.
async fn api_with_scopes(auth0: &Auth0) -> TestResult {
    auth0
        .request(Method::POST, ["resource-servers"])
        .body(&json!({
            "name": "Setlists",
            "identifier": API,
            "scopes": [
                {"value": "read:setlists", "description": "Read setlists"},
                {"value": "write:setlists", "description": "Write setlists"},
            ],
        }))
        .send()
        .await?;
    Ok(())
}

fn names(roles: &[Role]) -> BTreeSet<String> {
    roles.iter().filter_map(|r| r.name.clone()).collect()
}

fn scopes(permissions: &[AssignedPermission]) -> Vec<String> {
    permissions
        .iter()
        .map(|p| p.permission_name.clone())
        .collect()
}

async fn new_user(auth0: &Auth0, email: &str) -> Result<User, Error> {
    auth0
        .users()
        .create(NewUser::new().email(email).password("Highway-To-Hell-1979"))
        .await
}

// ---------------------------------------------------------------- by name

#[tokio::test]
async fn a_name_lookup_is_exact_whatever_the_name_holds() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);
    let roles = auth0.roles();
    for name in ["admin", "Admin Team", "superadmin", "admin*", "a OR b", "%"] {
        roles.create(NewRole::new(name)).await?;
    }

    let admin = roles.get([("name", "admin")]).await?;
    assert_eq!(admin.name.as_deref(), Some("admin"));
    assert!(admin.id().unwrap().starts_with("rol_"));
    assert_eq!(roles.get_by_id(admin.id().unwrap()).await?, admin);

    // The server's filter lets these through (substring, any case); none of
    // them may come back for a name they only contain.
    assert_eq!(roles.name_contains("ADMIN").count().await?, 4);
    for hostile in ["admin*", "a OR b", "%"] {
        assert_eq!(
            roles.get([("name", hostile)]).await?.name.as_deref(),
            Some(hostile)
        );
    }
    for missing in [
        "ADMIN", "Admin", "adm", "*", "a", "_", "admin ", "admin%", "b",
    ] {
        let err = roles.get([("name", missing)]).await.unwrap_err();
        assert!(
            matches!(err, Error::DoesNotExist { kind: "Role", .. }),
            "{missing:?}: {err}"
        );
        assert_eq!(err.to_string(), "Role Does Not Exist");
        assert!(roles.get_opt([("name", missing)]).await?.is_none());
    }
    assert_eq!(names(&roles.all().fetch_all().await?).len(), 6);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_get_or_create_makes_exactly_one_role() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let roles = fake_client(&tenant).roles();
    let start = Arc::new(Barrier::new(8));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (roles, start) = (roles.clone(), Arc::clone(&start));
            tokio::spawn(async move {
                start.wait().await;
                roles
                    .get_or_create(
                        [("name", "roadie")],
                        NewRole::default().description("Carries amps"),
                    )
                    .await
            })
        })
        .collect();
    let mut ids = BTreeSet::new();
    let mut created = 0;
    for task in tasks {
        let (role, new) = task.await??;
        ids.insert(role.id().unwrap().to_owned());
        created += usize::from(new);
        assert_eq!(role.description.as_deref(), Some("Carries amps"));
    }
    assert_eq!((ids.len(), created), (1, 1));
    assert_eq!(roles.all().count().await?, 1);
    Ok(())
}

#[tokio::test]
async fn save_sends_what_changed_and_a_taken_name_is_refused() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let roles = fake_client(&tenant).roles();
    let mut singer = roles
        .create(NewRole::new("singer").description("Sings"))
        .await?;
    roles.create(NewRole::new("guitarist")).await?;

    singer.name = Some("lead singer".into());
    singer.description = None;
    singer.save().await?;
    let fetched = roles.get([("name", "lead singer")]).await?;
    assert_eq!(fetched.description.as_deref(), Some(""));
    assert!(roles.get_opt([("name", "singer")]).await?.is_none());

    singer.name = Some("guitarist".into());
    let err = singer.save().await.unwrap_err();
    assert_eq!(err.status(), Some(409), "{err}");
    let err = roles.create(NewRole::new("guitarist")).await.unwrap_err();
    assert!(err.is_conflict(), "{err}");

    // A restored record is still fetched: its save is an update.
    let mut back = roles.restore(fetched.to_state());
    back.description = Some("Sings loud".into());
    back.save().await?;
    assert_eq!(
        roles
            .get_by_id(back.id().unwrap())
            .await?
            .description
            .as_deref(),
        Some("Sings loud")
    );
    Ok(())
}

// ---------------------------------------------------------------- both sides

#[tokio::test]
async fn role_users_and_user_roles_are_one_relation_seen_from_both_sides() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);
    let roles = auth0.roles();
    let (admin, drummer) = (
        roles.create(NewRole::new("admin")).await?,
        roles.create(NewRole::new("drummer")).await?,
    );
    let phil = new_user(&auth0, "phil@acdc.example").await?;
    let cliff = new_user(&auth0, "cliff@acdc.example").await?;

    admin
        .users()
        .add([phil.id().unwrap(), cliff.id().unwrap()])
        .await?;
    phil.roles().add([drummer.id().unwrap()]).await?;

    assert_eq!(
        names(&phil.roles().query().fetch_all().await?),
        BTreeSet::from(["admin".to_owned(), "drummer".to_owned()])
    );
    let holders: Vec<User> = admin.users().query().fetch_all().await?;
    let emails: BTreeSet<_> = holders.iter().filter_map(|u| u.email.clone()).collect();
    assert_eq!(
        emails,
        BTreeSet::from(["cliff@acdc.example".into(), "phil@acdc.example".into()])
    );
    // Adding what is there again changes nothing: an add that failed halfway
    // can simply be made again.
    admin
        .users()
        .add([phil.id().unwrap(), cliff.id().unwrap()])
        .await?;
    assert_eq!(admin.users().query().count().await?, 2);
    // A user from the list is a record: its own relations work.
    assert!(holders[0].roles().query().count().await? >= 1);

    // Removing from the user's side shows on the role's side.
    cliff.roles().remove([admin.id().unwrap()]).await?;
    assert_eq!(admin.users().query().count().await?, 1);
    // Auth0 has no DELETE on a role's users: refused before sending.
    let before = tenant.counters().total();
    let err = admin
        .users()
        .remove([phil.id().unwrap()])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    assert_eq!(tenant.counters().total(), before);

    // Deleting the role takes it from its users.
    roles.delete(drummer.id().unwrap()).await?;
    assert_eq!(
        names(&phil.roles().query().fetch_all().await?),
        BTreeSet::from(["admin".to_owned()])
    );
    let err = roles.get_by_id(drummer.id().unwrap()).await.unwrap_err();
    assert!(
        matches!(err, Error::DoesNotExist { kind: "Role", .. }),
        "{err}"
    );

    // Deleting the user takes them from their roles.
    auth0.users().delete(phil.id().unwrap()).await?;
    assert_eq!(admin.users().query().count().await?, 0);
    assert!(admin.users().query().fetch_all().await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_role_reaches_past_a_thousand_users_in_calls_auth0_accepts() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(1_500).start().await?;
    let auth0 = fake_client(&tenant);
    let ids = stored_ids(&tenant);
    let crew = auth0.roles().create(NewRole::new("crew")).await?;

    crew.users().add(&ids).await?;
    // 1,500 ids: two calls of at most 1,000.
    assert_eq!(tenant.counters().count(Route::AssignRoleUsers), 2);
    assert_eq!(
        tenant.counters().count_status(Route::AssignRoleUsers, 200),
        2
    );

    let users = crew.users().query().per_page(100);
    assert_eq!(users.count().await?, 1_500);
    let listed: Vec<User> = users.stream().try_collect().await?;
    let listed: BTreeSet<String> = listed
        .iter()
        .filter_map(|u| u.id().map(str::to_owned))
        .collect();
    assert_eq!(listed, ids.iter().cloned().collect::<BTreeSet<_>>());
    // Past the offset window by the cursor.
    let last = users.get(1_499).await?.expect("the 1,500th user");
    assert!(ids.contains(&last.id().unwrap().to_owned()));
    assert_eq!(users.slice(1_200..1_210).await?.len(), 10);
    Ok(())
}

// ---------------------------------------------------------------- permissions

#[tokio::test]
async fn permissions_of_roles_and_users_direct_and_through_roles() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);
    api_with_scopes(&auth0).await?;
    let read = Permission::new(API, "read:setlists");
    let write = Permission::new(API, "write:setlists");
    let editor = auth0.roles().create(NewRole::new("editor")).await?;
    let angus = new_user(&auth0, "angus@acdc.example").await?;

    editor
        .permissions()
        .add([read.clone(), write.clone()])
        .await?;
    let granted = editor.permissions().query().fetch_all().await?;
    assert_eq!(scopes(&granted), ["read:setlists", "write:setlists"]);
    assert_eq!(granted[0].resource_server_name.as_deref(), Some("Setlists"));
    assert_eq!(granted[0].description.as_deref(), Some("Read setlists"));

    // A permission no API defines is refused whole, and nothing is added.
    let err = editor
        .permissions()
        .add([read.clone(), Permission::new(API, "smash:guitars")])
        .await
        .unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(
        (api.status, api.error_code.as_deref()),
        (404, Some("inexistent_resource_server_permission"))
    );
    assert_eq!(editor.permissions().query().count().await?, 2);

    // A user's list: direct and through roles, each once, with sources.
    angus
        .permissions()
        .add([("https://api.acdc.example", "read:setlists")])
        .await?;
    angus.roles().add([editor.id().unwrap()]).await?;
    let mine = angus.permissions().query().fetch_all().await?;
    assert_eq!(scopes(&mine), ["read:setlists", "write:setlists"]);
    assert!(mine[0].is_direct());
    assert_eq!(
        mine[0].role_ids().collect::<Vec<_>>(),
        [editor.id().unwrap()]
    );
    assert!(!mine[1].is_direct());

    // Removing the direct one leaves what the role grants.
    angus
        .permissions()
        .remove([Permission::from(&mine[0])])
        .await?;
    let mine = angus.permissions().query().fetch_all().await?;
    assert_eq!(scopes(&mine), ["read:setlists", "write:setlists"]);
    assert!(mine.iter().all(|p| !p.is_direct()));

    editor.permissions().remove([write]).await?;
    assert_eq!(
        scopes(&editor.permissions().query().fetch_all().await?),
        ["read:setlists"]
    );
    // Deleting the role takes its permissions from the user.
    auth0.roles().delete(editor.id().unwrap()).await?;
    assert_eq!(angus.permissions().query().count().await?, 0);
    Ok(())
}

// ---------------------------------------------------------------- refusals

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);
    let roles = auth0.roles();
    let unsaved = roles.build(NewRole::new("ghost"));
    let nobody = auth0.users().new_user();
    let someone = auth0.users().get_by_id(&tenant.seed_users(1)[0]).await?;
    let before = tenant.counters().total();

    let refusals: Vec<(&str, Error)> = vec![
        ("get empty", roles.get([("name", "")]).await.unwrap_err()),
        (
            "get_opt empty",
            roles.get_opt([("name", "")]).await.unwrap_err(),
        ),
        (
            "get_or_create empty",
            roles
                .get_or_create([("name", "")], NewRole::default())
                .await
                .unwrap_err(),
        ),
        (
            "create empty",
            roles.create(NewRole::new("")).await.unwrap_err(),
        ),
        ("get_by_id empty", roles.get_by_id("").await.unwrap_err()),
        ("get_by_id ..", roles.get_by_id("..").await.unwrap_err()),
        ("delete empty", roles.delete("").await.unwrap_err()),
        (
            "empty role id",
            someone.roles().add([""]).await.unwrap_err(),
        ),
    ];
    for (what, err) in refusals {
        assert!(matches!(err, Error::InvalidArgument(_)), "{what}: {err}");
    }
    // A record never saved has no id to put in the relation's path.
    let unsaved_records: Vec<(&str, Error)> = vec![
        (
            "unsaved users",
            unsaved.users().add(["auth0|1"]).await.unwrap_err(),
        ),
        (
            "unsaved perms",
            unsaved.permissions().query().count().await.unwrap_err(),
        ),
        (
            "no id roles",
            nobody.roles().add(["rol_1"]).await.unwrap_err(),
        ),
        (
            "no id perms",
            nobody
                .permissions()
                .remove([(API, "read:setlists")])
                .await
                .unwrap_err(),
        ),
    ];
    for (what, err) in unsaved_records {
        assert!(matches!(err, Error::MissingId), "{what}: {err}");
    }
    // Nothing at all: no token request either.
    assert_eq!(tenant.counters().total(), before);
    Ok(())
}

#[tokio::test]
async fn hostile_ids_stay_one_path_segment() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);
    let roles = auth0.roles();
    let real = roles.create(NewRole::new("real")).await?;
    let user = new_user(&auth0, "bon@acdc.example").await?;
    real.users().add([user.id().unwrap()]).await?;

    let hostile = [
        "../roles".to_owned(),
        format!("{}/users", real.id().unwrap()),
        format!("{}?name_filter=", real.id().unwrap()),
        format!("{}#x", real.id().unwrap()),
        "rol_%2e%2e".to_owned(),
    ];
    for id in &hostile {
        let err = roles.get_by_id(id).await.unwrap_err();
        assert!(matches!(err, Error::DoesNotExist { .. }), "{id}: {err}");
        let err = roles.delete(id).await.unwrap_err();
        assert_eq!(err.status(), Some(404), "{id}: {err}");
        // As a role id sent in a body it is only a value: Auth0 refuses it.
        let err = user.roles().add([id.as_str()]).await.unwrap_err();
        assert_eq!(err.status(), Some(404), "{id}: {err}");
    }
    // The real role and its user are untouched.
    assert_eq!(roles.get([("name", "real")]).await?, real);
    assert_eq!(real.users().query().count().await?, 1);
    Ok(())
}
