//! A `multipart/form-data` body before it is encoded: the one body the
//! Management API takes that is not JSON (`POST /jobs/users-imports`).
//!
//! A [`Form`] is plain data, like the rest of a [`crate::Request`]; the client
//! chooses the boundary and writes the bytes when it sends it, and refuses a
//! part name that could carry structure (a quote, a backslash, a control
//! character) there.

use std::fmt;

use serde_json::Value;

/// The parts of a `multipart/form-data` body, in order.
///
/// ```
/// use auth0plus_management_api::Form;
///
/// let form = Form::new()
///     .file("users", "users.json", "application/json", br#"[{"email":"a@example.com"}]"#.to_vec())
///     .text("connection_id", "con_0123456789abcdef");
/// assert_eq!(form.parts()[1].name, "connection_id");
/// // Debug shows names and sizes, never a value: a users file holds password hashes.
/// assert!(!format!("{form:?}").contains("a@example.com"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Form {
    parts: Vec<FormPart>,
}

/// One part of a [`Form`]: a field, or a file when `filename` is set.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FormPart {
    /// The field's name.
    pub name: String,
    /// The file's name, for a file.
    pub filename: Option<String>,
    /// The file's media type, for a file.
    pub content_type: Option<String>,
    /// The value, as sent.
    pub value: Vec<u8>,
}

impl Form {
    /// An empty form.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a text field.
    #[must_use]
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parts.push(FormPart {
            name: name.into(),
            filename: None,
            content_type: None,
            value: value.into().into_bytes(),
        });
        self
    }

    /// Add a file.
    #[must_use]
    pub fn file(
        mut self,
        name: impl Into<String>,
        filename: impl Into<String>,
        content_type: impl Into<String>,
        value: impl Into<Vec<u8>>,
    ) -> Self {
        self.parts.push(FormPart {
            name: name.into(),
            filename: Some(filename.into()),
            content_type: Some(content_type.into()),
            value: value.into(),
        });
        self
    }

    /// The parts, in order.
    #[must_use]
    pub fn parts(&self) -> &[FormPart] {
        &self.parts
    }

    /// The form of a serialized request model: each of `files` (a string
    /// field) becomes a JSON file `{name}.json`, sent first; every other
    /// field a text part, a string as itself and anything else as its JSON
    /// text (`true`, `42`); a `null` is left out.
    ///
    /// # Errors
    /// When `body` is not a JSON object, or a file field is not a string.
    pub fn from_object(body: Value, files: &[&str]) -> Result<Self, serde_json::Error> {
        let Value::Object(fields) = body else {
            return Err(invalid("a form body must be a JSON object"));
        };
        let (file_fields, text_fields): (Vec<_>, Vec<_>) = fields
            .into_iter()
            .filter(|(_, value)| !value.is_null())
            .partition(|(name, _)| files.contains(&name.as_str()));
        let mut form = Self::new();
        for (name, value) in file_fields {
            let Value::String(contents) = value else {
                return Err(invalid(&format!(
                    "the file field `{name}` must be a string"
                )));
            };
            let filename = format!("{name}.json");
            form = form.file(name, filename, "application/json", contents);
        }
        for (name, value) in text_fields {
            let text = match value {
                Value::String(text) => text,
                other => other.to_string(),
            };
            form = form.text(name, text);
        }
        Ok(form)
    }
}

fn invalid(message: &str) -> serde_json::Error {
    <serde_json::Error as serde::ser::Error>::custom(message)
}

/// Names, file names, media types and sizes: never a value.
impl fmt::Debug for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.parts).finish()
    }
}

/// The name, file name, media type and size: never the value.
impl fmt::Debug for FormPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FormPart")
            .field("name", &self.name)
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("value", &format_args!("[{} bytes]", self.value.len()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_model_becomes_its_parts_file_first_nulls_left_out() {
        let body = json!({
            "connection_id": "con_0123456789abcdef",
            "external_id": null,
            "send_completion_email": false,
            "upsert": true,
            "users": "[{\"email\":\"a@example.com\"}]",
        });
        let form = Form::from_object(body, &["users"]).unwrap();
        let shown: Vec<_> = form
            .parts()
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.filename.as_deref(),
                    p.content_type.as_deref(),
                    String::from_utf8(p.value.clone()).unwrap(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "users",
                    Some("users.json"),
                    Some("application/json"),
                    "[{\"email\":\"a@example.com\"}]".to_owned()
                ),
                (
                    "connection_id",
                    None,
                    None,
                    "con_0123456789abcdef".to_owned()
                ),
                ("send_completion_email", None, None, "false".to_owned()),
                ("upsert", None, None, "true".to_owned()),
            ]
        );
    }

    #[test]
    fn what_is_not_a_form_is_an_error() {
        assert!(Form::from_object(json!([1]), &[]).is_err());
        assert!(Form::from_object(json!({"users": 1}), &["users"]).is_err());
    }

    #[test]
    fn debug_shows_no_value() {
        let form = Form::new().text("password", "hunter2").file(
            "users",
            "u.json",
            "application/json",
            b"$2b$10$hash".to_vec(),
        );
        let shown = format!("{form:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("$2b$"),
            "{shown}"
        );
        assert!(shown.contains("[7 bytes]"), "{shown}");
    }
}
