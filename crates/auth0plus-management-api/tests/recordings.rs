//! The models decode every recorded Auth0 answer (`tests/recordings/`, real
//! traffic) as the output of the operation it answers, and encode it back to
//! the same JSON: unknown fields, `null`s and unknown enum values included.

#[path = "support/cases.rs"]
mod cases;

use std::path::{Path, PathBuf};

use serde_json::Value;

fn spec() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../spec/auth0-management-api.openapi.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("the vendored spec")).expect("JSON")
}

fn recordings() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/recordings");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root).expect("tests/recordings") {
        let dir = dir.unwrap().path();
        if dir.is_dir() {
            for file in std::fs::read_dir(&dir).unwrap() {
                let file = file.unwrap().path();
                if file.extension().is_some_and(|e| e == "json") {
                    files.push(file);
                }
            }
        }
    }
    files.sort();
    files
}

/// The operationId whose method and path template match a recorded request
/// (the most specific template wins: `/jobs/users-exports` over `/jobs/{id}`).
fn operation_for(spec: &Value, method: &str, raw_path: &str) -> Option<String> {
    let path = raw_path.strip_prefix("/api/v2/")?;
    let segments: Vec<&str> = path.split('/').collect();
    let mut best: Option<(usize, String)> = None;
    for (template, item) in spec["paths"].as_object()? {
        let fixed: Vec<&str> = template.trim_start_matches('/').split('/').collect();
        if fixed.len() != segments.len() {
            continue;
        }
        let matches = fixed
            .iter()
            .zip(&segments)
            .all(|(t, s)| t.starts_with('{') || t == s);
        let Some(op) = item.get(method.to_ascii_lowercase()) else {
            continue;
        };
        if matches {
            let score = fixed.iter().filter(|t| !t.starts_with('{')).count();
            if best.as_ref().is_none_or(|(b, _)| score > *b) {
                best = Some((score, op["operationId"].as_str()?.to_owned()));
            }
        }
    }
    best.map(|(_, id)| id)
}

#[test]
fn every_recorded_answer_decodes_and_encodes_back_unchanged() {
    let spec = spec();
    let mut decoded = 0;
    for file in recordings() {
        let name = file.display().to_string();
        let recording: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let status = recording["response"]["status"].as_u64().unwrap();
        if !(200..300).contains(&status) {
            continue;
        }
        let method = recording["request"]["method"].as_str().unwrap();
        let path = recording["request"]["path"].as_str().unwrap();
        let id = operation_for(&spec, method, path)
            .unwrap_or_else(|| panic!("{name}: no operation for {method} {path}"));
        let body = match &recording["response"]["body"] {
            Value::String(s) if s.is_empty() => Value::Null,
            body => body.clone(),
        };
        let again = cases::round_trip(&id, body.clone())
            .unwrap_or_else(|| panic!("{name}: {id} has no case"))
            .unwrap_or_else(|e| panic!("{name}: {id} does not decode: {e}"));
        assert_eq!(again, body, "{name}: {id} changed the JSON");
        decoded += 1;
    }
    assert!(decoded >= 40, "only {decoded} recordings decoded");
}

#[test]
fn unknown_fields_and_enum_values_survive_a_round_trip() {
    use auth0plus_management_api::models::{ActionTriggerTypeEnum, Role};
    let sent = serde_json::json!({
        "id": "rol_1",
        "name": "admin",
        "description": null,
        "brand_new_field": {"nested": [1, 2.5, "x"]},
    });
    let role: Role = serde_json::from_value(sent.clone()).unwrap();
    assert_eq!(role.id.as_deref(), Some("rol_1"));
    assert_eq!(role.description, None);
    assert!(role.extra.contains_key("brand_new_field"));
    assert_eq!(serde_json::to_value(&role).unwrap(), sent);

    let trigger: ActionTriggerTypeEnum = serde_json::from_value("post-login".into()).unwrap();
    assert_eq!(trigger, ActionTriggerTypeEnum::PostLogin);
    let later: ActionTriggerTypeEnum = serde_json::from_value("added-in-2030".into()).unwrap();
    assert_eq!(
        later,
        ActionTriggerTypeEnum::Unknown("added-in-2030".into())
    );
    assert_eq!(serde_json::to_value(&later).unwrap(), "added-in-2030");
}

#[test]
fn a_field_of_the_wrong_type_is_an_error_that_names_it() {
    use auth0plus_management_api::models::Role;
    let error = serde_json::from_value::<Role>(serde_json::json!({"name": 5})).unwrap_err();
    assert!(error.to_string().contains("`name`"), "{error}");
}
