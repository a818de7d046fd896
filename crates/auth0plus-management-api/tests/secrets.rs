//! Secret fields never print: typed `Secret` in the models, redacted when
//! they arrive as unknown fields, and redacted in a built request's `Debug`,
//! while the wire still carries them.

use auth0plus_management_api::{Operation, clients, models, users};
use auth0plus_transport::Secret;
use serde_json::json;

const PASSWORD: &str = "hunter2-correct-horse";
const CLIENT_SECRET: &str = "s3cr3t-client-value";

#[test]
fn a_body_with_a_password_never_prints_it_but_sends_it() {
    let body = models::CreateUserRequestContent {
        connection: Some("Username-Password-Authentication".into()),
        email: Some("ada@example.com".into()),
        password: Some(Secret::new(PASSWORD)),
        ..Default::default()
    };
    let op = users::CreateUser::new(body);
    let request = op.to_request().unwrap();
    for shown in [
        format!("{op:?}"),
        format!("{:?}", op.body),
        format!("{request:?}"),
    ] {
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert!(shown.contains("ada@example.com"), "{shown}");
    }
    assert_eq!(request.body.unwrap()["password"], PASSWORD);
}

#[test]
fn a_decoded_client_secret_is_a_secret() {
    let client: models::Client = serde_json::from_value(json!({
        "client_id": "abc",
        "client_secret": CLIENT_SECRET,
        "signing_keys": [{"cert": "-----BEGIN CERTIFICATE-----"}],
    }))
    .unwrap();
    assert_eq!(
        client.client_secret.as_ref().map(Secret::expose),
        Some(CLIENT_SECRET)
    );
    let shown = format!("{client:?}");
    assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    assert!(shown.contains("abc"), "{shown}");
    // and it goes back on the wire as it came
    assert_eq!(
        serde_json::to_value(&client).unwrap()["client_secret"],
        CLIENT_SECRET
    );
}

#[test]
fn a_secret_under_a_field_the_spec_does_not_name_is_redacted_too() {
    let role: models::Role = serde_json::from_value(json!({
        "name": "admin",
        "future": {"password": PASSWORD, "client_secret": CLIENT_SECRET},
    }))
    .unwrap();
    let shown = format!("{role:?}");
    assert!(
        !shown.contains(PASSWORD) && !shown.contains(CLIENT_SECRET),
        "{shown}"
    );
    assert!(shown.contains("admin"), "{shown}");
}

#[test]
fn a_client_update_with_a_new_secret_keeps_it_out_of_debug() {
    let op = clients::UpdateClient::new(
        "a/../b",
        models::UpdateClientRequestContent {
            client_secret: Some(Secret::new(CLIENT_SECRET)),
            ..Default::default()
        },
    );
    let request = op.to_request().unwrap();
    assert_eq!(request.path, ["clients", "a/../b"]);
    assert!(!format!("{op:?} {request:?}").contains(CLIENT_SECRET));
}

#[cfg(feature = "hooks")]
#[test]
fn a_hooks_secrets_never_print() {
    use auth0plus_management_api::hooks;
    let secrets =
        std::collections::BTreeMap::from([("API_KEY".to_owned(), CLIENT_SECRET.to_owned())]);
    let op = hooks::AddHookSecrets::new("hook_1", secrets);
    let shown = format!("{op:?}");
    assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    assert!(shown.contains("hook_1"), "{shown}");
    assert_eq!(
        op.to_request().unwrap().body.unwrap()["API_KEY"],
        CLIENT_SECRET
    );
}

#[cfg(feature = "event-streams")]
#[test]
fn an_untyped_body_is_shown_with_its_secret_fields_redacted() {
    use auth0plus_management_api::event_streams;
    let op = event_streams::CreateEventStream::new(json!({
        "name": "audit",
        "destination": {"configuration": {"webhook_authorization": {"method": "bearer", "token": CLIENT_SECRET}}},
    }));
    let shown = format!("{op:?}");
    assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    assert!(shown.contains("audit"), "{shown}");
}
