//! A string that never prints.

use std::fmt;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use base64::Engine as _;
use base64::engine::GeneralPurpose;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

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

    /// Replace every occurrence of the value in `text`, in any of the forms
    /// a server may echo it in (see [`Scrubber`]), with `[redacted]`. For
    /// text a server sent back (an error that echoes the request body) before
    /// it goes into an error or a log. Returns whether anything was replaced.
    ///
    /// One left-to-right pass, so a placeholder already written is never
    /// rewritten, in time linear in the text. Values shorter than
    /// [`Secret::MIN_SCRUB_LEN`] characters are left alone: they cannot be
    /// told apart from ordinary text (a one-letter "token" would redact every
    /// such letter of the message). To scrub several secrets, build one
    /// [`Scrubber`] over them all.
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
        Scrubber::new([self]).scrub(text)
    }

    /// Shortest value [`Secret::scrub`] looks for.
    pub const MIN_SCRUB_LEN: usize = 4;
}

/// Removes several secrets from text in one pass, whatever form a server
/// echoed them in.
///
/// For every secret of at least [`Secret::MIN_SCRUB_LEN`] characters it
/// looks for the value as it is, JSON-escaped, URL-encoded (`+` or `%20` for
/// a space), upper- and lower-cased (ASCII letters match in any case), and
/// base64-encoded (standard and URL-safe alphabets, at each of the three
/// alignments the value can have inside a longer encoded text, such as a
/// `Basic` credential). All forms of all secrets go into one Aho-Corasick
/// automaton, so scrubbing takes time linear in the text however many
/// secrets and forms there are, and a server's 1 MB echo costs milliseconds.
///
/// ```
/// use auth0plus_transport::{Scrubber, Secret};
/// use base64::Engine as _;
/// let password = Secret::new("Chuck B!");
/// let token = Secret::new("eyJ.token.sig");
/// let scrubber = Scrubber::new([&password, &token]);
/// let encoded = base64::engine::general_purpose::STANDARD.encode("Chuck B!");
/// let echoed = format!("CHUCK B! / chuck+b%21 / {encoded} / Bearer eyJ.token.sig");
/// assert_eq!(
///     scrubber.scrubbed(echoed),
///     "[redacted] / [redacted] / [redacted] / Bearer [redacted]"
/// );
/// ```
#[derive(Clone, Default)]
pub struct Scrubber {
    automaton: Option<AhoCorasick>,
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scrubber")
            .field(
                "forms",
                &self.automaton.as_ref().map_or(0, AhoCorasick::patterns_len),
            )
            .finish()
    }
}

