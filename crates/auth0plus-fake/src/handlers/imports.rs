//! `POST /jobs/users-imports`: a multipart upload of a JSON array of users, imported into the
//! connection (inserted, or with `upsert` updated), polled with `GET /jobs/{id}`; the users
//! that failed are listed by `GET /jobs/{id}/errors`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use crate::server::Resp;
use crate::state::{ExportMode, Job, MAX_KNOB, Shared, State, new_user};
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

/// Users a job processes at a time: work due is done once this much of it is (or the
/// job's end), so frequent polls do not each pay for a pass over the tenant's users.
const BATCH: u64 = 256;

/// Import jobs a tenant runs at once: a third is refused until one completes.
pub(crate) const MAX_ACTIVE_IMPORTS: usize = 2;

/// The fake's job model: what an import job still has to do. Each job processes
/// `rate` users per second from its creation, independently of the other (Auth0 runs up
/// to two at once), so a file of `n` users completes `n / rate` seconds after it was
/// accepted. The users are processed lazily, in batches of [`BATCH`] — on any request
/// to the tenant, the work due by then is done — which looks the same over HTTP as a
/// background worker.
#[derive(Debug)]
pub(crate) struct ImportWork {
    users: std::collections::VecDeque<Value>,
    upsert: bool,
    total: u64,
    processed: u64,
    inserted: u64,
    updated: u64,
    /// Users per second.
    rate: f64,
}

impl ImportWork {
    fn done(&self) -> bool {
        self.processed >= self.total
    }

    /// Users processed after `elapsed`.
    fn target(&self, elapsed: Duration) -> u64 {
        ((elapsed.as_secs_f64() * self.rate).floor() as u64).min(self.total)
    }
}

/// `POST /jobs/users-imports` → 202 with a pending `users_import` job; 429 when two are
/// running already.
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
    let upsert = match field("upsert").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return bad("Payload validation error: 'Expected type boolean' on property upsert.");
        }
    };
    let Some((_, file)) = parts.iter().find(|(n, _)| n == "users") else {
        return bad("Payload validation error: 'Missing required property: users'.");
    };
    let Ok(Value::Array(users)) = serde_json::from_slice::<Value>(file) else {
        return bad("Users file must be an array");
    };
    let mut st = shared.lock();
    let now = Instant::now();
    advance_locked(&mut st, &shared.cfg.connection, now);
    let active = st
        .jobs
        .values()
        .filter(|j| j.import.as_ref().is_some_and(|w| !w.done()))
        .count();
    if active >= MAX_ACTIVE_IMPORTS {
        // Auth0's documented limit; the wording of its answer is the fake's best
        // knowledge (see the crate docs).
        return Resp::error(
            429,
            "There are 2 active import users jobs, please wait until some of them are finished and try again",
            Some("too_many_requests"),
        );
    }
    st.prune_jobs(now);
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
    let total = users.len() as u64;
    let rate = st.import_rate.max(f64::MIN_POSITIVE);
    st.jobs.insert(
        id,
        Job {
            created: now,
            duration: Duration::from_secs_f64((total as f64 / rate).min(MAX_KNOB.as_secs_f64())),
            mode: ExportMode::Normal,
            body: job.clone(),
            format: String::new(),
            file: Vec::new(),
            summary: None,
            errors: Vec::new(),
            import: Some(ImportWork {
                users: users.into(),
                upsert,
                total,
                processed: 0,
                inserted: 0,
                updated: 0,
                rate,
            }),
        },
    );
    Resp::json(202, &job)
}

/// Do the import work due by now, for every job.
pub(crate) fn advance(shared: &Shared) {
    let mut st = shared.lock();
    advance_locked(&mut st, &shared.cfg.connection, Instant::now());
}

