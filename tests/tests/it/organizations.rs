//! Organizations against the fake tenant: the record's round trip, lookups by
//! name that no name can re-route, members past the 1,000-result offset
//! window, a member's roles, invitations, enabled connections, and the
//! relations both ways (deleting a user, a role or an organization leaves
//! nothing dangling). Bad input is refused before any request.

use std::time::Duration;

use auth0plus::fake::{FakeTenant, Fault, Route};
use auth0plus::prelude::*;
use auth0plus::{EnabledConnectionOptions, NewInvitation, NewOrganization, NewRole, Organization};
use serde_json::json;

use auth0plus_tests::{TestResult, fake_client, stored_ids};

fn named(name: &str) -> NewOrganization {
    NewOrganization {
        name: Some(name.into()),
        ..NewOrganization::default()
    }
}

async fn new_role(auth0: &Auth0, name: &str) -> Result<String, Error> {
    let role = auth0.roles().create(NewRole::new(name)).await?;
    Ok(role.id().unwrap_or_default().to_owned())
}

async fn role_ids(org: &Organization, user: &str) -> Result<Vec<String>, Error> {
    let roles = org.member_roles(user).query().fetch_all().await?;
    Ok(roles
        .iter()
        .filter_map(|r| r.id().map(str::to_owned))
        .collect())
}

async fn org_ids(user: &User) -> Result<Vec<String>, Error> {
    let orgs = user.organizations().fetch_all().await?;
    Ok(orgs
        .iter()
        .filter_map(|o| o.id().map(str::to_owned))
        .collect())
}

// ------------------------------------------------------------ the record

#[tokio::test]
async fn an_organization_round_trips_and_saves_only_what_changed() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let orgs = fake_client(&tenant).organizations();

    let mut acme = orgs
        .create(NewOrganization {
            display_name: Some("Acme".into()),
            metadata: Some([("tier".to_owned(), "gold".to_owned())].into()),
            ..named("acme")
        })
        .await?;
    let id = acme.id().expect("an id").to_owned();
    assert!(id.starts_with("org_"), "{id}");

    let by_name = orgs.get([("name", "acme")]).await?;
    let by_id = orgs.get_by_id(&id).await?;
    assert_eq!((&by_name, &by_id), (&acme, &acme));
    assert_eq!(by_name.display_name.as_deref(), Some("Acme"));

    acme.display_name = Some("ACME Corp".into());
    acme.save().await?;
    assert_eq!(
        orgs.get_by_id(&id).await?.display_name.as_deref(),
        Some("ACME Corp")
    );
    // Metadata merges: a key removed locally is removed on the server.
    acme.metadata = Some([("region".to_owned(), "eu".to_owned())].into());
    acme.save().await?;
    assert_eq!(
        orgs.get_by_id(&id).await?.metadata,
        Some([("region".to_owned(), "eu".to_owned())].into())
    );
    // Nothing changed: nothing is sent.
    let patches = tenant
        .counters()
        .count_operation("patch_organizations_by_id");
    acme.save().await?;
    assert_eq!(
        tenant
            .counters()
            .count_operation("patch_organizations_by_id"),
        patches
    );

    // A taken name is Auth0's 409, on create and on rename.
    let taken = orgs.create(named("acme")).await.expect_err("a conflict");
    assert!(taken.is_conflict(), "{taken:?}");
    let mut other = orgs.create(named("other")).await?;
    other.name = Some("acme".into());
    assert!(other.save().await.expect_err("a conflict").is_conflict());

    acme.delete().await?;
    let gone = orgs.get_by_id(&id).await.expect_err("deleted");
    assert!(
        matches!(
            gone,
            Error::DoesNotExist {
                kind: "Organization",
                ..
            }
        ),
        "{gone:?}"
    );
    assert!(orgs.get_opt([("name", "acme")]).await?.is_none());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_get_or_create_by_name_makes_one_organization() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let orgs = fake_client(&tenant).organizations();
    orgs.get_opt([("name", "warmup")]).await?; // the token, fetched once
    // Hold every first lookup back so that all of them miss, then all create. Two
    // seconds, so that on a loaded machine every racer's lookup is in before the
    // first one answers (at 500 ms it failed once under load 8).
    tenant.inject_fault(
        Route::GetOrganizationByName,
        Fault::Delay(Duration::from_secs(2)),
        8,
    );
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let orgs = orgs.clone();
            tokio::spawn(async move {
                orgs.get_or_create([("name", "acme")], NewOrganization::default())
                    .await
            })
        })
        .collect();
    let mut created = 0;
    let mut ids = Vec::new();
    for racer in racers {
        let (org, made) = racer.await??;
        created += usize::from(made);
        ids.push(org.id().map(str::to_owned));
    }
    ids.dedup();
    assert_eq!((created, ids.len()), (1, 1), "{ids:?}");
    let counters = tenant.counters();
    assert_eq!(counters.count_status(Route::CreateOrganization, 201), 1);
    // How many lost the race varies with the machine; that some did shows it ran.
    assert!(counters.count_status(Route::CreateOrganization, 409) >= 1);
    assert_eq!(orgs.query().count().await?, 1);
    Ok(())
}

