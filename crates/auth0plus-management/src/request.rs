//! Pure request building: paths, ids, query strings. No I/O.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use auth0plus_management_api::Form;
use auth0plus_transport::Secret;

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

/// The plain request of a generated operation.
fn plain_of<O: auth0plus_management_api::Operation>(
    operation: &O,
) -> Result<auth0plus_management_api::Request> {
    operation
        .to_request()
        .map_err(|e| Error::InvalidArgument(format!("the body is not JSON: {e}")))
}

/// A Management API request before the bearer token is added.
///
/// `Debug` shows every secret field of the body (`password`,
/// `client_secret`… see [`auth0plus_management_api::SECRET_FIELDS`]) as
/// `[redacted]`, at any depth.
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
    /// A body that is not JSON (a multipart upload), sent instead of
    /// [`ApiRequest::body`]; set with [`ApiRequest::bytes`].
    raw: Option<RawBody>,
}

/// A body sent as it is, with its content type, and the secrets it holds
/// (kept out of any error that echoes them).
#[derive(Clone, PartialEq)]
struct RawBody {
    content_type: http::HeaderValue,
    bytes: bytes::Bytes,
    secrets: Vec<auth0plus_transport::Secret>,
}

impl std::fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = self.body.clone().map(|mut body| {
            auth0plus_management_api::operation::redact(&mut body);
            body
        });
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body", &body)
            // Only the size: the bytes may hold password hashes.
            .field(
                "raw",
                &self
                    .raw
                    .as_ref()
                    .map(|raw| format!("{} bytes of {:?}", raw.bytes.len(), raw.content_type)),
            )
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
            raw: None,
        }
    }

    /// A request to the path made of `segments`, each percent-encoded as one
    /// segment, so no value (`a/b`, `..`, `?x`) can change the route.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty segment, `.` or `..`.
    pub fn from_segments<I, S>(method: http::Method, segments: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut path = String::new();
        for segment in segments {
            path.push('/');
            path.push_str(&encode_segment(segment.as_ref())?);
        }
        if path.is_empty() {
            return Err(Error::InvalidArgument("the path has no segment".into()));
        }
        Ok(Self::new(method, path))
    }

    /// The request a generated operation built: each path segment
    /// percent-encoded, a form body encoded as `multipart/form-data`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty, `.` or `..` segment, or a
    /// form that cannot be encoded.
    pub(crate) fn from_plain(plain: auth0plus_management_api::Request) -> Result<Self> {
        Self::from_plain_with(plain, crate::multipart::secrets)
    }

    /// [`ApiRequest::from_plain`], taking the secrets of a form body from
    /// `secrets`.
    fn from_plain_with(
        plain: auth0plus_management_api::Request,
        secrets: impl FnOnce(&Form) -> Vec<Secret>,
    ) -> Result<Self> {
        let mut request = Self::from_segments(plain.method, &plain.path)?;
        request.query = plain.query;
        request.body = plain.body;
        if let Some(form) = &plain.form {
            let (content_type, body) = crate::multipart::encode(form)?;
            request = request.bytes(&content_type, body, secrets(form))?;
        }
        Ok(request)
    }

    /// The request of a generated operation.
    ///
    /// # Errors
    /// As [`ApiRequest::from_plain`]; a body that is not JSON.
    pub(crate) fn of<O: auth0plus_management_api::Operation>(operation: &O) -> Result<Self> {
        Self::from_plain(plain_of(operation)?)
    }

    /// The request of a generated operation that uploads files, whose
    /// secrets the caller knows already (the password hashes of an import
    /// file, collected while it was written): the files are not parsed
    /// again to find them. The form's secret text fields are kept out of
    /// errors as well.
    ///
    /// # Errors
    /// As [`ApiRequest::of`].
    pub(crate) fn of_upload<O: auth0plus_management_api::Operation>(
        operation: &O,
        mut secrets: Vec<Secret>,
    ) -> Result<Self> {
        Self::from_plain_with(plain_of(operation)?, move |form| {
            secrets.extend(crate::multipart::text_secrets(form));
            secrets
        })
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

    /// Send `bytes` as the body with this content type instead of JSON
    /// (a `multipart/form-data` upload). `secrets` are what the bytes hold
    /// that must never appear in an error, should the server echo them.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `content_type` is not a valid header
    /// value.
    pub fn bytes(
        mut self,
        content_type: &str,
        bytes: impl Into<bytes::Bytes>,
        secrets: Vec<auth0plus_transport::Secret>,
    ) -> Result<Self> {
        let content_type = http::HeaderValue::from_str(content_type).map_err(|_| {
            Error::InvalidArgument("the content type is not a valid header value".into())
        })?;
        self.body = None;
        self.raw = Some(RawBody {
            content_type,
            bytes: bytes.into(),
            secrets,
        });
        Ok(self)
    }

    /// The body as sent: its content type and bytes (JSON unless
    /// [`ApiRequest::bytes`] set another), `None` without a body.
    pub(crate) fn wire_body(&self) -> Result<Option<(http::HeaderValue, bytes::Bytes)>> {
        if let Some(raw) = &self.raw {
            return Ok(Some((raw.content_type.clone(), raw.bytes.clone())));
        }
        self.body
            .as_ref()
            .map(|json| {
                serde_json::to_vec(json)
                    .map(|bytes| {
                        (
                            http::HeaderValue::from_static("application/json"),
                            bytes::Bytes::from(bytes),
                        )
                    })
                    .map_err(|e| Error::InvalidArgument(e.to_string()))
            })
            .transpose()
    }

    /// The secrets in the body (every secret field's value, at any depth,
    /// and those given with [`ApiRequest::bytes`]), to keep out of errors.
    pub(crate) fn secrets(&self) -> Vec<auth0plus_transport::Secret> {
        let mut secrets: Vec<auth0plus_transport::Secret> = self
            .body
            .as_ref()
            .map(auth0plus_management_api::operation::secret_values)
            .unwrap_or_default()
            .into_iter()
            .map(auth0plus_transport::Secret::new)
            .collect();
        if let Some(raw) = &self.raw {
            secrets.extend(raw.secrets.iter().cloned());
        }
        secrets
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
    fn a_raw_body_shows_only_its_size_and_keeps_its_secrets() {
        let hash = "$2b$10$abcdefghijklmnopqrstuv";
        let r = ApiRequest::new(http::Method::POST, "/jobs/users-imports")
            .json(serde_json::json!({"replaced": true}))
            .bytes(
                "multipart/form-data; boundary=b",
                format!("--b\r\n{hash}\r\n--b--\r\n"),
                vec![auth0plus_transport::Secret::new(hash)],
            )
            .unwrap();
        let shown = format!("{r:?}");
        assert!(
            !shown.contains(hash) && shown.contains("bytes of"),
            "{shown}"
        );
        assert_eq!(r.body, None);
        let (content_type, bytes) = r.wire_body().unwrap().unwrap();
        assert_eq!(content_type, "multipart/form-data; boundary=b");
        assert!(bytes.starts_with(b"--b"));
        assert_eq!(r.secrets()[0].expose(), hash);
        let bad = ApiRequest::new(http::Method::POST, "/x").bytes("a\r\nb", "", Vec::new());
        assert!(bad.is_err());
    }

    #[test]
    fn debug_and_secrets_know_every_secret_field() {
        let r = ApiRequest::new(http::Method::POST, "/clients").json(serde_json::json!({
            "name": "app", "client_secret": "cl1ent-s3cret", "jwt_configuration": {"secret": "nested-s3cret"}
        }));
        let shown = format!("{r:?}");
        assert!(
            !shown.contains("cl1ent-s3cret") && !shown.contains("nested-s3cret"),
            "{shown}"
        );
        let mut secrets: Vec<String> = r.secrets().iter().map(|s| s.expose().to_owned()).collect();
        secrets.sort();
        assert_eq!(secrets, ["cl1ent-s3cret", "nested-s3cret"]);
    }

    #[test]
    fn segments_are_encoded_one_by_one() {
        let r =
            ApiRequest::from_segments(http::Method::GET, ["users", "auth0|1/../x?y#z", "roles"])
                .unwrap();
        assert_eq!(r.path, "/users/auth0%7C1%2F..%2Fx%3Fy%23z/roles");
        for bad in [vec!["users", ""], vec!["users", ".."], vec!["."], vec![]] {
            assert!(
                ApiRequest::from_segments(http::Method::GET, bad.clone()).is_err(),
                "{bad:?}"
            );
        }
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
