//! The `Auth0-Client` header that tells Auth0 which SDK is calling.

use base64::Engine as _;
use http::HeaderValue;

/// Name of the telemetry header.
pub const TELEMETRY_HEADER: &str = "auth0-client";

/// What this client reports in `Auth0-Client`: std base64 of compact JSON
/// `{"name":…,"version":…,"env":{"rust":…}}`, the format the official SDKs use.
///
/// It holds no user data. Turn it off with [`Telemetry::disabled`].
///
/// ```
/// use auth0plus_transport::Telemetry;
/// let telemetry = Telemetry::default();
/// assert!(telemetry.header_value().is_some());
/// assert!(Telemetry::disabled().header_value().is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Telemetry {
    name: String,
    version: String,
    /// Encoded once: it goes on every request. `None` when disabled: this is
    /// the one place that says whether the header is sent.
    encoded: Option<HeaderValue>,
}

impl Default for Telemetry {
    fn default() -> Self {
        Self::named("auth0plus-rust", env!("CARGO_PKG_VERSION"))
    }
}

impl Telemetry {
    /// No header at all.
    #[must_use]
    pub fn disabled() -> Self {
        Self {
            encoded: None,
            ..Self::default()
        }
    }

    /// Report another client name and version (for wrappers built on auth0plus).
    #[must_use]
    pub fn named(name: impl Into<String>, version: impl Into<String>) -> Self {
        let mut telemetry = Self {
            name: name.into(),
            version: version.into(),
            encoded: None,
        };
        let encoded = base64::engine::general_purpose::STANDARD.encode(telemetry.payload());
        telemetry.encoded = HeaderValue::from_str(&encoded).ok();
        telemetry
    }

    /// Whether the header is sent.
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        self.encoded.is_some()
    }

    /// The JSON payload before encoding.
    #[must_use]
    pub fn payload(&self) -> String {
        let escape = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        format!(
            r#"{{"name":"{}","version":"{}","env":{{"rust":"{}"}}}}"#,
            escape(&self.name),
            escape(&self.version),
            env!("AUTH0PLUS_RUSTC_VERSION")
        )
    }

    /// The header value, or `None` when disabled.
    #[must_use]
    pub fn header_value(&self) -> Option<HeaderValue> {
        self.encoded.clone()
    }

    /// Add the header to `request` (no-op when disabled).
    pub fn apply(&self, request: &mut crate::HttpRequest) {
        if let Some(value) = &self.encoded {
            request
                .headers_mut()
                .insert(TELEMETRY_HEADER, value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_std_base64_of_the_json_payload() {
        let t = Telemetry::default();
        let value = t.header_value().unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(value.as_bytes())
            .unwrap();
        let text = String::from_utf8(decoded).unwrap();
        assert!(
            text.starts_with(r#"{"name":"auth0plus-rust","version":""#),
            "{text}"
        );
        assert!(text.contains(r#""env":{"rust":""#), "{text}");
    }

    #[test]
    fn enabled_means_a_header_is_sent() {
        for (telemetry, enabled) in [
            (Telemetry::default(), true),
            (Telemetry::named("wrapper", "1.0"), true),
            (Telemetry::disabled(), false),
        ] {
            assert_eq!(telemetry.is_enabled(), enabled, "{telemetry:?}");
            assert_eq!(telemetry.header_value().is_some(), enabled);
            let mut request = http::Request::new(bytes::Bytes::new());
            telemetry.apply(&mut request);
            assert_eq!(request.headers().contains_key(TELEMETRY_HEADER), enabled);
        }
        assert_ne!(Telemetry::disabled(), Telemetry::default());
    }
}
