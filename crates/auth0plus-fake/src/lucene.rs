//! The subset of Lucene query syntax that Auth0's user search (engine v3) accepts.
//!
//! Interface contract (used by the search route): [`parse`] once, then
//! [`Query::matches`] for every user.
//!
//! # Supported syntax
//!
//! * Field terms `field:value` and bare terms `value`. A bare term (no field) is matched
//!   against the root text fields `email`, `name`, `nickname`, `given_name`, `family_name`,
//!   `username` and `user_id` — never against metadata.
//! * Quoted phrases `field:"a b"`; inside quotes `\"` is a quote and `\\` a backslash
//!   (any other `\x` is `x`). A quoted value is always literal: `*` and `?` are plain
//!   characters there, and `field:""` matches an empty string value.
//! * Backslash escapes in unquoted terms and field names: `name:John\ Doe`, `\:`, `\*`,
//!   `\(`… An escaped `*` is a literal star, an escaped `.` in a field name is part of the
//!   key rather than a path separator.
//! * `*` wildcards in unquoted terms: prefix `test*`, suffix `*abc`, infix `jane*smith`,
//!   contains `*exam*`. A pattern that starts with `*` needs at least 3 literal characters.
//!   `*` on its own means "has any value" (like `_exists_`). The `?` wildcard is rejected.
//! * No tokenization: a value matches a whole field value, never a word inside it.
//! * Case: `email`, `name`, `given_name`, `family_name`, `nickname` and `email.domain`
//!   compare case-insensitively (Unicode lowercase); every other field, including all
//!   metadata, is case-sensitive.
//! * Booleans `AND`/`&&`, `OR`/`||`, `NOT`/`!` (operators are uppercase only: `and` is a
//!   plain term), the prefixes `+` (required) and `-` (prohibited), parentheses, and
//!   `field:(a OR b)` groups. Precedence is `NOT` > `AND` > `OR`. Clauses written side by
//!   side without an operator follow Lucene's default-OR rule: `a b` matches either,
//!   `a -b` matches `a` but not `b`, `+a b` requires `a`, and a list of only prohibited
//!   clauses (`-a`, `NOT a`) matches everyone else.
//! * Ranges `[a TO b]` (inclusive), `{a TO b}` (exclusive), mixed `[a TO b}`, `*` for an
//!   open end. JSON numbers compare numerically; strings compare lexicographically. A
//!   partial ISO-8601 date bound (`2017`, `2017-11`, `2017-11-05`, `2017-11-05T10`, …, no
//!   zone) stands for the whole period: `[2017-11 TO 2017-11]` is all of November 2017,
//!   `{2017-11 TO *]` starts after November. Ranges on `user_metadata` are rejected.
//! * `_exists_:field` (dotted paths too): the field holds at least one searchable value
//!   (`null`, empty arrays and empty objects are not searchable).
//! * Dotted paths `user_metadata.a.b`, `app_metadata.plan`, `identities.connection`; arrays
//!   anywhere on the path are stepped through (any element may match). Booleans and numbers
//!   match their JSON text (`email_verified:true`, `logins_count:5`; `5.0` also matches 5).
//!   `email.domain` is the part of `email` after the last `@`. `*:*` matches everyone.
//!   Wildcards on `user_metadata` are rejected.
//!
//! # Rejected input
//!
//! Anything malformed gives a [`QueryError`] (never a panic): unbalanced parentheses or
//! quotes, dangling operators, empty field names or values, `?`, `~` (fuzzy/proximity),
//! `^` (boost), a trailing backslash, short suffix wildcards, queries longer than 4096
//! characters and nesting deeper than 64 levels. Positions in messages are 0-based
//! character offsets.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Number, Value};

/// Longest accepted query, in characters.
const MAX_QUERY_CHARS: usize = 4096;
/// Deepest accepted nesting of groups and prefix operators.
const MAX_DEPTH: usize = 64;
/// Minimum literal characters in a pattern that starts with `*`.
const MIN_SUFFIX_CHARS: usize = 3;
/// Root fields compared case-insensitively.
const CASE_INSENSITIVE_FIELDS: [&str; 5] =
    ["email", "name", "given_name", "family_name", "nickname"];
/// Root fields searched by a term without a field.
const DEFAULT_FIELDS: [&str; 7] = [
    "email",
    "name",
    "nickname",
    "given_name",
    "family_name",
    "username",
    "user_id",
];

/// A parsed search query, ready to test users against.
#[derive(Debug, Clone)]
pub struct Query {
    root: Node,
}

/// A query the fake refuses, with the reason Auth0 would give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    /// Human-readable reason, used in the 400 body.
    pub message: String,
}

fn err<T>(message: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError {
        message: message.into(),
    })
}

/// Parse `q`. An empty or all-whitespace `q` matches every user.
///
/// # Errors
/// [`QueryError`] for syntax Auth0 would reject or this fake does not support.
pub fn parse(q: &str) -> Result<Query, QueryError> {
    let count = q.chars().count();
    if count > MAX_QUERY_CHARS {
        return err(format!(
            "query is too long: {count} characters (at most {MAX_QUERY_CHARS} are allowed)"
        ));
    }
    let toks = lex(q)?;
    if toks.is_empty() {
        return Ok(Query { root: Node::All });
    }
    let mut parser = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    let root = parser.parse_seq(None, false)?;
    Ok(Query { root })
}

impl Query {
    /// Whether `user` (a user object as the API returns it) matches.
    #[must_use]
    pub fn matches(&self, user: &Value) -> bool {
        self.root.eval(user)
    }
}

// ---------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------

/// One character of an unquoted term, remembering whether it was backslash-escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ch {
    c: char,
    escaped: bool,
}

/// One end of a range.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RawRange {
    lower: Option<String>,
    upper: Option<String>,
    lower_inclusive: bool,
    upper_inclusive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Term(Vec<Ch>),
    Phrase(String),
    Range(RawRange),
    Colon,
    LParen,
    RParen,
    And,
    Or,
    Not,
    Plus,
    Minus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Spanned {
    tok: Tok,
    pos: usize,
}

