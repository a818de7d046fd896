//! Property tests of the search query builder against the fake tenant's Lucene engine: an
//! exact lookup matches exactly the users whose field equals the value, whatever Unicode,
//! Lucene operators, quotes, backslashes, `*`, `:`, whitespace or `AND`/`OR`/`NOT` words
//! the value holds; field names outside `[A-Za-z0-9_.]` are refused before sending.

use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::time::Duration;

use auth0plus::transport::RetryPolicy;
use auth0plus::{Auth0, Error, Lookup};
use auth0plus_fake::{FakeTenant, Route};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::json;

const PALETTE: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "and",
    "or",
    "not",
    "TO",
    "&&",
    "||",
    "!",
    "+",
    "-",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "^",
    "~",
    "*",
    "?",
    ":",
    "\\",
    "\\\\",
    "\"",
    "'",
    "\\\"",
    " ",
    "  ",
    "\t",
    "\n",
    "/",
    "_exists_",
    "*:*",
    "name:",
    "user_metadata.tag:",
    "a",
    "B",
    "x y",
    "é",
    "É",
    "ß",
    "İ",
    "Σ",
    "ς",
    "日本",
    "😀",
    "\u{200b}",
    "%",
    "#",
    "|",
    "@",
    "",
    ".",
    "..",
];

/// Values built from Lucene's special pieces, or arbitrary printable Unicode.
fn adversarial() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => vec(select(PALETTE), 0..6).prop_map(|parts| parts.concat()),
        1 => "\\PC{0,10}",
    ]
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
    })
}

fn client(tenant: &FakeTenant) -> Auth0 {
    Auth0::builder(tenant.domain())
        .token(tenant.issue_token())
        .default_connection(tenant.connection())
        .base_url(tenant.base_url())
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(5)))
        .build()
        .expect("client")
}

/// Auth0's case rule: these root fields compare case-insensitively, everything else exactly.
fn equal(field: &str, stored: &str, wanted: &str) -> bool {
    if field == "name" || field == "email" {
        stored.to_lowercase() == wanted.to_lowercase()
    } else {
        stored == wanted
    }
}

/// Users `i` get `name = values[i % k]` and `user_metadata.tag = values[(3i + 1) % k]`,
/// so values are shared between users and across the two fields.
async fn check_exact_lookups(values: Vec<String>) -> Result<(), TestCaseError> {
    let tenant = FakeTenant::start().await.expect("fake tenant");
    let k = values.len();
    let mut people = Vec::new();
    for i in 0..k + 2 {
        let name = values[i % k].clone();
        let tag = values[(3 * i + 1) % k].clone();
        let id = tenant.insert_user(json!({
            "user_id": format!("auth0|prop{i}"),
            "email": format!("prop{i}@example.com"),
            "name": name,
            "user_metadata": {"tag": tag},
            "identities": [{"connection": tenant.connection(), "provider": "auth0",
                            "user_id": format!("prop{i}"), "isSocial": false}],
        }));
        people.push((id, name, tag));
    }
    let users = client(&tenant).users();
    // Every value, and near misses that an unescaped query would also match.
    let mut probes: BTreeSet<String> = values.iter().cloned().collect();
    for v in &values {
        probes.insert(format!("{v}*"));
        probes.insert(format!("*{v}"));
        probes.insert(format!("{v} OR *"));
        probes.insert(format!("\" OR name:*{v}"));
        if let Some(shorter) = v.char_indices().last().map(|(i, _)| &v[..i]) {
            probes.insert(shorter.to_owned());
        }
    }
    for probe in &probes {
        for field in ["name", "user_metadata.tag"] {
            let lookup = Lookup::exact(field, probe);
            let q = lookup.to_query_string().expect("valid field");
            let found = users
                .query()
                .filter(lookup)
                .per_page(100)
                .fetch_all()
                .await
                .map_err(|e| TestCaseError::fail(format!("{q:?}: {e:?}")))?;
            let got: BTreeSet<String> = found
                .iter()
                .map(|u| u.id().unwrap_or_default().to_owned())
                .collect();
            let want: BTreeSet<String> = people
                .iter()
                .filter(|(_, name, tag)| {
                    let stored = if field == "name" { name } else { tag };
                    equal(field, stored, probe)
                })
                .map(|(id, _, _)| id.clone())
                .collect();
            prop_assert_eq!(got, want, "field {} value {:?} q {:?}", field, probe, q);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn exact_lookups_match_exactly_the_equal_users(values in vec(adversarial(), 1..5)) {
        runtime().block_on(check_exact_lookups(values))?;
    }

    #[test]
    fn field_names_outside_the_safe_set_are_refused(
        field in "[A-Za-z0-9_.]{0,4}[^A-Za-z0-9_.][^\n]{0,4}",
        value in adversarial(),
    ) {
        let lookup = Lookup::exact(field.as_str(), value.as_str());
        prop_assert!(
            matches!(lookup.to_query_string(), Err(Error::InvalidArgument(_))),
            "{:?} accepted", field
        );
        prop_assert!(Lookup::prefix(field.as_str(), value.as_str()).to_query_string().is_err());
        prop_assert!(Lookup::exists(field.as_str()).to_query_string().is_err());
        let (result, sent) = runtime().block_on(async {
            let tenant = FakeTenant::start().await.expect("fake tenant");
            let result = client(&tenant).users().query().filter(lookup).fetch_all().await;
            (result, tenant.counters().count(Route::ListUsers))
        });
        prop_assert!(matches!(result, Err(Error::InvalidArgument(_))), "{:?}", result);
        prop_assert_eq!(sent, 0, "nothing reaches the server");
    }

    #[test]
    fn dotted_field_names_need_non_empty_segments(
        segments in vec("[A-Za-z0-9_]{0,4}", 1..4),
    ) {
        let field = segments.join(".");
        let valid = segments.iter().all(|s| !s.is_empty());
        let rendered = Lookup::exact(field.as_str(), "v").to_query_string();
        prop_assert_eq!(rendered.is_ok(), valid, "{:?}", field);
    }
}