#[tokio::test]
async fn organizations_list_whole_past_the_offset_window() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let orgs = fake_client(&tenant).organizations();
    for i in 0..130 {
        orgs.create(named(&format!("org-{i:03}"))).await?;
    }
    let query = orgs.query().per_page(50);
    assert_eq!(query.count().await?, 130);
    let all = query.fetch_all().await?;
    let mut names: Vec<String> = all.iter().filter_map(|o| o.name.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 130);
    // 130 fit in the offset window: a slice reads only the page it needs
    // (the checkpoint would walk all three pages to reach it).
    let before = tenant.counters().count_operation("get_organizations");
    assert_eq!(query.slice(120..).await?.len(), 10);
    assert_eq!(
        tenant.counters().count_operation("get_organizations") - before,
        1
    );
    Ok(())
}

// ------------------------------------------------------------ hostile input

#[tokio::test]
async fn no_name_or_id_can_change_the_route() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(1).start().await?;
    let auth0 = fake_client(&tenant);
    let orgs = auth0.organizations();
    let org = orgs.create(named("acme")).await?;

    // Each would reach another route if it were pasted into the path.
    for hostile in [
        "../users",
        "acme/../../users",
        "acme?include_totals=true",
        "acme#x",
        "%2e%2e",
        "acme%2Fmembers",
        "a\r\nx-injected: 1",
    ] {
        let err = orgs.get([("name", hostile)]).await.expect_err(hostile);
        assert!(
            matches!(err, Error::DoesNotExist { .. }),
            "{hostile}: {err:?}"
        );
        let err = orgs.get_by_id(hostile).await.expect_err(hostile);
        assert!(err.is_not_found(), "{hostile}: {err:?}");
        // A user id that is not a member: the fake looked it up as one segment.
        let err = org
            .member_roles(hostile)
            .query()
            .count()
            .await
            .expect_err(hostile);
        assert!(err.is_not_found(), "{hostile}: {err:?}");
    }
    assert_eq!(tenant.counters().count_operation("get_users"), 0);
    assert_eq!(tenant.counters().count(Route::ListUsers), 0);

    // Refused before sending.
    let before = tenant.counters().total();
    for bad in ["", ".", ".."] {
        let err = orgs.get([("name", bad)]).await.expect_err(bad);
        assert!(matches!(err, Error::InvalidArgument(_)), "{bad:?}: {err:?}");
        assert!(
            org.member_roles(bad).add(["rol_x"]).await.is_err(),
            "{bad:?}"
        );
        assert!(org.invitations().get(bad).await.is_err(), "{bad:?}");
        assert!(org.connections().disable(bad).await.is_err(), "{bad:?}");
    }
    // In a body an id is a value, not a route: only an empty one is refused.
    assert!(org.members().add(["auth0|1", ""]).await.is_err());
    assert!(org.member_roles("auth0|1").remove([""]).await.is_err());
    assert!(orgs.create(NewOrganization::default()).await.is_err());
    assert!(orgs.create(named("")).await.is_err());
    assert!(orgs.query().per_page(101).count().await.is_err());
    assert!(org.members().query().per_page(0).fetch_all().await.is_err());
    let too_long = NewInvitation::new("Ada", "a@x.example", tenant.client_id())
        .ttl(Duration::from_secs(31 * 24 * 3600));
    assert!(matches!(
        org.invitations().create(too_long).await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(
        org.connections()
            .update(tenant.connection_id(), EnabledConnectionOptions::new())
            .await
            .is_err()
    );

    // An organization never saved has no id to put in a path.
    let unsaved = orgs.build(named("later"));
    assert!(matches!(
        unsaved
            .invitations()
            .create(NewInvitation::new("Ada", "a@x.example", tenant.client_id()))
            .await,
        Err(Error::MissingId)
    ));
    assert!(matches!(
        unsaved
            .connections()
            .enable(tenant.connection_id(), EnabledConnectionOptions::new())
            .await,
        Err(Error::MissingId)
    ));
    assert!(matches!(
        unsaved.members().add(["auth0|1"]).await,
        Err(Error::MissingId)
    ));
    assert!(matches!(
        unsaved.members().query().count().await,
        Err(Error::MissingId)
    ));
    assert!(matches!(
        unsaved.member_roles("auth0|1").add(["rol_1"]).await,
        Err(Error::MissingId)
    ));
    let nobody = auth0.users().new_user();
    assert!(matches!(
        nobody.organizations().count().await,
        Err(Error::MissingId)
    ));
    assert!(matches!(nobody.logs().count().await, Err(Error::MissingId)));
    assert_eq!(tenant.counters().total(), before, "nothing was sent");
    Ok(())
}

// ------------------------------------------------------------ members

#[tokio::test]
async fn members_are_listed_whole_past_1000_by_checkpoint() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(1050).start().await?;
    let org = fake_client(&tenant)
        .organizations()
        .create(named("big"))
        .await?;
    let ids = stored_ids(&tenant);

    org.members().add(ids.iter().map(String::as_str)).await?;
    // In calls of at most 100 ids.
    assert_eq!(tenant.counters().count(Route::AddOrganizationMembers), 11);

    let members = org.members().query();
    assert_eq!(members.count().await?, 1050);
    let listed = members.fetch_all().await?;
    let mut seen: Vec<String> = listed.iter().filter_map(|m| m.user_id.clone()).collect();
    seen.sort();
    seen.dedup();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(seen, expected);
    // Past the window, one member by index walks the checkpoint.
    assert!(members.get(1040).await?.is_some());
    assert!(members.get(1050).await?.is_none());

    org.members()
        .remove(ids[..500].iter().map(String::as_str))
        .await?;
    assert_eq!(members.count().await?, 550);
    Ok(())
}