/// Characters that end an unquoted term unless escaped.
fn ends_term(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '{' | '}' | '"' | ':' | '^' | '~')
}

fn lex(q: &str) -> Result<Vec<Spanned>, QueryError> {
    let chars: Vec<char> = q.chars().collect();
    let mut toks: Vec<Spanned> = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        // Directly after `field:` the characters `+ - !` start a value (e.g. `count:-1`).
        let right_after_colon = i > 0
            && toks
                .last()
                .is_some_and(|t| t.tok == Tok::Colon && t.pos + 1 == i);
        let next = chars.get(i + 1).copied();
        let tok = match c {
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            ':' => {
                i += 1;
                Tok::Colon
            }
            '"' => {
                let (s, end) = lex_quoted(&chars, i)?;
                i = end;
                Tok::Phrase(s)
            }
            '[' | '{' => {
                let (r, end) = lex_range(&chars, i)?;
                i = end;
                Tok::Range(r)
            }
            ']' | '}' => {
                return err(format!(
                    "unexpected '{c}' at position {i}: range end without a range start"
                ));
            }
            '^' => return err(format!("boosting ('^' at position {i}) is not supported")),
            '~' => {
                return err(format!(
                    "fuzzy and proximity searches ('~' at position {i}) are not supported"
                ));
            }
            '+' if !right_after_colon => {
                i += 1;
                Tok::Plus
            }
            '-' if !right_after_colon => {
                i += 1;
                Tok::Minus
            }
            '!' if !right_after_colon => {
                i += 1;
                Tok::Not
            }
            '&' if next == Some('&') => {
                i += 2;
                Tok::And
            }
            '|' if next == Some('|') => {
                i += 2;
                Tok::Or
            }
            _ => {
                let (chs, end) = lex_term(&chars, i)?;
                i = end;
                operator_word(&chs).unwrap_or(Tok::Term(chs))
            }
        };
        toks.push(Spanned { tok, pos: start });
    }
    Ok(toks)
}

/// `AND`, `OR`, `NOT` written without escapes are operators.
fn operator_word(chs: &[Ch]) -> Option<Tok> {
    if chs.iter().any(|ch| ch.escaped) {
        return None;
    }
    let word: String = chs.iter().map(|ch| ch.c).collect();
    match word.as_str() {
        "AND" => Some(Tok::And),
        "OR" => Some(Tok::Or),
        "NOT" => Some(Tok::Not),
        _ => None,
    }
}

/// Reads an unquoted term starting at `i`; returns it and the position after it.
fn lex_term(chars: &[char], mut i: usize) -> Result<(Vec<Ch>, usize), QueryError> {
    let mut chs = Vec::new();
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                let Some(&e) = chars.get(i + 1) else {
                    return err(format!(
                        "trailing backslash at position {i}: escape it as '\\\\' for a literal backslash"
                    ));
                };
                chs.push(Ch {
                    c: e,
                    escaped: true,
                });
                i += 2;
            }
            '?' => {
                return err(format!(
                    "the '?' wildcard (position {i}) is not supported; use '*' or escape it as '\\?'"
                ));
            }
            c if ends_term(c) => break,
            c => {
                chs.push(Ch { c, escaped: false });
                i += 1;
            }
        }
    }
    Ok((chs, i))
}

/// Reads a double-quoted string whose opening quote is at `start`.
fn lex_quoted(chars: &[char], start: usize) -> Result<(String, usize), QueryError> {
    let mut s = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => {
                return err(format!(
                    "unterminated quoted phrase starting at position {start}: missing closing '\"'"
                ));
            }
            Some('"') => return Ok((s, i + 1)),
            Some('\\') => {
                let Some(&e) = chars.get(i + 1) else {
                    return err(format!(
                        "unterminated quoted phrase starting at position {start}: it ends in a backslash"
                    ));
                };
                s.push(e);
                i += 2;
            }
            Some(&c) => {
                s.push(c);
                i += 1;
            }
        }
    }
}

fn skip_ws(chars: &[char], mut i: usize) -> usize {
    while chars.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    i
}

/// Reads `[a TO b]` / `{a TO b}` (any mix of brackets) whose opening bracket is at `start`.
fn lex_range(chars: &[char], start: usize) -> Result<(RawRange, usize), QueryError> {
    let lower_inclusive = chars.get(start) == Some(&'[');
    let mut i = skip_ws(chars, start + 1);
    let (lower, end) = lex_bound(chars, i, start)?;
    i = skip_ws(chars, end);
    let has_to = chars.get(i) == Some(&'T')
        && chars.get(i + 1) == Some(&'O')
        && chars
            .get(i + 2)
            .is_some_and(|&c| c.is_whitespace() || c == ']' || c == '}');
    if !has_to {
        return err(format!(
            "range starting at position {start} must look like '[lower TO upper]' (expected 'TO' at position {i})"
        ));
    }
    i = skip_ws(chars, i + 2);
    let (upper, end) = lex_bound(chars, i, start)?;
    i = skip_ws(chars, end);
    let upper_inclusive = match chars.get(i) {
        Some(']') => true,
        Some('}') => false,
        None => {
            return err(format!(
                "unterminated range starting at position {start}: missing ']' or '}}'"
            ));
        }
        Some(c) => {
            return err(format!(
                "range starting at position {start}: expected ']' or '}}' at position {i}, found '{c}'"
            ));
        }
    };
    let range = RawRange {
        lower,
        upper,
        lower_inclusive,
        upper_inclusive,
    };
    Ok((range, i + 1))
}

