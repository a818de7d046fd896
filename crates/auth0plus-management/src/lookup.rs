//! [`Lookup`]: search conditions that no value can break out of.
//!
//! Auth0's user search takes a Lucene query (`q`). Building it by pasting
//! values into a string lets a value change the query's structure: an email
//! with a quote, a name with `AND`, a `:` or `*` in an exact value. Every
//! value here is escaped, and field names are checked, so a lookup always
//! means exactly what its constructor says.

use std::fmt::Write as _;
use std::ops::Bound;

use crate::{Error, Result, Timestamp};

/// A search condition (users' and logs' Lucene search).
///
/// Built from pairs, Django's way, or explicitly. **A pair's value is always
/// exact**, whatever it holds, so user input can go straight into a pair:
/// `"alice*"` finds only a user whose email is literally `alice*`. Other
/// matches are asked for with a suffix on the field: `__startswith`, `__in`,
/// `__gt`, `__gte`, `__lt`, `__lte`, `__exists` (and `__exact`).
///
/// ```
/// use auth0plus_management::Lookup;
/// // A pair is exact: the `*` is a literal character, not a wildcard.
/// let l = Lookup::from([("email", "b*")]);
/// assert_eq!(l.to_query_string().unwrap(), r#"email:"b*""#);
/// // "Starts with" is asked for by name.
/// let l = Lookup::from([("email__startswith", "b")]);
/// assert_eq!(l.to_query_string().unwrap(), "email:b*");
/// let l = Lookup::from([("logins_count__gte", 10)]);
/// assert_eq!(l.to_query_string().unwrap(), "logins_count:[10 TO *]");
/// let l = Lookup::from([("email__in", ["a@x.example", "b@x.example"])]);
/// assert_eq!(l.to_query_string().unwrap(), r#"(email:"a@x.example" OR email:"b@x.example")"#);
/// // Every value is escaped.
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
    /// A pair that cannot mean anything safe; reported when rendered.
    Invalid(String),
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

    /// Whether this lookup has no condition at all (it matches everyone).
    /// An OR of no conditions is not empty: it matches nobody, and is
    /// refused when rendered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        match &self.0 {
            Node::All(items) => items.iter().all(Lookup::is_empty),
            Node::Any(items) => items.iter().any(Lookup::is_empty),
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

    /// The lookup in words, for [`Error::DoesNotExist`]'s message:
    /// `email "x" and name starting with "B"`, every value quoted, escaped
    /// and bounded ([`crate::missing`]).
    pub(crate) fn describe(&self) -> String {
        use crate::missing::{escaped, quoted};
        let field = |f: &str| escaped(f, crate::missing::SHOWN_VALUE_CHARS);
        let bound = |b: &Bound<String>, open: char, closed: char| match b {
            Bound::Included(v) => (closed, quoted(v)),
            Bound::Excluded(v) => (open, quoted(v)),
            Bound::Unbounded => (closed, "*".to_owned()),
        };
        let joined = |items: &[Lookup], with: &str| {
            let parts: Vec<String> = items
                .iter()
                .map(Lookup::describe)
                .filter(|p| !p.is_empty())
                .collect();
            (parts.len(), parts.join(with))
        };
        match &self.0 {
            Node::Exact { field: f, value } => format!("{} {}", field(f), quoted(value)),
            Node::Prefix { field: f, value } => {
                format!("{} starting with {}", field(f), quoted(value))
            }
            Node::Range {
                field: f,
                lower,
                upper,
            } => {
                let (open, low) = bound(lower, '{', '[');
                let (close, high) = bound(upper, '}', ']');
                format!("{} in {open}{low} TO {high}{close}", field(f))
            }
            Node::Exists { field: f } => format!("{} set", field(f)),
            Node::All(items) => joined(items, " and ").1,
            Node::Any(items) => match joined(items, " or ") {
                (0, _) => String::new(),
                (1, one) => one,
                (_, many) => format!("({many})"),
            },
            Node::Not(inner) => format!("not ({})", inner.describe()),
            Node::Invalid(_) => "an invalid lookup".to_owned(),
        }
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
            Node::Invalid(problem) => return Err(Error::InvalidArgument(problem.clone())),
            Node::Any(items) if items.is_empty() => {
                return Err(Error::InvalidArgument(
                    "an OR of no conditions (an empty `__in`) matches nobody; \
                     leave the condition out or give it values"
                        .into(),
                ));
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

    /// The `(field, value)` pairs of a lookup that requires nothing but
    /// exact values (pairs joined by AND); `None` for anything else (a
    /// prefix, a range, an OR, a negation). What a resource looked up by a
    /// few fields answers ([`Resource::find`](crate::Resource::find)).
    ///
    /// ```
    /// use auth0plus_management::Lookup;
    /// let by_name = Lookup::from([("name", "admin")]);
    /// assert_eq!(by_name.only_exact(), Some(vec![("name", "admin")]));
    /// assert_eq!(Lookup::from([("name__startswith", "ad")]).only_exact(), None);
    /// ```
    #[must_use]
    pub fn only_exact(&self) -> Option<Vec<(&str, &str)>> {
        match &self.0 {
            Node::Exact { field, value } => Some(vec![(field.as_str(), value.as_str())]),
            Node::All(items) => {
                let mut pairs = Vec::new();
                for item in items {
                    pairs.extend(item.only_exact()?);
                }
                Some(pairs)
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

/// A lookup as the message says it, after the kind: a lone exact `name`
/// or id as just the quoted value (`Connection "Nope"`), anything else as
/// `with …` (`User with email "x"`), bounded to [`crate::missing::SHOWN_LOOKUP_CHARS`].
pub(crate) fn lookup_phrase(lookup: &Lookup, id_field: &str) -> String {
    if let Some([(field, value)]) = lookup.only_exact().as_deref()
        && (*field == "name" || *field == id_field)
    {
        return crate::missing::quoted(value);
    }
    let described = lookup.describe();
    if described.is_empty() {
        return String::new();
    }
    crate::missing::bounded(format!("with {described}"))
}

/// A search's conditions as the message says them: `with email "x" and q
/// "…"`, bounded to [`crate::missing::SHOWN_LOOKUP_CHARS`].
pub(crate) fn search_phrase(lookups: &[Lookup], raw: &[String]) -> String {
    let mut parts: Vec<String> = lookups
        .iter()
        .map(Lookup::describe)
        .filter(|part| !part.is_empty())
        .collect();
    parts.extend(
        raw.iter()
            .map(|q| format!("q {}", crate::missing::quoted(q))),
    );
    if parts.is_empty() {
        return String::new();
    }
    crate::missing::bounded(format!("with {}", parts.join(" and ")))
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

/// The lookups a pair's field may end with, Django's way.
pub const LOOKUP_SUFFIXES: [&str; 8] = [
    "exact",
    "startswith",
    "in",
    "gt",
    "gte",
    "lt",
    "lte",
    "exists",
];

/// A value of a lookup pair: a string, number, boolean or [`Timestamp`], or
/// a list of them for `__in`.
pub trait LookupValue {
    /// The value as lookup text.
    fn into_lookup_arg(self) -> LookupArg;
}

/// A pair's value, as text: one value, or a list (for `__in`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupArg(Arg);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Arg {
    One(String),
    Many(Vec<String>),
}

macro_rules! scalar_lookup_values {
    ($($ty:ty),* $(,)?) => {$(
        impl LookupValue for $ty {
            fn into_lookup_arg(self) -> LookupArg {
                LookupArg(Arg::One(self.to_string()))
            }
        }
        impl<const N: usize> LookupValue for [$ty; N] {
            fn into_lookup_arg(self) -> LookupArg {
                LookupArg(Arg::Many(self.iter().map(ToString::to_string).collect()))
            }
        }
        impl LookupValue for Vec<$ty> {
            fn into_lookup_arg(self) -> LookupArg {
                LookupArg(Arg::Many(self.iter().map(ToString::to_string).collect()))
            }
        }
        impl LookupValue for &[$ty] {
            fn into_lookup_arg(self) -> LookupArg {
                LookupArg(Arg::Many(self.iter().map(ToString::to_string).collect()))
            }
        }
    )*};
}

scalar_lookup_values!(
    &str, String, &String, bool, i32, i64, u32, u64, usize, Timestamp
);

/// Split `field__suffix` into the field and a known suffix. A trailing
/// `__word` that is not a known suffix is refused (a typo such as
/// `__startwith` must not silently become an exact match on a field that
/// does not exist); a field whose real name holds `__` is reached with the
/// explicit constructors ([`Lookup::exact`]…).
fn split_suffix(key: &str) -> std::result::Result<(&str, &str), String> {
    match key.rsplit_once("__") {
        Some((field, suffix)) if LOOKUP_SUFFIXES.contains(&suffix) => Ok((field, suffix)),
        Some((_, suffix))
            if !suffix.is_empty() && suffix.chars().all(|c| c.is_ascii_lowercase()) =>
        {
            Err(format!(
                "unknown lookup `__{suffix}` in {key:?}: use one of __{} \
                 (or Lookup::exact for a field whose name holds `__`)",
                LOOKUP_SUFFIXES.join(", __")
            ))
        }
        _ => Ok((key, "exact")),
    }
}

/// A pair: `("email", v)` is exact, whatever `v` holds; a suffix on the
/// field asks for another match (`email__startswith`, `logins_count__gte`,
/// `email__in`, `blocked__exists`…).
impl<K: AsRef<str>, V: LookupValue> From<(K, V)> for Lookup {
    fn from((key, value): (K, V)) -> Self {
        let key = key.as_ref();
        let (field, suffix) = match split_suffix(key) {
            Ok(split) => split,
            Err(problem) => return Self(Node::Invalid(problem)),
        };
        let invalid = |why: &str| Self(Node::Invalid(format!("{key:?}: {why}")));
        match (suffix, value.into_lookup_arg().0) {
            ("exact", Arg::One(v)) => Lookup::exact(field, v),
            ("startswith", Arg::One(v)) => Lookup::prefix(field, v),
            ("in", Arg::One(v)) => Lookup::any([Lookup::exact(field, v)]),
            ("in", Arg::Many(values)) => {
                Lookup::any(values.into_iter().map(|v| Lookup::exact(field, v)))
            }
            ("gt", Arg::One(v)) => Lookup::range(field, Bound::Excluded(v), Bound::Unbounded),
            ("gte", Arg::One(v)) => Lookup::range(field, Bound::Included(v), Bound::Unbounded),
            ("lt", Arg::One(v)) => Lookup::range(field, Bound::Unbounded, Bound::Excluded(v)),
            ("lte", Arg::One(v)) => Lookup::range(field, Bound::Unbounded, Bound::Included(v)),
            ("exists", Arg::One(v)) if v == "true" => Lookup::exists(field),
            ("exists", Arg::One(v)) if v == "false" => Lookup::exists(field).not(),
            ("exists", Arg::One(_)) => invalid("`__exists` takes true or false"),
            (_, Arg::Many(_)) => invalid("a list of values needs `__in`"),
            _ => invalid("unsupported lookup"),
        }
    }
}

/// Several pairs, all required.
impl<K: AsRef<str>, V: LookupValue, const N: usize> From<[(K, V); N]> for Lookup {
    fn from(pairs: [(K, V); N]) -> Self {
        Lookup::all(pairs.into_iter().map(Lookup::from))
    }
}

/// Several pairs, all required.
impl<K: AsRef<str>, V: LookupValue> From<Vec<(K, V)>> for Lookup {
    fn from(pairs: Vec<(K, V)>) -> Self {
        Lookup::all(pairs.into_iter().map(Lookup::from))
    }
}

impl<K: AsRef<str>, V: LookupValue> FromIterator<(K, V)> for Lookup {
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
    #[test]
    fn lookups_read_as_phrases() {
        let phrase = |l: Lookup| lookup_phrase(&l, "id");
        assert_eq!(phrase(Lookup::from([("name", "Nope")])), r#""Nope""#);
        assert_eq!(phrase(Lookup::from([("id", "rol_1")])), r#""rol_1""#);
        assert_eq!(
            phrase(Lookup::from([("email", "x@example.com")])),
            r#"with email "x@example.com""#
        );
        assert_eq!(
            phrase(Lookup::from([("email__startswith", "b"), ("name", "B")])),
            r#"with email starting with "b" and name "B""#
        );
        assert_eq!(phrase(Lookup::everyone()), "");
        let many: Lookup = (0..1_000).map(|i| ("name", format!("n{i}"))).collect();
        let shown = phrase(many);
        assert_eq!(
            shown.chars().count(),
            crate::missing::SHOWN_LOOKUP_CHARS + 1
        );
        assert!(shown.ends_with('…'));
    }

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
            Lookup::from(("email__exists", true))
                .to_query_string()
                .unwrap(),
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
    fn a_pair_is_exact_whatever_its_value_holds() {
        for value in ["alice*", "*", "a?c", "x AND y", "(", "a\\*"] {
            let rendered = Lookup::from([("email", value)]).to_query_string().unwrap();
            assert!(rendered.starts_with("email:\""), "{value}: {rendered}");
            assert_eq!(
                rendered,
                Lookup::exact("email", value).to_query_string().unwrap()
            );
        }
    }

    #[test]
    fn suffixes_ask_for_other_matches() {
        let q = |l: Lookup| l.to_query_string().unwrap();
        assert_eq!(q(Lookup::from([("email__exact", "b*")])), r#"email:"b*""#);
        assert_eq!(
            q(Lookup::from([("email__startswith", "b*")])),
            r"email:b\**"
        );
        assert_eq!(
            q(Lookup::from([("logins_count__gt", 3)])),
            "logins_count:{3 TO *]"
        );
        assert_eq!(
            q(Lookup::from([("logins_count__lt", 3)])),
            "logins_count:[* TO 3}"
        );
        assert_eq!(
            q(Lookup::from([("logins_count__lte", 3)])),
            "logins_count:[* TO 3]"
        );
        assert_eq!(
            q(Lookup::from([("blocked__exists", false)])),
            "NOT _exists_:blocked"
        );
        assert_eq!(q(Lookup::from([("email__in", "a@x")])), r#"email:"a@x""#);
        assert_eq!(
            q(Lookup::from([("email__in", vec!["a@x", "b\" OR x:*"])])),
            r#"(email:"a@x" OR email:"b\" OR x:*")"#
        );
        assert_eq!(
            q(Lookup::from([("email__in", ["a", "b"])]).and(Lookup::exact("c", "1"))),
            r#"(email:"a" OR email:"b") AND c:"1""#
        );
    }

    #[test]
    fn pairs_that_mean_nothing_safe_are_refused() {
        let empty: Vec<&str> = Vec::new();
        for lookup in [
            Lookup::from([("email__in", empty)]),
            Lookup::from([("email__contains", "a")]),
            Lookup::from([("email__startwith", "a")]),
            Lookup::from([("email", vec!["a", "b"])]),
            Lookup::from([("email__gte", vec!["a"])]),
            Lookup::from([("blocked__exists", "maybe")]),
            Lookup::any(Vec::new()),
        ] {
            assert!(
                matches!(lookup.to_query_string(), Err(Error::InvalidArgument(_))),
                "{lookup:?}"
            );
        }
        // A refused part is not skipped inside a larger lookup.
        let nested =
            Lookup::from([("email", "a")]).and(Lookup::from([("x__in", Vec::<String>::new())]));
        assert!(nested.to_query_string().is_err());
        // A field whose name really holds `__` is reached explicitly.
        assert_eq!(
            Lookup::exact("user_metadata.a__b", "1")
                .to_query_string()
                .unwrap(),
            r#"user_metadata.a__b:"1""#
        );
    }

    #[test]
    fn lone_exact_email() {
        assert_eq!(
            Lookup::from([("email", "a@x")]).lone_exact("email"),
            Some("a@x")
        );
        assert_eq!(
            Lookup::from([("email__startswith", "a")]).lone_exact("email"),
            None
        );
        assert_eq!(
            Lookup::from([("email", "a@x"), ("name", "n")]).lone_exact("email"),
            None
        );
    }
}