#[tokio::test]
async fn a_members_roles_follow_the_member_the_role_and_the_user() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(3).start().await?;
    let auth0 = fake_client(&tenant);
    let orgs = auth0.organizations();
    let acme = orgs.create(named("acme")).await?;
    let globex = orgs.create(named("globex")).await?;
    let ids = stored_ids(&tenant);
    let (ada, bob, cy) = (&ids[0], &ids[1], &ids[2]);
    let admin = new_role(&auth0, "admin").await?;
    let viewer = new_role(&auth0, "viewer").await?;

    // Roles need a membership first.
    let not_member = acme.member_roles(ada).add([admin.as_str()]).await;
    assert!(not_member.is_err(), "{not_member:?}");

    acme.members().add([ada, bob, cy]).await?;
    globex.members().add([ada]).await?;
    acme.member_roles(ada).add([&admin, &viewer]).await?;
    acme.member_roles(bob).add([&viewer]).await?;
    globex.member_roles(ada).add([&viewer]).await?;
    let mut roles = role_ids(&acme, ada).await?;
    roles.sort();
    let mut both = vec![admin.clone(), viewer.clone()];
    both.sort();
    assert_eq!(roles, both);
    // Roles are per organization.
    assert_eq!(role_ids(&globex, ada).await?, vec![viewer.clone()]);

    // Members listed with their roles.
    let with_roles = acme
        .members()
        .query()
        .param("fields", "user_id,roles")
        .param("include_fields", true)
        .fetch_all()
        .await?;
    let ada_row = with_roles
        .iter()
        .find(|m| m.user_id.as_deref() == Some(ada.as_str()))
        .expect("ada is listed");
    assert_eq!(ada_row.roles.as_ref().map(Vec::len), Some(2));

    acme.member_roles(ada).remove([&admin]).await?;
    assert_eq!(role_ids(&acme, ada).await?, vec![viewer.clone()]);

    // Deleting a role takes it from every member.
    auth0.roles().delete(&viewer).await?;
    assert!(role_ids(&acme, ada).await?.is_empty());
    assert!(role_ids(&acme, bob).await?.is_empty());
    assert!(role_ids(&globex, ada).await?.is_empty());

    // A member who leaves loses their roles there; coming back starts afresh.
    acme.member_roles(bob).add([&admin]).await?;
    acme.members().remove([bob]).await?;
    acme.members().add([bob]).await?;
    assert!(role_ids(&acme, bob).await?.is_empty());

    // Deleting a user removes their memberships and roles everywhere.
    acme.member_roles(ada).add([&admin]).await?;
    let users = auth0.users();
    let ada_user = users.get_by_id(ada).await?;
    let mut mine = org_ids(&ada_user).await?;
    mine.sort();
    let mut expected: Vec<String> = [&acme, &globex]
        .iter()
        .filter_map(|o| o.id().map(str::to_owned))
        .collect();
    expected.sort();
    assert_eq!(mine, expected);
    users.delete(ada).await?;
    assert_eq!(acme.members().query().count().await?, 2);
    assert_eq!(globex.members().query().count().await?, 0);

    // Deleting an organization removes its memberships.
    let cy_user = users.get_by_id(cy).await?;
    assert_eq!(org_ids(&cy_user).await?.len(), 1);
    acme.clone().delete().await?;
    assert!(org_ids(&cy_user).await?.is_empty());
    let err = acme.members().query().count().await.expect_err("gone");
    assert!(err.is_not_found(), "{err:?}");
    Ok(())
}