impl Scrubber {
    /// A scrubber for `secrets` (values too short to identify are skipped).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a Secret>) -> Self {
        let mut forms: Vec<String> = Vec::new();
        for secret in secrets {
            if secret.0.chars().count() >= Secret::MIN_SCRUB_LEN {
                forms_of(&secret.0, &mut forms);
            }
        }
        forms.retain(|form| form.chars().count() >= Secret::MIN_SCRUB_LEN);
        forms.sort_unstable();
        forms.dedup();
        if forms.is_empty() {
            return Self::default();
        }
        // Leftmost-longest: where forms overlap, the longest one is replaced
        // whole, so no tail of a secret is left behind. A contiguous NFA, not
        // the DFA the builder would pick for so few patterns: a bearer token's
        // forms make thousands of states, and a DFA's table (states × 256)
        // cost milliseconds and megabytes to build, where the NFA is built in
        // microseconds and still scans in time linear in the text.
        let automaton = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(&forms)
            .ok();
        Self { automaton }
    }

    /// Whether there is nothing to look for.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.automaton.is_none()
    }

    /// Replace every occurrence of every form of every secret in `text`
    /// with `[redacted]`; returns whether anything was replaced.
    pub fn scrub(&self, text: &mut String) -> bool {
        let Some(automaton) = &self.automaton else {
            return false;
        };
        if !automaton.is_match(text.as_str()) {
            return false;
        }
        let mut out = String::with_capacity(text.len());
        automaton.replace_all_with(text, &mut out, |_, _, out| {
            out.push_str(REDACTED);
            true
        });
        *text = out;
        true
    }

    /// `text` with every secret replaced (see [`Scrubber::scrub`]).
    #[must_use]
    pub fn scrubbed(&self, mut text: String) -> String {
        self.scrub(&mut text);
        text
    }

    /// The start of `text`, every secret replaced, cut after about `limit`
    /// bytes: what an error keeps of a server's text, however large the
    /// server made it. A cut text ends with `… [cut: N bytes in all]`.
    ///
    /// Secrets are found in the whole text before it is cut, so no prefix
    /// of a secret straddling the cut is left behind (a secret that starts
    /// before the cut is replaced whole). One pass, linear in the text up
    /// to the last match it needs; at most `limit` bytes, plus one
    /// `[redacted]` and the marker, are copied.
    ///
    /// ```
    /// use auth0plus_transport::{Scrubber, Secret};
    /// let token = Secret::new("eyJ.token.sig");
    /// let echo = format!("Bearer eyJ.token.sig {}", "x".repeat(1_000_000));
    /// let kept = Scrubber::new([&token]).scrubbed_within(&echo, 64);
    /// assert!(kept.starts_with("Bearer [redacted] xxx"));
    /// assert!(kept.ends_with("… [cut: 1000021 bytes in all]"));
    /// assert!(kept.len() < 128);
    /// ```
    #[must_use]
    pub fn scrubbed_within(&self, text: &str, limit: usize) -> String {
        let mut out = String::with_capacity(text.len().min(limit) + REDACTED.len());
        let mut at = 0;
        if let Some(automaton) = &self.automaton {
            for found in automaton.find_iter(text) {
                if !push_within(&mut out, &text[at..found.start()], limit) {
                    return cut_marked(out, text.len());
                }
                out.push_str(REDACTED);
                at = found.end();
            }
        }
        if push_within(&mut out, &text[at..], limit) {
            out
        } else {
            cut_marked(out, text.len())
        }
    }
}

/// Push as much of `piece` as fits `out` within `limit` bytes (cut at a
/// character boundary); whether all of it did.
fn push_within(out: &mut String, piece: &str, limit: usize) -> bool {
    let room = limit.saturating_sub(out.len());
    if piece.len() <= room {
        out.push_str(piece);
        return true;
    }
    let mut end = room;
    while !piece.is_char_boundary(end) {
        end -= 1;
    }
    out.push_str(&piece[..end]);
    false
}

fn cut_marked(mut out: String, total: usize) -> String {
    out.push_str(&format!("… [cut: {total} bytes in all]"));
    out
}

const REDACTED: &str = "[redacted]";

/// Every form of `value` a server may echo, pushed onto `forms`.
fn forms_of(value: &str, forms: &mut Vec<String>) {
    forms.push(value.to_owned());
    forms.push(json_escaped(value));
    // Non-ASCII letters do not match case-insensitively: add their cases.
    forms.push(value.to_uppercase());
    forms.push(value.to_lowercase());
    let form_encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
    forms.push(form_encoded.replace('+', "%20"));
    forms.push(form_encoded);
    // Encoded alone: the whole encoding, padding included.
    for engine in [&STANDARD, &URL_SAFE, &STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
        forms.push(engine.encode(value));
    }
    for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
        for shift in 0..3 {
            forms.push(base64_core(engine, value.as_bytes(), shift));
        }
    }
}

