//! The original auth0plus README walkthrough (the AC/DC band), run end to end
//! against the fake tenant, asserting every value the original printed.
//!
//! Adapted only where real Auth0 changed since 2017: a duplicate create is
//! `409: The user already exists.` today (it was a 400), search is engine v3,
//! and the fake's search index has no delay so nothing sleeps.

use std::collections::BTreeSet;

use auth0plus::fake::{FakeTenant, PasswordPolicy, Route};
use auth0plus::oauth::ClientCredentials;
use auth0plus::prelude::*;
use serde_json::{Value, json};

use auth0plus_tests::TestResult;

fn ids(users: &[User]) -> BTreeSet<String> {
    users
        .iter()
        .filter_map(User::id)
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_original_readme_walkthrough() -> TestResult {
    let tenant = FakeTenant::builder()
        // The original's passwords (AC/DC): its tenant took 6+ characters.
        .password_policy(PasswordPolicy::Low)
        // Step by step as the original ran it, searching right after each write
        // (`cargo xtask walkthrough` shows the lag; this test checks the steps).
        .index_delay(std::time::Duration::ZERO)
        .start()
        .await?;

    // >>> token = get_token(domain, client_id, client_secret)
    let token =
        ClientCredentials::new(tenant.domain(), tenant.client_id(), tenant.client_secret())?
            .base_url(tenant.base_url())?
            .request_token()
            .await?;
    assert!(!token.access_token.is_empty());

    // >>> auth0 = Auth0(domain, token['access_token'], client_id=client_id, default_connection=db)
    let auth0 = Auth0::builder(tenant.domain())
        .token(token.access_token)
        .client_id(tenant.client_id())
        .default_connection(tenant.connection())
        .base_url(tenant.base_url())
        .build()?;
    let users = auth0.users();
    // The connection is lazy: nothing was sent yet but the token request.
    assert_eq!(tenant.counters().total(), 1);

    // >>> user = auth0.users()
    let user = users.new_user();
    assert!(!user.is_fetched());
    assert_eq!(user.id(), None);

    // 1. >>> angus = auth0.users.create(email=..., email_verified=True,
    //    ...     password='Jailbreak', user_metadata={'family_name': 'Young'})
    let angus = users
        .create(
            NewUser::new()
                .email("angus@äcdc.com")
                .email_verified(true)
                .password("Jailbreak")
                .user_metadata(json!({"family_name": "Young"})),
        )
        .await?;
    assert!(angus.id().is_some_and(|id| id.starts_with("auth0|")));
    assert!(angus.is_fetched());
    assert_eq!(angus.email.as_deref(), Some("angus@äcdc.com"));
    assert_eq!(angus.email_verified, Some(true));

    // 2. >>> malcolm, created = auth0.users.get_or_create(defaults={...}, email=...)
    let (malcolm, created) = users
        .get_or_create(
            [("email", "malcolm@äcdc.com")],
            NewUser::new()
                .email_verified(true)
                .password("ChuckB")
                .user_metadata(json!({"family_name": "Young"})),
        )
        .await?;
    assert!(created);
    // >>> malcolm.user_metadata
    // {'family_name': 'Young'}
    assert_eq!(
        Value::Object(malcolm.user_metadata.clone()),
        json!({"family_name": "Young"})
    );
    // >>> malcolm.picture  (Auth0's gravatar default)
    assert!(
        malcolm
            .picture
            .as_deref()
            .is_some_and(|p| p.starts_with("https://s.gravatar.com/avatar/")),
        "{:?}",
        malcolm.picture
    );
    assert_eq!(malcolm.email.as_deref(), Some("malcolm@äcdc.com"));

    // The original's integration test: a second get_or_create finds the same user.
    let (again, created) = users
        .get_or_create([("email", "angus@äcdc.com")], NewUser::new())
        .await?;
    assert!(!created);
    assert_eq!(again, angus);

    // 3. >>> singer = auth0.users(email=..., email_verified=True, password='CanISitNextToYouGirl')
    let mut singer = users.build(
        NewUser::new()
            .email("bon@äcdc.com")
            .email_verified(true)
            .password("CanISitNextToYouGirl"),
    );
    // >>> print(singer.user_id)
    // None
    assert_eq!(singer.id(), None);
    assert!(!singer.is_fetched());
    // >>> singer.save()
    singer.save().await?;
    assert!(singer.is_fetched());
    assert!(singer.id().is_some_and(|id| id.starts_with("auth0|")));

    // Save also updates (which may need several calls):
    // >>> singer.email = 'bonscott@...'
    // >>> singer.password = 'HighwayToHell'
    // >>> singer.save()
    singer.email = Some("bonscott@äcdc.com".into());
    singer.set_password("HighwayToHell");
    let patches_before = tenant.counters().count(Route::UpdateUser);
    singer.save().await?;
    // Auth0 refuses password and email together: two PATCHes.
    assert_eq!(
        tenant.counters().count(Route::UpdateUser) - patches_before,
        2
    );
    assert_eq!(singer.email.as_deref(), Some("bonscott@äcdc.com"));
    // >>> singer.password
    // AttributeError: 'User' object does not have a new password
    let err = singer.password().expect_err("the password is write-only");
    assert!(matches!(err, Error::NoNewPassword));
    assert_eq!(
        err.to_string(),
        "'User' object does not have a new password"
    );
    // The server agrees with the record.
    let stored = users.get_by_id(singer.id().unwrap_or_default()).await?;
    assert_eq!(stored.email.as_deref(), Some("bonscott@äcdc.com"));

    // >>> try: brian = auth0.users.get(email=...)
    // ... except auth0.users.DoesNotExist as err: print(err)
    // User Does Not Exist
    let err = users
        .get([("email", "brian@äcdc.com")])
        .await
        .expect_err("Brian is not in the band yet");
    assert!(matches!(err, Error::DoesNotExist { .. }), "{err:?}");
    assert_eq!(err.to_string(), "User Does Not Exist");

    // >>> brian, created = auth0.users.get_or_create(defaults={...}, email=...)
    let (brian, created) = users
        .get_or_create(
            [("email", "brian@äcdc.com")],
            NewUser::new().email_verified(true).password("BackInBlack"),
        )
        .await?;
    assert!(created);
    assert_eq!(brian.email_verified, Some(true));

    // >>> try: singers = auth0.users.get(email='b*')
    // ... except MultipleObjectsReturned as err: print(err)
    // User.get returned multiple users
    let err = users
        .get([("email__startswith", "b")])
        .await
        .expect_err("two singers start with b");
    assert!(
        matches!(err, Error::MultipleObjectsReturned { total: 2, .. }),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "User.get returned multiple users");

    // >>> singers = auth0.users.query(email='b*')
    // >>> singers.count()
    // 2
    let singers = users.query().filter([("email__startswith", "b")]);
    assert_eq!(singers.count().await?, 2);
    // >>> singers[:]
    // [<User auth0|...>, <User auth0|...>]
    let everyone = singers.fetch_all().await?;
    assert_eq!(everyone.len(), 2);
    for member in &everyone {
        let repr = member.to_string();
        assert!(
            repr.starts_with("<User auth0|") && repr.ends_with('>'),
            "{repr}"
        );
    }
    assert_eq!(ids(&everyone), ids(&[singer.clone(), brian.clone()]));

    // >>> brothers = auth0.users.query(q='user_metadata.family_name:"Young"', fields='user_id,email')
    // >>> brothers.count()
    // 2
    let brothers = users
        .query()
        .q(r#"user_metadata.family_name:"Young""#)
        .fields(["user_id", "email"]);
    assert_eq!(brothers.count().await?, 2);
    assert_eq!(
        ids(&brothers.fetch_all().await?),
        ids(&[angus.clone(), malcolm.clone()])
    );

    // >>> serialized = brothers[0].as_dict()
    let first = brothers.get(0).await?.expect("a first brother");
    let serialized = first.as_dict();
    assert_eq!(
        serialized
            .keys()
            .map(String::as_str)
            .collect::<BTreeSet<_>>(),
        BTreeSet::from(["email", "user_id"])
    );

    // >>> new_angus = auth0.users(**serialized)
    // >>> new_angus.password = 'MoneyTrain'
    // >>> try: new_angus.save()
    // ... except Auth0Error as err: print(err)
    // 409: The user already exists.     (400 in 2017)
    let mut new_angus = users.from_dict(serialized)?;
    assert!(!new_angus.is_fetched());
    new_angus.set_password("MoneyTrain");
    let err = new_angus.save().await.expect_err("the user exists");
    assert!(err.is_conflict(), "{err:?}");
    assert_eq!(err.to_string(), "409: The user already exists.");
    assert_eq!(tenant.user_count(), 4);

    // >>> singer.delete()  # Remove Bon Scott
    // >>> auth0.users.delete(brian.get_id())
    singer.delete().await?;
    users.delete(brian.id().unwrap_or_default()).await?;
    assert_eq!(tenant.user_count(), 2);

    // >>> band = auth0.users.all()
    // >>> band.count()
    // 2
    let band = users.all();
    assert_eq!(band.count().await?, 2);
    // >>> for member in band: member.delete()
    let members = band.fetch_all().await?;
    assert_eq!(ids(&members), ids(&[angus, malcolm]));
    for mut member in members {
        member.delete().await?;
    }
    assert_eq!(band.count().await?, 0);
    assert_eq!(tenant.user_count(), 0);
    Ok(())
}

/// The part of the walkthrough that needs no search: everything goes through
/// ids and `users-by-email`, which are immediately consistent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_walkthrough_without_search() -> TestResult {
    let tenant = FakeTenant::builder()
        // The original's passwords (AC/DC): its tenant took 6+ characters.
        .password_policy(PasswordPolicy::Low)
        .start()
        .await?;
    let auth0 = Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), tenant.client_secret())
        .default_connection(tenant.connection())
        .base_url(tenant.base_url())
        .build()?;
    let users = auth0.users();

    let angus = users
        .create(
            NewUser::new()
                .email("angus@äcdc.com")
                .email_verified(true)
                .password("Jailbreak")
                .user_metadata(json!({"family_name": "Young"})),
        )
        .await?;
    let (malcolm, created) = users
        .get_or_create(
            [("email", "malcolm@äcdc.com")],
            NewUser::new()
                .password("ChuckB")
                .user_metadata(json!({"family_name": "Young"})),
        )
        .await?;
    assert!(created);
    let (same, created) = users
        .get_or_create([("email", "malcolm@äcdc.com")], NewUser::new())
        .await?;
    assert!(!created);
    assert_eq!(same, malcolm);
    assert_ne!(malcolm, angus);

    let err = users
        .get([("email", "brian@äcdc.com")])
        .await
        .expect_err("no Brian");
    assert_eq!(err.to_string(), "User Does Not Exist");
    assert!(
        users
            .get_opt([("email", "brian@äcdc.com")])
            .await?
            .is_none()
    );

    // as_dict of a fetched user, rebuilt and saved: a duplicate.
    let fetched = users.get_by_id(angus.id().unwrap_or_default()).await?;
    assert!(fetched.is_fetched());
    let mut copy = users.from_dict(fetched.as_dict())?;
    copy.set_password("MoneyTrain");
    let err = copy.save().await.expect_err("duplicate");
    assert_eq!(err.to_string(), "409: The user already exists.");
    assert_eq!(tenant.user_count(), 2);

    let mut gone = angus;
    gone.delete().await?;
    users.delete(malcolm.id().unwrap_or_default()).await?;
    assert_eq!(tenant.user_count(), 0);
    let err = users
        .get_by_id(malcolm.id().unwrap_or_default())
        .await
        .expect_err("deleted");
    assert!(matches!(err, Error::DoesNotExist { .. }), "{err:?}");
    // Deleting again succeeds, as on Auth0.
    users.delete(malcolm.id().unwrap_or_default()).await?;
    Ok(())
}
