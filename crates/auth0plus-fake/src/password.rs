//! The database connection's password strength policy, as Auth0 applies it on create and on
//! PATCH.

/// Auth0's five password strength levels for a database connection.
///
/// The fake's connection has [`PasswordPolicy::Good`], what the Auth0 Dashboard gives a new
/// database connection (the API's field default is `none`). A password the policy refuses
/// answers 400 `PasswordStrengthError: Password is too weak`, as Auth0 does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PasswordPolicy {
    /// At least 1 character.
    None,
    /// At least 6 characters.
    Low,
    /// At least 8 characters with a lower-case letter, an upper-case letter and a number.
    Fair,
    /// At least 8 characters with 3 of: lower-case, upper-case, number, special character.
    #[default]
    Good,
    /// At least 10 characters with 3 of the 4 kinds, and no character 3 times in a row.
    Excellent,
}

impl PasswordPolicy {
    /// The name Auth0 uses in a connection's `options.passwordPolicy`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PasswordPolicy::None => "none",
            PasswordPolicy::Low => "low",
            PasswordPolicy::Fair => "fair",
            PasswordPolicy::Good => "good",
            PasswordPolicy::Excellent => "excellent",
        }
    }

    /// The policy with this name (`none`, `low`, `fair`, `good`, `excellent`).
    #[must_use]
    pub fn from_name(name: &str) -> Option<PasswordPolicy> {
        Some(match name {
            "none" => PasswordPolicy::None,
            "low" => PasswordPolicy::Low,
            "fair" => PasswordPolicy::Fair,
            "good" => PasswordPolicy::Good,
            "excellent" => PasswordPolicy::Excellent,
            _ => return None,
        })
    }

    /// Whether `password` meets the policy.
    #[must_use]
    pub fn accepts(self, password: &str) -> bool {
        let len = password.chars().count();
        let has = |f: fn(char) -> bool| password.chars().any(f);
        let lower = has(char::is_lowercase);
        let upper = has(char::is_uppercase);
        let digit = has(|c| c.is_ascii_digit());
        let special = has(|c| !c.is_alphanumeric());
        let kinds = [lower, upper, digit, special]
            .iter()
            .filter(|k| **k)
            .count();
        match self {
            PasswordPolicy::None => len >= 1,
            PasswordPolicy::Low => len >= 6,
            PasswordPolicy::Fair => len >= 8 && lower && upper && digit,
            PasswordPolicy::Good => len >= 8 && kinds >= 3,
            PasswordPolicy::Excellent => {
                let chars: Vec<char> = password.chars().collect();
                let triple = chars.windows(3).any(|w| w[0] == w[1] && w[1] == w[2]);
                len >= 10 && kinds >= 3 && !triple
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PasswordPolicy::{self, Excellent, Fair, Good, Low};

    #[test]
    fn levels_as_auth0_documents_them() {
        let cases: &[(&str, [bool; 5])] = &[
            // password          none   low    fair   good   excellent
            ("x", [true, false, false, false, false]),
            ("ChuckB", [true, true, false, false, false]),
            ("HighwayToHell", [true, true, false, false, false]),
            ("Passw0rdx", [true, true, true, true, false]),
            ("passw0rd!", [true, true, false, true, false]),
            ("Sw0rdfish!", [true, true, true, true, true]),
            ("Swwwordfish!1", [true, true, true, true, false]),
            ("", [false; 5]),
        ];
        for (pw, want) in cases {
            let got = [PasswordPolicy::None, Low, Fair, Good, Excellent].map(|p| p.accepts(pw));
            assert_eq!(&got, want, "{pw:?}");
        }
        for p in [PasswordPolicy::None, Low, Fair, Good, Excellent] {
            assert_eq!(PasswordPolicy::from_name(p.as_str()), Some(p));
        }
        assert_eq!(PasswordPolicy::default(), Good);
    }
}
