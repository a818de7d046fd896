//! What the generated code shares, written by hand: the `model!` and
//! `string_enum!` macros, query parameter encoding and [`ListOrPage`].
//!
//! The models implement serde by hand through these macros instead of
//! `#[derive(Serialize, Deserialize)]` with `#[serde(flatten)]`: one small
//! map walk per struct instead of a derived visitor per struct keeps the
//! crate's compile time down, and decoding through a JSON map is what a
//! flattened catch-all costs anyway.
//!
//! With every group feature off nothing uses them, hence the `allow(unused)`s.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::operation::{Request, redact};

/// A struct whose fields are all `Option` and whose unknown fields land in
/// `extra`, so decoding and encoding again loses nothing. A `null` the
/// server sends stays in `extra` as `null`.
#[allow(unused_macros)]
macro_rules! model {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $json:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Default, PartialEq)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: Option<$ty>, )*
            /// Fields this version of the spec does not name, kept as they came.
            pub extra: serde_json::Map<String, serde_json::Value>,
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap as _;
                let mut map = serializer.serialize_map(None)?;
                $( if let Some(value) = &self.$field { map.serialize_entry($json, value)?; } )*
                for (key, value) in &self.extra {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                #[allow(unused_mut)]
                let mut extra = $crate::runtime::object(deserializer)?;
                Ok(Self {
                    $( $field: $crate::runtime::take(&mut extra, $json)
                        .map_err(<D::Error as serde::de::Error>::custom)?, )*
                    extra,
                })
            }
        }

        /// Shows the fields that are set; secrets in `extra` are redacted.
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut out = f.debug_struct(stringify!($name));
                $( if let Some(value) = &self.$field { out.field(stringify!($field), value); } )*
                if !self.extra.is_empty() {
                    out.field("extra", &$crate::runtime::Redacted(&self.extra));
                }
                out.finish()
            }
        }
    };
}

/// A string enum with an `Unknown(String)` arm, so a value added to the API
/// later decodes, and encodes back, as sent.
#[allow(unused_macros)]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $json:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version of the spec does not name.
            Unknown(String),
        }

        impl $name {
            /// The value on the wire.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $json, )*
                    Self::Unknown(value) => value,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $json => Self::$variant, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::runtime::string(deserializer).map(|value| Self::from(value.as_str()))
            }
        }

        impl $crate::runtime::QueryValue for $name {
            fn push(&self, name: &str, request: &mut $crate::operation::Request) {
                request.query.push((name.to_owned(), self.as_str().to_owned()));
            }
        }
    };
}

/// A list answered either as a bare array or inside a page object
/// (`include_totals=true`, or a checkpoint page with `next`).
#[derive(Debug, Clone, PartialEq)]
pub enum ListOrPage<T, P> {
    /// A bare array.
    List(Vec<T>),
    /// A page object.
    Page(P),
}

impl<T, P> Default for ListOrPage<T, P> {
    fn default() -> Self {
        Self::List(Vec::new())
    }
}

impl<T: Serialize, P: Serialize> Serialize for ListOrPage<T, P> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::List(items) => items.serialize(serializer),
            Self::Page(page) => page.serialize(serializer),
        }
    }
}

impl<'de, T: DeserializeOwned, P: DeserializeOwned> Deserialize<'de> for ListOrPage<T, P> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        match Value::deserialize(deserializer)? {
            Value::Array(items) => items
                .into_iter()
                .map(serde_json::from_value)
                .collect::<Result<_, _>>()
                .map(Self::List)
                .map_err(D::Error::custom),
            page => serde_json::from_value(page)
                .map(Self::Page)
                .map_err(D::Error::custom),
        }
    }
}

#[allow(dead_code)]
/// A JSON object, for a model to take its fields from.
pub(crate) fn object<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Map<String, Value>, D::Error> {
    Map::deserialize(deserializer)
}

#[allow(dead_code)]
/// A string, for a string enum.
pub(crate) fn string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    String::deserialize(deserializer)
}

#[allow(dead_code)]
/// Move field `key` out of `map` and decode it; absent or `null` is `None`
/// (a `null` stays in `map`, so it is sent back as it came).
pub(crate) fn take<T: DeserializeOwned>(
    map: &mut Map<String, Value>,
    key: &str,
) -> Result<Option<T>, String> {
    if matches!(map.get(key), None | Some(Value::Null)) {
        return Ok(None);
    }
    let Some(value) = map.shift_remove(key) else {
        return Ok(None);
    };
    serde_json::from_value(value)
        .map(Some)
        .map_err(|e| format!("field `{key}`: {e}"))
}

#[allow(dead_code)]
/// `Debug` for an `extra` map: every secret field redacted.
pub(crate) struct Redacted<'a>(pub(crate) &'a Map<String, Value>);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = Value::Object(self.0.clone());
        redact(&mut shown);
        fmt::Debug::fmt(&shown, f)
    }
}

/// `Debug` as JSON with the value under every secret field name, at any
/// depth, shown as `[redacted]` (a value that cannot be serialized shows as
/// such): for a body that is not a model, and for the free-form maps of
/// hand-written models (`app_metadata`…).
///
/// ```
/// use auth0plus_management_api::runtime::RedactedJson;
///
/// let metadata = serde_json::json!({"plan": "gold", "billing": {"api_key": "sk_live_1"}});
/// let shown = format!("{:?}", RedactedJson(&metadata));
/// assert!(shown.contains("gold") && !shown.contains("sk_live_1"));
/// ```
pub struct RedactedJson<'a, T>(pub &'a T);

impl<T: Serialize> fmt::Debug for RedactedJson<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_value(self.0) {
            Ok(mut shown) => {
                redact(&mut shown);
                fmt::Debug::fmt(&shown, f)
            }
            Err(_) => f.write_str("<not JSON>"),
        }
    }
}

/// A value a query parameter can take.
pub trait QueryValue {
    /// Append `name=value` (once per item, for a list) to the request's query.
    fn push(&self, name: &str, request: &mut Request);
}

impl QueryValue for String {
    fn push(&self, name: &str, request: &mut Request) {
        request.query.push((name.to_owned(), self.clone()));
    }
}

impl QueryValue for bool {
    fn push(&self, name: &str, request: &mut Request) {
        request.query.push((name.to_owned(), self.to_string()));
    }
}

impl QueryValue for i64 {
    fn push(&self, name: &str, request: &mut Request) {
        request.query.push((name.to_owned(), self.to_string()));
    }
}

impl QueryValue for f64 {
    fn push(&self, name: &str, request: &mut Request) {
        request.query.push((name.to_owned(), self.to_string()));
    }
}

impl<T: QueryValue> QueryValue for Vec<T> {
    fn push(&self, name: &str, request: &mut Request) {
        for item in self {
            item.push(name, request);
        }
    }
}

#[allow(dead_code)]
/// Add query parameter `name` when it is set.
pub(crate) fn query<T: QueryValue>(request: &mut Request, name: &str, value: Option<&T>) {
    if let Some(value) = value {
        value.push(name, request);
    }
}