fn advance_locked(st: &mut State, connection: &str, now: Instant) {
    // Jobs with users due by now (the users processed grow with the time since
    // the job was accepted).
    let due: Vec<String> = st
        .jobs
        .iter()
        .filter(|(_, j)| {
            j.import.as_ref().is_some_and(|w| {
                let target = w.target(now.saturating_duration_since(j.created));
                !w.done() && (target >= w.processed + BATCH || target == w.total)
            })
        })
        .map(|(id, _)| id.clone())
        .collect();
    if due.is_empty() {
        return;
    }
    // Existing users by lowercased email, once per pass.
    let mut by_email: HashMap<String, String> = st
        .users
        .values()
        .filter_map(|u| {
            Some((
                u.get("email")?.as_str()?.to_lowercase(),
                u.get("user_id")?.as_str()?.to_string(),
            ))
        })
        .collect();
    for id in due {
        let Some(job) = st.jobs.get_mut(&id) else {
            continue;
        };
        let Some(mut work) = job.import.take() else {
            continue;
        };
        let target = work.target(now.saturating_duration_since(job.created));
        let mut errors = Vec::new();
        while work.processed < target {
            let Some(user) = work.users.pop_front() else {
                work.processed = work.total;
                break;
            };
            work.processed += 1;
            if let Err(e) = import_one(st, connection, &mut by_email, &mut work, &user) {
                errors.push(json!({"user": user, "errors": [e]}));
            }
        }
        let Some(job) = st.jobs.get_mut(&id) else {
            continue;
        };
        job.errors.extend(errors);
        if work.done() {
            let failed = work.total - work.inserted - work.updated;
            job.summary = Some(json!({"failed": failed, "updated": work.updated,
                                      "inserted": work.inserted, "total": work.total}));
        }
        job.import = Some(work);
    }
}

/// Import one user of a file, or say why not (Auth0's per-user error codes).
fn import_one(
    st: &mut State,
    connection: &str,
    by_email: &mut HashMap<String, String>,
    work: &mut ImportWork,
    user: &Value,
) -> Result<(), Value> {
    let issue = |code: &str, message: String, path: &str| json!({"code": code, "message": message, "path": path});
    let Some(obj) = user.as_object() else {
        return Err(issue("INVALID_FORMAT", "Expected type object".into(), ""));
    };
    let Some(email) = obj.get("email").and_then(Value::as_str) else {
        return Err(issue(
            "OBJECT_MISSING_REQUIRED_PROPERTY",
            "Missing required property: email".into(),
            "email",
        ));
    };
    if !valid_email(email) {
        return Err(issue(
            "INVALID_FORMAT",
            format!("Object didn't pass validation for format email: {email}"),
            "email",
        ));
    }
    let key = email.to_lowercase();
    match by_email.get(&key).cloned() {
        Some(_) if !work.upsert => Err(issue(
            "DUPLICATED_USER",
            "The user already exist and upsert parameter is false".into(),
            "",
        )),
        Some(id) => {
            // Upsert replaces (does not merge) what the file gives.
            if let Some(Value::Object(mut cur)) = st.get_user(&id).cloned() {
                for (k, v) in obj {
                    if !matches!(
                        k.as_str(),
                        "password_hash" | "custom_password_hash" | "user_id"
                    ) {
                        cur.insert(k.clone(), v.clone());
                    }
                }
                cur.insert("updated_at".into(), json!(util::now_iso()));
                st.replace_user(&id, Value::Object(cur));
            }
            work.updated += 1;
            Ok(())
        }
        None => {
            let fields: Map<String, Value> = obj
                .iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "password_hash" | "custom_password_hash" | "user_id"
                    )
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let custom = obj.get("user_id").and_then(Value::as_str);
            let created = new_user(connection, &fields, custom);
            if let Some(id) = created.get("user_id").and_then(Value::as_str) {
                by_email.insert(key, id.to_string());
            }
            st.create_user(created);
            work.inserted += 1;
            Ok(())
        }
    }
}

/// `local@domain.tld`, no spaces: what Auth0's `email` format accepts, roughly.
fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
        && !domain.contains('@')
}

/// An import job's status fields: `pending` until its first user is processed, then
/// `processing` with progress, then `completed` with its summary.
pub(super) fn import_status(job: &Job, body: &mut Map<String, Value>) -> bool {
    let Some(work) = &job.import else {
        return false;
    };
    let status = if work.done() {
        "completed"
    } else if work.processed == 0 {
        "pending"
    } else {
        "processing"
    };
    body.insert("status".into(), json!(status));
    if status == "processing" {
        body.insert(
            "percentage_done".into(),
            json!(work.processed * 100 / work.total.max(1)),
        );
        let left = (work.total - work.processed) as f64 / work.rate;
        body.insert("time_left_seconds".into(), json!(left.ceil() as u64));
    }
    if let (Some(summary), "completed") = (&job.summary, status) {
        body.insert("summary".into(), summary.clone());
    }
    true
}

/// `GET /jobs/{id}/errors`: 200 with the users that failed so far (each as the file had
/// it, as Auth0 echoes them), 204 when none did.
pub(super) fn errors(shared: &Shared, param: &str) -> Resp {
    let id = percent_decode_str(param).decode_utf8_lossy().into_owned();
    let mut st = shared.lock();
    advance_locked(&mut st, &shared.cfg.connection, Instant::now());
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
