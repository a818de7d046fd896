//! The Management API spec the fake is driven by: every operation, its parameters, its
//! request and response schemas and its scopes.
//!
//! Provenance: Auth0 publishes the full document at
//! `https://auth0.com/docs/api/management/openapi.json` (no licence object in it). This stripped
//! skeleton is the one distributed, MIT, by the `sergiught/auth0-mock` project
//! (`api/auth0-management-api.openapi.json`, release 0.229.0), which strips prose for
//! interoperability. Keep that provenance line wherever the file, or anything generated from it,
//! lands in the project.
//!
//! The additions merged into it (`spec/sdk-additions.json`: 83 newer operations, and properties
//! and query parameters the skeleton lacks) are derived from auth0-python 6.8.0 (`PyPI`, MIT),
//! as the workspace's `spec/README.md` says.
//!
//! The embedded copy (`spec/management-api.json.gz`) is the workspace's vendored
//! `spec/auth0-management-api.openapi.json` with those additions merged in, minified and
//! gzipped by `cargo xtask fake-spec` (CI checks that they agree).

use std::io::Read as _;
use std::sync::OnceLock;

use http::Method;
use serde_json::{Map, Value};

static SPEC_GZ: &[u8] = include_bytes!("../spec/management-api.json.gz");

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Lit(String),
    Param(String),
}

/// A query parameter of an operation.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub name: String,
    pub required: bool,
    pub schema: Value,
}

/// One operation of the spec.
#[derive(Debug, Clone)]
pub(crate) struct Op {
    pub id: String,
    pub method: Method,
    /// The path template under `/api/v2`, e.g. `/roles/{id}/users`.
    pub path: String,
    pub segs: Vec<Seg>,
    pub summary: String,
    /// Any one of these scopes is enough.
    pub scopes: Vec<String>,
    pub query: Vec<Param>,
    /// The JSON request body's schema, when the operation takes JSON.
    pub body: Option<Value>,
    pub body_required: bool,
    /// The request body is multipart (file uploads), not JSON.
    pub multipart: bool,
    /// Success statuses with their JSON schema (None: no body).
    pub success: Vec<(u16, Option<Value>)>,
}

impl Op {
    /// The first success status and its schema.
    pub fn ok(&self) -> (u16, Option<&Value>) {
        self.success
            .first()
            .map_or((200, None), |(s, v)| (*s, v.as_ref()))
    }
}

/// The parsed spec.
#[derive(Debug)]
pub(crate) struct Spec {
    pub ops: Vec<Op>,
    schemas: Map<String, Value>,
    /// Every scope any operation names, sorted.
    pub scopes: Vec<String>,
}

/// The spec, parsed once.
pub(crate) fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| Spec::parse(SPEC_GZ))
}

impl Spec {
    fn parse(gz: &[u8]) -> Spec {
        let mut raw = Vec::new();
        // The embedded copy is checked in CI; a broken one gives an empty spec, not a panic.
        let doc: Value = flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut raw)
            .ok()
            .and_then(|_| serde_json::from_slice(&raw).ok())
            .unwrap_or(Value::Null);
        let schemas = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut ops = Vec::new();
        let mut scopes = std::collections::BTreeSet::new();
        for (path, item) in doc
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for (m, op) in item.as_object().into_iter().flatten() {
                let Ok(method) = Method::from_bytes(m.to_ascii_uppercase().as_bytes()) else {
                    continue;
                };
                let parsed = Op::parse(method, path, op);
                scopes.extend(parsed.scopes.iter().cloned());
                ops.push(parsed);
            }
        }
        Spec {
            ops,
            schemas,
            scopes: scopes.into_iter().collect(),
        }
    }

    /// The operation for `method` and a path under `/api/v2` (raw segments, still
    /// percent-encoded), with its path parameters. Literal segments win over parameters.
    pub fn find<'a>(&'a self, method: &Method, segs: &[&str]) -> Option<(&'a Op, Vec<String>)> {
        let mut best: Option<(&Op, Vec<String>, usize)> = None;
        for op in self.ops.iter().filter(|o| o.method == *method) {
            if op.segs.len() != segs.len() {
                continue;
            }
            let mut params = Vec::new();
            let mut literals = 0;
            let fits = op.segs.iter().zip(segs).all(|(t, s)| match t {
                Seg::Lit(l) => {
                    literals += 1;
                    l == s
                }
                Seg::Param(_) => {
                    params.push((*s).to_string());
                    !s.is_empty()
                }
            });
            if fits && best.as_ref().is_none_or(|(_, _, n)| literals > *n) {
                best = Some((op, params, literals));
            }
        }
        best.map(|(op, params, _)| (op, params))
    }

    /// Follow `$ref`s to the schema they name (at most a few hops; unknown refs give `{}`).
    pub fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        static EMPTY: OnceLock<Value> = OnceLock::new();
        for _ in 0..16 {
            match schema.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let name = r.rsplit('/').next().unwrap_or_default();
                    match self.schemas.get(name) {
                        Some(s) => schema = s,
                        None => return EMPTY.get_or_init(|| Value::Object(Map::new())),
                    }
                }
                None => return schema,
            }
        }
        schema
    }
}

impl Op {
    fn parse(method: Method, path: &str, op: &Value) -> Op {
        let segs = path
            .split('/')
            .skip(1)
            .map(
                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(p) => Seg::Param(p.to_string()),
                    None => Seg::Lit(s.to_string()),
                },
            )
            .collect();
        let query = op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
            .map(|p| Param {
                name: p
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                required: p.get("required").and_then(Value::as_bool) == Some(true),
                schema: p.get("schema").cloned().unwrap_or(Value::Null),
            })
            .collect();
        let body = op
            .pointer("/requestBody/content/application~1json/schema")
            .cloned();
        let multipart = op
            .pointer("/requestBody/content/multipart~1form-data")
            .is_some();
        let body_required =
            op.pointer("/requestBody/required").and_then(Value::as_bool) == Some(true);
        let mut success: Vec<(u16, Option<Value>)> = op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(code, r)| {
                let code: u16 = code.parse().ok()?;
                (200..300).contains(&code).then(|| {
                    (
                        code,
                        r.pointer("/content/application~1json/schema").cloned(),
                    )
                })
            })
            .collect();
        success.sort_by_key(|(c, _)| *c);
        let scopes = op
            .get("security")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| s.get("oAuth2ClientCredentials").and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        Op {
            id: op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            method,
            path: path.to_string(),
            segs,
            summary: op
                .get("summary")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            scopes,
            query,
            body,
            body_required,
            multipart,
            success,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_spec_has_every_operation() {
        let s = spec();
        assert_eq!(s.ops.len(), 489);
        assert!(s.scopes.iter().any(|x| x == "read:roles"));
        let (op, params) = s
            .find(&Method::GET, &["roles", "rol_1", "users"])
            .expect("role users");
        assert_eq!(op.id, "get_role_user");
        assert_eq!(params, ["rol_1"]);
        // A literal segment beats a parameter.
        let (op, _) = s
            .find(&Method::POST, &["jobs", "users-imports"])
            .expect("imports");
        assert_eq!(op.path, "/jobs/users-imports");
        assert!(op.multipart);
        assert!(s.find(&Method::GET, &["no-such-thing"]).is_none());
        let schema = op.ok().1.expect("schema");
        assert!(s.resolve(schema).get("properties").is_some());
    }
}
