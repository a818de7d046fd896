//! The bytes of a `multipart/form-data` body (RFC 7578): the one body the
//! Management API takes that is not JSON (`POST /jobs/users-imports`). The
//! parts are a [`Form`] of the generated layer, so `jobs().import_users` and
//! `auth0.send(CreateJobsUsersImports)` send the same bytes.
//!
//! Hand-written rather than a crate: the parts are few and the only subtle
//! rule is the boundary, which must not occur in any part. reqwest's
//! `multipart` would tie the management crate to one backend; the other
//! crates (`multer`, `mpart-async`) parse or stream, which this does not need.

use std::hash::{BuildHasher as _, Hasher as _};

use bytes::{BufMut as _, Bytes, BytesMut};

use auth0plus_transport::Secret;
use serde_json::Value;

use crate::api::operation::{is_secret_field, secret_values};
use crate::api::{Form, FormPart};
use crate::{Error, Result};

/// Length of the body [`encode`] makes of `form` (its boundaries are all
/// [`BOUNDARY_LEN`] long).
pub(crate) fn encoded_len(form: &Form) -> usize {
    encode_with(form, &"x".repeat(BOUNDARY_LEN)).len()
}

/// The `Content-Type` header and the body, with a random boundary that
/// occurs in no part.
///
/// # Errors
/// [`Error::InvalidArgument`] when a name, file name or media type is empty
/// or holds a quote, a backslash or a control character: a field the spec
/// does not name (a model's `extra`) is sent as a part of that name, and must
/// not be able to forge another part or header.
pub(crate) fn encode(form: &Form) -> Result<(String, Bytes)> {
    encode_choosing(form, std::iter::repeat_with(random_boundary))
}

/// [`encode`] with the first candidate boundary found in no part.
fn encode_choosing(
    form: &Form,
    candidates: impl IntoIterator<Item = String>,
) -> Result<(String, Bytes)> {
    for part in form.parts() {
        let texts = [
            Some(&part.name),
            part.filename.as_ref(),
            part.content_type.as_ref(),
        ];
        for text in texts.into_iter().flatten() {
            if text.is_empty()
                || text
                    .chars()
                    .any(|c| c == '"' || c == '\\' || c.is_control())
            {
                // The name is the caller's, maybe hostile: its length, not its text.
                return Err(Error::InvalidArgument(format!(
                    "a multipart part name, file name or media type ({} bytes) is empty or holds a quote, a backslash or a control character",
                    text.len()
                )));
            }
        }
    }
    // A random 128-bit boundary occurs in a part by chance with vanishing
    // probability; checking anyway makes a deliberately planted one harmless.
    for boundary in candidates.into_iter().take(16) {
        if form
            .parts()
            .iter()
            .all(|part| !contains(&part.value, boundary.as_bytes()))
        {
            let body = encode_with(form, &boundary);
            return Ok((format!("multipart/form-data; boundary={boundary}"), body));
        }
    }
    Err(Error::InvalidArgument(
        "no multipart boundary fits the parts".into(),
    ))
}

fn encode_with(form: &Form, boundary: &str) -> Bytes {
    let size = form
        .parts()
        .iter()
        .map(|p| p.value.len() + boundary.len() + 128)
        .sum::<usize>()
        + boundary.len()
        + 8;
    let mut out = BytesMut::with_capacity(size);
    for FormPart {
        name,
        filename,
        content_type,
        value,
        ..
    } in form.parts()
    {
        out.put_slice(b"--");
        out.put_slice(boundary.as_bytes());
        out.put_slice(b"\r\nContent-Disposition: form-data; name=\"");
        out.put_slice(name.as_bytes());
        out.put_slice(b"\"");
        if let Some(filename) = filename {
            out.put_slice(b"; filename=\"");
            out.put_slice(filename.as_bytes());
            out.put_slice(b"\"");
        }
        out.put_slice(b"\r\n");
        if let Some(content_type) = content_type {
            out.put_slice(b"Content-Type: ");
            out.put_slice(content_type.as_bytes());
            out.put_slice(b"\r\n");
        }
        out.put_slice(b"\r\n");
        out.put_slice(value);
        out.put_slice(b"\r\n");
    }
    out.put_slice(b"--");
    out.put_slice(boundary.as_bytes());
    out.put_slice(b"--\r\n");
    out.freeze()
}

