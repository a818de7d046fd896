//! Planning a save: which fields changed, and how to send them in PATCH requests
//! Auth0 accepts. Pure functions, no I/O.

use auth0plus_transport::Secret;
use serde_json::Value;

use super::model::{Metadata, UserProfile};

/// Fields whose update needs `connection` (Auth0 requires it for a secondary
/// identity and accepts it for the primary one).
const NEEDS_CONNECTION: [&str; 6] = [
    "email",
    "email_verified",
    "phone_number",
    "phone_verified",
    "username",
    "password",
];

/// Fields whose update may carry `client_id` (used for the emails Auth0 sends).
const TAKES_CLIENT_ID: [&str; 2] = ["email", "phone_number"];

/// The changed updatable fields of `current` against `snapshot`, as the PATCH
/// body expresses them: new values, `null` for a removed root attribute, and
/// for metadata the first-level merge Auth0 applies (`null` deletes a key,
/// `{}` clears the object, nested objects are sent whole).
#[must_use]
pub fn diff(current: &Metadata, snapshot: &Metadata) -> Metadata {
    crate::resource::changed_fields::<UserProfile>(current, snapshot)
}

/// Split `changed` (plus a new password) into the PATCH bodies Auth0 accepts,
/// in the order to send them:
/// 1. `password` alone when it goes with `email`, `email_verified` or `username`;
/// 2. `username` alone when it goes with `email` or `email_verified`;
/// 3. everything else.
///
/// `connection` is added where those fields need it, `client_id` beside an
/// email or phone change.
#[must_use]
pub fn plan(
    mut changed: Metadata,
    password: Option<&Secret>,
    connection: Option<&str>,
    client_id: Option<&str>,
) -> Vec<Metadata> {
    if let Some(password) = password {
        changed.insert(
            "password".into(),
            Value::String(password.expose().to_owned()),
        );
    }
    let mut bodies = Vec::new();
    let has_any = |map: &Metadata, keys: &[&str]| keys.iter().any(|k| map.contains_key(*k));
    let alone = |changed: &mut Metadata, key: &str| {
        let mut body = Metadata::new();
        if let Some(value) = changed.remove(key) {
            body.insert(key.to_owned(), value);
        }
        body
    };
    if changed.contains_key("password")
        && has_any(&changed, &["email", "email_verified", "username"])
    {
        bodies.push(alone(&mut changed, "password"));
    }
    if changed.contains_key("username") && has_any(&changed, &["email", "email_verified"]) {
        bodies.push(alone(&mut changed, "username"));
    }
    if !changed.is_empty() {
        bodies.push(changed);
    }
    for body in &mut bodies {
        if let Some(connection) = connection.filter(|_| has_any(body, &NEEDS_CONNECTION)) {
            body.insert("connection".into(), Value::String(connection.to_owned()));
        }
        if let Some(client_id) = client_id.filter(|_| has_any(body, &TAKES_CLIENT_ID)) {
            body.insert("client_id".into(), Value::String(client_id.to_owned()));
        }
    }
    bodies
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Metadata {
        match v {
            Value::Object(m) => m,
            _ => panic!("test data must be an object"),
        }
    }

    fn keys(body: &Metadata) -> Vec<&str> {
        let mut k: Vec<&str> = body.keys().map(String::as_str).collect();
        k.sort_unstable();
        k
    }

    #[test]
    fn nothing_changed_means_no_request() {
        let user = map(json!({"email": "a@x", "user_metadata": {"a": 1}}));
        assert!(plan(diff(&user, &user), None, Some("db"), Some("cid")).is_empty());
    }

    #[test]
    fn metadata_diff_follows_auth0_merge_rules() {
        let before = map(json!({"user_metadata": {"keep": 1, "drop": 2, "nested": {"a": 1}}}));
        let now =
            map(json!({"user_metadata": {"keep": 1, "nested": {"a": 1, "b": 2}, "new": "x"}}));
        assert_eq!(
            Value::Object(diff(&now, &before)),
            json!({"user_metadata": {"nested": {"a": 1, "b": 2}, "new": "x", "drop": null}})
        );
        let emptied = map(json!({}));
        assert_eq!(
            Value::Object(diff(&emptied, &before)),
            json!({"user_metadata": {}})
        );
    }

    #[test]
    fn removed_root_attributes_are_sent_as_null() {
        let before = map(json!({"nickname": "bon", "name": "Bon"}));
        let now = map(json!({"name": "Bon"}));
        assert_eq!(
            Value::Object(diff(&now, &before)),
            json!({"nickname": null})
        );
    }

    #[test]
    fn splits_like_auth0_requires() {
        let pw = Secret::new("pw");
        let cases: Vec<(Value, Vec<Vec<&str>>)> = vec![
            (json!({}), vec![vec!["connection", "password"]]),
            (
                json!({"email": "e"}),
                vec![
                    vec!["connection", "password"],
                    vec!["client_id", "connection", "email"],
                ],
            ),
            (
                json!({"email_verified": true}),
                vec![
                    vec!["connection", "password"],
                    vec!["connection", "email_verified"],
                ],
            ),
            (
                json!({"username": "u"}),
                vec![
                    vec!["connection", "password"],
                    vec!["connection", "username"],
                ],
            ),
            (
                json!({"email": "e", "username": "u", "user_metadata": {"a": 1}}),
                vec![
                    vec!["connection", "password"],
                    vec!["connection", "username"],
                    vec!["client_id", "connection", "email", "user_metadata"],
                ],
            ),
            (
                json!({"phone_number": "+1"}),
                vec![vec!["client_id", "connection", "password", "phone_number"]],
            ),
        ];
        for (changed, expected) in cases {
            let bodies = plan(map(changed.clone()), Some(&pw), Some("db"), Some("cid"));
            let got: Vec<Vec<&str>> = bodies.iter().map(keys).collect();
            assert_eq!(got, expected, "{changed}");
        }
        let bodies = plan(
            map(json!({"username": "u", "email_verified": true})),
            None,
            Some("db"),
            None,
        );
        assert_eq!(
            bodies.iter().map(keys).collect::<Vec<_>>(),
            vec![
                vec!["connection", "username"],
                vec!["connection", "email_verified"]
            ]
        );
        let bodies = plan(
            map(json!({"user_metadata": {"a": 1}})),
            None,
            Some("db"),
            Some("cid"),
        );
        assert_eq!(
            bodies.iter().map(keys).collect::<Vec<_>>(),
            vec![vec!["user_metadata"]]
        );
    }
}
