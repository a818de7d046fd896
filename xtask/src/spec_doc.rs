//! The Management API document the generated crate and the fake tenant are built from: the
//! vendored skeleton (`spec/auth0-management-api.openapi.json`, a byte-for-byte copy) with
//! `spec/sdk-additions.json` (what the official SDKs call that the skeleton lacks) merged in.
//!
//! The additions may only add: a new operation, a new schema, a new property of an existing
//! schema, a new value of an existing string enum, a new query parameter of an existing
//! operation, a new scope. Anything that would
//! replace part of the skeleton is an error, so the skeleton's operations keep their names and
//! shapes.

use std::path::Path;

use serde_json::{Map, Value};

/// The vendored skeleton, relative to the workspace root.
pub const SPEC: &str = "spec/auth0-management-api.openapi.json";
/// The additions, relative to the workspace root.
pub const ADDITIONS: &str = "spec/sdk-additions.json";

/// Where the skeleton and the additions come from, for generated files' headers.
pub const PROVENANCE: &str = "// Provenance: Auth0 publishes the full document at https://auth0.com/docs/api/management/openapi.json;\n// this stripped skeleton is the one distributed, MIT, by sergiught/auth0-mock (api/auth0-management-api.openapi.json, release 0.229.0);\n// spec/sdk-additions.json is derived from auth0-python 6.8.0 (PyPI, MIT) by spec/sdk_additions.py.\n";

fn read(root: &Path, rel: &str) -> Result<Value, String> {
    let text = std::fs::read_to_string(root.join(rel)).map_err(|e| format!("{rel}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{rel}: {e}"))
}

/// The skeleton with the additions merged in, paths and schemas in name order.
///
/// # Errors
/// A file that cannot be read or parsed, or an addition that would replace part of the
/// skeleton.
pub fn load(root: &Path) -> Result<Value, String> {
    let mut spec = read(root, SPEC)?;
    let additions = read(root, ADDITIONS)?;
    merge(&mut spec, &additions)?;
    Ok(spec)
}

fn object_at<'a>(v: &'a mut Value, pointer: &str) -> Result<&'a mut Map<String, Value>, String> {
    v.pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| format!("{SPEC}: no object at {pointer}"))
}

fn entries<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = (&'a String, &'a Value)> {
    v.get(key).and_then(Value::as_object).into_iter().flatten()
}

