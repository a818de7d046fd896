//! Table-driven tests of the Auth0 (search engine v3) Lucene subset used by the fake's
//! user search.

use auth0plus_fake::lucene::{Query, parse};
use proptest::prelude::*;
use serde_json::{Value, json};

const U1: &str = "auth0|001";
const U2: &str = "google-oauth2|002";
const U3: &str = "auth0|003";
const U4: &str = "email|004";
const U5: &str = "auth0|005";
const ALL: &[&str] = &[U1, U2, U3, U4, U5];

fn users() -> Vec<Value> {
    vec![
        json!({
            "user_id": U1,
            "email": "jane.smith@example.com",
            "email_verified": true,
            "name": "Jane Smith",
            "nickname": "Star",
            "given_name": "Jane",
            "family_name": "Smith",
            "username": "jane_s",
            "logins_count": 5,
            "created_at": "2017-11-15T10:00:00.000Z",
            "last_login": "2024-12-31T18:30:00.000Z",
            "identities": [
                {"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": "001", "isSocial": false}
            ],
            "user_metadata": {
                "addresses": [{"city": "Paris"}, {"city": "Lyon"}],
                "display": {"preferredLanguage": "fr"},
                "note": "has: colon",
                "tags": ["a", "b"]
            },
            "app_metadata": {"plan": "gold", "subscription": {"plan": "gold"}, "level": 3}
        }),
        json!({
            "user_id": U2,
            "email": "bonscott@äcdc.com",
            "email_verified": false,
            "name": "Bon Scott",
            "nickname": "Bön",
            "given_name": "Ronald",
            "family_name": "Scott",
            "logins_count": 100,
            "created_at": "2017-12-01T00:00:00.000Z",
            "last_login": "2025-01-01T00:00:00.000Z",
            "identities": [
                {"connection": "google-oauth2", "provider": "google-oauth2", "user_id": 12345, "isSocial": true}
            ],
            "user_metadata": {
                "addresses": {"city": "Sydney"},
                "quote": "Hell's \"Bells\"",
                "path": "C:\\temp"
            },
            "app_metadata": {"plan": "silver", "roles": ["admin", "ops"]}
        }),
        json!({
            "user_id": U3,
            "email": "John.Doe@Example.org",
            "email_verified": true,
            "name": "John Doe",
            "nickname": "johnny",
            "username": "jdoe",
            "logins_count": 0,
            "blocked": true,
            "created_at": "2018-01-10T08:00:00.000Z",
            "identities": [
                {"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": "003", "isSocial": false},
                {"connection": "github", "provider": "github", "user_id": "77", "isSocial": true}
            ],
            "user_metadata": {},
            "app_metadata": {"plan": null}
        }),
        json!({
            "user_id": U4,
            "email": "test1@test.com",
            "name": "test1@test.com",
            "nickname": "st*r",
            "username": "and",
            "phone_number": "+15551234567",
            "created_at": "2023-05-05T12:00:00.000Z",
            "identities": [{"connection": "email", "provider": "email", "user_id": "004", "isSocial": false}]
        }),
        json!({
            "user_id": U5,
            "email": "richard.roe@example.com",
            "name": "Richard Roe",
            "nickname": "Rick",
            "given_name": "Richard",
            "family_name": "Roe",
            "logins_count": 1500,
            "created_at": "2024-02-29T23:59:59.999Z",
            "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": "005", "isSocial": false}],
            "user_metadata": {"plan": "Gold"},
            "app_metadata": {"plan": "gold"}
        }),
    ]
}

fn ids(query: &Query, users: &[Value]) -> Vec<String> {
    users
        .iter()
        .filter(|u| query.matches(u))
        .filter_map(|u| u["user_id"].as_str().map(str::to_owned))
        .collect()
}