// ------------------------------------------------------------ invitations

#[tokio::test]
async fn invitations_are_created_listed_fetched_and_withdrawn() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);
    let org = auth0.organizations().create(named("acme")).await?;
    let admin = new_role(&auth0, "admin").await?;
    let invitations = org.invitations();

    let sent = invitations
        .create(
            NewInvitation::new("Ada (admin)", "new.hire@acme.example", tenant.client_id())
                .connection(tenant.connection_id())
                .roles([admin.as_str()])
                .ttl(Duration::from_secs(3600))
                .send_invitation_email(false)
                .user_metadata(
                    json!({"team": "core"})
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                ),
        )
        .await?;
    let id = sent.id.clone().expect("an id");
    assert!(id.starts_with("uinv_"), "{id}");
    assert_eq!(sent.organization_id.as_deref(), org.id());
    assert_eq!(sent.roles.as_deref(), Some(&[admin.clone()][..]));
    let url = sent.invitation_url.clone().unwrap_or_default();
    assert!(
        url.contains("invitation=") && url.contains("organization_name=acme"),
        "{url}"
    );
    let (created, expires) = (
        sent.created_at.clone().unwrap_or_default(),
        sent.expires_at.clone().unwrap_or_default(),
    );
    assert!(expires > created, "{created} .. {expires}");

    invitations
        .create(NewInvitation::new(
            "Bob",
            "other@acme.example",
            tenant.client_id(),
        ))
        .await?;
    assert_eq!(invitations.query().count().await?, 2);
    assert_eq!(invitations.get(&id).await?, sent);

    invitations.delete(&id).await?;
    assert!(matches!(
        invitations.get(&id).await,
        Err(Error::DoesNotExist {
            kind: "Invitation",
            ..
        })
    ));
    assert_eq!(invitations.query().count().await?, 1);

    // An application or role the tenant does not have is Auth0's 404.
    let err = invitations
        .create(NewInvitation::new(
            "Ada",
            "x@acme.example",
            "no-such-client",
        ))
        .await
        .expect_err("no such client");
    assert!(err.is_not_found(), "{err:?}");
    let err = invitations
        .create(NewInvitation::new("Ada", "x@acme.example", tenant.client_id()).roles(["rol_nope"]))
        .await
        .expect_err("no such role");
    assert!(err.is_not_found(), "{err:?}");

    // They go with the organization.
    org.clone().delete().await?;
    assert!(
        invitations
            .query()
            .count()
            .await
            .expect_err("gone")
            .is_not_found()
    );
    Ok(())
}

// ------------------------------------------------------------ connections

#[tokio::test]
async fn connections_are_enabled_changed_and_disabled() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);
    let org = auth0.organizations().create(named("acme")).await?;
    let connections = org.connections();
    let db = tenant.connection_id();

    let enabled = connections
        .enable(
            db,
            EnabledConnectionOptions::new().assign_membership_on_login(true),
        )
        .await?;
    assert_eq!(enabled.connection_id.as_deref(), Some(db));
    assert_eq!(enabled.assign_membership_on_login, Some(true));
    assert_eq!(enabled.show_as_button, Some(true), "Auth0's default");
    assert_eq!(
        enabled.connection.and_then(|c| c.name).as_deref(),
        Some(tenant.connection())
    );
    let twice = connections
        .enable(db, EnabledConnectionOptions::new())
        .await
        .expect_err("already enabled");
    assert!(twice.is_conflict(), "{twice:?}");

    let changed = connections
        .update(db, EnabledConnectionOptions::new().show_as_button(false))
        .await?;
    assert_eq!(
        (changed.show_as_button, changed.assign_membership_on_login),
        (Some(false), Some(true))
    );
    assert_eq!(connections.get(db).await?, changed);
    assert_eq!(connections.query().fetch_all().await?, vec![changed]);

    connections.disable(db).await?;
    assert!(connections.query().fetch_all().await?.is_empty());
    assert!(matches!(
        connections.get(db).await,
        Err(Error::DoesNotExist { .. })
    ));
    let err = connections
        .enable("con_nope", EnabledConnectionOptions::new())
        .await
        .expect_err("no such connection");
    assert!(err.is_not_found(), "{err:?}");
    Ok(())
}
