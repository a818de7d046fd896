//! Every operation of the vendored spec builds the request the spec
//! describes: method, path (each parameter one raw segment, whatever it
//! holds), the query parameters by name, and a body exactly when the spec
//! has one. The spec is read at test time, so this checks the generated code
//! against the spec rather than against the generator.

#[path = "support/cases.rs"]
mod cases;

use std::collections::{BTreeMap, BTreeSet};

use auth0plus_management_api::{OPERATION_COUNT, Request};
use serde_json::Value;

fn read(file: &str) -> Value {
    let path = format!("{}/../../spec/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the vendored spec");
    serde_json::from_str(&text).expect("the spec is JSON")
}

/// The skeleton's operations, then the SDK additions' (new operations, and new query
/// parameters of the skeleton's), as `cargo xtask codegen` merges them.
fn spec() -> Value {
    let mut spec = read("auth0-management-api.openapi.json");
    let additions = read("sdk-additions.json");
    for (path, item) in additions["paths"].as_object().unwrap() {
        let target = spec["paths"]
            .as_object_mut()
            .unwrap()
            .entry(path.clone())
            .or_insert_with(|| Value::Object(Default::default()));
        for (method, op) in item.as_object().unwrap() {
            assert!(target.get(method).is_none(), "{method} {path} twice");
            target[method] = op.clone();
        }
    }
    for (key, params) in additions["x-parameters"].as_object().unwrap() {
        let (method, path) = key.split_once(' ').unwrap();
        let op = &mut spec["paths"][path][method.to_ascii_lowercase()];
        let list = op["parameters"].as_array_mut().unwrap();
        list.extend(params.as_array().unwrap().iter().cloned());
    }
    spec
}

struct SpecOp {
    method: String,
    path: String,
    query: BTreeSet<String>,
    body: bool,
    multipart: bool,
}

fn spec_ops(spec: &Value) -> BTreeMap<String, SpecOp> {
    let mut ops = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let query = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect();
            let id = op["operationId"].as_str().unwrap().to_owned();
            let spec_op = SpecOp {
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                query,
                body: op.get("requestBody").is_some(),
                multipart: op
                    .pointer("/requestBody/content/multipart~1form-data")
                    .is_some(),
            };
            assert!(
                ops.insert(id.clone(), spec_op).is_none(),
                "operationId {id} twice"
            );
        }
    }
    ops
}

#[test]
fn every_operation_of_the_spec_has_a_request_type() {
    let spec = spec();
    let ops = spec_ops(&spec);
    assert_eq!(ops.len(), 489);
    assert_eq!(OPERATION_COUNT, ops.len());
    let built: BTreeSet<&str> = cases::requests().iter().map(|(id, _)| *id).collect();
    let wanted: BTreeSet<&str> = ops.keys().map(String::as_str).collect();
    assert_eq!(built, wanted);
}

#[test]
fn every_request_has_the_spec_method_path_query_and_body() {
    let ops = spec_ops(&spec());
    let mut checked = 0;
    for (id, request) in cases::requests() {
        let op = &ops[id];
        let request: Request = request.unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(request.method.as_str(), op.method, "{id}");

        // the path: fixed segments as the spec spells them, each parameter
        // the raw value given, as one segment
        let mut params = 0;
        let expected: Vec<String> = op
            .path
            .trim_start_matches('/')
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    params += 1;
                    cases::PATH_VALUES[params - 1].to_owned()
                } else {
                    segment.to_owned()
                }
            })
            .collect();
        assert_eq!(request.path, expected, "{id}: {}", op.path);

        // every query parameter was set once, under the spec's name, raw
        let names: BTreeSet<String> = request.query.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(names, op.query, "{id}");
        assert_eq!(
            request.query.len(),
            op.query.len(),
            "{id}: a parameter sent twice"
        );
        for (name, value) in &request.query {
            assert!(
                !value.is_empty() && !value.contains("%25"),
                "{id}: {name}={value} must be raw, the client encodes it"
            );
        }
        // a multipart body is a form, never JSON as well
        assert_eq!(request.form.is_some(), op.multipart, "{id}: form");
        assert_eq!(
            request.body.is_some() || request.form.is_some(),
            op.body,
            "{id}: body"
        );
        assert!(request.body.is_none() || request.form.is_none(), "{id}");
        checked += 1;
    }
    assert_eq!(checked, 489, "every operation");
}

#[test]
fn string_query_values_are_kept_raw_for_the_client_to_encode() {
    let requests = cases::requests();
    let (_, request) = requests
        .iter()
        .find(|(id, _)| *id == "get_users")
        .expect("GET /users");
    let request = request.as_ref().unwrap();
    let q: Vec<&str> = request
        .query
        .iter()
        .filter(|(n, _)| n == "q")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(q, [cases::QUERY_STRING]);
}
