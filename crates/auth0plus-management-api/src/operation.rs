//! The contract between an operation and the client that runs it.
//!
//! An operation knows its method, path, query and body and builds a plain
//! [`Request`] from them; it never does I/O. The client adds the base URL,
//! percent-encodes every path segment, the bearer token, retries and
//! decoding of [`Operation::Output`]. A list operation also says how it
//! pages ([`ListOperation`]), so the client can turn it into a lazy query.
//!
//! This file is written by hand; the operations and models beside it are
//! generated.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::form::Form;

/// Body fields whose values are secrets, generated from the overlay
/// `spec/paging.toml`: never shown by `Debug`, scrubbed from any error that
/// echoes them back.
pub use crate::generated::SECRET_FIELDS;

/// One HTTP call below `/api/v2`, before anything is encoded.
///
/// `path` holds raw segments: the client encodes each one so that no value
/// (an id holding `/`, `?`, `#`, `..`) can change the route.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Request {
    /// The method.
    pub method: http::Method,
    /// Path segments below `/api/v2`, not encoded: `["users", "auth0|1", "roles"]`.
    pub path: Vec<String>,
    /// Query parameters in order, not encoded.
    pub query: Vec<(String, String)>,
    /// The JSON body.
    pub body: Option<Value>,
    /// A `multipart/form-data` body, sent instead of `body`.
    pub form: Option<Form>,
}

impl Request {
    /// A request with no query and no body.
    #[must_use]
    pub fn new<I, S>(method: http::Method, path: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            method,
            path: path.into_iter().map(Into::into).collect(),
            query: Vec::new(),
            body: None,
            form: None,
        }
    }

    /// Add a query parameter.
    #[must_use]
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Set the JSON body.
    #[must_use]
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Set a `multipart/form-data` body, sent instead of a JSON one.
    #[must_use]
    pub fn form(mut self, form: Form) -> Self {
        self.form = Some(form);
        self
    }
}

/// Shows the body with every [`SECRET_FIELDS`] value, at any depth, as
/// `[redacted]`.
impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = self.body.clone().map(|mut body| {
            redact(&mut body);
            body
        });
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body", &body)
            .field("form", &self.form)
            .finish()
    }
}