/// What a form holds that must never come back in an error or a log: the
/// values of parts named like a secret field, and in a file that is JSON
/// (a users import) every string under a secret field and each user's
/// password hash: `password_hash`, and the `value`s of a
/// `custom_password_hash`'s hash and salt (not its algorithm or encodings:
/// scrubbing `md5` would only garble messages). Its HMAC `key` is under a
/// secret field's name, so all of it is scrubbed, its encoding too.
pub(crate) fn secrets(form: &Form) -> Vec<Secret> {
    let mut out: Vec<String> = Vec::new();
    for part in form.parts() {
        if part.filename.is_some()
            && let Ok(file) = serde_json::from_slice::<Value>(&part.value)
        {
            out.extend(secret_values(&file).into_iter().map(str::to_owned));
            out.extend(password_hashes(&file).map(str::to_owned));
        }
    }
    out.extend(text_secret_values(form));
    distinct_secrets(out)
}

/// The values of the text parts named like a secret field: what
/// [`secrets`] finds outside the files.
pub(crate) fn text_secrets(form: &Form) -> Vec<Secret> {
    distinct_secrets(text_secret_values(form).collect())
}

fn text_secret_values(form: &Form) -> impl Iterator<Item = String> + '_ {
    form.parts()
        .iter()
        .filter(|part| part.filename.is_none() && is_secret_field(&part.name))
        .map(|part| String::from_utf8_lossy(&part.value).into_owned())
}

fn distinct_secrets(mut values: Vec<String>) -> Vec<Secret> {
    values.sort_unstable();
    values.dedup();
    values
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(Secret::new)
        .collect()
}

/// The password hashes of an import file's users (a JSON array).
fn password_hashes(file: &Value) -> impl Iterator<Item = &str> {
    file.as_array().into_iter().flatten().flat_map(|user| {
        let custom = &user["custom_password_hash"];
        [
            &user["password_hash"],
            &custom["hash"]["value"],
            &custom["salt"]["value"],
        ]
        .into_iter()
        .filter_map(Value::as_str)
    })
}

/// Length of the boundaries [`encode`] makes.
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
        let form = Form::new()
            .file("users", "users.json", "application/json", b"[{}]".to_vec())
            .text("upsert", "true");
        let (content_type, body) = encode_choosing(&form, ["B0".to_owned()]).unwrap();
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
        let form = Form::new()
            .file(
                "users",
                "users.json",
                "application/json",
                hostile.as_bytes().to_vec(),
            )
            .text("connection_id", "con_0123456789abcdef");
        let candidates = ["auth0plus-0000".to_owned(), "auth0plus-0001".to_owned()];
        let (content_type, body) = encode_choosing(&form, candidates).unwrap();
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
        let (content_type, body) = encode(&form).unwrap();
        assert_eq!(
            content_type.len(),
            "multipart/form-data; boundary=".len() + BOUNDARY_LEN
        );
        assert_eq!(parse(&content_type, &body)[0].1, hostile.as_bytes());
    }

    #[test]
    fn a_value_holding_every_candidate_is_refused_not_sent_broken() {
        let form = Form::new().text("f", "xx-B-yy");
        assert!(encode_choosing(&form, std::iter::repeat_n("B".to_owned(), 20)).is_err());
    }

    #[test]
    fn names_cannot_carry_structure() {
        for bad in ["a\"b", "a\r\nb", "a\\b", ""] {
            for form in [
                Form::new().text(bad, "v"),
                Form::new().file("users", bad, "application/json", b"[]".to_vec()),
                Form::new().file("users", "users.json", bad, b"[]".to_vec()),
            ] {
                let Err(Error::InvalidArgument(message)) = encode(&form) else {
                    panic!("{bad:?} was accepted");
                };
                assert!(bad.is_empty() || !message.contains(bad), "{message}");
            }
        }
    }

    #[test]
    fn secrets_are_the_hashes_and_secret_fields_of_a_users_file() {
        let users = r#"[{"email":"a@x","password_hash":"$2b$10$one"},
            {"email":"b@x","custom_password_hash":{"algorithm":"md5","hash":{"value":"abc","encoding":"hex","key":{"value":"k3y","encoding":"utf8"}},"salt":{"value":"pepper","position":"prefix"}}},
            {"email":"c@x","app_metadata":{"client_secret":"s3"}}]"#;
        let form = Form::new()
            .file(
                "users",
                "users.json",
                "application/json",
                users.as_bytes().to_vec(),
            )
            .text("password", "hunter2")
            .text("connection_id", "con_0123456789abcdef");
        let mut found: Vec<String> = secrets(&form)
            .iter()
            .map(|s| s.expose().to_owned())
            .collect();
        found.sort();
        assert_eq!(
            found,
            [
                "$2b$10$one",
                "abc",
                "hunter2",
                "k3y",
                "pepper",
                "s3",
                "utf8"
            ]
        );
    }

    #[test]
    fn encoded_len_is_exact() {
        let form = Form::new()
            .file("users", "users.json", "application/json", vec![b'x'; 1000])
            .text("upsert", "");
        let (_, body) = encode(&form).unwrap();
        assert_eq!(body.len(), encoded_len(&form));
    }
}