/// Reads one range bound; `None` is an open end (`*`).
fn lex_bound(
    chars: &[char],
    i: usize,
    start: usize,
) -> Result<(Option<String>, usize), QueryError> {
    if chars.get(i) == Some(&'"') {
        let (s, end) = lex_quoted(chars, i)?;
        return Ok((Some(s), end));
    }
    let mut s = String::new();
    let mut plain_star = true;
    let mut j = i;
    while let Some(&c) = chars.get(j) {
        if c.is_whitespace() || c == ']' || c == '}' {
            break;
        }
        if c == '\\' {
            let Some(&e) = chars.get(j + 1) else {
                return err(format!("trailing backslash at position {j} in a range"));
            };
            s.push(e);
            plain_star = false;
            j += 2;
        } else {
            s.push(c);
            j += 1;
        }
    }
    if s.is_empty() {
        return err(format!(
            "range starting at position {start} is missing a bound at position {i}"
        ));
    }
    if plain_star && s == "*" {
        Ok((None, j))
    } else {
        Ok((Some(s), j))
    }
}

// ---------------------------------------------------------------------------------------
// Syntax tree
// ---------------------------------------------------------------------------------------

/// What a clause is compared against.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A term without a field: the root text fields.
    Default,
    /// `email.domain`.
    EmailDomain,
    /// A dotted path from the user root.
    Path {
        path: Vec<String>,
        case_insensitive: bool,
    },
}

impl Target {
    fn is_user_metadata(&self) -> bool {
        matches!(self, Self::Path { path, .. } if path.first().is_some_and(|p| p == "user_metadata"))
    }

    fn display(&self) -> String {
        match self {
            Self::Default => "<default fields>".to_owned(),
            Self::EmailDomain => "email.domain".to_owned(),
            Self::Path { path, .. } => path.join("."),
        }
    }

    /// Calls `f(leaf, case_insensitive)` for each searchable value until it returns true.
    /// With `objects`, values below an object count too (existence checks).
    fn any_value(
        &self,
        user: &Value,
        objects: bool,
        f: &mut dyn FnMut(Leaf<'_>, bool) -> bool,
    ) -> bool {
        match self {
            Self::Default => DEFAULT_FIELDS.iter().any(|name| {
                let ci = CASE_INSENSITIVE_FIELDS.contains(name);
                user.get(*name)
                    .is_some_and(|v| walk(v, &[], objects, &mut |l| f(l, ci)))
            }),
            Self::EmailDomain => {
                let domain = user
                    .get("email")
                    .and_then(Value::as_str)
                    .and_then(|e| e.rsplit_once('@'))
                    .map(|(_, d)| d);
                domain.is_some_and(|d| f(Leaf::Str(d), true))
            }
            Self::Path {
                path,
                case_insensitive,
            } => walk(user, path, objects, &mut |l| f(l, *case_insensitive)),
        }
    }
}

/// A searchable scalar of a user.
#[derive(Debug, Clone, Copy)]
enum Leaf<'a> {
    Str(&'a str),
    Num(&'a Number),
    Bool(bool),
}

impl Leaf<'_> {
    fn text(&self) -> Cow<'_, str> {
        match self {
            Leaf::Str(s) => Cow::Borrowed(s),
            Leaf::Num(n) => Cow::Owned(n.to_string()),
            Leaf::Bool(true) => Cow::Borrowed("true"),
            Leaf::Bool(false) => Cow::Borrowed("false"),
        }
    }
}

/// Follows `path` from `v`, stepping through arrays, and feeds each leaf to `f`.
fn walk(v: &Value, path: &[String], objects: bool, f: &mut dyn FnMut(Leaf<'_>) -> bool) -> bool {
    if let Value::Array(items) = v {
        return items.iter().any(|item| walk(item, path, objects, f));
    }
    match path.split_first() {
        Some((head, rest)) => match v {
            Value::Object(map) => map
                .get(head.as_str())
                .is_some_and(|c| walk(c, rest, objects, f)),
            _ => false,
        },
        None => match v {
            Value::String(s) => f(Leaf::Str(s)),
            Value::Number(n) => f(Leaf::Num(n)),
            Value::Bool(b) => f(Leaf::Bool(*b)),
            Value::Null => false,
            Value::Object(map) => objects && map.values().any(|c| walk(c, &[], objects, f)),
            Value::Array(_) => false, // handled above
        },
    }
}

/// Lowercases `s` for case-insensitive comparison, borrowing when nothing changes.
fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

/// A number parsed from query text, for comparing with JSON numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
struct QueryNum {
    i: Option<i64>,
    u: Option<u64>,
    f: Option<f64>,
}

impl QueryNum {
    fn parse(s: &str) -> Option<Self> {
        let f = s.parse::<f64>().ok().filter(|f| f.is_finite());
        f.map(|f| Self {
            i: s.parse().ok(),
            u: s.parse().ok(),
            f: Some(f),
        })
    }

    fn cmp_number(&self, n: &Number) -> Option<Ordering> {
        if let (Some(a), Some(b)) = (n.as_i64(), self.i) {
            return Some(a.cmp(&b));
        }
        if let (Some(a), Some(b)) = (n.as_u64(), self.u) {
            return Some(a.cmp(&b));
        }
        n.as_f64().zip(self.f).and_then(|(a, b)| a.partial_cmp(&b))
    }
}

/// What a term value looks like.
#[derive(Debug, Clone, PartialEq)]
enum Pattern {
    /// Any value at all (`*`).
    Any,
    /// A whole value.
    Exact {
        raw: String,
        folded: String,
        num: Option<QueryNum>,
    },
    /// Literal pieces separated by `*` (at least two pieces).
    Glob {
        raw: Vec<String>,
        folded: Vec<String>,
    },
}

impl Pattern {
    fn exact(s: String) -> Self {
        let folded = fold(&s).into_owned();
        let num = QueryNum::parse(&s);
        Self::Exact {
            raw: s,
            folded,
            num,
        }
    }

    fn matches(&self, leaf: Leaf<'_>, ci: bool) -> bool {
        match self {
            Self::Any => true,
            Self::Exact { raw, folded, num } => match leaf {
                Leaf::Str(s) if ci => fold(s) == folded.as_str(),
                Leaf::Str(s) => s == raw,
                Leaf::Num(n) => num.is_some_and(|q| q.cmp_number(n) == Some(Ordering::Equal)),
                Leaf::Bool(b) => raw == if b { "true" } else { "false" },
            },
            Self::Glob { raw, folded } => {
                let text = leaf.text();
                if ci && matches!(leaf, Leaf::Str(_)) {
                    glob_match(&fold(&text), folded)
                } else {
                    glob_match(&text, raw)
                }
            }
        }
    }
}

/// Matches `value` against literal `parts` joined by `*` (`parts.len() >= 2`).
fn glob_match(value: &str, parts: &[String]) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return value.is_empty();
    };
    let Some((last, middle)) = rest.split_last() else {
        return value == first;
    };
    let Some(v) = value.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some(mut v) = v.strip_suffix(last.as_str()) else {
        return false;
    };
    for part in middle {
        let Some(at) = v.find(part.as_str()) else {
            return false;
        };
        let Some(after) = v.get(at + part.len()..) else {
            return false;
        };
        v = after;
    }
    true
}

