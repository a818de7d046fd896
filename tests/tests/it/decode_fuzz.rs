//! Fuzzing response decoding with proptest: user objects, error bodies, token responses and
//! the search totals envelope. No input may panic; every answer is `Ok` or a typed error.

use std::time::Duration;

use auth0plus::oauth::{Error as TokenError, parse_token_response};
use auth0plus::transport::test_util::ReplayBackend;
use auth0plus::transport::{Bytes, HttpResponse, NoSleep, RetryPolicy, http};
use auth0plus::{ApiError, Auth0, Error, UserProfile};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

const USER_FIELDS: &[&str] = &[
    "user_id",
    "email",
    "email_verified",
    "username",
    "phone_number",
    "phone_verified",
    "given_name",
    "family_name",
    "name",
    "nickname",
    "picture",
    "blocked",
    "user_metadata",
    "app_metadata",
    "identities",
    "created_at",
    "updated_at",
    "last_login",
    "last_ip",
    "logins_count",
    "last_password_reset",
    "connection",
    "provider",
    "isSocial",
    "users",
    "total",
    "start",
    "limit",
    "length",
    "access_token",
    "token_type",
    "expires_in",
    "scope",
    "error",
    "error_description",
    "message",
    "statusCode",
    "errorCode",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(USER_FIELDS).prop_map(str::to_owned),
        1 => ".{0,8}",
    ]
}

/// Arbitrary JSON, biased towards the field names the decoders look at.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(key(), inner, 0..8).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A JSON object with the known fields, each of any type.
fn user_like() -> impl Strategy<Value = Value> {
    btree_map(key(), json_value(), 0..16).prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// Bytes: valid JSON (maybe cut short or with junk appended), or anything at all.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => json_value().prop_map(|v| v.to_string().into_bytes()),
        2 => user_like().prop_map(|v| v.to_string().into_bytes()),
        1 => (user_like(), any::<prop::sample::Index>()).prop_map(|(v, cut)| {
            let text = v.to_string().into_bytes();
            let at = cut.index(text.len() + 1);
            text[..at].to_vec()
        }),
        1 => vec(any::<u8>(), 0..256),
        1 => ".{0,64}".prop_map(String::into_bytes),
    ]
}

fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "[ -~]{0,24}",
    ]
}

fn http_response(status: u16, headers: &[(String, String)], body: Vec<u8>) -> HttpResponse {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        if let Ok(value) = http::HeaderValue::from_str(value) {
            builder = builder.header(name.as_str(), value);
        }
    }
    builder.body(Bytes::from(body)).expect("valid response")
}