/// Merge `add` into `spec` (see the module docs for what may be added).
fn merge(spec: &mut Value, add: &Value) -> Result<(), String> {
    let clash = |what: String| format!("{ADDITIONS}: {what} is already in {SPEC}");
    {
        let paths = object_at(spec, "/paths")?;
        for (path, item) in entries(add, "paths") {
            let target = paths
                .entry(path.clone())
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .ok_or_else(|| format!("{SPEC}: {path} is not an object"))?;
            for (method, op) in item.as_object().into_iter().flatten() {
                if target.contains_key(method) {
                    return Err(clash(format!("{} {path}", method.to_uppercase())));
                }
                target.insert(method.clone(), op.clone());
            }
        }
        paths.sort_keys();
    }
    {
        let schemas = object_at(spec, "/components/schemas")?;
        for (name, schema) in add
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if schemas.contains_key(name) {
                return Err(clash(format!("schema {name}")));
            }
            schemas.insert(name.clone(), schema.clone());
        }
        for (name, props) in entries(add, "x-properties") {
            let have = schemas
                .get_mut(name)
                .and_then(|s| s.get_mut("properties"))
                .and_then(Value::as_object_mut)
                .ok_or_else(|| format!("{ADDITIONS}: x-properties: {name} has no properties"))?;
            for (prop, schema) in props.as_object().into_iter().flatten() {
                if have.contains_key(prop) {
                    return Err(clash(format!("{name}.{prop}")));
                }
                have.insert(prop.clone(), schema.clone());
            }
        }
        for (name, values) in entries(add, "x-enum-values") {
            let have = schemas
                .get_mut(name)
                .and_then(|s| s.get_mut("enum"))
                .and_then(Value::as_array_mut)
                .ok_or_else(|| format!("{ADDITIONS}: x-enum-values: {name} is not an enum"))?;
            for v in values.as_array().into_iter().flatten() {
                if have.contains(v) {
                    return Err(clash(format!("{name} value {v}")));
                }
                have.push(v.clone());
            }
        }
        schemas.sort_keys();
    }
    for (key, params) in entries(add, "x-parameters") {
        let (method, path) = key
            .split_once(' ')
            .ok_or_else(|| format!("{ADDITIONS}: x-parameters: {key:?} is not \"METHOD /path\""))?;
        let pointer = format!(
            "/paths/{}/{}",
            path.replace('~', "~0").replace('/', "~1"),
            method.to_lowercase()
        );
        let op = object_at(spec, &pointer)
            .map_err(|_| format!("{ADDITIONS}: x-parameters: {key} is not in {SPEC}"))?;
        let list = op
            .entry("parameters")
            .or_insert_with(|| Value::Array(Vec::new()))
            .as_array_mut()
            .ok_or_else(|| format!("{SPEC}: {key}: parameters is not a list"))?;
        for p in params.as_array().into_iter().flatten() {
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            if list
                .iter()
                .any(|q| q.get("name").and_then(Value::as_str) == Some(name))
            {
                return Err(clash(format!("{key} ?{name}")));
            }
            list.push(p.clone());
        }
    }
    let scopes = object_at(
        spec,
        "/components/securitySchemes/oAuth2ClientCredentials/flows/clientCredentials/scopes",
    )?;
    for (scope, text) in entries(add, "x-scopes") {
        scopes.entry(scope.clone()).or_insert_with(|| text.clone());
    }
    scopes.sort_keys();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn skeleton() -> Value {
        json!({
            "paths": {"/roles": {"get": {"operationId": "get_roles", "parameters": []}}},
            "components": {
                "schemas": {"Role": {"properties": {"id": {"type": "string"}}}, "Kind": {"enum": ["a"]}},
                "securitySchemes": {"oAuth2ClientCredentials": {"flows": {"clientCredentials": {"scopes": {}}}}}
            }
        })
    }

    #[test]
    fn additions_add_operations_schemas_properties_parameters_and_scopes() {
        let mut spec = skeleton();
        merge(
            &mut spec,
            &json!({
                "paths": {"/roles": {"post": {"operationId": "post_roles"}}, "/agents": {"get": {}}},
                "components": {"schemas": {"Agent": {"type": "object"}}},
                "x-properties": {"Role": {"type": {"type": "string"}}},
                "x-enum-values": {"Kind": ["b"]},
                "x-parameters": {"GET /roles": [{"in": "query", "name": "type"}]},
                "x-scopes": {"read:agents": "Read Agents"}
            }),
        )
        .expect("merge");
        assert_eq!(spec["paths"]["/roles"]["post"]["operationId"], "post_roles");
        let paths: Vec<&String> = spec["paths"].as_object().expect("paths").keys().collect();
        assert_eq!(paths, ["/agents", "/roles"]);
        assert!(spec["components"]["schemas"]["Agent"].is_object());
        assert_eq!(
            spec["components"]["schemas"]["Role"]["properties"]["type"]["type"],
            "string"
        );
        assert_eq!(
            spec["paths"]["/roles"]["get"]["parameters"][0]["name"],
            "type"
        );
        assert_eq!(
            spec.pointer("/components/securitySchemes/oAuth2ClientCredentials/flows/clientCredentials/scopes/read:agents"),
            Some(&json!("Read Agents"))
        );
    }

    #[test]
    fn additions_never_replace_the_skeleton() {
        for add in [
            json!({"paths": {"/roles": {"get": {"operationId": "other"}}}}),
            json!({"components": {"schemas": {"Role": {}}}}),
            json!({"x-properties": {"Role": {"id": {}}}}),
            json!({"x-parameters": {"GET /nowhere": []}}),
            json!({"x-enum-values": {"Kind": ["a"]}}),
            json!({"x-enum-values": {"Role": ["a"]}}),
        ] {
            let mut spec = skeleton();
            assert!(merge(&mut spec, &add).is_err(), "{add}");
        }
        let mut spec = skeleton();
        merge(
            &mut spec,
            &json!({"x-parameters": {"GET /roles": [{"name": "a"}]}}),
        )
        .expect("first");
        assert!(
            merge(
                &mut spec,
                &json!({"x-parameters": {"GET /roles": [{"name": "a"}]}})
            )
            .is_err()
        );
    }
}
