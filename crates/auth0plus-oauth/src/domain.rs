//! Validated tenant host names and base URLs.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// An Auth0 tenant host: `tenant.eu.auth0.com` or a custom domain.
///
/// Only a bare host name is accepted: no scheme, path, port, user info or
/// whitespace, so a typo cannot send credentials somewhere unexpected.
///
/// ```
/// use auth0plus_oauth::Domain;
/// let domain: Domain = "acme.eu.auth0.com".parse().unwrap();
/// assert_eq!(domain.audience(), "https://acme.eu.auth0.com/api/v2/");
/// assert!("https://acme.eu.auth0.com".parse::<Domain>().is_err());
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
        if domain.contains(':') {
            return fail("it must not contain a port (use a base URL override for local servers)");
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
        Ok(Self(domain.to_ascii_lowercase()))
    }

    /// The host name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The Management API audience, `https://{domain}/api/v2/` (trailing slash included).
    #[must_use]
    pub fn audience(&self) -> String {
        format!("https://{}/api/v2/", self.0)
    }

    /// `https://{domain}`.
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
    fn refuses_urls_paths_ports_userinfo_and_whitespace() {
        for (bad, why) in [
            ("", "empty"),
            ("https://acme.auth0.com", "scheme"),
            ("acme.auth0.com/api", "path"),
            ("acme.auth0.com:443", "port"),
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
