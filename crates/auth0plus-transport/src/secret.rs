//! A string that never prints.

use std::fmt;

/// A secret value (access token, client secret, password).
///
/// `Debug` and `Display` print `[redacted]`; the only way to read the value is
/// [`Secret::expose`], which makes every use easy to find in review.
///
/// ```
/// use auth0plus_transport::Secret;
/// let secret = Secret::new("hunter2");
/// assert_eq!(format!("{secret:?} {secret}"), "[redacted] [redacted]");
/// assert_eq!(secret.expose(), "hunter2");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret(String);

impl Secret {
    /// Wrap a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself. Use it only to put it on the wire.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replace every occurrence of the value in `text`, as it is and as it
    /// appears inside a JSON string, with `[redacted]`. For text a server sent
    /// back (an error that echoes the request body) before it goes into an
    /// error or a log. Returns whether anything was replaced.
    ///
    /// One left-to-right pass, so a placeholder already written is never
    /// rewritten. Values shorter than [`Secret::MIN_SCRUB_LEN`] characters are
    /// left alone: they cannot be told apart from ordinary text (a one-letter
    /// "token" would redact every such letter of the message).
    ///
    /// ```
    /// use auth0plus_transport::Secret;
    /// let mut echoed = r#"bad request: {"password":"pa\"ssword"}"#.to_owned();
    /// assert!(Secret::new(r#"pa"ssword"#).scrub(&mut echoed));
    /// assert_eq!(echoed, r#"bad request: {"password":"[redacted]"}"#);
    /// let mut message = "Invalid token".to_owned();
    /// assert!(!Secret::new("t").scrub(&mut message));
    /// assert_eq!(message, "Invalid token");
    /// ```
    pub fn scrub(&self, text: &mut String) -> bool {
        if self.0.chars().count() < Self::MIN_SCRUB_LEN {
            return false;
        }
        let escaped = json_escaped(&self.0);
        let forms: Vec<&str> = if escaped == self.0 {
            vec![&self.0]
        } else {
            vec![&self.0, &escaped]
        };
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        let mut replaced = false;
        loop {
            let next = forms
                .iter()
                .filter_map(|form| rest.find(form).map(|at| (at, form.len())))
                .min();
            let Some((at, len)) = next else { break };
            out.push_str(&rest[..at]);
            out.push_str("[redacted]");
            rest = &rest[at + len..];
            replaced = true;
        }
        if replaced {
            out.push_str(rest);
            *text = out;
        }
        replaced
    }

    /// Shortest value [`Secret::scrub`] looks for.
    pub const MIN_SCRUB_LEN: usize = 4;
}

/// `value` as it appears between the quotes of a JSON string.
fn json_escaped(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Serializes the value itself: a request model that holds a secret has to
/// put it on the wire. Serialize a model to send it, never to log it.
#[cfg(feature = "serde")]
impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<&String> for Secret {
    fn from(value: &String) -> Self {
        Self(value.clone())
    }
}

impl From<&Secret> for Secret {
    fn from(value: &Secret) -> Self {
        value.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubbing_is_one_pass_and_ignores_values_too_short_to_identify() {
        // A secret that is part of the placeholder must not rewrite it.
        let mut text = "acted, then acted again".to_owned();
        assert!(Secret::new("acted").scrub(&mut text));
        assert_eq!(text, "[redacted], then [redacted] again");
        let mut text = "validation of t failed".to_owned();
        assert!(!Secret::new("t").scrub(&mut text));
        assert_eq!(text, "validation of t failed");
        // Plain and JSON-escaped forms in one text.
        let mut text = r#"ab\cd then {"p":"ab\\cd"}"#.to_owned();
        assert!(Secret::new(r"ab\cd").scrub(&mut text));
        assert_eq!(text, r#"[redacted] then {"p":"[redacted]"}"#);
    }

    #[test]
    fn never_prints_the_value() {
        let s = Secret::from("s3cr3t-value");
        for shown in [
            format!("{s:?}"),
            format!("{s}"),
            format!("{s:#?}"),
            format!("{:?}", Some(&s)),
        ] {
            assert!(!shown.contains("s3cr3t"), "{shown}");
        }
    }

    #[test]
    fn scrub_removes_plain_and_json_escaped_forms() {
        let secret = Secret::new("a\"b\\c\nd");
        let mut text = format!("plain a\"b\\c\nd, json {}", r#""a\"b\\c\nd""#);
        assert!(secret.scrub(&mut text));
        assert_eq!(text, r#"plain [redacted], json "[redacted]""#);
        let mut untouched = "nothing here".to_owned();
        assert!(!secret.scrub(&mut untouched));
        assert!(!Secret::new("").scrub(&mut untouched));
        assert_eq!(untouched, "nothing here");
    }
}
