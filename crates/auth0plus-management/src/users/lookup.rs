//! [`Lookup`]: search conditions that no value can break out of.
//!
//! Auth0's user search takes a Lucene query (`q`). Building it by pasting
//! values into a string lets a value change the query's structure: an email
//! with a quote, a name with `AND`, a `:` or `*` in an exact value. Every
//! value here is escaped, and field names are checked, so a lookup always
//! means exactly what its constructor says.

use std::fmt::Write as _;
use std::ops::Bound;

use crate::{Error, Result};

/// A search condition on users.
///
/// ```
/// use auth0plus_management::Lookup;
/// // Seed-style pairs: a trailing `*` means "starts with".
/// let l = Lookup::from([("email", "b*")]);
/// assert_eq!(l.to_query_string().unwrap(), "email:b*");
/// // Everything else is an exact match, escaped.
/// let l = Lookup::exact("name", r#"Bon "The Singer" Scott AND more"#);
/// assert_eq!(l.to_query_string().unwrap(), r#"name:"Bon \"The Singer\" Scott AND more""#);
/// let l = Lookup::exact("email_verified", "true").and(Lookup::prefix("user_metadata.band", "AC/DC"));
/// assert_eq!(l.to_query_string().unwrap(), r#"email_verified:"true" AND user_metadata.band:AC\/DC*"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup(Node);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Exact {
        field: String,
        value: String,
    },
    Prefix {
        field: String,
        value: String,
    },
    Range {
        field: String,
        lower: Bound<String>,
        upper: Bound<String>,
    },
    Exists {
        field: String,
    },
    All(Vec<Lookup>),
    Any(Vec<Lookup>),
    Not(Box<Lookup>),
}