/// (query, expected matching user ids in table order)
const CASES: &[(&str, &[&str])] = &[
    // empty
    ("", ALL),
    ("   ", ALL),
    ("*:*", ALL),
    ("*", ALL),
    // exact field terms and phrases
    (r#"email:"jane.smith@example.com""#, &[U1]),
    ("email:jane.smith@example.com", &[U1]),
    (r"email:jane.smith\@example.com", &[U1]),
    (r#"user_id:"auth0|001""#, &[U1]),
    (r"user_id:auth0\|001", &[U1]),
    ("username:jdoe", &[U3]),
    ("phone_number:+15551234567", &[U4]),
    (r"phone_number:\+15551234567", &[U4]),
    (r#"phone_number:"+15551234567""#, &[U4]),
    // no tokenization
    ("user_id:auth0", &[]),
    ("name:jane", &[]),
    ("name:smith", &[]),
    // case rules
    ("email:JANE.SMITH@EXAMPLE.COM", &[U1]),
    (r#"email:"john.doe@example.org""#, &[U3]),
    (r#"email:"bonscott@äcdc.com""#, &[U2]),
    (r#"email:"BONSCOTT@ÄCDC.COM""#, &[U2]),
    (r#"name:"jane smith""#, &[U1]),
    (r#"name:"JANE SMITH""#, &[U1]),
    ("nickname:bön", &[U2]),
    ("nickname:BÖN", &[U2]),
    ("given_name:RONALD", &[U2]),
    ("family_name:roe", &[U5]),
    ("username:JDOE", &[]),
    ("user_id:AUTH0|001", &[]),
    ("app_metadata.plan:GOLD", &[]),
    ("user_metadata.plan:Gold", &[U5]),
    ("user_metadata.plan:gold", &[]),
    ("identities.connection:Github", &[]),
    // escapes
    (r"name:John\ Doe", &[U3]),
    (r"name:jane\ smith", &[U1]),
    (r"nickname:st\*r", &[U4]),
    (r"user_metadata.note:has\:\ colon", &[U1]),
    (r#"user_metadata.note:"has: colon""#, &[U1]),
    (r#"user_metadata.quote:"Hell's \"Bells\"""#, &[U2]),
    (r#"user_metadata.path:"C:\\temp""#, &[U2]),
    (r"user_metadata.path:C\:\\temp", &[U2]),
    (r#"name:"test1*""#, &[]),
    (r#"nickname:"st*r""#, &[U4]),
    // wildcards
    ("email:test*", &[U4]),
    ("name:jane*", &[U1]),
    ("name:JANE*", &[U1]),
    ("user_id:auth0*", &[U1, U3, U5]),
    ("email:*example.com", &[U1, U5]),
    ("email:*EXAMPLE.COM", &[U1, U5]),
    ("email:*@äcdc.com", &[U2]),
    ("email:*ÄCDC.COM", &[U2]),
    ("name:*Doe", &[U3]),
    ("name:jane*smith", &[U1]),
    ("name:r*e", &[U5]),
    ("name:*scot*", &[U2]),
    ("name:*ohn*", &[U3]),
    ("nickname:st*r", &[U1, U4]),
    ("identities.connection:Username*", &[U1, U3, U5]),
    ("app_metadata.roles:ad*", &[U2]),
    ("logins_count:1*", &[U2, U5]),
    ("email:*", ALL),
    ("username:*", &[U1, U3, U4]),
    ("logins_count:*", &[U1, U2, U3, U5]),
    ("app_metadata:*", &[U1, U2, U5]),
    // bare terms: root text fields only, never metadata
    ("jdoe", &[U3]),
    (r#""Jane Smith""#, &[U1]),
    ("RONALD", &[U2]),
    ("Scott", &[U2]),
    ("auth0|001", &[U1]),
    ("jane*", &[U1]),
    ("Paris", &[]),
    ("gold", &[]),
    ("fr", &[]),
    // booleans
    (r#"name:"jane smith" OR name:"bon scott""#, &[U1, U2]),
    ("app_metadata.plan:gold AND logins_count:5", &[U1]),
    ("app_metadata.plan:gold AND NOT logins_count:5", &[U5]),
    ("app_metadata.plan:gold && !logins_count:5", &[U5]),
    ("jdoe || jane_s", &[U1, U3]),
    ("NOT app_metadata.plan:gold", &[U2, U3, U4]),
    ("-app_metadata.plan:gold", &[U2, U3, U4]),
    ("NOT NOT app_metadata.plan:gold", &[U1, U5]),
    ("app_metadata.plan:gold -logins_count:5", &[U5]),
    ("app_metadata.plan:gold NOT logins_count:5", &[U5]),
    ("+app_metadata.plan:gold jdoe", &[U1, U5]),
    ("+app_metadata.plan:gold +logins_count:5", &[U1]),
    ("-jdoe -jane_s", &[U2, U4, U5]),
    // juxtaposition is OR (Lucene default operator)
    ("jdoe app_metadata.plan:silver", &[U2, U3]),
    // precedence: NOT > AND > OR
    (
        "jdoe OR app_metadata.plan:gold AND logins_count:5",
        &[U1, U3],
    ),
    (
        "(jdoe OR app_metadata.plan:gold) AND logins_count:[1 TO *]",
        &[U1, U5],
    ),
    ("NOT jdoe AND NOT jane_s AND NOT and", &[U2, U5]),
    // lowercase operators are plain terms
    ("username:and", &[U4]),
    ("and", &[U4]),
    ("jdoe and jane_s", &[U1, U3, U4]),
    ("jdoe not jane_s", &[U1, U3]),
    // field groups
    ("app_metadata.plan:(gold OR silver)", &[U1, U2, U5]),
    ("app_metadata.plan:(silver OR bronze)", &[U2]),
    ("name:(jane* OR *scott)", &[U1, U2]),
    ("username:(jdoe jane_s)", &[U1, U3]),
    ("app_metadata.plan:(gold AND NOT silver)", &[U1, U5]),
    ("((((jdoe))))", &[U3]),
    // ranges
    ("logins_count:[5 TO 100]", &[U1, U2]),
    ("logins_count:{5 TO 100}", &[]),
    ("logins_count:{0 TO 1500}", &[U1, U2]),
    ("logins_count:[5 TO 100}", &[U1]),
    ("logins_count:{5 TO 100]", &[U2]),
    ("logins_count:[100 TO *]", &[U2, U5]),
    ("logins_count:[* TO 5}", &[U3]),
    ("logins_count:[20 TO 200]", &[U2]),
    ("logins_count:[* TO *]", &[U1, U2, U3, U5]),
    ("app_metadata.level:[2 TO 4]", &[U1]),
    ("created_at:[2017-11 TO 2017-11]", &[U1]),
    ("created_at:{2017-11 TO 2017-12]", &[U2]),
    ("created_at:[2017 TO 2017]", &[U1, U2]),
    ("created_at:[2018-01-01 TO *]", &[U3, U4, U5]),
    ("created_at:[* TO 2017-12-01]", &[U1, U2]),
    ("created_at:[* TO 2017-12-01}", &[U1]),
    ("created_at:[2024-02-29T23:59 TO 2024-02-29T23:59]", &[U5]),
    ("last_login:[* TO 2024-12-31]", &[U1]),
    ("last_login:[2024-12-31T18:30:00.000Z TO *]", &[U1, U2]),
    ("last_login:{2024-12-31T18:30:00.000Z TO *]", &[U2]),
    (
        r#"created_at:["2017-12-01T00:00:00.000Z" TO "2018-01-10T08:00:00.000Z"]"#,
        &[U2, U3],
    ),
    ("name:[a TO c]", &[U2]),
    ("name:[A TO C]", &[U2]),
    ("app_metadata.plan:[a TO h]", &[U1, U5]),
    // existence
    ("_exists_:logins_count", &[U1, U2, U3, U5]),
    ("NOT _exists_:logins_count", &[U4]),
    ("NOT _exists_:logins_count OR logins_count:0", &[U3, U4]),
    ("_exists_:user_metadata.display.preferredLanguage", &[U1]),
    ("_exists_:user_metadata", &[U1, U2, U5]),
    ("_exists_:app_metadata.plan", &[U1, U2, U5]),
    ("_exists_:user_metadata.addresses.city", &[U1, U2]),
    ("_exists_:email.domain", ALL),
    ("_exists_:phone_number", &[U4]),
    (r#"_exists_:"given_name""#, &[U1, U2, U5]),
    // metadata paths and arrays
    (r#"user_metadata.addresses.city:"Paris""#, &[U1]),
    ("user_metadata.addresses.city:Lyon", &[U1]),
    ("user_metadata.addresses.city:Sydney", &[U2]),
    ("user_metadata.addresses.city:paris", &[]),
    ("user_metadata.tags:b", &[U1]),
    ("user_metadata:Paris", &[]),
    ("user_metadata.display.preferredLanguage:fr", &[U1]),
    (r#"app_metadata.subscription.plan:"gold""#, &[U1]),
    ("app_metadata.roles:admin", &[U2]),
    ("app_metadata.level:3", &[U1]),
    ("app_metadata.plan:null", &[]),
    // bool and number values match their text form
    ("email_verified:true", &[U1, U3]),
    ("email_verified:false", &[U2]),
    ("blocked:true", &[U3]),
    ("logins_count:5", &[U1]),
    ("logins_count:5.0", &[U1]),
    ("logins_count:0", &[U3]),
    ("logins_count:1500", &[U5]),
    ("logins_count:abc", &[]),
    // special fields
    (r#"email.domain:"äcdc.com""#, &[U2]),
    ("email.domain:ÄCDC.COM", &[U2]),
    (r#"email.domain:"EXAMPLE.COM""#, &[U1, U5]),
    ("email.domain:example.org", &[U3]),
    ("email.domain:*.com", &[U1, U2, U4, U5]),
    (r#"identities.connection:"google-oauth2""#, &[U2]),
    (
        r#"identities.connection:"Username-Password-Authentication""#,
        &[U1, U3, U5],
    ),
    ("identities.connection:github", &[U3]),
    ("identities.provider:auth0", &[U1, U3, U5]),
    ("identities.user_id:12345", &[U2]),
    ("identities.isSocial:true", &[U2, U3]),
    // whitespace around colon and odd spacing
    ("username: jdoe", &[U3]),
    ("  username:jdoe   OR\tusername:jane_s ", &[U1, U3]),
];

#[test]
fn query_table() {
    let users = users();
    let mut failures = Vec::new();
    for (q, expected) in CASES {
        match parse(q) {
            Ok(query) => {
                let got = ids(&query, &users);
                if got != *expected {
                    failures.push(format!("{q:?}: expected {expected:?}, got {got:?}"));
                }
            }
            Err(e) => failures.push(format!("{q:?}: unexpected error {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// (malformed query, a fragment the error message must contain)
const ERRORS: &[(&str, &str)] = &[
    ("name:jo?n", "?"),
    ("?", "?"),
    ("name:(jane", "never closed"),
    ("(a OR b", "never closed"),
    ("((a)", "never closed"),
    ("name:jane)", "unexpected ')'"),
    ("a))", "unexpected ')'"),
    ("a AND", "right-hand side"),
    ("a OR", "right-hand side"),
    ("a AND OR b", "right-hand side"),
    ("(a AND) b", "right-hand side"),
    ("AND a", "left-hand side"),
    ("OR", "left-hand side"),
    ("NOT", "followed by a term"),
    ("a NOT", "followed by a term"),
    ("-", "followed by a term"),
    ("+", "followed by a term"),
    ("!", "followed by a term"),
    ("a -", "followed by a term"),
    ("NOT )", "followed by a term"),
    (":jane", "missing field name"),
    ("a :", "missing value"),
    ("name:", "missing value"),
    ("name: ", "missing value"),
    ("name:)", "missing value"),
    ("name:AND", "missing value"),
    ("name:name:jane", "missing field name"),
    ("\"unterminated", "unterminated"),
    ("name:\"abc", "unterminated"),
    ("name:\"abc\\", "unterminated"),
    ("name:abc\\", "backslash"),
    ("\\", "backslash"),
    ("name:*ab", "at least 3"),
    ("name:*a", "at least 3"),
    ("email:*a*b*", "at least 3"),
    ("*ab", "at least 3"),
    ("user_metadata.city:Par*", "user_metadata"),
    ("user_metadata.city:*", "user_metadata"),
    ("user_metadata.n:[1 TO 2]", "user_metadata"),
    ("user_metadata:(a OR b*)", "user_metadata"),
    ("logins_count:[1 TO 2", "unterminated range"),
    ("logins_count:[1 2]", "TO"),
    ("logins_count:[1 to 2]", "TO"),
    ("logins_count:[1 TO]", "missing a bound"),
    ("logins_count:[1 TO 2 3]", "expected ']'"),
    ("logins_count:1 TO 2]", "range end"),
    ("logins_count:}", "range end"),
    ("name:jane~", "fuzzy"),
    ("\"a b\"~2", "fuzzy"),
    ("name:jane^2", "boost"),
    ("()", "empty group"),
    ("name:()", "empty group"),
    ("a..b:c", "empty path segment"),
    (".a:c", "empty path segment"),
    ("a.:c", "empty path segment"),
    ("_exists_:", "missing value"),
    ("_exists_:(a)", "_exists_"),
    ("_exists_:na*", "wildcards"),
    ("_exists_:[a TO b]", "_exists_"),
    ("*:foo", "*:*"),
    ("na*me:x", "field names"),
    ("\"a\":b", "field name"),
];

#[test]
fn malformed_queries_are_errors() {
    let mut failures = Vec::new();
    for (q, fragment) in ERRORS {
        match parse(q) {
            Ok(parsed) => failures.push(format!("{q:?}: expected an error, parsed as {parsed:?}")),
            Err(e) if !e.message.contains(fragment) => {
                failures.push(format!("{q:?}: message {:?} lacks {fragment:?}", e.message));
            }
            Err(_) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn limits_are_errors_not_crashes() {
    let deep = format!("{}a{}", "(".repeat(100), ")".repeat(100));
    assert!(
        parse(&deep)
            .unwrap_err()
            .message
            .contains("nested too deeply")
    );
    let unclosed = "(".repeat(4000);
    assert!(parse(&unclosed).is_err());
    let nots = format!("{}a", "NOT ".repeat(1000));
    assert!(
        parse(&nots)
            .unwrap_err()
            .message
            .contains("nested too deeply")
    );
    let minuses = format!("{}a", "-".repeat(4000));
    assert!(parse(&minuses).is_err());
    let long = "a".repeat(5000);
    assert!(parse(&long).unwrap_err().message.contains("too long"));
    // Long but flat is fine.
    let flat = vec!["a"; 2000].join(" ");
    assert!(parse(&flat).is_ok());
    let ors = vec!["username:jdoe"; 200].join(" OR ");
    let users = users();
    assert_eq!(ids(&parse(&ors).expect("parses"), &users), vec![U3]);
}

/// Escapes `v` for use inside double quotes.
fn quote(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Escapes every character of `v` for use as an unquoted term.
fn escape_all(v: &str) -> String {
    v.chars().flat_map(|c| ['\\', c]).collect()
}

fn fragment() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "AND",
        "OR",
        "NOT",
        "and",
        "TO",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "\"",
        "\\",
        "*",
        "?",
        ":",
        "-",
        "+",
        "!",
        "&&",
        "||",
        "&",
        "|",
        " ",
        "  ",
        "\t",
        "^",
        "~",
        ".",
        "name",
        "email",
        "user_metadata",
        "user_metadata.a",
        "app_metadata.plan",
        "_exists_",
        "logins_count",
        "email.domain",
        "a",
        "jdoe",
        "é",
        "ä",
        "1",
        "2017-11",
        "*:*",
    ])
}

fn lucene_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..40).prop_map(|parts| parts.concat())
}

fn user_with(field: &str, value: &str, id: &str) -> Value {
    let mut user = json!({"user_id": id, "user_metadata": {}});
    if let Some(rest) = field.strip_prefix("user_metadata.") {
        user["user_metadata"][rest] = Value::String(value.to_owned());
    } else {
        user[field] = Value::String(value.to_owned());
    }
    user
}

fn check_phrase_roundtrip(
    field: &str,
    v: &str,
    case_insensitive: bool,
) -> Result<(), TestCaseError> {
    let values = [
        v.to_owned(),
        format!("{v}x"),
        format!("x{v}"),
        "zz".to_owned(),
        String::new(),
    ];
    let users: Vec<Value> = values
        .iter()
        .enumerate()
        .map(|(i, value)| user_with(field, value, &format!("u{i}")))
        .collect();
    let same = |a: &str| {
        if case_insensitive {
            a.to_lowercase() == v.to_lowercase()
        } else {
            a == v
        }
    };
    let expected: Vec<String> = values
        .iter()
        .enumerate()
        .filter(|(_, value)| same(value))
        .map(|(i, _)| format!("u{i}"))
        .collect();
    let q = format!("{field}:{}", quote(v));
    let query = parse(&q).map_err(|e| TestCaseError::fail(format!("{q:?}: {e}")))?;
    prop_assert_eq!(ids(&query, &users), expected.clone(), "query {:?}", q);
    if !v.is_empty() {
        let q = format!("{field}:{}", escape_all(v));
        let query = parse(&q).map_err(|e| TestCaseError::fail(format!("{q:?}: {e}")))?;
        prop_assert_eq!(ids(&query, &users), expected, "query {:?}", q);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics_on_arbitrary_strings(q in any::<String>()) {
        if let Ok(query) = parse(&q) {
            for user in users() {
                let _ = query.matches(&user);
            }
        }
    }

    #[test]
    fn parse_never_panics_on_lucene_soup(q in lucene_soup()) {
        if let Ok(query) = parse(&q) {
            for user in users() {
                let _ = query.matches(&user);
            }
        }
    }

    #[test]
    fn quoted_value_matches_exactly_that_value(v in "\\PC{0,40}|.{0,40}|[\"\\\\* ?:()a]{0,12}") {
        check_phrase_roundtrip("username", &v, false)?;
        check_phrase_roundtrip("user_metadata.note", &v, false)?;
        check_phrase_roundtrip("nickname", &v, true)?;
    }

    #[test]
    fn quoted_arbitrary_value_matches_exactly_that_value(v in any::<String>()) {
        check_phrase_roundtrip("username", &v, false)?;
    }
}
