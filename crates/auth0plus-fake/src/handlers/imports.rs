//! `POST /jobs/users-imports`: a multipart upload of a JSON array of users, imported into the
//! connection (inserted, or with `upsert` updated), polled with `GET /jobs/{id}`; the users
//! that failed are listed by `GET /jobs/{id}/errors`.

use std::time::Instant;

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use crate::server::Resp;
use crate::state::{ExportMode, Job, Shared, new_user};
use crate::util;

/// Largest users file Auth0 takes (500 KB).
const MAX_UPLOAD: usize = 512_000;

/// The parts of a `multipart/form-data` body, as (name, content).
fn parts<'a>(content_type: &str, body: &'a [u8]) -> Option<Vec<(String, &'a [u8])>> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| {
            p.get(..9)
                .filter(|k| k.eq_ignore_ascii_case("boundary="))
                .map(|_| &p[9..])
        })?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let d = delimiter.as_bytes();
    let mut out = Vec::new();
    let mut rest = body;
    // Skip the preamble up to the first delimiter.
    let start = find(rest, d)?;
    rest = &rest[start + d.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Some(out);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&rest[..head_end]).to_ascii_lowercase();
        let content_start = head_end + 4;
        let next = find(&rest[content_start..], d)? + content_start;
        let mut content = &rest[content_start..next];
        content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let name = head
            .split(';')
            .map(str::trim)
            .find_map(|p| p.strip_prefix("name="))
            .map(|n| n.trim_matches('"').to_string())
            .unwrap_or_default();
        out.push((name, content));
        rest = &rest[next + d.len()..];
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn bad(message: &str) -> Resp {
    Resp::error(400, message, Some("invalid_body"))
}

/// `POST /jobs/users-imports` → 202 with a pending `users_import` job.
pub(super) fn create(shared: &Shared, content_type: &str, body: &[u8]) -> Resp {
    if body.len() > MAX_UPLOAD {
        return Resp::error(
            413,
            &format!("Payload content length greater than maximum allowed: {MAX_UPLOAD}."),
            None,
        );
    }
    let Some(parts) = parts(content_type, body) else {
        return bad("Payload validation error: 'Expected multipart/form-data with a users file'.");
    };
    let field = |name: &str| {
        parts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| String::from_utf8_lossy(c).trim().to_string())
    };
    let Some(connection_id) = field("connection_id") else {
        return bad("Payload validation error: 'Missing required property: connection_id'.");
    };
    if connection_id != shared.cfg.connection_id {
        return Resp::error(
            400,
            "The connection does not exist.",
            Some("inexistent_connection"),
        );
    }
    let upsert = field("upsert").as_deref() == Some("true");
    let Some((_, file)) = parts.iter().find(|(n, _)| n == "users") else {
        return bad("Payload validation error: 'Missing required property: users'.");
    };
    let Ok(Value::Array(users)) = serde_json::from_slice::<Value>(file) else {
        return bad("Users file must be an array");
    };
    let mut st = shared.lock();
    let (mut inserted, mut updated) = (0u64, 0u64);
    let mut errors = Vec::new();
    for u in &users {
        let Some(obj) = u.as_object() else {
            errors.push(json!({"user": u, "errors": [{"code": "INVALID_FORMAT", "message": "Expected type object", "path": ""}]}));
            continue;
        };
        let Some(email) = obj.get("email").and_then(Value::as_str) else {
            errors.push(json!({"user": u, "errors": [{"code": "OBJECT_MISSING_REQUIRED_PROPERTY", "message": "Missing required property: email", "path": "email"}]}));
            continue;
        };
        let existing = st
            .users
            .values()
            .find(|x| x.get("email").and_then(Value::as_str) == Some(email.to_lowercase().as_str()))
            .and_then(|x| x.get("user_id").and_then(Value::as_str))
            .map(str::to_string);
        match existing {
            Some(_) if !upsert => errors.push(json!({"user": {"email": email}, "errors": [{
                "code": "DUPLICATED_USER",
                "message": "The user already exist and upsert parameter is false",
                "path": ""}]})),
            Some(id) => {
                // Upsert replaces (does not merge) what the file gives.
                if let Some(Value::Object(mut cur)) = st.get_user(&id).cloned() {
                    for (k, v) in obj {
                        if k != "password_hash" && k != "user_id" {
                            cur.insert(k.clone(), v.clone());
                        }
                    }
                    cur.insert("updated_at".into(), json!(util::now_iso()));
                    st.replace_user(&id, Value::Object(cur));
                    updated += 1;
                }
            }
            None => {
                let mut fields = Map::new();
                for (k, v) in obj {
                    if k != "password_hash" && k != "user_id" && k != "custom_password_hash" {
                        fields.insert(k.clone(), v.clone());
                    }
                }
                let custom = obj.get("user_id").and_then(Value::as_str);
                let user = new_user(&shared.cfg.connection, &fields, custom);
                st.create_user(user);
                inserted += 1;
            }
        }
    }
    let id = format!("job_{}", util::alnum(16));
    let mut job = json!({
        "type": "users_import",
        "status": "pending",
        "connection_id": connection_id,
        "connection": shared.cfg.connection,
        "created_at": util::now_iso(),
        "id": id,
    });
    if let (Some(ext), Some(o)) = (field("external_id"), job.as_object_mut()) {
        o.insert("external_id".into(), json!(ext));
    }
    let failed = errors.len() as u64;
    let duration = st.export_duration;
    st.jobs.insert(
        id,
        Job {
            created: Instant::now(),
            duration,
            mode: ExportMode::Normal,
            body: job.clone(),
            format: String::new(),
            file: Vec::new(),
            summary: Some(
                json!({"failed": failed, "updated": updated, "inserted": inserted,
                                 "total": users.len()}),
            ),
            errors,
        },
    );
    Resp::json(202, &job)
}

/// `GET /jobs/{id}/errors`: 200 with the users that failed, 204 when none did.
pub(super) fn errors(shared: &Shared, param: &str) -> Resp {
    let id = percent_decode_str(param).decode_utf8_lossy().into_owned();
    let st = shared.lock();
    match st.jobs.get(&id) {
        None => Resp::error(404, "Job not found.", Some("inexistent_job")),
        Some(job) if job.errors.is_empty() => Resp::empty(204),
        Some(job) => Resp::json(200, &Value::Array(job.errors.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::parts;

    #[test]
    fn multipart_parts_and_hostile_bodies() {
        let ct = "multipart/form-data; BOUNDARY=\"AbC\"";
        let body = b"preamble\r\n--AbC\r\nContent-Disposition: form-data; name=\"users\"\r\n\r\n[1]\r\n--AbC\r\nContent-Disposition: form-data; name=upsert\r\n\r\ntrue\r\n--AbC--\r\n";
        let got = parts(ct, body).expect("parts");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], ("users".to_string(), &b"[1]"[..]));
        assert_eq!(got[1], ("upsert".to_string(), &b"true"[..]));
        // Nothing here panics or loops: each answers None (a 400 upstream).
        for hostile in [
            &b""[..],
            b"--AbC",
            b"--AbC\r\n",
            b"--AbC\r\nno end of headers",
            b"--AbC\r\nA: b\r\n\r\nno closing delimiter",
            b"--AbC--AbC--AbC",
        ] {
            let _ = parts(ct, hostile);
        }
        assert!(parts("multipart/form-data", body).is_none(), "no boundary");
        assert!(parts(ct, b"--AbC\r\nA: b\r\n\r\nx").is_none());
    }
}