impl Lookup {
    /// `field` equals `value` exactly (as a whole value; case rules are Auth0's).
    #[allow(
        clippy::needless_pass_by_value,
        reason = "takes numbers and bools as well as strings"
    )]
    pub fn exact(field: impl Into<String>, value: impl ToString) -> Self {
        Self(Node::Exact {
            field: field.into(),
            value: value.to_string(),
        })
    }

    /// `field` starts with `value` (an empty `value` means the field exists).
    #[allow(
        clippy::needless_pass_by_value,
        reason = "takes numbers as well as strings"
    )]
    pub fn prefix(field: impl Into<String>, value: impl ToString) -> Self {
        Self(Node::Prefix {
            field: field.into(),
            value: value.to_string(),
        })
    }

    /// `field` within a range; `Unbounded` ends are open.
    ///
    /// ```
    /// use std::ops::Bound;
    /// use auth0plus_management::Lookup;
    /// let l = Lookup::range("logins_count", Bound::Included("10"), Bound::Unbounded);
    /// assert_eq!(l.to_query_string().unwrap(), "logins_count:[10 TO *]");
    /// ```
    pub fn range<T: ToString>(field: impl Into<String>, lower: Bound<T>, upper: Bound<T>) -> Self {
        let conv = |b: Bound<T>| match b {
            Bound::Included(v) => Bound::Included(v.to_string()),
            Bound::Excluded(v) => Bound::Excluded(v.to_string()),
            Bound::Unbounded => Bound::Unbounded,
        };
        Self(Node::Range {
            field: field.into(),
            lower: conv(lower),
            upper: conv(upper),
        })
    }

    /// `field` is present.
    pub fn exists(field: impl Into<String>) -> Self {
        Self(Node::Exists {
            field: field.into(),
        })
    }

    /// Matches everyone (no condition).
    #[must_use]
    pub fn everyone() -> Self {
        Self(Node::All(Vec::new()))
    }

    /// Both conditions.
    #[must_use]
    pub fn and(self, other: Lookup) -> Self {
        match self.0 {
            Node::All(mut items) => {
                items.push(other);
                Self(Node::All(items))
            }
            node => Self(Node::All(vec![Self(node), other])),
        }
    }

    /// Either condition.
    #[must_use]
    pub fn or(self, other: Lookup) -> Self {
        match self.0 {
            Node::Any(mut items) => {
                items.push(other);
                Self(Node::Any(items))
            }
            node => Self(Node::Any(vec![Self(node), other])),
        }
    }

    /// The opposite condition (also available as `!lookup`).
    #[must_use]
    #[allow(
        clippy::should_implement_trait,
        reason = "DESIGN names it `not`; `std::ops::Not` is implemented too"
    )]
    pub fn not(self) -> Self {
        Self(Node::Not(Box::new(self)))
    }

    /// All of `lookups`.
    pub fn all(lookups: impl IntoIterator<Item = Lookup>) -> Self {
        Self(Node::All(lookups.into_iter().collect()))
    }

    /// Any of `lookups`.
    pub fn any(lookups: impl IntoIterator<Item = Lookup>) -> Self {
        Self(Node::Any(lookups.into_iter().collect()))
    }

    /// Whether this lookup has no condition at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        match &self.0 {
            Node::All(items) | Node::Any(items) => items.iter().all(Lookup::is_empty),
            _ => false,
        }
    }

    /// The Lucene `q` this lookup sends (empty for [`Lookup::everyone`]).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a field name outside
    /// `[A-Za-z0-9_]` segments joined by dots.
    pub fn to_query_string(&self) -> Result<String> {
        let mut out = String::new();
        self.render(&mut out, false)?;
        Ok(out)
    }

    fn render(&self, out: &mut String, nested: bool) -> Result<()> {
        match &self.0 {
            Node::Exact { field, value } => {
                check_field(field)?;
                let _ = write!(out, "{field}:{}", quote(value));
            }
            Node::Prefix { field, value } if value.is_empty() => {
                check_field(field)?;
                let _ = write!(out, "_exists_:{field}");
            }
            Node::Prefix { field, value } => {
                check_field(field)?;
                let _ = write!(out, "{field}:{}*", escape_term(value));
            }
            Node::Range {
                field,
                lower,
                upper,
            } => {
                check_field(field)?;
                let (open, low) = match lower {
                    Bound::Included(v) => ('[', escape_term(v)),
                    Bound::Excluded(v) => ('{', escape_term(v)),
                    Bound::Unbounded => ('[', "*".to_owned()),
                };
                let (close, high) = match upper {
                    Bound::Included(v) => (']', escape_term(v)),
                    Bound::Excluded(v) => ('}', escape_term(v)),
                    Bound::Unbounded => (']', "*".to_owned()),
                };
                let _ = write!(out, "{field}:{open}{low} TO {high}{close}");
            }
            Node::Exists { field } => {
                check_field(field)?;
                let _ = write!(out, "_exists_:{field}");
            }
            Node::All(items) | Node::Any(items) => {
                let op = if matches!(self.0, Node::All(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let parts: Vec<&Lookup> = items.iter().filter(|l| !l.is_empty()).collect();
                let wrap = nested && parts.len() > 1;
                if wrap {
                    out.push('(');
                }
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push_str(op);
                    }
                    part.render(out, true)?;
                }
                if wrap {
                    out.push(')');
                }
            }
            Node::Not(inner) => {
                if inner.is_empty() {
                    return Err(Error::InvalidArgument(
                        "the negation of an empty lookup matches nobody; negate a real condition"
                            .into(),
                    ));
                }
                out.push_str("NOT ");
                let compound = matches!(inner.0, Node::All(_) | Node::Any(_) | Node::Not(_));
                if compound {
                    out.push('(');
                }
                inner.render(out, false)?;
                if compound {
                    out.push(')');
                }
            }
        }
        Ok(())
    }

    /// The value of a lone exact condition on `field` (`email` for
    /// users-by-email).
    pub(crate) fn lone_exact(&self, field: &str) -> Option<&str> {
        match &self.0 {
            Node::Exact { field: f, value } if f == field => Some(value),
            Node::All(items) => {
                let mut real = items.iter().filter(|l| !l.is_empty());
                match (real.next(), real.next()) {
                    (Some(only), None) => only.lone_exact(field),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Every `(field, value)` required exactly by this lookup (the top-level
    /// AND chain), used to fill in a user to create.
    pub(crate) fn exact_pairs(&self) -> Vec<(&str, &str)> {
        match &self.0 {
            Node::Exact { field, value } => vec![(field.as_str(), value.as_str())],
            Node::All(items) => items.iter().flat_map(Lookup::exact_pairs).collect(),
            _ => Vec::new(),
        }
    }
}

impl std::ops::Not for Lookup {
    type Output = Lookup;
    fn not(self) -> Lookup {
        Lookup::not(self)
    }
}

impl Default for Lookup {
    fn default() -> Self {
        Self::everyone()
    }
}

/// Seed-style pair: a trailing `*` means "starts with", anything else is exact.
impl<K: AsRef<str>, V: AsRef<str>> From<(K, V)> for Lookup {
    fn from((field, value): (K, V)) -> Self {
        let value = value.as_ref();
        match value.strip_suffix('*') {
            Some(stem) => Lookup::prefix(field.as_ref(), stem),
            None => Lookup::exact(field.as_ref(), value),
        }
    }
}

/// Several seed-style pairs, all required.
impl<K: AsRef<str>, V: AsRef<str>, const N: usize> From<[(K, V); N]> for Lookup {
    fn from(pairs: [(K, V); N]) -> Self {
        Lookup::all(pairs.into_iter().map(Lookup::from))
    }
}

/// Several seed-style pairs, all required.
impl<K: AsRef<str>, V: AsRef<str>> From<Vec<(K, V)>> for Lookup {
    fn from(pairs: Vec<(K, V)>) -> Self {
        Lookup::all(pairs.into_iter().map(Lookup::from))
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Lookup {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Lookup::all(iter.into_iter().map(Lookup::from))
    }
}

/// Check a field name: segments of `[A-Za-z0-9_]` joined by single dots.
///
/// # Errors
/// [`Error::InvalidArgument`] naming the field.
pub fn check_field(field: &str) -> Result<()> {
    let valid = !field.is_empty()
        && field.split('.').all(|seg| {
            !seg.is_empty() && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{field:?} is not a valid search field (letters, digits and '_', dot-separated)"
        )))
    }
}

/// A Lucene phrase: `"` + value with `\` and `"` escaped + `"`. Inside a
/// phrase nothing else is special.
#[must_use]
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A Lucene term with every special character and all whitespace
/// backslash-escaped, so it stays one literal term. `<`, `>` and `=` are
/// escaped too: Elasticsearch-style parsers read a leading `>10` as a range.
#[must_use]
pub fn escape_term(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 2);
    for c in value.chars() {
        if c.is_whitespace() || "+-&|!(){}[]^\"~*?:\\/<>=".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_values_cannot_break_out_of_their_quotes() {
        for (value, expected) in [
            (r#"a"b"#, r#"email:"a\"b""#),
            (r"a\", r#"email:"a\\""#),
            (r#"x" OR email:*"#, r#"email:"x\" OR email:*""#),
            ("b*", r#"email:"b*""#),
        ] {
            assert_eq!(
                Lookup::exact("email", value).to_query_string().unwrap(),
                expected
            );
        }
    }

    #[test]
    fn prefixes_escape_every_operator_character() {
        assert_eq!(
            Lookup::prefix("name", "a b:c(d)*\"e\\")
                .to_query_string()
                .unwrap(),
            r#"name:a\ b\:c\(d\)\*\"e\\*"#
        );
        assert_eq!(
            Lookup::from(("email", "*")).to_query_string().unwrap(),
            "_exists_:email"
        );
    }

    #[test]
    fn boolean_structure_is_parenthesised() {
        let l = Lookup::exact("a", "1")
            .or(Lookup::exact("b", "2"))
            .and(Lookup::exact("c", "3").not());
        assert_eq!(
            l.to_query_string().unwrap(),
            r#"(a:"1" OR b:"2") AND NOT c:"3""#
        );
        let l = Lookup::all([Lookup::exact("a", "1"), Lookup::exact("b", "2")]).not();
        assert_eq!(l.to_query_string().unwrap(), r#"NOT (a:"1" AND b:"2")"#);
        assert_eq!(Lookup::everyone().to_query_string().unwrap(), "");
    }

    #[test]
    fn comparison_characters_stay_literal_and_empty_negations_are_refused() {
        assert_eq!(
            Lookup::prefix("name", ">10").to_query_string().unwrap(),
            r"name:\>10*"
        );
        assert_eq!(
            Lookup::prefix("name", "a<=b").to_query_string().unwrap(),
            r"name:a\<\=b*"
        );
        assert!((!Lookup::everyone()).to_query_string().is_err());
    }

    #[test]
    fn field_names_are_validated() {
        for bad in ["", "a b", "a:b", "a..b", ".a", "a.", "email)", "x\"", "é"] {
            assert!(Lookup::exact(bad, "v").to_query_string().is_err(), "{bad}");
        }
        assert!(
            Lookup::exact("user_metadata.family_name", "v")
                .to_query_string()
                .is_ok()
        );
    }

    #[test]
    fn lone_exact_email() {
        assert_eq!(
            Lookup::from([("email", "a@x")]).lone_exact("email"),
            Some("a@x")
        );
        assert_eq!(Lookup::from([("email", "a*")]).lone_exact("email"), None);
        assert_eq!(
            Lookup::from([("email", "a@x"), ("name", "n")]).lone_exact("email"),
            None
        );
    }
}