fn rate_headers() -> impl Strategy<Value = Vec<(String, String)>> {
    vec(
        (
            select(
                &[
                    "x-ratelimit-limit",
                    "x-ratelimit-remaining",
                    "x-ratelimit-reset",
                    "retry-after",
                    "content-type",
                ][..],
            )
            .prop_map(str::to_owned),
            header_value(),
        ),
        0..5,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn user_profiles_decode_or_fail_cleanly(bytes in body()) {
        if let Ok(profile) = serde_json::from_slice::<UserProfile>(&bytes) {
            // A decoded profile re-encodes, and that encoding decodes again to the same
            // typed fields (floats in unknown fields may move by one ulp: serde_json
            // parses without `float_roundtrip`).
            let again = serde_json::to_vec(&profile).expect("re-encode");
            let back: UserProfile = serde_json::from_slice(&again).expect("round trip");
            prop_assert_eq!(&back.user_id, &profile.user_id);
            prop_assert_eq!(&back.email, &profile.email);
            prop_assert_eq!(&back.identities.len(), &profile.identities.len());
            prop_assert_eq!(back.extra.len(), profile.extra.len());
        }
    }

    #[test]
    fn user_like_objects_decode_or_fail_cleanly(value in user_like()) {
        let _ = serde_json::from_value::<UserProfile>(value.clone());
        let _ = serde_json::from_slice::<UserProfile>(value.to_string().as_bytes());
    }

    #[test]
    fn api_errors_read_any_body_and_status(
        status in 100u16..=599,
        headers in rate_headers(),
        bytes in body(),
    ) {
        let response = http_response(status, &headers, bytes);
        let error = ApiError::from_response(&response);
        prop_assert_eq!(error.status, status);
        if let Some(raw) = &error.raw_body {
            // 1 KiB of the body, and the marker of the cut (issue 26).
            prop_assert!(raw.len() <= 1024 + 64, "{}", raw.len());
        }
        let shown = Error::from(error.clone()).to_string();
        prop_assert!(shown.starts_with(&format!("{status}: ")), "{}", shown);
        let _ = format!("{error:?}");
    }

    #[test]
    fn token_responses_parse_or_fail_cleanly(
        status in prop_oneof![Just(200u16), Just(201), 100u16..=599],
        headers in rate_headers(),
        bytes in prop_oneof![
            body(),
            (json_value(), json_value(), json_value()).prop_map(|(t, e, s)| {
                json!({"access_token": t, "expires_in": e, "scope": s, "token_type": "Bearer"})
                    .to_string()
                    .into_bytes()
            }),
        ],
    ) {
        let response = http_response(status, &headers, bytes);
        match parse_token_response(&response) {
            Ok(token) => {
                prop_assert!((200..300).contains(&status));
                prop_assert!(!token.access_token.expose().is_empty());
            }
            Err(error) => {
                prop_assert_eq!(error.status(), Some(status));
                match &error {
                    // A 2xx body may hold a token: it is never kept in the error.
                    TokenError::UnexpectedResponse { body, .. } if (200..300).contains(&status) => {
                        prop_assert!(body.is_none());
                    }
                    TokenError::UnexpectedResponse { .. } | TokenError::Rejected { .. } => {}
                    other => prop_assert!(false, "untyped token error {:?}", other),
                }
                let _ = (error.to_string(), format!("{error:?}"));
            }
        }
    }
}

/// A search envelope with every part possibly wrong.
fn envelope() -> impl Strategy<Value = Vec<u8>> {
    let users = prop_oneof![
        3 => vec(user_like(), 0..4).prop_map(Value::Array),
        1 => json_value(),
    ];
    let total = prop_oneof![
        3 => (0u64..1200).prop_map(Value::from),
        1 => json_value(),
    ];
    prop_oneof![
        4 => (users, total, json_value(), any::<bool>()).prop_map(|(users, total, extra, drop_total)| {
            let mut m = Map::new();
            m.insert("users".into(), users);
            if !drop_total {
                m.insert("total".into(), total);
            }
            m.insert("start".into(), extra.clone());
            m.insert("length".into(), extra);
            Value::Object(m).to_string().into_bytes()
        }),
        1 => vec(user_like(), 0..4).prop_map(|u| Value::Array(u).to_string().into_bytes()),
        1 => body(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fetch_all_survives_any_totals_envelope(
        status in prop_oneof![4 => Just(200u16), 1 => 100u16..=599],
        bytes in envelope(),
        per_page in 1u32..=100,
    ) {
        let answer = http_response(status, &[], bytes);
        let replay = ReplayBackend::new().otherwise(move |_| Ok(answer.clone()));
        let auth0 = Auth0::builder("fuzz.example.com")
            .token("t")
            .backend(replay.clone())
            .sleep(NoSleep)
            .retry_policy(RetryPolicy::default().attempt_timeout(Some(Duration::from_secs(5))))
            .per_page(per_page)
            .build()
            .expect("client");
        let outcome = futures::executor::block_on(auth0.users().query().any_connection().fetch_all());
        match outcome {
            Ok(users) => {
                prop_assert!((200..300).contains(&status));
                prop_assert!(users.len() <= 1000);
            }
            Err(
                Error::Api(_)
                | Error::Decode { .. }
                | Error::SearchWindowExceeded { .. },
            ) => {}
            Err(other) => prop_assert!(false, "untyped error {:?}", other),
        }
        // Bounded work: at most the pages of the 1,000 window, plus retries of the first.
        prop_assert!(replay.request_count() <= 1000 + 4, "{} requests", replay.request_count());
    }
}