/// One end of a parsed range.
#[derive(Debug, Clone, PartialEq)]
struct Bound {
    raw: String,
    folded: String,
    num: Option<QueryNum>,
    inclusive: bool,
    /// A partial date (`2017-11`) standing for a whole period.
    period: bool,
}

impl Bound {
    fn new(raw: String, inclusive: bool) -> Self {
        Self {
            folded: fold(&raw).into_owned(),
            num: QueryNum::parse(&raw),
            period: is_partial_date(&raw),
            raw,
            inclusive,
        }
    }

    /// How `leaf` compares with this bound, or `None` if they cannot be compared.
    fn cmp_leaf(&self, leaf: Leaf<'_>, ci: bool) -> Option<Ordering> {
        match leaf {
            Leaf::Num(n) => self.num.and_then(|q| q.cmp_number(n)),
            Leaf::Str(s) if ci => Some(self.cmp_str(&fold(s), &self.folded)),
            Leaf::Str(s) => Some(self.cmp_str(s, &self.raw)),
            Leaf::Bool(_) => Some(self.cmp_str(&leaf.text(), &self.raw)),
        }
    }

    fn cmp_str(&self, value: &str, bound: &str) -> Ordering {
        if self.period && value.starts_with(bound) {
            Ordering::Equal
        } else {
            value.cmp(bound)
        }
    }
}

/// `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DDTHH`, `…:MM`, `…:SS` without a zone.
fn is_partial_date(s: &str) -> bool {
    const TEMPLATE: &[u8] = b"dddd-dd-ddTdd:dd:dd";
    let b = s.as_bytes();
    [4, 7, 10, 13, 16, 19].contains(&b.len())
        && b.iter().zip(TEMPLATE).all(|(&c, &t)| {
            if t == b'd' {
                c.is_ascii_digit()
            } else {
                c == t
            }
        })
}

#[derive(Debug, Clone, PartialEq)]
struct Range {
    lower: Option<Bound>,
    upper: Option<Bound>,
}

