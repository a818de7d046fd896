//! Validated tenant host names and base URLs.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// An Auth0 tenant host: `tenant.eu.auth0.com` or a custom domain, with
/// an optional port (`localhost:8443`, what the fake tenant's `--tls` prints
/// and the official SDKs take unchanged).
///
/// Only a host name and a port are accepted: no scheme, path, user info or
/// whitespace, so a typo cannot send credentials somewhere unexpected. The
/// port stays in the audience and the URLs built from the domain.
///
/// ```
/// use auth0plus_oauth::Domain;
/// let domain: Domain = "acme.eu.auth0.com".parse().unwrap();
/// assert_eq!(domain.audience(), "https://acme.eu.auth0.com/api/v2/");
/// assert!("https://acme.eu.auth0.com".parse::<Domain>().is_err());
///
/// let local: Domain = "localhost:8443".parse().unwrap();
/// assert_eq!(local.audience(), "https://localhost:8443/api/v2/");
/// assert_eq!((local.host(), local.port()), ("localhost", Some(8443)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Domain(String);

impl Domain {
    /// Validate `domain`.
    ///
    /// # Errors
    /// [`Error::InvalidDomain`] saying what is wrong.
    pub fn new(domain: &str) -> Result<Self, Error> {
        let fail = |reason| {
            Err(Error::InvalidDomain {
                domain: redact_userinfo(domain),
                reason,
            })
        };
        if domain.is_empty() {
            return fail("it is empty");
        }
        if domain.chars().any(char::is_whitespace) {
            return fail("it contains whitespace");
        }
        if domain.contains("://") {
            return fail("give the host name only, without a scheme such as https://");
        }
        if domain.contains('@') {
            return fail("it must not contain user info");
        }
        if domain.contains('/') {
            return fail("it must not contain a path");
        }
        if domain.contains(['?', '#']) {
            return fail("it must not contain a query or fragment");
        }
        let (host, port) = match domain.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (domain, None),
        };
        if let Some(port) = port
            && parse_port(port).is_none()
        {
            return fail("a port must be a number from 1 to 65535 after the host (host:port)");
        }
        let domain = host;
        if domain.is_empty() {
            return fail("it has a port but no host");
        }
        if domain.len() > 253 {
            return fail("it is longer than 253 characters");
        }
        if !domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return fail("it may contain only letters, digits, '-' and '.'");
        }
        if domain
            .split('.')
            .any(|label| label.is_empty() || label.len() > 63)
        {
            return fail("each dot-separated label must be 1 to 63 characters");
        }
        if domain
            .split('.')
            .any(|label| label.starts_with('-') || label.ends_with('-'))
        {
            return fail("a label must not start or end with '-'");
        }
        let mut normalized = domain.to_ascii_lowercase();
        if let Some(port) = port.and_then(parse_port) {
            // Written back as a number: `localhost:08443` is `localhost:8443`.
            normalized = format!("{normalized}:{port}");
        }
        Ok(Self(normalized))
    }

    /// The domain as given, lowercased: `host` or `host:port`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host name, without the port.
    #[must_use]
    pub fn host(&self) -> &str {
        self.0
            .split_once(':')
            .map_or(self.0.as_str(), |(host, _)| host)
    }

    /// The port, when the domain names one.
    #[must_use]
    pub fn port(&self) -> Option<u16> {
        self.0
            .split_once(':')
            .and_then(|(_, port)| port.parse().ok())
    }

    /// The Management API audience, `https://{domain}/api/v2/` (trailing
    /// slash included; a port stays in it).
    #[must_use]
    pub fn audience(&self) -> String {
        format!("https://{}/api/v2/", self.0)
    }

    /// `https://{domain}` (with the port, if any).
    #[must_use]
    pub fn base_url(&self) -> String {
        format!("https://{}", self.0)
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Domain {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<&str> for Domain {
    type Error = Error;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl TryFrom<&String> for Domain {
    type Error = Error;
    fn try_from(s: &String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl TryFrom<String> for Domain {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(&s)
    }
}

impl TryFrom<&Domain> for Domain {
    type Error = Error;
    fn try_from(d: &Domain) -> Result<Self, Self::Error> {
        Ok(d.clone())
    }
}

/// A TCP port of a `host:port` domain: 1 to 65535, digits only (no sign,
/// no spaces), at most 5 of them.
fn parse_port(port: &str) -> Option<u16> {
    if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    port.parse::<u16>().ok().filter(|p| *p != 0)
}

/// Check a base-URL override (`http(s)://host[:port][/prefix]`) and return it
/// without a trailing slash. Plain `http` is accepted here only, for the fake
/// tenant and local proxies.
///
/// # Errors
/// [`Error::InvalidBaseUrl`] saying what is wrong.
pub fn parse_base_url(url: &str) -> Result<String, Error> {
    let fail = |reason| {
        Err(Error::InvalidBaseUrl {
            url: redact_userinfo(url),
            reason,
        })
    };
    if url.chars().any(char::is_whitespace) {
        return fail("it contains whitespace");
    }
    let Ok(uri) = url.parse::<http::Uri>() else {
        return fail("it is not a URL");
    };
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return fail("it must start with http:// or https://"),
    }
    let Some(authority) = uri.authority() else {
        return fail("it has no host");
    };
    if authority.as_str().contains('@') {
        return fail("it must not contain user info");
    }
    if uri.query().is_some() || url.contains('#') {
        return fail("it must not contain a query or fragment");
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// `text` with any user info (everything between `://` and the last `@` of
/// the authority, e.g. `user:password`) replaced by `[redacted]`, so a
/// rejected URL can be shown in an error without leaking a password.
fn redact_userinfo(text: &str) -> String {
    let start = text.find("://").map_or(0, |i| i + 3);
    let authority_end = text[start..]
        .find(['/', '?', '#'])
        .map_or(text.len(), |i| start + i);
    match text[start..authority_end].rfind('@') {
        Some(at) => format!("{}[redacted]{}", &text[..start], &text[start + at..]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_tenant_and_custom_domains() {
        for ok in [
            "acme.auth0.com",
            "acme.eu.auth0.com",
            "login.example.co.uk",
            "ACME.us.auth0.com",
        ] {
            assert!(Domain::new(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Domain::new("ACME.auth0.com").unwrap().as_str(),
            "acme.auth0.com"
        );
    }

    #[test]
    fn a_port_is_kept_in_the_audience_and_the_base_url() {
        for (given, shown, host, port) in [
            ("localhost:8443", "localhost:8443", "localhost", 8443),
            ("127.0.0.1:1", "127.0.0.1:1", "127.0.0.1", 1),
            (
                "ACME.auth0.com:443",
                "acme.auth0.com:443",
                "acme.auth0.com",
                443,
            ),
            ("localhost:08443", "localhost:8443", "localhost", 8443),
            ("localhost:65535", "localhost:65535", "localhost", 65535),
        ] {
            let domain = Domain::new(given).unwrap();
            assert_eq!(domain.as_str(), shown);
            assert_eq!(domain.host(), host);
            assert_eq!(domain.port(), Some(port));
            assert_eq!(domain.audience(), format!("https://{shown}/api/v2/"));
            assert_eq!(domain.base_url(), format!("https://{shown}"));
        }
        let plain = Domain::new("acme.auth0.com").unwrap();
        assert_eq!((plain.host(), plain.port()), ("acme.auth0.com", None));
    }

    #[test]
    fn refuses_urls_paths_bad_ports_userinfo_and_whitespace() {
        for (bad, why) in [
            ("", "empty"),
            ("https://acme.auth0.com", "scheme"),
            ("acme.auth0.com/api", "path"),
            ("acme.auth0.com:", "port"),
            ("acme.auth0.com:0", "port"),
            ("acme.auth0.com:65536", "port"),
            ("acme.auth0.com:+443", "port"),
            ("acme.auth0.com:4 43", "whitespace"),
            ("acme.auth0.com:443:1", "port"),
            ("acme.auth0.com:9999999999999999999999", "port"),
            ("[::1]:8443", "port"),
            (":8443", "no host"),
            ("user@acme.auth0.com", "user info"),
            ("acme .auth0.com", "whitespace"),
            (" acme.auth0.com", "whitespace"),
            ("acme.auth0.com?x", "query"),
            ("acme..auth0.com", "label"),
            ("-acme.auth0.com", "label"),
            ("acmé.auth0.com", "letters"),
        ] {
            let err = Domain::new(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidDomain { .. }), "{bad}");
            assert!(
                err.to_string().contains(why) || why == "label",
                "{bad}: {err}"
            );
        }
    }

    /// What an attacker (or a pasted URL) might put after a colon: nothing of
    /// it may reach a URL, a route or the token's audience.
    #[test]
    fn a_port_is_digits_only_and_never_smuggles_a_route() {
        for bad in [
            "localhost:8443/api/v2/users",
            "localhost:8443\\evil.example",
            "localhost:8443#@evil.example",
            "localhost:8443?audience=evil",
            "evil.example:80@acme.auth0.com",
            "acme.auth0.com:hunter2@evil.example",
            "localhost:%38%34%34%33",
            "localhost:\u{ff18}\u{ff14}\u{ff14}\u{ff13}",
            "localhost:8443\u{0}",
            "localhost:8443\r\nHost: evil",
            "localhost:-1",
            "localhost:0x1f",
            "localhost:1e3",
            "localhost:443.",
            "localhost::443",
            "localhost:443:",
            "127.0.0.1:8443:evil",
            "localhost.:8443:",
        ] {
            let err = Domain::new(bad).expect_err(bad);
            assert!(matches!(err, Error::InvalidDomain { .. }), "{bad}");
            assert!(!err.to_string().contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            parse_base_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            parse_base_url("https://proxy.local/auth0").unwrap(),
            "https://proxy.local/auth0"
        );
        for bad in [
            "127.0.0.1:8080",
            "ftp://x",
            "http://",
            "http://a b",
            "http://u:p@h",
            "http://h/?q=1",
        ] {
            assert!(parse_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_rejected_url_never_echoes_a_password() {
        for (bad, shown) in [
            ("http://user:hunter2@host", "http://[redacted]@host"),
            ("https://u:p@ss@host:8/x?y", "https://[redacted]@host:8/x?y"),
            ("http://user:hunter2@host/a b", "http://[redacted]@host/a b"),
            ("ftp://user:hunter2@host", "ftp://[redacted]@host"),
        ] {
            let err = parse_base_url(bad).unwrap_err();
            assert!(!format!("{err} {err:?}").contains("hunter2"), "{err:?}");
            assert!(!format!("{err} {err:?}").contains("u:p"), "{err:?}");
            match err {
                Error::InvalidBaseUrl { url, .. } => assert_eq!(url, shown),
                other => panic!("{other:?}"),
            }
        }
        let err = Domain::new("https://user:hunter2@acme.auth0.com").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("hunter2"), "{err:?}");
        // Nothing to redact: the input is shown as given.
        assert_eq!(redact_userinfo("http://h/p@x"), "http://h/p@x");
        assert_eq!(redact_userinfo("acme.auth0.com"), "acme.auth0.com");
    }
}
