//! The parameters of an Authentication API request, sent as a form or as JSON.

use auth0plus_transport::{Bytes, Secret};
use serde_json::{Map, Value};

use crate::Error;

/// Parameters this crate sets itself: a caller may never supply them, so a
/// `client_secret` given as an extra parameter cannot override (or leak
/// beside) the configured client authentication.
pub(crate) const RESERVED: [&str; 5] = [
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
    "grant_type",
];

/// Ordered name/value pairs; secrets are remembered so that an error echoing
/// the request can be scrubbed.
#[derive(Clone, Default)]
pub(crate) struct Params {
    pairs: Vec<(String, Value)>,
    secrets: Vec<Secret>,
    /// The first invalid caller-supplied parameter, reported at send time.
    pub(crate) invalid: Option<String>,
}

impl Params {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Set `name` (replacing an earlier value).
    pub(crate) fn set(&mut self, name: &str, value: impl Into<String>) {
        self.set_value(name, Value::String(value.into()));
    }

    /// Set `name` to a JSON value (a JSON body's objects; forms get its text),
    /// in place when it is already there.
    pub(crate) fn set_value(&mut self, name: &str, value: Value) {
        match self.pairs.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v = value,
            None => self.pairs.push((name.to_owned(), value)),
        }
    }

    /// Set `name` when there is a value.
    pub(crate) fn opt(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.set(name, v);
        }
    }

    /// Set a secret value.
    pub(crate) fn secret(&mut self, name: &str, value: &Secret) {
        self.set(name, value.expose());
        self.secrets.push(value.clone());
    }

    /// A caller's own extra parameter: refused (at send) when it names one
    /// this crate controls.
    pub(crate) fn extra(&mut self, name: &str, value: &str) {
        if RESERVED.contains(&name) || name.trim().is_empty() {
            self.invalid.get_or_insert_with(|| {
                format!("the parameter {name:?} is set by the client itself")
            });
        } else {
            self.set(name, value);
        }
    }

    pub(crate) fn remove(&mut self, name: &str) {
        self.pairs.retain(|(k, _)| k != name);
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_str())
    }

    pub(crate) fn secrets(&self) -> &[Secret] {
        &self.secrets
    }

    /// Fail with the first invalid caller-supplied parameter.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match &self.invalid {
            Some(why) => Err(Error::InvalidArgument(why.clone())),
            None => Ok(()),
        }
    }

    /// `application/x-www-form-urlencoded`.
    pub(crate) fn to_form(&self) -> Bytes {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.pairs {
            match v {
                Value::String(s) => form.append_pair(k, s),
                other => form.append_pair(k, &other.to_string()),
            };
        }
        Bytes::from(form.finish())
    }

    /// A JSON object.
    pub(crate) fn to_json(&self) -> Bytes {
        let map: Map<String, Value> = self.pairs.iter().cloned().collect();
        Bytes::from(Value::Object(map).to_string())
    }
}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names only: values may be passwords, codes or tokens.
        f.debug_list()
            .entries(self.pairs.iter().map(|(k, _)| k))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_cannot_set_what_the_client_controls() {
        for name in RESERVED {
            let mut p = Params::new();
            p.extra(name, "x");
            assert!(p.get(name).is_none());
            assert!(
                matches!(p.check(), Err(Error::InvalidArgument(_))),
                "{name}"
            );
        }
        let mut p = Params::new();
        p.extra("screen_hint", "signup");
        p.check().unwrap();
        assert_eq!(p.to_form(), "screen_hint=signup");
    }

    #[test]
    fn values_are_encoded_never_structure() {
        let mut p = Params::new();
        p.set("username", "a&b=c d");
        assert_eq!(p.to_form(), "username=a%26b%3Dc+d");
        assert_eq!(p.to_json(), r#"{"username":"a&b=c d"}"#);
        p.secret("password", &Secret::new("hunter2"));
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
