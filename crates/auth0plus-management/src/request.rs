//! Pure request building: paths, ids, query strings. No I/O.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::{Error, Result};

/// Everything but RFC 3986 unreserved characters is encoded, so an id with
/// `/`, `?`, `#`, `%` or `|` stays one path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A query-string component: same set (spaces become `%20`).
const COMPONENT: &AsciiSet = SEGMENT;

/// Percent-encode `id` as a single path segment (`auth0|1` → `auth0%7C1`).
///
/// # Errors
/// [`Error::InvalidArgument`] for an empty id, or one that is `.`/`..`
/// (servers and proxies normalise those away).
pub fn encode_segment(id: &str) -> Result<String> {
    if id.is_empty() {
        return Err(Error::InvalidArgument("the id is empty".into()));
    }
    if id == "." || id == ".." {
        return Err(Error::InvalidArgument(format!("{id:?} is not a valid id")));
    }
    Ok(utf8_percent_encode(id, SEGMENT).to_string())
}

/// A Management API request before the bearer token is added.
///
/// `Debug` shows a `password` in the body as `[redacted]`.
#[derive(Clone, PartialEq)]
pub struct ApiRequest {
    /// The method.
    pub method: http::Method,
    /// Path below `/api/v2`, already encoded (`/users/auth0%7C1`).
    pub path: String,
    /// Query parameters, in order.
    pub query: Vec<(String, String)>,
    /// JSON body.
    pub body: Option<serde_json::Value>,
}

impl std::fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut body = self.body.clone();
        if let Some(password) = body.as_mut().and_then(|b| b.get_mut("password")) {
            *password = serde_json::Value::String("[redacted]".into());
        }
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body", &body)
            .finish()
    }
}

impl ApiRequest {
    /// A request without query or body.
    #[must_use]
    pub fn new(method: http::Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
        }
    }

    /// Add a query parameter.
    #[must_use]
    pub fn param(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    /// Set the JSON body.
    #[must_use]
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// The secrets in the body (a `password`), to keep out of errors.
    pub(crate) fn secrets(&self) -> Vec<auth0plus_transport::Secret> {
        self.body
            .as_ref()
            .and_then(|body| body.get("password"))
            .and_then(serde_json::Value::as_str)
            .map(auth0plus_transport::Secret::new)
            .into_iter()
            .collect()
    }

    /// `path?query`, encoded.
    #[must_use]
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let query: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, COMPONENT),
                    utf8_percent_encode(v, COMPONENT)
                )
            })
            .collect();
        format!("{}?{}", self.path, query.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_password() {
        let r = ApiRequest::new(http::Method::POST, "/users")
            .json(serde_json::json!({"email": "a@x", "password": "Sw0rdfish!"}));
        let shown = format!("{r:?}");
        assert!(!shown.contains("Sw0rdfish"), "{shown}");
        assert!(
            shown.contains("a@x") && shown.contains("[redacted]"),
            "{shown}"
        );
    }

    #[test]
    fn ids_are_one_segment() {
        assert_eq!(
            encode_segment("auth0|63d17c4a").unwrap(),
            "auth0%7C63d17c4a"
        );
        assert_eq!(
            encode_segment("a/b?c#d%e f..g").unwrap(),
            "a%2Fb%3Fc%23d%25e%20f..g"
        );
        assert_eq!(
            encode_segment("bonscott@äcdc").unwrap(),
            "bonscott%40%C3%A4cdc"
        );
        assert!(encode_segment("").is_err());
        assert!(encode_segment("..").is_err());
    }

    #[test]
    fn query_strings_are_encoded() {
        let r = ApiRequest::new(http::Method::GET, "/users")
            .param("q", r#"email:"a+b@x.com" AND name:x*"#)
            .param("per_page", "50");
        assert_eq!(
            r.path_and_query(),
            "/users?q=email%3A%22a%2Bb%40x.com%22%20AND%20name%3Ax%2A&per_page=50"
        );
    }
}
