//! [`store_key`]: names for what a fleet shares (a token, a rate-limit
//! budget) in a store such as Redis or a directory.

use std::fmt::Write as _;

/// `parts` joined by `:`, each percent-encoded (all but ASCII letters,
/// digits and `.-_`), so that no part can pose as two and no input can add
/// a separator, whatever it holds.
///
/// ```
/// use auth0plus_transport::store_key;
/// assert_eq!(store_key(&["token", "a:b", "https://x/"]), "token:a%3Ab:https%3A%2F%2Fx%2F");
/// ```
#[must_use]
pub fn store_key(parts: &[&str]) -> String {
    let mut key = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            key.push(':');
        }
        for byte in part.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_') {
                key.push(char::from(byte));
            } else {
                let _ = write!(key, "%{byte:02X}");
            }
        }
    }
    key
}