/// Replace the value of every [`SECRET_FIELDS`] key, at any depth, with
/// `"[redacted]"`.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if is_secret_field(key) && !field.is_null() {
                    *field = Value::String("[redacted]".into());
                } else {
                    redact(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// Whether a body field of this name holds a secret.
#[must_use]
pub fn is_secret_field(name: &str) -> bool {
    SECRET_FIELDS.contains(&name)
}

/// Every string held under a [`SECRET_FIELDS`] key of `value`, at any depth.
#[must_use]
pub fn secret_values(value: &Value) -> Vec<&str> {
    fn walk<'a>(value: &'a Value, secret: bool, out: &mut Vec<&'a str>) {
        match value {
            Value::String(s) if secret => out.push(s),
            Value::Object(map) => map
                .iter()
                .for_each(|(key, field)| walk(field, secret || is_secret_field(key), out)),
            Value::Array(items) => items.iter().for_each(|item| walk(item, secret, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, false, &mut out);
    out
}

/// One Management API operation: a plain value that builds its [`Request`].
pub trait Operation: Send + Sync + 'static {
    /// What a 2xx answer decodes to (`()` for an empty one).
    type Output: DeserializeOwned + Send + 'static;

    /// The request, with no I/O.
    ///
    /// # Errors
    /// When the body cannot be serialized to JSON.
    fn to_request(&self) -> Result<Request, serde_json::Error>;
}

/// How a `from`/`take` list continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cursor {
    /// The answer carries `next`, sent back as `from` (checkpoint paging).
    Next,
    /// `from` is the last item's `log_id` (the logs' cursor).
    LogId,
}

/// How a list operation pages. An endpoint may have both styles: counting
/// uses offset paging (its `total`); the client reads a list that fits in the
/// offset window by offset, and walks the cursor, which has no cap, past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Paging {
    /// `page`/`per_page`/`include_totals`, answered with `total`.
    pub offset: bool,
    /// How many results offset paging can reach (Auth0's 1,000 window), if limited.
    pub offset_cap: Option<u64>,
    /// `from`/`take`, if the endpoint has it.
    pub cursor: Option<Cursor>,
}

impl Paging {
    /// Offset paging with no cap.
    pub const OFFSET: Self = Self {
        offset: true,
        offset_cap: None,
        cursor: None,
    };
    /// Offset paging that reaches only the first `cap` results.
    #[must_use]
    pub const fn offset_capped(cap: u64) -> Self {
        Self {
            offset: true,
            offset_cap: Some(cap),
            cursor: None,
        }
    }
    /// Checkpoint paging only (`from`/`take`, answered with `next`).
    pub const CHECKPOINT: Self = Self {
        offset: false,
        offset_cap: None,
        cursor: Some(Cursor::Next),
    };
    /// This paging, plus a cursor.
    #[must_use]
    pub const fn with_cursor(self, cursor: Cursor) -> Self {
        Self {
            cursor: Some(cursor),
            ..self
        }
    }
}

/// An operation that returns a list the client can page through.
///
/// The client sets the paging parameters itself (`page`, `per_page`,
/// `include_totals`, `from`, `take`), replacing any the operation holds.
pub trait ListOperation: Operation + Clone {
    /// One item of the list.
    type Item: DeserializeOwned + Send + 'static;
    /// How it pages.
    const PAGING: Paging;
    /// The key of the items in a paged answer (`{"roles": [..], "total": 3}`).
    const ITEMS_KEY: &'static str;
}

/// What the spec says of a collection of records (`/roles`, `/users`,
/// `/organizations`…): the names messages use, the field that holds an
/// item's id, and the operations that list, get, create, update and delete
/// its records.
///
/// Implemented by the generated zero-sized types beside the operations
/// (`roles::RoleSpec`, `users::UserSpec`, `clients::ClientSpec`…), one per
/// collection of the spec with a list and a `GET` by id, so a record layer
/// takes every path, method, paging rule and name from the spec instead of
/// typing them again.
///
/// `create` and `update` take their body as JSON: a record sends the fields
/// that changed (a removed one as `null`), which a typed body cannot always
/// say. The operation builds the request all the same; only its body is the
/// one given.
///
/// ```
/// use auth0plus_management_api::{ListOperation, Paging, ResourceSpec, roles::RoleSpec};
/// assert_eq!((RoleSpec::KIND, RoleSpec::PLURAL, RoleSpec::ID_FIELD), ("Role", "roles", "id"));
/// assert_eq!(<RoleSpec as ResourceSpec>::List::ITEMS_KEY, "roles");
/// assert_eq!(<RoleSpec as ResourceSpec>::List::PAGING, Paging::OFFSET);
/// let update = RoleSpec::update("rol_1", serde_json::json!({"description": null})).unwrap()?;
/// assert_eq!((update.method, update.path), (http::Method::PATCH, vec!["roles".to_owned(), "rol_1".to_owned()]));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub trait ResourceSpec: Send + Sync + 'static {
    /// The name in messages: `Role` gives `Role Does Not Exist`.
    const KIND: &'static str;
    /// The plural in messages: `Role.get returned multiple roles`.
    const PLURAL: &'static str;
    /// The item field that holds the id (`id`; `user_id`, `client_id`).
    const ID_FIELD: &'static str;
    /// The operation that lists the collection: its paging and items key.
    type List: ListOperation;

    /// The list of every record (`GET /roles`), with no parameter set.
    fn list() -> Self::List;

    /// `GET` one record by id.
    ///
    /// # Errors
    /// When the request cannot be built (never, for a request without body).
    fn get(id: &str) -> Result<Request, serde_json::Error>;

    /// Create a record with this body; `None` where the spec has no create.
    fn create(body: Value) -> Option<Result<Request, serde_json::Error>> {
        let _ = body;
        None
    }

    /// Update the record `id` with this body; `None` where the spec has no
    /// update.
    fn update(id: &str, body: Value) -> Option<Result<Request, serde_json::Error>> {
        let _ = (id, body);
        None
    }

    /// Delete the record `id`; `None` where the spec has no delete.
    fn delete(id: &str) -> Option<Result<Request, serde_json::Error>> {
        let _ = id;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn debug_redacts_secret_fields_at_any_depth() {
        let request = Request::new(http::Method::POST, ["clients"]).json(json!({
            "name": "app",
            "client_secret": "s3cr3t-value",
            "credentials": [{"pem": "x", "key": "k3y-value"}],
            "options": {"password": "hunter22"},
        }));
        let shown = format!("{request:?}");
        for secret in ["s3cr3t-value", "k3y-value", "hunter22"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("app"), "{shown}");
        let mut found = secret_values(request.body.as_ref().unwrap());
        found.sort_unstable();
        assert_eq!(found, ["hunter22", "k3y-value", "s3cr3t-value"]);
    }
}
