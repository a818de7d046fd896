//! A `multipart/form-data` body (RFC 7578), built in memory: the one body
//! the Management API takes that is not JSON (`POST /jobs/users-imports`).
//!
//! Hand-written rather than a crate: the parts are few, their names and
//! file names are ours (never user input), and the only subtle rule is the
//! boundary, which must not occur in any part. reqwest's `multipart` would
//! tie the management crate to one backend; the other crates (`multer`,
//! `mpart-async`) parse or stream, which this does not need.

use std::hash::{BuildHasher as _, Hasher as _};

use bytes::{BufMut as _, Bytes, BytesMut};

use crate::{Error, Result};

/// One part: a form field, or a file when `filename` is set.
struct Part {
    name: &'static str,
    filename: Option<&'static str>,
    content_type: Option<&'static str>,
    value: Bytes,
}

/// The parts of a form, in order.
#[derive(Default)]
pub(crate) struct Multipart {
    parts: Vec<Part>,
}

impl Multipart {
    /// A text field.
    pub(crate) fn text(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.parts.push(Part {
            name,
            filename: None,
            content_type: None,
            value: Bytes::from(value.into()),
        });
        self
    }

    /// A file.
    pub(crate) fn file(
        mut self,
        name: &'static str,
        filename: &'static str,
        content_type: &'static str,
        value: impl Into<Bytes>,
    ) -> Self {
        self.parts.push(Part {
            name,
            filename: Some(filename),
            content_type: Some(content_type),
            value: value.into(),
        });
        self
    }

    /// Length of the body [`Multipart::encode`] makes (its boundaries are
    /// all [`BOUNDARY_LEN`] long).
    pub(crate) fn encoded_len(&self) -> usize {
        self.encode_with(&"x".repeat(BOUNDARY_LEN)).len()
    }

    /// The `Content-Type` header and the body, with a random boundary that
    /// occurs in no part.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when a name holds a quote, a backslash or
    /// a control character (they are ours, so this is a bug, not input).
    pub(crate) fn encode(&self) -> Result<(String, Bytes)> {
        self.encode_choosing(std::iter::repeat_with(random_boundary))
    }

    /// [`Multipart::encode`] with the first candidate boundary found in no
    /// part.
    fn encode_choosing(
        &self,
        candidates: impl IntoIterator<Item = String>,
    ) -> Result<(String, Bytes)> {
        for part in &self.parts {
            for text in [Some(part.name), part.filename, part.content_type]
                .into_iter()
                .flatten()
            {
                if text.is_empty()
                    || text
                        .chars()
                        .any(|c| c == '"' || c == '\\' || c.is_control())
                {
                    return Err(Error::InvalidArgument(format!(
                        "{text:?} cannot be a multipart name"
                    )));
                }
            }
        }
        // A random 128-bit boundary occurs in a part by chance with
        // vanishing probability; checking anyway makes a deliberately
        // planted one harmless too.
        for boundary in candidates.into_iter().take(16) {
            if self
                .parts
                .iter()
                .all(|part| !contains(&part.value, boundary.as_bytes()))
            {
                let body = self.encode_with(&boundary);
                return Ok((format!("multipart/form-data; boundary={boundary}"), body));
            }
        }
        Err(Error::InvalidArgument(
            "no multipart boundary fits the parts".into(),
        ))
    }

    fn encode_with(&self, boundary: &str) -> Bytes {
        let size = self
            .parts
            .iter()
            .map(|p| p.value.len() + boundary.len() + 128)
            .sum::<usize>()
            + boundary.len()
            + 8;
        let mut out = BytesMut::with_capacity(size);
        for part in &self.parts {
            out.put_slice(b"--");
            out.put_slice(boundary.as_bytes());
            out.put_slice(b"\r\nContent-Disposition: form-data; name=\"");
            out.put_slice(part.name.as_bytes());
            out.put_slice(b"\"");
            if let Some(filename) = part.filename {
                out.put_slice(b"; filename=\"");
                out.put_slice(filename.as_bytes());
                out.put_slice(b"\"");
            }
            out.put_slice(b"\r\n");
            if let Some(content_type) = part.content_type {
                out.put_slice(b"Content-Type: ");
                out.put_slice(content_type.as_bytes());
                out.put_slice(b"\r\n");
            }
            out.put_slice(b"\r\n");
            out.put_slice(&part.value);
            out.put_slice(b"\r\n");
        }
        out.put_slice(b"--");
        out.put_slice(boundary.as_bytes());
        out.put_slice(b"--\r\n");
        out.freeze()
    }
}

