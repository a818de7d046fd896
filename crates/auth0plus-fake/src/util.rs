//! Small helpers: time formatting, random ids, JSON error bodies.

use std::time::{SystemTime, UNIX_EPOCH};

use md5::{Digest, Md5};
use serde_json::{Value, json};

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> u64 {
    now_ms() / 1000
}

/// ISO-8601 UTC with milliseconds, e.g. `2023-01-25T19:00:26.187Z`.
pub(crate) fn iso_ms(ms: u64) -> String {
    let secs = ms / 1000;
    let millis = ms % 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let sod = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let mut y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    if m <= 2 {
        y += 1;
    }
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

/// The current time as an Auth0 timestamp.
pub(crate) fn now_iso() -> String {
    iso_ms(now_ms())
}

/// `n` random lowercase hex characters.
pub(crate) fn hex(n: usize) -> String {
    (0..n)
        .map(|_| char::from_digit(fastrand::u32(0..16), 16).unwrap_or('0'))
        .collect()
}

/// `n` random ASCII alphanumerics.
pub(crate) fn alnum(n: usize) -> String {
    (0..n).map(|_| fastrand::alphanumeric()).collect()
}

/// Lowercase hex md5 of `s`.
pub(crate) fn md5_hex(s: &str) -> String {
    md5_hex_bytes(s.as_bytes())
}

/// Lowercase hex md5 of `bytes`.
pub(crate) fn md5_hex_bytes(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The default Auth0 picture for an email: gravatar with a CDN fallback of two initials.
pub(crate) fn gravatar(email: &str) -> String {
    let lower = email.to_lowercase();
    let initials: String = lower
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(2)
        .collect();
    let initials = if initials.is_empty() {
        "un".to_string()
    } else {
        initials
    };
    format!(
        "https://s.gravatar.com/avatar/{}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F{initials}.png",
        md5_hex(&lower)
    )
}

/// The HTTP reason phrase Auth0 puts in `error`.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Request Entity Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// A Management API error body: `{"statusCode","error","message","errorCode"?}`.
pub(crate) fn mgmt_error(status: u16, message: &str, code: Option<&str>) -> Value {
    let mut v = json!({"statusCode": status, "error": reason(status), "message": message});
    if let (Some(code), Some(obj)) = (code, v.as_object_mut()) {
        obj.insert("errorCode".into(), Value::String(code.into()));
    }
    v
}

/// JSON type name as Auth0's validator spells it.
pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Look up a dotted path, with optional `[n]` array indexes (`identities[0].connection`).
pub(crate) fn get_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    for part in path.split('.') {
        let (name, idx) = match part.find('[') {
            Some(i) if part.ends_with(']') => (
                &part[..i],
                part[i + 1..part.len() - 1].parse::<usize>().ok(),
            ),
            _ => (part, None),
        };
        if !name.is_empty() {
            cur = cur.as_object()?.get(name)?;
        }
        if let Some(i) = idx {
            cur = cur.as_array()?.get(i)?;
        }
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_formats() {
        assert_eq!(iso_ms(1_674_673_226_187), "2023-01-25T19:00:26.187Z");
        assert_eq!(iso_ms(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn gravatar_matches_recording() {
        // md5 of the original (unscrubbed) address is not known; check the shape and initials.
        let p = gravatar("Chuck@Example.com");
        assert!(p.starts_with("https://s.gravatar.com/avatar/"));
        assert!(p.ends_with("avatars%2Fch.png"));
        assert_eq!(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn paths() {
        let v = json!({"identities":[{"connection":"c"}],"a":{"b":1}});
        assert_eq!(get_path(&v, "identities[0].connection"), Some(&json!("c")));
        assert_eq!(get_path(&v, "a.b"), Some(&json!(1)));
        assert_eq!(get_path(&v, "a.c"), None);
    }
}