/// The characters of the base64 encoding of `value`, preceded by `shift`
/// other bytes, that depend on `value`'s bytes alone: what any encoded text
/// containing `value` at that alignment contains.
fn base64_core(engine: &GeneralPurpose, value: &[u8], shift: usize) -> String {
    let mut input = vec![0_u8; shift];
    input.extend_from_slice(value);
    let encoded = engine.encode(&input);
    let first = (shift * 8).div_ceil(6);
    let last = (input.len() * 8) / 6;
    encoded.get(first..last).unwrap_or_default().to_owned()
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
    fn a_megabyte_echo_is_scrubbed_in_linear_time() {
        // Was quadratic: a password with a `"` is echoed only in its escaped
        // form, and each match rescanned the rest of the text for the raw one
        // (224 KB took 33 s). Linear, 1 MB takes milliseconds even in a debug
        // build; the bound is far from the noise.
        let password = Secret::new(r#"pa"ss-w0rd"#);
        let echo = r#"{"password":"pa\"ss-w0rd"} "#.repeat(1024 * 1024 / 28);
        let mut text = echo.clone();
        let started = std::time::Instant::now();
        assert!(Scrubber::new([&password]).scrub(&mut text));
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_secs(1), "took {took:?}");
        assert!(!text.contains("ss-w0rd"));
        assert_eq!(
            text.matches(REDACTED).count(),
            echo.matches("ss-w0rd").count()
        );
    }

    #[test]
    fn every_echoed_form_is_scrubbed() {
        let secret = Secret::new("s3cr3t/Value+ü é");
        let scrubber = Scrubber::new([&secret]);
        let forms = [
            "s3cr3t/Value+ü é".to_owned(),
            "S3CR3T/VALUE+Ü É".to_owned(),
            "s3cr3t/value+ü é".to_owned(),
            "s3Cr3T/vALue+ü é".to_owned(),
            "s3cr3t%2FValue%2B%C3%BC+%C3%A9".to_owned(),
            "s3cr3t%2fValue%2b%c3%bc%20%c3%a9".to_owned(),
            STANDARD.encode("s3cr3t/Value+ü é"),
            URL_SAFE.encode("s3cr3t/Value+ü é"),
            // Inside a longer encoded text, at every alignment.
            STANDARD.encode("client:s3cr3t/Value+ü é"),
            STANDARD.encode("c:s3cr3t/Value+ü é!"),
            STANDARD.encode("ab:s3cr3t/Value+ü é"),
        ];
        for form in forms {
            let shown = scrubber.scrubbed(format!("echo <{form}> end"));
            assert!(shown.contains(REDACTED), "{form} -> {shown}");
            // The middle of every form is made of the secret alone.
            let middle: String = form
                .chars()
                .skip(form.chars().count() / 2 - 3)
                .take(6)
                .collect();
            assert!(!shown.contains(&middle), "{form} -> {shown}");
        }
        // Several secrets, one pass.
        let other = Secret::new("tok3n-xyz");
        let both = Scrubber::new([&secret, &other]);
        assert_eq!(
            both.scrubbed("TOK3N-XYZ and s3cr3t/Value+ü é".to_owned()),
            "[redacted] and [redacted]"
        );
        assert!(Scrubber::new([&Secret::new("abc")]).is_empty());
        assert!(Scrubber::default().is_empty());
    }

    #[test]
    fn scrubbed_within_cuts_after_scrubbing_and_marks_the_cut() {
        let token = Secret::new("tok3n-xyz-123");
        let scrubber = Scrubber::new([&token]);
        // Short text: untouched but for the secrets, no marker.
        assert_eq!(
            scrubber.scrubbed_within("a TOK3N-XYZ-123 b", 100),
            "a [redacted] b"
        );
        // A secret straddling the cut is replaced whole, never half shown.
        let kept = scrubber.scrubbed_within("0123456789tok3n-xyz-123 and more", 12);
        assert_eq!(kept, "0123456789[redacted]… [cut: 32 bytes in all]");
        // A secret wholly past the cut is not shown either.
        let kept = scrubber.scrubbed_within("0123456789 and tok3n-xyz-123", 4);
        assert_eq!(kept, "0123… [cut: 28 bytes in all]");
        // Cut on a character boundary, with no scrubber at all.
        let kept = Scrubber::default().scrubbed_within("ééééé", 3);
        assert_eq!(kept, "é… [cut: 10 bytes in all]");
        // However large the text, the result is about `limit` long.
        let echo = "tok3n-xyz-123 ".repeat(1_000_000);
        let kept = scrubber.scrubbed_within(&echo, 4096);
        assert!(kept.len() < 4096 + 64, "{}", kept.len());
        assert!(!kept.contains("tok3n"));
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