/// Length of the boundaries [`Multipart::encode`] makes.
pub(crate) const BOUNDARY_LEN: usize = "auth0plus-".len() + 32;

/// `auth0plus-` and 128 random bits in hex, from the standard library's
/// per-process random hash keys (no RNG dependency for one boundary).
fn random_boundary() -> String {
    let state = std::collections::hash_map::RandomState::new();
    let mut high = state.build_hasher();
    high.write_u8(1);
    let mut low = state.build_hasher();
    low.write_u8(2);
    format!("auth0plus-{:016x}{:016x}", high.finish(), low.finish())
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Split a body the way a strict server does: on CRLF `--boundary`.
    fn parse(content_type: &str, body: &[u8]) -> Vec<(String, Vec<u8>)> {
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let body = std::str::from_utf8(body).unwrap();
        let delimiter = format!("\r\n--{boundary}");
        let body = format!("\r\n{body}");
        let mut chunks: Vec<&str> = body.split(&delimiter).collect();
        assert_eq!(chunks.remove(0), "", "nothing before the first boundary");
        assert_eq!(chunks.pop(), Some("--\r\n"), "closed once, at the end");
        chunks
            .into_iter()
            .map(|chunk| {
                let chunk = chunk.strip_prefix("\r\n").unwrap();
                let (head, value) = chunk.split_once("\r\n\r\n").unwrap();
                let name = head.split("name=\"").nth(1).unwrap();
                let name = &name[..name.find('"').unwrap()];
                (name.to_owned(), value.as_bytes().to_vec())
            })
            .collect()
    }

    #[test]
    fn exact_bytes() {
        let form = Multipart::default()
            .file("users", "users.json", "application/json", &b"[{}]"[..])
            .text("upsert", "true");
        let (content_type, body) = form.encode_choosing(["B0".to_owned()]).unwrap();
        assert_eq!(content_type, "multipart/form-data; boundary=B0");
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            "--B0\r\nContent-Disposition: form-data; name=\"users\"; filename=\"users.json\"\r\n\
             Content-Type: application/json\r\n\r\n[{}]\r\n\
             --B0\r\nContent-Disposition: form-data; name=\"upsert\"\r\n\r\ntrue\r\n--B0--\r\n"
        );
    }

    #[test]
    fn user_data_cannot_break_the_boundary() {
        // A user's fields holding the boundary itself, a closing delimiter,
        // CRLFs, quotes and a forged part header.
        let hostile = r#"[{"email":"a@x","name":"auth0plus-0000\r\n--auth0plus-0000--\r\n","nickname":"\"; name=\"upsert\"\r\n\r\ntrue"}]"#;
        let form = Multipart::default()
            .file(
                "users",
                "users.json",
                "application/json",
                hostile.as_bytes().to_vec(),
            )
            .text("connection_id", "con_0123456789abcdef");
        let candidates = ["auth0plus-0000".to_owned(), "auth0plus-0001".to_owned()];
        let (content_type, body) = form.encode_choosing(candidates).unwrap();
        assert!(
            content_type.ends_with("boundary=auth0plus-0001"),
            "{content_type}"
        );
        let parts = parse(&content_type, &body);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], ("users".to_owned(), hostile.as_bytes().to_vec()));
        assert_eq!(
            parts[1],
            ("connection_id".to_owned(), b"con_0123456789abcdef".to_vec())
        );

        // The random boundary: never in the value, and the parse is exact.
        let (content_type, body) = form.encode().unwrap();
        assert_eq!(
            content_type.len(),
            "multipart/form-data; boundary=".len() + BOUNDARY_LEN
        );
        assert_eq!(parse(&content_type, &body)[0].1, hostile.as_bytes());
    }

    #[test]
    fn a_value_holding_every_candidate_is_refused_not_sent_broken() {
        let form = Multipart::default().text("f", "xx-B-yy");
        assert!(
            form.encode_choosing(std::iter::repeat_n("B".to_owned(), 20))
                .is_err()
        );
    }

    #[test]
    fn names_cannot_carry_structure() {
        for bad in ["a\"b", "a\r\nb", "a\\b", ""] {
            let form = Multipart::default().text(Box::leak(bad.to_owned().into_boxed_str()), "v");
            assert!(form.encode().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn encoded_len_is_exact() {
        let form = Multipart::default()
            .file("users", "users.json", "application/json", vec![b'x'; 1000])
            .text("upsert", "");
        let (_, body) = form.encode().unwrap();
        assert_eq!(body.len(), form.encoded_len());
    }
}
