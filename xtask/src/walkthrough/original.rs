//! The original auth0plus README, told in Rust with the same AC/DC band.

use auth0plus::fake::TestTenant;
use auth0plus::oauth::ClientCredentials;
use auth0plus::prelude::*;
use serde_json::json;

use super::{Made, Narrator, StepResult, check, expect_err, settle};

/// The scopes the original README has its readers grant the client (its "Select `read:users`,
/// …, `create:user_tickets` then update" line): against the fake, the walkthrough runs with
/// exactly these.
pub(super) const README_SCOPES: &[&str] = &[
    "read:users",
    "update:users",
    "delete:users",
    "create:users",
    "read:users_app_metadata",
    "update:users_app_metadata",
    "delete:users_app_metadata",
    "create:users_app_metadata",
    "create:user_tickets",
];

const ANGUS: &str = "angus.young@example.com";
const MALCOLM: &str = "malcolm.young@example.com";
const BON: &str = "bon.scott@example.com";
const BON_NEW: &str = "bon@example.com";
const BRIAN: &str = "brian.johnson@example.com";

#[allow(clippy::too_many_lines, reason = "one story, told in order")]
pub(super) async fn scenario(tenant: &TestTenant, made: &mut Made) -> StepResult<usize> {
    let mut n = Narrator { step: 0 };
    let (domain, client_id, client_secret, connection) = (
        &tenant.domain,
        &tenant.client_id,
        tenant.client_secret.as_str(),
        &tenant.connection,
    );

    n.step(
        "Get the 24-hour token (the original's get_token)",
        "let token = get_token(&domain, &client_id, &client_secret).await?;",
    );
    let token = ClientCredentials::new(domain.as_str(), client_id, client_secret)?
        .base_url(&tenant.base_url)?
        .request_token()
        .await?;
    n.shows(format_args!(
        "token_type {}, expires_in {} s, access_token {:?} (secrets never print)",
        token.token_type, token.expires_in, token.access_token
    ));

    n.step(
        "Create the lazy connection: no request is made here",
        "let auth0 = Auth0::builder(&domain)\n    .token(token.access_token)\n    .client_id(&client_id)\n    .default_connection(&connection)\n    .build()?;\nlet users = auth0.users();",
    );
    let auth0 = Auth0::builder(domain)
        .token(token.access_token.clone())
        .client_id(client_id)
        .default_connection(connection)
        .base_url(&tenant.base_url)
        .build()?;
    let users = auth0.users();
    n.shows(format_args!("{auth0:?}"));

    n.step("An empty user instance", "let user = users.new_user();");
    let user = users.new_user();
    n.shows(format_args!("{user}  is_fetched: {}", user.is_fetched()));

    n.step(
        "Create Angus in one step",
        "let angus = users.create(NewUser::new()\n    .email(\"angus.young@example.com\").email_verified(true)\n    .password(\"Jailbreak\").user_metadata(json!({\"family_name\": \"Young\"}))).await?;",
    );
    let angus = users
        .create(
            NewUser::new()
                .email(ANGUS)
                .email_verified(true)
                .password("Jailbreak")
                .user_metadata(json!({"family_name": "Young"})),
        )
        .await?;
    made.user(angus.id());
    n.shows(&angus);
    check(
        angus.id().is_some_and(|id| id.starts_with("auth0|")),
        "Angus has an auth0| id",
    )?;

    n.step(
        "Malcolm, with get_or_create (Django's)",
        "let (malcolm, created) = users.get_or_create(\n    [(\"email\", \"malcolm.young@example.com\")],\n    NewUser::new().email_verified(true).password(\"ChuckB\")\n        .user_metadata(json!({\"family_name\": \"Young\"}))).await?;",
    );
    let (malcolm, created) = users
        .get_or_create(
            [("email", MALCOLM)],
            NewUser::new()
                .email_verified(true)
                .password("ChuckB")
                .user_metadata(json!({"family_name": "Young"})),
        )
        .await?;
    made.user(malcolm.id());
    n.shows(format_args!(
        "created: {created}\nmalcolm.user_metadata: {}\nmalcolm.picture: {}",
        serde_json::Value::Object(malcolm.user_metadata.clone()),
        malcolm.picture.as_deref().unwrap_or("-")
    ));
    check(
        created && malcolm.user_metadata.get("family_name") == Some(&json!("Young")),
        "Malcolm created",
    )?;

    n.step(
        "Bon the singer, in two steps: build, then save",
        "let mut singer = users.build(NewUser::new()\n    .email(\"bon.scott@example.com\").email_verified(true).password(\"CanISitNextToYouGirl\"));\nprintln!(\"{:?}\", singer.user_id);\nsinger.save().await?;",
    );
    let mut singer = users.build(
        NewUser::new()
            .email(BON)
            .email_verified(true)
            .password("CanISitNextToYouGirl"),
    );
    let before = format!("{:?}", singer.user_id);
    singer.save().await?;
    made.user(singer.id());
    n.shows(format_args!(
        "before save: {before}\nafter save:  {:?}",
        singer.user_id
    ));

    n.step(
        "Save also updates, in as many PATCHes as Auth0 needs",
        "singer.email = Some(\"bon@example.com\".into());\nsinger.set_password(\"HighwayToHell\");\nsinger.pending_changes()  // what save() will send\nsinger.save().await?;",
    );
    singer.email = Some(BON_NEW.into());
    singer.set_password("HighwayToHell");
    let plan = singer.pending_changes();
    n.shows(
        plan.iter()
            .enumerate()
            .map(|(i, body)| {
                format!(
                    "PATCH {}: {}",
                    i + 1,
                    serde_json::Value::Object(body.clone())
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    );
    check(plan.len() == 2, "password and email go in two PATCHes")?;
    singer.save().await?;
    n.shows(format_args!(
        "saved: email is now {}",
        singer.email.as_deref().unwrap_or("-")
    ));

    n.step(
        "The password is not available once it's saved",
        "singer.password()",
    );
    let err = expect_err(singer.password().map(|_| ()), "the password is write-only")?;
    n.shows(format_args!("Err({err})"));
    check(
        err.to_string() == "'User' object does not have a new password",
        "the original's message",
    )?;

    n.step(
        "Fetched or created locally? (the original's _fetched)",
        "singer.is_fetched()",
    );
    n.shows(singer.is_fetched());

    n.step(
        "get() returns one user, or DoesNotExist",
        "match users.get([(\"email\", \"brian.johnson@example.com\")]).await {\n    Err(err @ Error::DoesNotExist { .. }) => println!(\"{err}\"),\n    ..\n}",
    );
    let err = expect_err(
        users.get([("email", BRIAN)]).await,
        "Brian is not there yet",
    )?;
    n.shows(&err);
    check(
        matches!(err, Error::DoesNotExist { .. })
            && err.to_string() == format!("User with email \"{BRIAN}\" does not exist"),
        "DoesNotExist",
    )?;

    n.step(
        "So get_or_create Brian",
        "let (brian, created) = users.get_or_create([(\"email\", \"brian.johnson@example.com\")],\n    NewUser::new().email_verified(true).password(\"BackInBlack\")).await?;",
    );
    let (brian, created) = users
        .get_or_create(
            [("email", BRIAN)],
            NewUser::new().email_verified(true).password("BackInBlack"),
        )
        .await?;
    made.user(brian.id());
    n.shows(format_args!("{brian}, created: {created}"));

    n.step(
        "Search lags behind writes: wait for the index (the original slept 5 s)",
        "let singers = users.query().filter([(\"email\", \"b*\")]);\nwhile singers.count().await? != 2 { sleep(100 ms) }",
    );
    let singers = users.query().filter([("email__startswith", "b")]);
    let waited = settle(&singers, 2).await?;
    n.shows(format_args!("indexed after {} ms", waited.as_millis()));

    n.step(
        "get() with a wildcard that matches two users",
        "users.get([(\"email\", \"b*\")]).await  // a trailing * means \"starts with\"",
    );
    let err = expect_err(
        users.get([("email__startswith", "b")]).await,
        "two users start with b",
    )?;
    n.shows(&err);
    check(
        err.to_string() == "User.get returned multiple users",
        "MultipleObjectsReturned",
    )?;

    n.step(
        "query() is lazy and reusable; count() uses Auth0's total",
        "singers.to_query_string()?\nsingers.count().await?\nsingers.fetch_all().await?   // the original's singers[:]",
    );
    let count = singers.count().await?;
    let all = singers.fetch_all().await?;
    n.shows(format_args!(
        "q = {}\ncount: {count}\n[{}]",
        singers.to_query_string()?,
        all.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    check(count == 2 && all.len() == 2, "two singers")?;

    n.step(
        "Your own q, with fields (combined with the connection filter, not replacing it)",
        "let brothers = users.query()\n    .q(r#\"user_metadata.family_name:\"Young\"\"#)\n    .fields([\"user_id\", \"email\"]);\nbrothers.count().await?",
    );
    let brothers = users
        .query()
        .q(r#"user_metadata.family_name:"Young""#)
        .fields(["user_id", "email"]);
    let count = brothers.count().await?;
    n.shows(format_args!(
        "q = {}\ncount: {count}",
        brothers.to_query_string()?
    ));
    check(count == 2, "the Young brothers")?;

    n.step(
        "as_dict is your friend",
        "let serialized = brothers.get(0).await?.unwrap().as_dict();",
    );
    let first = brothers.get(0).await?.ok_or("the first brother")?;
    let serialized = first.as_dict();
    n.shows(serde_json::Value::Object(serialized.clone()));

    n.step(
        "Rebuilt from a dict, a user is not fetched, so save() creates — and Auth0 refuses the duplicate",
        "let mut new_angus = users.from_dict(serialized)?;\nnew_angus.set_password(\"MoneyTrain\");\nnew_angus.save().await",
    );
    let mut new_angus = users.from_dict(serialized)?;
    new_angus.set_password("MoneyTrain");
    let err = expect_err(new_angus.save().await, "the user already exists")?;
    n.shows(format_args!("Err({err})"));
    check(
        err.is_conflict() && err.to_string() == "409: The user already exists.",
        "409 conflict",
    )?;

    n.step(
        "Delete through the instance or the endpoint",
        "singer.delete().await?;            // remove Bon Scott\nusers.delete(brian.id().unwrap()).await?;",
    );
    singer.delete().await?;
    users.delete(brian.id().ok_or("brian has an id")?).await?;
    n.shows("deleted Bon and Brian");

    n.step(
        "All the remaining band members (and delete them). Sorry Angus, it's time to retire.",
        "let band = users.all();\nband.count().await?\nfor mut member in band.fetch_all().await? { member.delete().await? }",
    );
    let band = users.all();
    settle(&band, 2).await?;
    let members = band.fetch_all().await?;
    n.shows(format_args!(
        "count: {}  [{}]",
        members.len(),
        members
            .iter()
            .map(|m| m.email.clone().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for mut member in members {
        member.delete().await?;
    }
    let waited = settle(&band, 0).await?;
    n.shows(format_args!(
        "band.count() is 0 after {} ms",
        waited.as_millis()
    ));
    made.users.clear();
    Ok(n.step)
}
