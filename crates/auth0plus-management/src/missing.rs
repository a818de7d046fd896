//! The quoting, escaping and bounding of looked-up values in
//! [`Error::DoesNotExist`](crate::Error::DoesNotExist)'s message (`Connection
//! "Nope" does not exist`); a lookup's own phrase is `lookup::lookup_phrase`.
//!
//! The looked-up values are the caller's input, often a user's: they are
//! shown bounded (a long value cannot flood a log line) and escaped (a
//! newline or a bidi override cannot forge one). Nothing secret is ever
//! looked up, so nothing secret is shown.

/// The most characters of one looked-up value a message shows.
pub(crate) const SHOWN_VALUE_CHARS: usize = 100;
/// The most characters of a whole description a message shows.
pub(crate) const SHOWN_LOOKUP_CHARS: usize = 300;

/// `value` in double quotes, cut after [`SHOWN_VALUE_CHARS`] characters
/// (then `…`), with quotes, backslashes and every character that does not
/// print as itself (controls, bidi overrides, zero-width) escaped.
pub(crate) fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(SHOWN_VALUE_CHARS) + 2);
    out.push('"');
    out.push_str(&escaped(value, SHOWN_VALUE_CHARS));
    out.push('"');
    out
}

/// `text` escaped as [`quoted`] does, without the quotes, at most `chars`
/// characters of it (then `…`).
pub(crate) fn escaped(text: &str, chars: usize) -> String {
    let mut out = String::new();
    for (shown, c) in text.chars().enumerate() {
        if shown == chars {
            out.push('…');
            break;
        }
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            // `escape_debug` leaves printable characters (and `'`) alone.
            '\'' => out.push(c),
            c => out.extend(c.escape_debug()),
        }
    }
    out
}

/// A list request without search conditions as the message says it:
/// `matching /roles?name_filter=x`, escaped and bounded.
pub(crate) fn request_phrase(path_and_query: &str) -> String {
    bounded(format!(
        "matching {}",
        escaped(path_and_query, SHOWN_LOOKUP_CHARS)
    ))
}

/// An id lookup as the message says it: `"rol_1"`.
pub(crate) fn id_phrase(id: &str) -> String {
    quoted(id)
}

/// `phrase` cut after [`SHOWN_LOOKUP_CHARS`] characters (then `…`): its
/// values are already escaped, so cutting cannot unescape anything.
pub(crate) fn bounded(phrase: String) -> String {
    match phrase.char_indices().nth(SHOWN_LOOKUP_CHARS) {
        Some((cut, _)) => format!("{}…", &phrase[..cut]),
        None => phrase,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_bounded() {
        assert_eq!(quoted("Nope"), r#""Nope""#);
        assert_eq!(quoted("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quoted("O'Brien"), r#""O'Brien""#);
        assert_eq!(
            quoted("x\r\nUser admin deleted"),
            r#""x\r\nUser admin deleted""#
        );
        assert_eq!(quoted("\u{202e}gnp.exe"), r#""\u{202e}gnp.exe""#);
        assert_eq!(quoted("a\u{200b}b\u{0}"), r#""a\u{200b}b\0""#);
        assert_eq!(quoted("Zoë 東京"), "\"Zoë 東京\"");
        let long = "é".repeat(10_000);
        let shown = quoted(&long);
        assert_eq!(shown.chars().count(), SHOWN_VALUE_CHARS + 3);
        assert!(shown.ends_with("…\""));
    }
}
