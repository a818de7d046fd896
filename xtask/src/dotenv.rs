//! Reads the four live-tenant variables from `.env` (or the environment), as
//! the original's `make doctests` did with python-dotenv.

use std::collections::BTreeMap;

use auth0plus::fake::LIVE_VARS;

/// `KEY=VALUE` lines; `#` comments, `export ` prefixes and quotes allowed.
pub fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let line = line.strip_prefix("export ").unwrap_or(line);
            let (key, value) = line.split_once('=')?;
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(value);
            Some((key.trim().to_owned(), value.to_owned()))
        })
        .collect()
}

/// The four variables, from the environment first, then `.env` in the
/// workspace root. The error names every missing one.
pub fn live_vars() -> Result<Vec<(&'static str, String)>, String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let file = std::fs::read_to_string(root.join(".env")).ok();
    let from_file = file.as_deref().map(parse).unwrap_or_default();
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for name in LIVE_VARS {
        let value = std::env::var(name)
            .ok()
            .or_else(|| from_file.get(name).cloned())
            .filter(|v| !v.trim().is_empty());
        match value {
            Some(value) => found.push((name, value)),
            None => missing.push(name),
        }
    }
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(format!(
            "--live needs a real tenant: set {} in .env (at the workspace root) or the environment; missing: {}.\n\
             Set-up: create a machine-to-machine application authorised for the Auth0 Management API with the \
             scopes read:users, update:users, delete:users, create:users, read:users_app_metadata, \
             update:users_app_metadata, delete:users_app_metadata, create:users_app_metadata and \
             create:user_tickets (see README.md).",
            LIVE_VARS.join(", "),
            missing.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dotenv_lines() {
        let vars = parse(
            "# tenant\nDOMAIN=acme.auth0.com\nexport CLIENT_ID = \"abc\"\nCLIENT_SECRET='s=3'\n\nbad line\n",
        );
        assert_eq!(vars["DOMAIN"], "acme.auth0.com");
        assert_eq!(vars["CLIENT_ID"], "abc");
        assert_eq!(vars["CLIENT_SECRET"], "s=3");
        assert_eq!(vars.len(), 3);
    }
}