impl Range {
    fn contains(&self, leaf: Leaf<'_>, ci: bool) -> bool {
        let lower_ok = self.lower.as_ref().is_none_or(|b| {
            matches!(
                (b.cmp_leaf(leaf, ci), b.inclusive),
                (Some(Ordering::Greater), _) | (Some(Ordering::Equal), true)
            )
        });
        lower_ok
            && self.upper.as_ref().is_none_or(|b| {
                matches!(
                    (b.cmp_leaf(leaf, ci), b.inclusive),
                    (Some(Ordering::Less), _) | (Some(Ordering::Equal), true)
                )
            })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// Everyone.
    All,
    Term(Target, Pattern),
    Range(Target, Range),
    Exists(Target),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// Juxtaposed clauses with Lucene occurrence rules.
    Bool {
        must: Vec<Node>,
        should: Vec<Node>,
        must_not: Vec<Node>,
    },
}

impl Node {
    fn eval(&self, user: &Value) -> bool {
        match self {
            Self::All => true,
            Self::Term(target, pattern) => {
                let objects = matches!(pattern, Pattern::Any);
                target.any_value(user, objects, &mut |leaf, ci| pattern.matches(leaf, ci))
            }
            Self::Range(target, range) => {
                target.any_value(user, false, &mut |leaf, ci| range.contains(leaf, ci))
            }
            Self::Exists(target) => target.any_value(user, true, &mut |_, _| true),
            Self::And(nodes) => nodes.iter().all(|n| n.eval(user)),
            Self::Or(nodes) => nodes.iter().any(|n| n.eval(user)),
            Self::Not(node) => !node.eval(user),
            Self::Bool {
                must,
                should,
                must_not,
            } => {
                must.iter().all(|n| n.eval(user))
                    && !must_not.iter().any(|n| n.eval(user))
                    && (!must.is_empty()
                        || should.is_empty()
                        || should.iter().any(|n| n.eval(user)))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------

/// How a clause takes part in a list of juxtaposed clauses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Occur {
    Must,
    Should,
    MustNot,
}

fn into_node(occur: Occur, node: Node) -> Node {
    match occur {
        Occur::Must | Occur::Should => node,
        Occur::MustNot => Node::Not(Box::new(node)),
    }
}

/// The left side of `name:value` after resolution.
enum FieldName {
    /// `*:` (only `*:*` is accepted).
    All,
    /// `_exists_:`.
    Exists,
    Target(Target),
}

fn describe(tok: Option<&Tok>) -> &'static str {
    match tok {
        None => "the end of the query",
        Some(Tok::Term(_)) => "a term",
        Some(Tok::Phrase(_)) => "a quoted phrase",
        Some(Tok::Range(_)) => "a range",
        Some(Tok::Colon) => "':'",
        Some(Tok::LParen) => "'('",
        Some(Tok::RParen) => "')'",
        Some(Tok::And) => "AND",
        Some(Tok::Or) => "OR",
        Some(Tok::Not) => "NOT",
        Some(Tok::Plus) => "'+'",
        Some(Tok::Minus) => "'-'",
    }
}

fn ch_string(chs: &[Ch]) -> String {
    chs.iter().map(|ch| ch.c).collect()
}

/// Resolves a field name (`user_metadata.a.b`, `email.domain`, `_exists_`, `*`).
fn resolve_field(chs: &[Ch], pos: usize) -> Result<FieldName, QueryError> {
    let name = ch_string(chs);
    if chs.iter().any(|ch| ch.c == '*' && !ch.escaped) {
        if chs.len() == 1 {
            return Ok(FieldName::All);
        }
        return err(format!(
            "wildcards in field names ('{name}' at position {pos}) are not supported"
        ));
    }
    let path = split_path(chs, pos)?;
    if path.len() == 1 && path.first().is_some_and(|p| p == "_exists_") {
        return Ok(FieldName::Exists);
    }
    Ok(FieldName::Target(path_target(path)))
}

/// Splits a field name on unescaped dots.
fn split_path(chs: &[Ch], pos: usize) -> Result<Vec<String>, QueryError> {
    let mut path = vec![String::new()];
    for ch in chs {
        if ch.c == '.' && !ch.escaped {
            path.push(String::new());
        } else if let Some(seg) = path.last_mut() {
            seg.push(ch.c);
        }
    }
    if path.iter().any(String::is_empty) {
        return err(format!(
            "invalid field name '{}' at position {pos}: empty path segment",
            ch_string(chs)
        ));
    }
    Ok(path)
}

fn path_target(path: Vec<String>) -> Target {
    match path.as_slice() {
        [a, b] if a == "email" && b == "domain" => Target::EmailDomain,
        [one] if CASE_INSENSITIVE_FIELDS.contains(&one.as_str()) => Target::Path {
            path,
            case_insensitive: true,
        },
        _ => Target::Path {
            path,
            case_insensitive: false,
        },
    }
}

/// Builds the pattern of an unquoted term.
fn term_pattern(chs: &[Ch], pos: usize) -> Result<Pattern, QueryError> {
    let mut parts = vec![String::new()];
    for ch in chs {
        if ch.c == '*' && !ch.escaped {
            if parts.last().is_none_or(|p| !p.is_empty()) || parts.len() == 1 {
                parts.push(String::new());
            }
        } else if let Some(part) = parts.last_mut() {
            part.push(ch.c);
        }
    }
    if parts.len() == 1 {
        return Ok(Pattern::exact(parts.concat()));
    }
    let literal: usize = parts.iter().map(|p| p.chars().count()).sum();
    if literal == 0 {
        return Ok(Pattern::Any);
    }
    if parts.first().is_some_and(String::is_empty) && literal < MIN_SUFFIX_CHARS {
        return err(format!(
            "wildcard '{}' at position {pos} starts with '*' and needs at least {MIN_SUFFIX_CHARS} other characters",
            ch_string(chs)
        ));
    }
    let folded = parts.iter().map(|p| fold(p).into_owned()).collect();
    Ok(Pattern::Glob { raw: parts, folded })
}

struct Parser {
    toks: Vec<Spanned>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    /// Position (in characters) of the next token, for messages.
    fn here(&self) -> String {
        match self.toks.get(self.pos) {
            Some(t) => format!("position {}", t.pos),
            None => "the end of the query".to_owned(),
        }
    }

    fn bump(&mut self) -> Option<Spanned> {
        let t = self.toks.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn enter(&mut self) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return err(format!(
                "query is nested too deeply (more than {MAX_DEPTH} levels)"
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Whether the next token can start an operand.
    fn operand_follows(&self) -> bool {
        !matches!(
            self.peek(),
            None | Some(Tok::RParen | Tok::And | Tok::Or | Tok::Colon)
        )
    }

    /// Juxtaposed clauses up to the end (top level) or up to `)` (inside a group).
    fn parse_seq(&mut self, field: Option<&Target>, in_group: bool) -> Result<Node, QueryError> {
        let mut clauses: Vec<(Occur, Node)> = Vec::new();
        loop {
            match self.peek() {
                None => break,
                Some(Tok::RParen) if in_group => break,
                Some(Tok::RParen) => {
                    return err(format!(
                        "unbalanced parentheses: unexpected ')' at {}",
                        self.here()
                    ));
                }
                _ => clauses.push(self.parse_or(field)?),
            }
        }
        if clauses.len() <= 1 {
            return match clauses.pop() {
                Some((occur, node)) => Ok(into_node(occur, node)),
                None => err(format!("empty group '()' before {}", self.here())),
            };
        }
        let (mut must, mut should, mut must_not) = (Vec::new(), Vec::new(), Vec::new());
        for (occur, node) in clauses {
            match occur {
                Occur::Must => must.push(node),
                Occur::Should => should.push(node),
                Occur::MustNot => must_not.push(node),
            }
        }
        Ok(Node::Bool {
            must,
            should,
            must_not,
        })
    }

    fn parse_or(&mut self, field: Option<&Target>) -> Result<(Occur, Node), QueryError> {
        let first = self.parse_and(field)?;
        if self.peek() != Some(&Tok::Or) {
            return Ok(first);
        }
        let mut nodes = vec![into_node(first.0, first.1)];
        while self.peek() == Some(&Tok::Or) {
            let op = self.bump().map_or(0, |t| t.pos);
            if !self.operand_follows() {
                return err(format!(
                    "OR at position {op} is missing its right-hand side (found {} at {})",
                    describe(self.peek()),
                    self.here()
                ));
            }
            let (occur, node) = self.parse_and(field)?;
            nodes.push(into_node(occur, node));
        }
        Ok((Occur::Should, Node::Or(nodes)))
    }

    fn parse_and(&mut self, field: Option<&Target>) -> Result<(Occur, Node), QueryError> {
        let first = self.parse_unary(field)?;
        if self.peek() != Some(&Tok::And) {
            return Ok(first);
        }
        let mut nodes = vec![into_node(first.0, first.1)];
        while self.peek() == Some(&Tok::And) {
            let op = self.bump().map_or(0, |t| t.pos);
            if !self.operand_follows() {
                return err(format!(
                    "AND at position {op} is missing its right-hand side (found {} at {})",
                    describe(self.peek()),
                    self.here()
                ));
            }
            let (occur, node) = self.parse_unary(field)?;
            nodes.push(into_node(occur, node));
        }
        Ok((Occur::Should, Node::And(nodes)))
    }

    fn parse_unary(&mut self, field: Option<&Target>) -> Result<(Occur, Node), QueryError> {
        let (occur, name) = match self.peek() {
            Some(Tok::Not) => (Occur::MustNot, "NOT"),
            Some(Tok::Minus) => (Occur::MustNot, "'-'"),
            Some(Tok::Plus) => (Occur::Must, "'+'"),
            _ => return Ok((Occur::Should, self.parse_primary(field)?)),
        };
        let op = self.bump().map_or(0, |t| t.pos);
        if !self.operand_follows() {
            return err(format!(
                "{name} at position {op} must be followed by a term (found {} at {})",
                describe(self.peek()),
                self.here()
            ));
        }
        self.enter()?;
        let (inner_occur, inner) = self.parse_unary(field)?;
        self.leave();
        Ok((occur, into_node(inner_occur, inner)))
    }

    /// `( … )` whose `(` was just consumed at `open`.
    fn parse_group(&mut self, field: Option<&Target>, open: usize) -> Result<Node, QueryError> {
        self.enter()?;
        let node = self.parse_seq(field, true)?;
        match self.bump() {
            Some(Spanned {
                tok: Tok::RParen, ..
            }) => {}
            _ => {
                return err(format!(
                    "unbalanced parentheses: '(' at position {open} is never closed"
                ));
            }
        }
        self.leave();
        Ok(node)
    }

    fn parse_primary(&mut self, field: Option<&Target>) -> Result<Node, QueryError> {
        let Some(Spanned { tok, pos }) = self.bump() else {
            return err("unexpected end of the query");
        };
        match tok {
            Tok::LParen => self.parse_group(field, pos),
            Tok::Term(chs) if self.peek() == Some(&Tok::Colon) => {
                self.bump();
                self.parse_field_value(&chs, pos)
            }
            Tok::Term(chs) => term_node(field.unwrap_or(&Target::Default), &chs, pos),
            Tok::Phrase(_) if self.peek() == Some(&Tok::Colon) => err(format!(
                "a quoted phrase (position {pos}) cannot be used as a field name"
            )),
            Tok::Phrase(s) => Ok(Node::Term(
                field.cloned().unwrap_or(Target::Default),
                Pattern::exact(s),
            )),
            Tok::Range(r) => range_node(field.unwrap_or(&Target::Default), r, pos),
            Tok::Colon => err(format!("missing field name before ':' at position {pos}")),
            Tok::RParen => err(format!(
                "unbalanced parentheses: unexpected ')' at position {pos}"
            )),
            Tok::And | Tok::Or => err(format!(
                "{} at position {pos} is missing its left-hand side",
                describe(Some(&tok))
            )),
            Tok::Not | Tok::Plus | Tok::Minus => err(format!(
                "{} at position {pos} must be followed by a term",
                describe(Some(&tok))
            )),
        }
    }

    /// The value after `name:`; the colon has been consumed.
    fn parse_field_value(&mut self, name: &[Ch], name_pos: usize) -> Result<Node, QueryError> {
        let field = resolve_field(name, name_pos)?;
        let shown = ch_string(name);
        let Some(Spanned { tok, pos }) = self.bump() else {
            return err(format!(
                "missing value after '{shown}:' at the end of the query"
            ));
        };
        match (field, tok) {
            (FieldName::All, Tok::Term(chs))
                if chs
                    == [Ch {
                        c: '*',
                        escaped: false,
                    }] =>
            {
                Ok(Node::All)
            }
            (FieldName::All, _) => err(format!(
                "wildcard field '*' (position {name_pos}) is only supported as '*:*'"
            )),
            (FieldName::Exists, Tok::Term(chs)) => {
                if chs.iter().any(|ch| ch.c == '*' && !ch.escaped) {
                    return err(format!(
                        "_exists_ needs a field name without wildcards (position {pos})"
                    ));
                }
                Ok(Node::Exists(path_target(split_path(&chs, pos)?)))
            }
            (FieldName::Exists, Tok::Phrase(s)) => {
                let chs: Vec<Ch> = s.chars().map(|c| Ch { c, escaped: false }).collect();
                Ok(Node::Exists(path_target(split_path(&chs, pos)?)))
            }
            (FieldName::Exists, _) => err(format!(
                "_exists_ at position {name_pos} must be followed by a field name"
            )),
            (FieldName::Target(target), Tok::LParen) => self.parse_group(Some(&target), pos),
            (FieldName::Target(target), Tok::Term(chs)) => term_node(&target, &chs, pos),
            (FieldName::Target(target), Tok::Phrase(s)) => {
                Ok(Node::Term(target, Pattern::exact(s)))
            }
            (FieldName::Target(target), Tok::Range(r)) => range_node(&target, r, pos),
            (FieldName::Target(_), other) => err(format!(
                "missing value after '{shown}:' (found {} at position {pos})",
                describe(Some(&other))
            )),
        }
    }
}

fn term_node(target: &Target, chs: &[Ch], pos: usize) -> Result<Node, QueryError> {
    let pattern = term_pattern(chs, pos)?;
    if !matches!(pattern, Pattern::Exact { .. }) && target.is_user_metadata() {
        return err(format!(
            "wildcards are not allowed on user_metadata fields ('{}' at position {pos})",
            target.display()
        ));
    }
    Ok(Node::Term(target.clone(), pattern))
}

fn range_node(target: &Target, r: RawRange, pos: usize) -> Result<Node, QueryError> {
    if target.is_user_metadata() {
        return err(format!(
            "range queries are not allowed on user_metadata fields ('{}' at position {pos})",
            target.display()
        ));
    }
    let range = Range {
        lower: r.lower.map(|s| Bound::new(s, r.lower_inclusive)),
        upper: r.upper.map(|s| Bound::new(s, r.upper_inclusive)),
    };
    Ok(Node::Range(target.clone(), range))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plain(s: &str) -> Vec<Ch> {
        s.chars().map(|c| Ch { c, escaped: false }).collect()
    }

    fn toks(q: &str) -> Vec<Tok> {
        lex(q).expect("lexes").into_iter().map(|s| s.tok).collect()
    }

    fn msg(q: &str) -> String {
        parse(q).expect_err("should fail").message
    }

    #[test]
    fn lexes_terms_operators_and_colons() {
        assert_eq!(
            toks("name:jo AND NOT (a || b) && !c and"),
            vec![
                Tok::Term(plain("name")),
                Tok::Colon,
                Tok::Term(plain("jo")),
                Tok::And,
                Tok::Not,
                Tok::LParen,
                Tok::Term(plain("a")),
                Tok::Or,
                Tok::Term(plain("b")),
                Tok::RParen,
                Tok::And,
                Tok::Not,
                Tok::Term(plain("c")),
                Tok::Term(plain("and")),
            ]
        );
    }

    #[test]
    fn lexes_escapes_and_phrases() {
        assert_eq!(
            toks(r#"a\ b\:c "x \"y\" \\z""#),
            vec![
                Tok::Term(vec![
                    Ch {
                        c: 'a',
                        escaped: false
                    },
                    Ch {
                        c: ' ',
                        escaped: true
                    },
                    Ch {
                        c: 'b',
                        escaped: false
                    },
                    Ch {
                        c: ':',
                        escaped: true
                    },
                    Ch {
                        c: 'c',
                        escaped: false
                    },
                ]),
                Tok::Phrase(r#"x "y" \z"#.to_owned()),
            ]
        );
        // An escaped operator word is a term.
        assert_eq!(toks(r"\AND").len(), 1);
        assert!(matches!(toks(r"\AND").first(), Some(Tok::Term(_))));
    }

    #[test]
    fn minus_is_a_modifier_except_inside_terms_and_right_after_colon() {
        assert_eq!(
            toks("-a b-c n:-1 +d"),
            vec![
                Tok::Minus,
                Tok::Term(plain("a")),
                Tok::Term(plain("b-c")),
                Tok::Term(plain("n")),
                Tok::Colon,
                Tok::Term(plain("-1")),
                Tok::Plus,
                Tok::Term(plain("d")),
            ]
        );
    }

    #[test]
    fn lexes_ranges() {
        assert_eq!(
            toks(r#"[1 TO *} {"a b" TO \*]"#),
            vec![
                Tok::Range(RawRange {
                    lower: Some("1".into()),
                    upper: None,
                    lower_inclusive: true,
                    upper_inclusive: false,
                }),
                Tok::Range(RawRange {
                    lower: Some("a b".into()),
                    upper: Some("*".into()),
                    lower_inclusive: false,
                    upper_inclusive: true,
                }),
            ]
        );
        assert!(lex("[1 to 2]").is_err());
        assert!(lex("[1 TO 2").is_err());
        assert!(lex("[1 TO]").is_err());
        assert!(lex("[ TO 2]").is_err());
    }

    #[test]
    fn lexer_errors() {
        assert!(lex("a?").unwrap_err().message.contains('?'));
        assert!(lex(r"a\").unwrap_err().message.contains("backslash"));
        assert!(lex(r#""abc"#).unwrap_err().message.contains("unterminated"));
        assert!(lex("a~2").is_err());
        assert!(lex("a^2").is_err());
        assert!(lex("a]").is_err());
        // `?` is fine when escaped or quoted.
        assert!(lex(r#"a\? "b?""#).is_ok());
    }

    #[test]
    fn builds_patterns() {
        let p = |s: &str| term_pattern(&plain(s), 0);
        assert!(matches!(p("abc"), Ok(Pattern::Exact { .. })));
        assert_eq!(p("*"), Ok(Pattern::Any));
        assert_eq!(p("**"), Ok(Pattern::Any));
        let Ok(Pattern::Glob { raw, .. }) = p("a**b*") else {
            panic!("glob")
        };
        assert_eq!(raw, vec!["a", "b", ""]);
        let Ok(Pattern::Glob { raw, folded }) = p("*Exam*") else {
            panic!("glob")
        };
        assert_eq!(raw, vec!["", "Exam", ""]);
        assert_eq!(folded, vec!["", "exam", ""]);
        assert!(p("*ab").is_err());
        assert!(p("*a*b").is_err());
        assert!(p("*abc").is_ok());
        assert!(p("ab*").is_ok());
        // escaped star is literal
        let esc = vec![
            Ch {
                c: 'a',
                escaped: false,
            },
            Ch {
                c: '*',
                escaped: true,
            },
        ];
        assert!(matches!(term_pattern(&esc, 0), Ok(Pattern::Exact { raw, .. }) if raw == "a*"));
    }

    #[test]
    fn glob_matching() {
        let g = |v: &str, parts: &[&str]| {
            glob_match(
                v,
                &parts.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
            )
        };
        assert!(g("test1", &["test", ""]));
        assert!(g("test", &["test", ""]));
        assert!(!g("tes", &["test", ""]));
        assert!(g("jane smith", &["jane", "smith"]));
        assert!(!g("janesmit", &["jane", "smith"]));
        // prefix and suffix must not overlap
        assert!(!g("aba", &["ab", "ba"]));
        assert!(g("abba", &["ab", "ba"]));
        assert!(g("xx exam yy", &["", "exam", ""]));
        assert!(g("a-b-c", &["a", "b", "c"]));
        assert!(!g("a-c-b", &["a", "b", "c"]));
        assert!(g("äöü", &["ä", "ü"]));
    }

    #[test]
    fn resolves_fields() {
        assert!(matches!(
            resolve_field(&plain("email.domain"), 0),
            Ok(FieldName::Target(Target::EmailDomain))
        ));
        assert!(matches!(
            resolve_field(&plain("Name"), 0),
            Ok(FieldName::Target(Target::Path {
                case_insensitive: false,
                ..
            }))
        ));
        assert!(matches!(
            resolve_field(&plain("nickname"), 0),
            Ok(FieldName::Target(Target::Path {
                case_insensitive: true,
                ..
            }))
        ));
        assert!(matches!(
            resolve_field(&plain("_exists_"), 0),
            Ok(FieldName::Exists)
        ));
        assert!(resolve_field(&plain("a..b"), 0).is_err());
        assert!(resolve_field(&plain(".a"), 0).is_err());
        assert!(resolve_field(&plain("na*"), 0).is_err());
        let escaped_dot = vec![
            Ch {
                c: 'a',
                escaped: false,
            },
            Ch {
                c: '.',
                escaped: true,
            },
            Ch {
                c: 'b',
                escaped: false,
            },
        ];
        assert!(matches!(
            resolve_field(&escaped_dot, 0),
            Ok(FieldName::Target(Target::Path { path, .. })) if path == vec!["a.b".to_owned()]
        ));
    }

    #[test]
    fn partial_dates() {
        for s in [
            "2017",
            "2017-11",
            "2017-11-05",
            "2017-11-05T10",
            "2017-11-05T10:20:30",
        ] {
            assert!(is_partial_date(s), "{s}");
        }
        for s in [
            "201",
            "2017-1",
            "2017-11-05T10:20:30.000Z",
            "abcd",
            "2017/11",
        ] {
            assert!(!is_partial_date(s), "{s}");
        }
        let r = |lo: Option<(&str, bool)>, hi: Option<(&str, bool)>| Range {
            lower: lo.map(|(s, i)| Bound::new(s.to_owned(), i)),
            upper: hi.map(|(s, i)| Bound::new(s.to_owned(), i)),
        };
        let nov = Leaf::Str("2017-11-15T10:00:00.000Z");
        let dec = Leaf::Str("2017-12-31T23:59:59.999Z");
        assert!(r(Some(("2017-11", true)), Some(("2017-11", true))).contains(nov, false));
        assert!(!r(Some(("2017-11", false)), Some(("2017-12", true))).contains(nov, false));
        assert!(r(Some(("2017-11", false)), Some(("2017-12", true))).contains(dec, false));
        assert!(!r(None, Some(("2017-12", false))).contains(dec, false));
        assert!(r(None, Some(("2017-12-31", true))).contains(dec, false));
    }

    #[test]
    fn numeric_ranges_and_terms() {
        let n = json!(5);
        let Value::Number(num) = &n else { panic!() };
        let range = Range {
            lower: Some(Bound::new("5".into(), true)),
            upper: Some(Bound::new("10".into(), false)),
        };
        assert!(range.contains(Leaf::Num(num), false));
        let range = Range {
            lower: Some(Bound::new("5".into(), false)),
            upper: None,
        };
        assert!(!range.contains(Leaf::Num(num), false));
        // "10" < "5" as text, but numbers compare numerically
        let range = Range {
            lower: Some(Bound::new("10".into(), true)),
            upper: None,
        };
        assert!(!range.contains(Leaf::Num(num), false));
        assert!(Pattern::exact("5.0".into()).matches(Leaf::Num(num), false));
        assert!(!Pattern::exact("abc".into()).matches(Leaf::Num(num), false));
        let big = json!(u64::MAX);
        let Value::Number(big) = &big else { panic!() };
        assert!(Pattern::exact(u64::MAX.to_string()).matches(Leaf::Num(big), false));
        assert!(!Pattern::exact((u64::MAX - 1).to_string()).matches(Leaf::Num(big), false));
    }

    #[test]
    fn precedence_not_and_or() {
        let q = parse("a OR b AND NOT c").expect("parses");
        let t = |s: &str| Node::Term(Target::Default, Pattern::exact(s.to_owned()));
        assert_eq!(
            q.root,
            Node::Or(vec![
                t("a"),
                Node::And(vec![t("b"), Node::Not(Box::new(t("c")))])
            ])
        );
        let q = parse("+a b -c").expect("parses");
        assert_eq!(
            q.root,
            Node::Bool {
                must: vec![t("a")],
                should: vec![t("b")],
                must_not: vec![t("c")]
            }
        );
        let q = parse("NOT a").expect("parses");
        assert_eq!(q.root, Node::Not(Box::new(t("a"))));
    }

    #[test]
    fn field_groups_apply_the_field() {
        let q = parse("name:(a OR b)").expect("parses");
        let name = Target::Path {
            path: vec!["name".into()],
            case_insensitive: true,
        };
        assert_eq!(
            q.root,
            Node::Or(vec![
                Node::Term(name.clone(), Pattern::exact("a".into())),
                Node::Term(name, Pattern::exact("b".into())),
            ])
        );
    }

    #[test]
    fn parser_errors_are_clear() {
        assert!(msg("(a").contains("never closed"));
        assert!(msg("a)").contains("unexpected ')'"));
        assert!(msg("a AND").contains("right-hand side"));
        assert!(msg("OR a").contains("left-hand side"));
        assert!(msg("NOT").contains("followed by a term"));
        assert!(msg(":a").contains("missing field name"));
        assert!(msg("name:").contains("missing value"));
        assert!(msg("()").contains("empty group"));
        assert!(msg("user_metadata.a:b*").contains("user_metadata"));
        assert!(msg("user_metadata.a:[1 TO 2]").contains("user_metadata"));
        assert!(msg(r#""a":b"#).contains("field name"));
    }

    #[test]
    fn limits() {
        let deep = format!("{}a{}", "(".repeat(65), ")".repeat(65));
        assert!(msg(&deep).contains("nested too deeply"));
        let ok = format!("{}a{}", "(".repeat(60), ")".repeat(60));
        assert!(parse(&ok).is_ok());
        assert!(msg(&format!("{}a", "NOT ".repeat(100))).contains("nested too deeply"));
        assert!(msg(&"a".repeat(4097)).contains("too long"));
        assert!(parse(&"a".repeat(4096)).is_ok());
        // 4096 characters, not bytes
        assert!(parse(&"ä".repeat(4096)).is_ok());
    }

    #[test]
    fn empty_query_matches_everyone() {
        for q in ["", "   ", "\t\n", "\u{3000}"] {
            assert!(parse(q).expect("parses").matches(&json!({})));
        }
    }
}
