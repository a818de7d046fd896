//! `cargo xtask codegen [--check]`: writes `auth0plus-management-api`'s
//! generated modules from the vendored spec (`spec/auth0-management-api.openapi.json`)
//! and its overlay (`spec/paging.toml`). `--check` regenerates in memory and
//! fails when a checked-in file differs.
//!
//! The mapping, in short (the crate docs say it for users):
//! - a schema with properties (or an `allOf`/`oneOf` of such) becomes a
//!   `model!` struct: every field `Option`, unknown fields kept in `extra`;
//! - a string enum becomes a `string_enum!` with an `Unknown(String)` arm;
//! - anything else becomes a type alias (`String`, `Vec<T>`, a map, or
//!   `serde_json::Value` where the spec's union cannot be typed honestly);
//! - every operation becomes a request type in its tag's module, named
//!   verb + nouns (see [`op_name`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;
use serde_json::Value;

use crate::spec_doc::{ADDITIONS, PROVENANCE, SPEC};

const OVERLAY: &str = "spec/paging.toml";
const CRATE: &str = "crates/auth0plus-management-api";
/// The facade, whose manifest forwards the generated crate's group features.
const FACADE: &str = "crates/auth0plus";

/// The overlay, `spec/paging.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Overlay {
    /// The groups (spec tags) the crate's default features turn on.
    default_groups: Vec<String>,
    lists: BTreeMap<String, ListPaging>,
    secrets: Secrets,
    #[serde(default)]
    names: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListPaging {
    #[serde(default)]
    offset: bool,
    cap: Option<u64>,
    cursor: Option<String>,
    items: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Secrets {
    fields: Vec<String>,
    /// `Schema.field`s whose name is in `fields` but whose value is not a secret.
    #[serde(default)]
    not_secret: Vec<String>,
    /// Operations (by operationId) whose whole body is secret values.
    #[serde(default)]
    bodies: Vec<String>,
}

/// Entry point.
pub fn run(args: &[String]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err("usage: cargo xtask codegen [--check]".into()),
    };
    let root = workspace_root();
    let started = std::time::Instant::now();
    let files = generate(&root)?;
    let mut stale = Vec::new();
    for (path, text) in &files {
        let full = root.join(path);
        let current = std::fs::read_to_string(&full).unwrap_or_default();
        if current != *text {
            if check {
                stale.push(path.display().to_string());
            } else {
                if let Some(dir) = full.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                }
                std::fs::write(&full, text).map_err(|e| format!("{}: {e}", full.display()))?;
                println!("wrote {}", path.display());
            }
        }
    }
    // Generated files the spec no longer produces.
    let generated_dir = root.join(CRATE).join("src/generated");
    if let Ok(entries) = std::fs::read_dir(&generated_dir) {
        for entry in entries.flatten() {
            let rel = Path::new(CRATE)
                .join("src/generated")
                .join(entry.file_name());
            if !files.contains_key(&rel) {
                if check {
                    stale.push(format!("{} (no longer generated)", rel.display()));
                } else {
                    std::fs::remove_file(entry.path())
                        .map_err(|e| format!("{}: {e}", rel.display()))?;
                    println!("removed {}", rel.display());
                }
            }
        }
    }
    if stale.is_empty() {
        println!(
            "codegen: {} files {} ({:.1}s)",
            files.len(),
            if check { "up to date" } else { "written" },
            started.elapsed().as_secs_f64()
        );
        Ok(())
    } else {
        Err(format!(
            "generated code is stale, run `cargo xtask codegen`:\n  {}",
            stale.join("\n  ")
        ))
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Every generated file, by path from the workspace root, formatted.
fn generate(root: &Path) -> Result<BTreeMap<PathBuf, String>, String> {
    let spec: Value = crate::spec_doc::load(root)?;
    let overlay_text =
        std::fs::read_to_string(root.join(OVERLAY)).map_err(|e| format!("{OVERLAY}: {e}"))?;
    let overlay: Overlay = toml::from_str(&overlay_text).map_err(|e| format!("{OVERLAY}: {e}"))?;
    let mut generator = Gen::new(&spec, &overlay)?;
    generator.prepare_models()?;
    let ops = generator.operations()?;
    let models = generator.models(&ops);
    let mut files = BTreeMap::new();
    let src = Path::new(CRATE).join("src/generated");
    files.insert(src.join("models.rs"), models);
    for (module, ops) in &ops {
        let text = generator.module(module, ops)?;
        files.insert(src.join(format!("{module}.rs")), text);
    }
    files.insert(src.join("mod.rs"), generator.root_module(&ops));
    files.insert(
        Path::new(CRATE).join("tests/support/cases.rs"),
        generator.cases(&ops)?,
    );
    let mut formatted = BTreeMap::new();
    for (path, text) in files {
        formatted.insert(path, rustfmt(&text)?);
    }
    let manifest = Path::new(CRATE).join("Cargo.toml");
    let current = std::fs::read_to_string(root.join(&manifest))
        .map_err(|e| format!("{}: {e}", manifest.display()))?;
    formatted.insert(
        manifest,
        features_section(&current, &ops, &overlay.default_groups)?,
    );
    let facade = Path::new(FACADE).join("Cargo.toml");
    let current = std::fs::read_to_string(root.join(&facade))
        .map_err(|e| format!("{}: {e}", facade.display()))?;
    formatted.insert(
        facade,
        facade_features(&current, &ops, &overlay.default_groups)?,
    );
    Ok(formatted)
}

fn rustfmt(text: &str) -> Result<String, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("rustfmt: no stdin")?;
    let input = text.to_owned();
    let writer =
        std::thread::spawn(move || std::io::Write::write_all(&mut stdin, input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt: {e}"))?;
    writer
        .join()
        .map_err(|_| "rustfmt: writer panicked".to_owned())?
        .map_err(|e| format!("rustfmt: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "rustfmt rejected generated code: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("rustfmt: {e}"))
}

fn header() -> String {
    format!(
        "// @generated by cargo xtask codegen from {SPEC}, {ADDITIONS} and {OVERLAY}; do not edit.\n{PROVENANCE}\n"
    )
}

/// What a named schema becomes.
enum Kind {
    Struct(Vec<Field>),
    Enum(Vec<String>),
    Alias(String),
}

/// An object schema's properties: name, schema, required.
type Props<'a> = Vec<(&'a str, &'a Value, bool)>;

struct Field {
    json: String,
    rust: String,
    ty: String,
    required: bool,
}

/// One operation, as the generator sees it.
struct Op {
    id: String,
    /// The spec tag, which is also the cargo feature that turns the module on.
    tag: String,
    name: String,
    method: String,
    path: String,
    summary: String,
    path_params: Vec<Param>,
    query: Vec<Param>,
    body: Option<String>,
    /// For a `multipart/form-data` body, the fields sent as files.
    multipart: Option<Vec<String>>,
    output: String,
    list: Option<(String, String)>, // (paging const, item type)
    items_key: String,
}

struct Param {
    json: String,
    rust: String,
    ty: String,
}

struct Gen<'a> {
    schemas: &'a serde_json::Map<String, Value>,
    spec: &'a Value,
    overlay: &'a Overlay,
    secrets: BTreeSet<&'a str>,
    rust_names: HashMap<String, String>,
    by_ident: HashMap<String, String>,
    kinds: BTreeMap<String, Kind>,
    same_as: BTreeSet<String>,
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Words of an identifier: splits on non-alphanumerics and camelCase humps.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let hump = c.is_ascii_uppercase()
            && !cur.is_empty()
            && (prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase())));
        if hump {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn snake(s: &str) -> String {
    let mut name = words(s)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if name.is_empty() {
        name = "field".into();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if KEYWORDS.contains(&name.as_str()) {
        if matches!(name.as_str(), "self" | "Self" | "super" | "crate") {
            name.push('_');
        } else {
            name.insert_str(0, "r#");
        }
    }
    name
}

fn pascal(s: &str) -> String {
    let mut name: String = words(s)
        .iter()
        .map(|w| {
            let mut cs = w.chars();
            cs.next().map_or_else(String::new, |f| {
                f.to_ascii_uppercase().to_string() + &cs.as_str().to_ascii_lowercase()
            })
        })
        .collect();
    if name.is_empty() {
        name = "Empty".into();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    name
}

/// A schema name kept as the spec spells it, made a valid identifier.
fn type_ident(s: &str) -> String {
    let mut name: String = s.chars().filter(char::is_ascii_alphanumeric).collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) || name.is_empty() {
        name.insert(0, 'T');
    }
    if let Some(first) = name.get(..1) {
        name = first.to_ascii_uppercase() + &name[1..];
    }
    name
}

fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if word.ends_with("ss") || word.ends_with("us") {
        word.to_owned()
    } else if let Some(stem) = word.strip_suffix("sses") {
        format!("{stem}ss")
    } else if let Some(stem) = word.strip_suffix('s') {
        stem.to_owned()
    } else {
        word.to_owned()
    }
}

fn doc_text(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
        .replace('[', "\\[")
        .replace(']', "\\]")
}

impl<'a> Gen<'a> {
    fn new(spec: &'a Value, overlay: &'a Overlay) -> Result<Self, String> {
        let schemas = spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .ok_or("spec: no components.schemas")?;
        let mut rust_names = HashMap::new();
        let mut seen = HashMap::new();
        for name in schemas.keys() {
            let ident = type_ident(name);
            if let Some(other) = seen.insert(ident.clone(), name.clone()) {
                return Err(format!("schemas {other} and {name} both map to {ident}"));
            }
            rust_names.insert(name.clone(), ident);
        }
        Ok(Self {
            schemas,
            spec,
            overlay,
            secrets: overlay.secrets.fields.iter().map(String::as_str).collect(),
            by_ident: rust_names
                .iter()
                .map(|(n, i)| (i.clone(), n.clone()))
                .collect(),
            rust_names,
            kinds: BTreeMap::new(),
            same_as: BTreeSet::new(),
        })
    }

    fn schema(&self, reference: &str) -> Result<&'a Value, String> {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| format!("unsupported $ref {reference}"))?;
        self.schemas
            .get(name)
            .ok_or_else(|| format!("dangling $ref {reference}"))
    }

    fn ref_name(reference: &str) -> &str {
        reference.rsplit('/').next().unwrap_or(reference)
    }

    /// Follows `$ref`s and single-part wrappers to the schema that says what it is.
    fn resolve(&self, mut s: &'a Value) -> Result<&'a Value, String> {
        for _ in 0..32 {
            if let Some(r) = s.get("$ref").and_then(Value::as_str) {
                s = self.schema(r)?;
                continue;
            }
            let single = ["allOf", "anyOf", "oneOf"].iter().find_map(|k| {
                s.get(*k)
                    .and_then(Value::as_array)
                    .filter(|a| a.len() == 1 && s.get("properties").is_none())
                    .map(|a| &a[0])
            });
            match single {
                Some(inner) => s = inner,
                None => return Ok(s),
            }
        }
        Err("schema reference loop".into())
    }

    fn types_of(s: &Value) -> Vec<&str> {
        match s.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The non-null alternatives of a union (or the schema itself).
    fn alternatives(s: &'a Value) -> Vec<&'a Value> {
        for k in ["oneOf", "anyOf"] {
            if let Some(alts) = s.get(k).and_then(Value::as_array) {
                return alts
                    .iter()
                    .filter(|a| Self::types_of(a) != ["null"])
                    .collect();
            }
        }
        vec![s]
    }

    /// The properties of an object-like schema (merging `allOf` parts and,
    /// when every alternative is an object, `oneOf`/`anyOf` ones), or `None`.
    fn object_props(&self, s: &'a Value, depth: usize) -> Result<Option<Props<'a>>, String> {
        if depth > 16 {
            return Ok(None);
        }
        let s = if s.get("$ref").is_some() {
            self.resolve(s)?
        } else {
            s
        };
        let mut props: Vec<(&'a str, &'a Value, bool)> = Vec::new();
        let mut found = false;
        let required: BTreeSet<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(p) = s.get("properties").and_then(Value::as_object) {
            found = true;
            for (k, v) in p {
                props.push((k.as_str(), v, required.contains(k.as_str())));
            }
        }
        let merge = |props: &mut Vec<(&'a str, &'a Value, bool)>,
                     more: Vec<(&'a str, &'a Value, bool)>| {
            for (k, v, r) in more {
                if !props.iter().any(|(p, _, _)| *p == k) {
                    props.push((k, v, r));
                }
            }
        };
        if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
            for part in parts {
                if let Some(more) = self.object_props(part, depth + 1)? {
                    found = true;
                    merge(&mut props, more);
                }
            }
        }
        for k in ["oneOf", "anyOf"] {
            if let Some(alts) = s.get(k).and_then(Value::as_array) {
                let alts: Vec<&Value> = alts
                    .iter()
                    .filter(|a| Self::types_of(a) != ["null"])
                    .collect();
                let mut all = Vec::new();
                for alt in &alts {
                    match self.object_props(alt, depth + 1)? {
                        Some(more) => all.push(more),
                        None => return Ok(if found { Some(props) } else { None }),
                    }
                }
                if !all.is_empty() {
                    found = true;
                    for more in all {
                        // a field one alternative requires is optional in the union
                        merge(
                            &mut props,
                            more.into_iter().map(|(k, v, _)| (k, v, false)).collect(),
                        );
                    }
                }
            }
        }
        Ok(found.then_some(props))
    }

    fn string_enum(s: &Value) -> Option<Vec<String>> {
        let values = s.get("enum")?.as_array()?;
        let strings: Vec<String> = values
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        (strings.len() == values.iter().filter(|v| !v.is_null()).count() && !strings.is_empty())
            .then_some(strings)
    }

    /// The Rust type of a schema in a field, item or parameter position.
    fn ty(&self, s: &'a Value, depth: usize) -> Result<String, String> {
        if depth > 24 {
            return Ok("serde_json::Value".into());
        }
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            self.schema(r)?;
            return Ok(self.rust_names[Self::ref_name(r)].clone());
        }
        if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
            if parts.len() == 1 || parts.iter().filter(|p| p.get("$ref").is_some()).count() == 1 {
                if let Some(r) = parts.iter().find(|p| p.get("$ref").is_some()) {
                    return self.ty(r, depth + 1);
                }
                return self.ty(&parts[0], depth + 1);
            }
            return Ok("serde_json::Value".into());
        }
        if s.get("oneOf").is_some() || s.get("anyOf").is_some() {
            let alts = Self::alternatives(s);
            let tys: Vec<String> = alts
                .iter()
                .map(|a| self.ty(a, depth + 1))
                .collect::<Result<_, _>>()?;
            let mut distinct: Vec<&String> = tys.iter().collect();
            distinct.dedup();
            if distinct.len() == 1 {
                return Ok(tys[0].clone());
            }
            // A list answered either bare or inside a page object.
            if tys.len() >= 2
                && tys[0].starts_with("Vec<")
                && let Some(page) = alts[1..].iter().position(|a| a.get("$ref").is_some())
            {
                {
                    let item = &tys[0]["Vec<".len()..tys[0].len() - 1];
                    return Ok(format!(
                        "crate::runtime::ListOrPage<{item}, {}>",
                        tys[page + 1]
                    ));
                }
            }
            if tys.iter().all(|t| t == "String" || t.starts_with("String")) {
                return Ok("String".into());
            }
            return Ok("serde_json::Value".into());
        }
        let types = Self::types_of(s);
        let non_null: Vec<&str> = types.iter().copied().filter(|t| *t != "null").collect();
        Ok(match non_null.as_slice() {
            ["string"] => "String".into(),
            ["integer"] => "i64".into(),
            // `Number`, not `f64`: a `5` comes back as `5`, not `5.0`
            ["number"] => "serde_json::Number".into(),
            ["boolean"] => "bool".into(),
            ["array"] => match s.get("items") {
                Some(items) => format!("Vec<{}>", self.ty(items, depth + 1)?),
                None => "Vec<serde_json::Value>".into(),
            },
            ["object"] => match s.get("additionalProperties") {
                Some(extra) if extra.is_object() && s.get("properties").is_none() => {
                    let inner = self.ty(extra, depth + 1)?;
                    if inner == "serde_json::Value" {
                        "serde_json::Map<String, serde_json::Value>".into()
                    } else {
                        format!("std::collections::BTreeMap<String, {inner}>")
                    }
                }
                _ => "serde_json::Map<String, serde_json::Value>".into(),
            },
            _ if s.get("enum").is_some() && Self::string_enum(s).is_some() => "String".into(),
            _ => "serde_json::Value".into(),
        })
    }

    fn is_string_like(&self, s: &'a Value) -> bool {
        self.ty(s, 0).is_ok_and(|t| t == "String")
            || self
                .resolve(s)
                .is_ok_and(|r| Self::types_of(r).contains(&"string") && r.get("enum").is_none())
    }

    fn kind_of(&self, name: &str, s: &'a Value) -> Result<Kind, String> {
        if let Some(values) = Self::string_enum(s) {
            return Ok(Kind::Enum(values));
        }
        if let Some(props) = self.object_props(s, 0)? {
            let mut fields: Vec<Field> = Vec::new();
            for (json, schema, required) in props {
                let mut rust = snake(json);
                if rust == "extra" {
                    rust = "extra_".into();
                }
                while fields.iter().any(|f| f.rust == rust) {
                    rust.push('_');
                }
                let mut ty = self.ty(schema, 0)?;
                let exempt = self
                    .overlay
                    .secrets
                    .not_secret
                    .iter()
                    .any(|q| *q == format!("{name}.{json}"));
                // An uploaded file's contents are never printed either: a users
                // import file holds password hashes.
                let file = schema.get("contentMediaType").is_some();
                if (self.secrets.contains(json) && !exempt || file) && self.is_string_like(schema) {
                    ty = "Secret".into();
                }
                fields.push(Field {
                    json: json.to_owned(),
                    rust,
                    ty,
                    required,
                });
            }
            return Ok(Kind::Struct(fields));
        }
        Ok(Kind::Alias(self.ty(s, 0)?))
    }

    fn prepare_models(&mut self) -> Result<(), String> {
        for (name, s) in self.schemas {
            let kind = self.kind_of(name, s)?;
            self.kinds.insert(name.clone(), kind);
        }
        self.same_as = self.merge_identical();
        self.break_alias_cycles();
        Ok(())
    }

    /// The schemas each type string names (through `Vec<..>`, maps, `Box`).
    fn named_in(&self, ty: &str) -> Vec<String> {
        ty.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .filter_map(|w| self.by_ident.get(w).cloned())
            .collect()
    }

    /// For every schema, the groups (tags) whose operations need it, through
    /// any chain of fields and aliases: its model is compiled when one of
    /// those features is on.
    fn groups_needing(
        &self,
        ops: &BTreeMap<String, Vec<Op>>,
    ) -> BTreeMap<String, BTreeSet<String>> {
        let mut needs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut stack: Vec<(String, String)> = Vec::new();
        for op in ops.values().flatten() {
            let mut types: Vec<&str> = vec![op.output.as_str()];
            types.extend(op.body.as_deref());
            types.extend(op.query.iter().map(|q| q.ty.as_str()));
            if let Some((_, item)) = &op.list {
                types.push(item);
            }
            for ty in types {
                stack.extend(self.named_in(ty).into_iter().map(|n| (n, op.tag.clone())));
            }
        }
        while let Some((name, tag)) = stack.pop() {
            if !needs.entry(name.clone()).or_default().insert(tag.clone()) {
                continue;
            }
            let inner: Vec<String> = match &self.kinds[&name] {
                Kind::Struct(fields) => fields.iter().flat_map(|f| self.named_in(&f.ty)).collect(),
                Kind::Alias(ty) => self.named_in(ty),
                Kind::Enum(_) => Vec::new(),
            };
            stack.extend(inner.into_iter().map(|n| (n, tag.clone())));
        }
        needs
    }

    fn models(&self, ops: &BTreeMap<String, Vec<Op>>) -> String {
        let boxed = self.recursive_fields();
        let needs = self.groups_needing(ops);
        let same_as = &self.same_as;
        let mut out = header();
        out.push_str("//! Every schema of the spec: structs (`model!`), string enums (`string_enum!`) and aliases.\n\n");
        out.push_str("#![allow(clippy::doc_markdown)]\n\n");
        out.push_str("#[allow(unused_imports)] // with no group turned on\nuse auth0plus_transport::Secret;\n\n");
        for (name, kind) in &self.kinds {
            let ident = &self.rust_names[name];
            out.push_str(&cfg_for(needs.get(name)));
            match kind {
                Kind::Struct(fields) => {
                    let _ = writeln!(
                        out,
                        "model! {{\n    /// `{name}`.\n    pub struct {ident} {{"
                    );
                    for f in fields {
                        let ty = if boxed.contains(&(name.clone(), f.json.clone())) {
                            format!("Box<{}>", f.ty)
                        } else {
                            f.ty.clone()
                        };
                        let req = if f.required { " (required)" } else { "" };
                        let _ = writeln!(
                            out,
                            "        /// `{}`{req}.\n        {}: {ty} = {:?},",
                            doc_text(&f.json),
                            f.rust,
                            f.json
                        );
                    }
                    out.push_str("    }\n}\n\n");
                }
                Kind::Enum(values) => {
                    let _ = writeln!(
                        out,
                        "string_enum! {{\n    /// `{name}`.\n    pub enum {ident} {{"
                    );
                    let mut used = BTreeSet::new();
                    for v in values {
                        let mut variant = pascal(v);
                        if variant == "Unknown" {
                            variant = "UnknownValue".into();
                        }
                        while !used.insert(variant.clone()) {
                            variant.push('_');
                        }
                        let _ = writeln!(
                            out,
                            "        /// `{}`.\n        {variant} = {v:?},",
                            doc_text(v)
                        );
                    }
                    out.push_str("    }\n}\n\n");
                }
                Kind::Alias(ty) if same_as.contains(name) => {
                    let _ = writeln!(
                        out,
                        "/// `{name}`: the same fields as [`{ty}`].\npub type {ident} = {ty};\n"
                    );
                }
                Kind::Alias(ty) => {
                    let _ = writeln!(out, "/// `{name}`.\npub type {ident} = {ty};\n");
                }
            }
        }
        out
    }

    /// Schemas with the very same fields (or enum values) as another become
    /// an alias of it (`GetRoleResponseContent` = `Role`): a fifth of the
    /// structs, and of the crate's compile time. The one kept is the one with
    /// the shortest name. Returns the merged schemas.
    fn merge_identical(&mut self) -> BTreeSet<String> {
        let shape = |kind: &Kind| -> Option<String> {
            match kind {
                Kind::Struct(fields) => Some(
                    fields
                        .iter()
                        .map(|f| format!("{}:{}:{}:{}", f.json, f.rust, f.ty, f.required))
                        .collect::<Vec<_>>()
                        .join(";"),
                ),
                Kind::Enum(values) => Some(format!("enum:{}", values.join(";"))),
                Kind::Alias(_) => None,
            }
        };
        let mut keep: HashMap<String, String> = HashMap::new();
        for (name, kind) in &self.kinds {
            if let Some(key) = shape(kind) {
                let entry = keep.entry(key).or_insert_with(|| name.clone());
                if (name.len(), name) < (entry.len(), &*entry) {
                    entry.clone_from(name);
                }
            }
        }
        let mut merged = BTreeSet::new();
        for (name, kind) in &mut self.kinds {
            if let Some(key) = shape(kind) {
                let kept = &keep[&key];
                if kept != name {
                    *kind = Kind::Alias(self.rust_names[kept].clone());
                    merged.insert(name.clone());
                }
            }
        }
        merged
    }

    /// `type A = Vec<A>` does not compile: such aliases become `Value`.
    fn break_alias_cycles(&mut self) {
        let aliases: HashMap<String, String> = self
            .kinds
            .iter()
            .filter_map(|(n, k)| match k {
                Kind::Alias(t) => Some((self.rust_names[n].clone(), t.clone())),
                _ => None,
            })
            .collect();
        let idents = |t: &str| -> Vec<String> {
            t.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let mut cyclic = Vec::new();
        for (name, ty) in &aliases {
            let mut stack = idents(ty);
            let mut seen = BTreeSet::new();
            while let Some(w) = stack.pop() {
                if &w == name {
                    cyclic.push(name.clone());
                    break;
                }
                if seen.insert(w.clone())
                    && let Some(t) = aliases.get(&w)
                {
                    stack.extend(idents(t));
                }
            }
        }
        for (n, k) in &mut self.kinds {
            if cyclic.contains(&self.rust_names[n]) {
                *k = Kind::Alias("serde_json::Value".into());
            }
        }
    }

    /// Fields that hold (through aliases, not through a `Vec`/map) a struct
    /// that holds them back: boxed so the struct has a size.
    fn recursive_fields(&self) -> BTreeSet<(String, String)> {
        let by_ident: HashMap<&str, &str> = self
            .rust_names
            .iter()
            .map(|(n, i)| (i.as_str(), n.as_str()))
            .collect();
        // the struct a field type holds directly, if any
        let direct = |ty: &str| -> Option<String> {
            let mut t = ty.to_owned();
            for _ in 0..16 {
                let name = by_ident.get(t.as_str())?;
                match &self.kinds[*name] {
                    Kind::Struct(_) => return Some((*name).to_owned()),
                    Kind::Alias(a) => t = a.clone(),
                    Kind::Enum(_) => return None,
                }
            }
            None
        };
        let mut edges: HashMap<&str, Vec<(String, String)>> = HashMap::new();
        for (name, kind) in &self.kinds {
            if let Kind::Struct(fields) = kind {
                for f in fields {
                    if let Some(target) = direct(&f.ty) {
                        edges
                            .entry(name)
                            .or_default()
                            .push((f.json.clone(), target));
                    }
                }
            }
        }
        let reaches = |from: &str, to: &str| -> bool {
            let mut stack = vec![from.to_owned()];
            let mut seen = BTreeSet::new();
            while let Some(n) = stack.pop() {
                if n == to {
                    return true;
                }
                if seen.insert(n.clone())
                    && let Some(es) = edges.get(n.as_str())
                {
                    stack.extend(es.iter().map(|(_, t)| t.clone()));
                }
            }
            false
        };
        let mut boxed = BTreeSet::new();
        for (name, es) in &edges {
            for (field, target) in es {
                if reaches(target, name) {
                    boxed.insert(((*name).to_owned(), field.clone()));
                }
            }
        }
        boxed
    }

    /// Whether a type is a `model!` struct (directly or through aliases),
    /// whose `Debug` already keeps secrets out.
    fn is_model(&self, ty: &str) -> bool {
        let mut ty = ty.to_owned();
        for _ in 0..16 {
            let Some(name) = self.by_ident.get(&ty) else {
                return false;
            };
            match &self.kinds[name] {
                Kind::Struct(_) => return true,
                Kind::Enum(_) => return false,
                Kind::Alias(t) => ty = t.clone(),
            }
        }
        false
    }

    /// A parameter's type, with aliases spelled out (`bool`, not
    /// `ClientGrantAllowAnyOrganizationEnum`), so setters take plain values.
    fn param_ty(&self, s: &'a Value) -> Result<String, String> {
        let mut ty = self.ty(s, 0)?;
        for _ in 0..16 {
            let alias = self.by_ident.get(&ty).and_then(|n| match &self.kinds[n] {
                Kind::Alias(t) => Some(t.clone()),
                _ => None,
            });
            match alias {
                Some(t) => ty = t,
                None => break,
            }
        }
        if let Some(item) = ty.strip_prefix("Vec<").and_then(|t| t.strip_suffix('>'))
            && let Some(name) = self.by_ident.get(item)
            && let Kind::Alias(t) = &self.kinds[name]
        {
            ty = format!("Vec<{t}>");
        }
        Ok(match ty.as_str() {
            "serde_json::Value" | "serde_json::Map<String, serde_json::Value>" => "String".into(),
            "serde_json::Number" => "f64".into(),
            _ => ty,
        })
    }

    /// The operations, by module.
    fn operations(&self) -> Result<BTreeMap<String, Vec<Op>>, String> {
        let paths = self
            .spec
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("spec: no paths")?;
        let mut modules: BTreeMap<String, Vec<Op>> = BTreeMap::new();
        let mut used_lists = BTreeSet::new();
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                if !matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                    continue;
                }
                let id = op["operationId"]
                    .as_str()
                    .ok_or("operation without operationId")?;
                let tag = op["tags"][0]
                    .as_str()
                    .ok_or_else(|| format!("{id}: no tag"))?;
                let summary = op["summary"].as_str().unwrap_or(id).to_owned();
                let mut path_params = Vec::new();
                let mut query = Vec::new();
                for p in op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let json = p["name"]
                        .as_str()
                        .ok_or("parameter without name")?
                        .to_owned();
                    let param = Param {
                        rust: snake(&json),
                        ty: self.param_ty(&p["schema"])?,
                        json,
                    };
                    match p["in"].as_str() {
                        Some("path") => path_params.push(param),
                        Some("query") => query.push(param),
                        other => return Err(format!("{id}: parameter in {other:?}")),
                    }
                }
                // path parameters in the order the path names them
                let order: Vec<&str> = path
                    .split('/')
                    .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                    .collect();
                path_params.sort_by_key(|p| order.iter().position(|o| *o == p.json));
                if order.len() != path_params.len() {
                    return Err(format!("{id}: path parameters do not match {path}"));
                }
                let content = op.pointer("/requestBody/content");
                // A form body's file fields: its strings that carry a media type or are binary.
                let multipart =
                    match content.and_then(|c| c.pointer("/multipart~1form-data/schema")) {
                        Some(schema) => {
                            let schema = self.resolve(schema)?;
                            let files: Vec<String> = schema
                                .get("properties")
                                .and_then(Value::as_object)
                                .into_iter()
                                .flatten()
                                .filter(|(_, p)| {
                                    p.get("contentMediaType").is_some()
                                        || p.get("format").and_then(Value::as_str) == Some("binary")
                                })
                                .map(|(name, _)| name.clone())
                                .collect();
                            Some(files)
                        }
                        None => None,
                    };
                let body = match content {
                    Some(c) => {
                        let schema = c
                            .get("application/json")
                            .or_else(|| c.get("multipart/form-data"))
                            .and_then(|m| m.get("schema"))
                            .ok_or_else(|| format!("{id}: body without a schema"))?;
                        Some(self.ty(schema, 0)?)
                    }
                    None => None,
                };
                let output = self.output(op)?;
                let list = match self
                    .overlay
                    .lists
                    .get(path.as_str())
                    .filter(|_| method == "get")
                {
                    Some(paging) => {
                        used_lists.insert(path.clone());
                        Some(self.list_paging(id, op, paging)?)
                    }
                    None => None,
                };
                let items_key = self
                    .overlay
                    .lists
                    .get(path.as_str())
                    .map(|l| l.items.clone())
                    .unwrap_or_default();
                let name = match self.overlay.names.get(id) {
                    Some(n) => n.clone(),
                    None => op_name(
                        method,
                        path,
                        &summary,
                        method == "get" && (list.is_some() || output.starts_with("Vec<")),
                    ),
                };
                modules
                    .entry(snake(tag).replace("r#", ""))
                    .or_default()
                    .push(Op {
                        id: id.to_owned(),
                        tag: tag.to_owned(),
                        name,
                        method: method.to_ascii_uppercase(),
                        path: path.clone(),
                        summary,
                        path_params,
                        query,
                        body,
                        multipart,
                        output,
                        list,
                        items_key,
                    });
            }
        }
        for path in self.overlay.lists.keys() {
            if !used_lists.contains(path) {
                return Err(format!("{OVERLAY}: {path} is not a GET in the spec"));
            }
        }
        let mut clashes = Vec::new();
        for (module, ops) in &mut modules {
            ops.sort_by(|a, b| a.name.cmp(&b.name));
            for pair in ops.windows(2) {
                if pair[0].name == pair[1].name {
                    clashes.push(format!(
                        "{module}::{} names both {} ({} {}) and {} ({} {})",
                        pair[0].name,
                        pair[0].id,
                        pair[0].method,
                        pair[0].path,
                        pair[1].id,
                        pair[1].method,
                        pair[1].path
                    ));
                }
            }
        }
        if !clashes.is_empty() {
            return Err(format!(
                "add names to [names] in {OVERLAY}:\n  {}",
                clashes.join("\n  ")
            ));
        }
        Ok(modules)
    }

    fn output(&self, op: &'a Value) -> Result<String, String> {
        let responses = op["responses"].as_object().ok_or("no responses")?;
        let ok: Vec<(&String, &Value)> = responses
            .iter()
            .filter(|(k, _)| k.starts_with('2'))
            .collect();
        let with_body = ok
            .iter()
            .find_map(|(_, r)| r.pointer("/content/application~1json/schema"));
        let may_be_empty = ok.iter().any(|(_, r)| r.get("content").is_none())
            || ok.iter().any(|(k, _)| *k == "204");
        Ok(match with_body {
            Some(schema) => {
                let ty = self.ty(schema, 0)?;
                if may_be_empty {
                    format!("Option<{ty}>")
                } else {
                    ty
                }
            }
            None if ok.iter().all(|(k, _)| *k == "204") => "()".into(),
            None => "serde_json::Value".into(),
        })
    }

    fn list_paging(
        &self,
        id: &str,
        op: &'a Value,
        paging: &ListPaging,
    ) -> Result<(String, String), String> {
        let mut konst = match (paging.offset, paging.cap) {
            (true, Some(cap)) => format!("Paging::offset_capped({cap})"),
            (true, None) => "Paging::OFFSET".to_owned(),
            (false, _) => String::new(),
        };
        match (paging.cursor.as_deref(), konst.is_empty()) {
            (Some("next"), true) => konst = "Paging::CHECKPOINT".into(),
            (Some("next"), false) => konst = format!("{konst}.with_cursor(Cursor::Next)"),
            (Some("log_id"), false) => konst = format!("{konst}.with_cursor(Cursor::LogId)"),
            (None, false) => {}
            other => return Err(format!("{OVERLAY}: {id}: unsupported paging {other:?}")),
        }
        // the item type: under the items key, or the bare array
        let schema = op
            .pointer("/responses/200/content/application~1json/schema")
            .ok_or_else(|| format!("{id}: a list without a 200 body"))?;
        let schema = self.resolve(schema)?;
        let mut item = None;
        for alt in Self::alternatives(schema) {
            let alt = self.resolve(alt)?;
            if paging.items.is_empty() {
                if let Some(items) = alt.get("items") {
                    item = Some(self.ty(items, 0)?);
                }
            } else if let Some(props) = self.object_props(alt, 0)?
                && let Some((_, s, _)) = props.iter().find(|(k, _, _)| *k == paging.items)
                && let Some(items) = self.resolve(s)?.get("items")
            {
                item = Some(self.ty(items, 0)?);
            }
            if item.is_some() {
                break;
            }
        }
        let item =
            item.ok_or_else(|| format!("{OVERLAY}: {id}: no array under {:?}", paging.items))?;
        Ok((konst, item))
    }

    fn root_module(&self, ops: &BTreeMap<String, Vec<Op>>) -> String {
        let mut out = header();
        out.push_str("//! The generated modules: one per tag of the spec, and the models.\n\n");
        out.push_str("pub mod models;\n");
        for (module, ops) in ops {
            let tag = &ops[0].tag;
            let _ = writeln!(
                out,
                "/// Operations tagged `{tag}` in the spec (feature `{tag}`).\n#[cfg(feature = {tag:?})]\npub mod {module};"
            );
        }
        out.push_str("\n/// Body fields whose values are secrets (`spec/paging.toml`, `[secrets]`): typed\n/// `Secret` in the models, never shown by `Debug`, scrubbed from errors.\npub const SECRET_FIELDS: &[&str] = &[\n");
        for field in &self.overlay.secrets.fields {
            let _ = writeln!(out, "    {field:?},");
        }
        out.push_str("];\n");
        let total: usize = ops.values().map(Vec::len).sum();
        let _ = writeln!(
            out,
            "\n/// How many operations the spec has, every one generated.\npub const OPERATION_COUNT: usize = {total};"
        );
        let _ = writeln!(
            out,
            "\n/// The groups (spec tags, and cargo features) that hold the operations.\npub const GROUPS: &[&str] = &["
        );
        for ops in ops.values() {
            let _ = writeln!(out, "    {:?},", ops[0].tag);
        }
        out.push_str("];\n");
        out
    }

    fn module(&self, module: &str, ops: &[Op]) -> Result<String, String> {
        let mut out = header();
        let _ = writeln!(out, "//! Operations tagged `{module}`.\n");
        out.push_str("#![allow(clippy::doc_markdown, clippy::too_many_arguments)]\n\n");
        out.push_str("#[allow(unused_imports)]\nuse crate::models::*;\n#[allow(unused_imports)]\nuse crate::operation::{Cursor, ListOperation, Paging};\nuse crate::operation::{Operation, Request};\n");
        if ops
            .iter()
            .any(|op| !op.query.is_empty() || op.body.as_deref().is_some_and(|b| !self.is_model(b)))
        {
            out.push_str("use crate::runtime;\n");
        }
        out.push('\n');
        for op in ops {
            let name = &op.name;
            let _ = writeln!(
                out,
                "/// {}: `{} {}`.\n///\n/// Spec operation `{}`.",
                doc_text(&op.summary),
                op.method,
                op.path,
                op.id
            );
            if let Some(files) = &op.multipart {
                let files: Vec<String> = files.iter().map(|f| format!("`{f}`")).collect();
                let _ = writeln!(
                    out,
                    "///\n/// The API takes this body as `multipart/form-data`: `to_request` sets [`Request::form`],\n/// {} as a JSON file.",
                    files.join(", ")
                );
                if op.path == "/jobs/users-imports" {
                    out.push_str("/// To import users, the client's `jobs().import_users` also splits a stream of\n/// users into files within Auth0's limits and waits for the jobs.\n");
                }
            }
            if op.path == "/events" {
                out.push_str("///\n/// The answer is a server-sent event stream, not JSON: `Auth0::send` cannot decode it.\n");
            }
            let no_args = op.path_params.is_empty() && op.body.is_none();
            // A body that is not a model (a map, a list, raw JSON) has no typed
            // `Secret` fields: its `Debug` goes through `redact`, or hides it all.
            let secret_body = self.overlay.secrets.bodies.contains(&op.id);
            let untyped_body = op.body.as_deref().is_some_and(|b| !self.is_model(b));
            let own_debug = secret_body || untyped_body;
            let derives = match (no_args, own_debug) {
                (true, _) => "Debug, Clone, Default",
                (false, false) => "Debug, Clone",
                (false, true) => "Clone",
            };
            let _ = writeln!(out, "#[derive({derives})]\npub struct {name} {{");
            for p in &op.path_params {
                let _ = writeln!(
                    out,
                    "    /// Path parameter `{}`.\n    pub {}: String,",
                    p.json, p.rust
                );
            }
            for q in &op.query {
                let _ = writeln!(
                    out,
                    "    /// Query parameter `{}`.\n    pub {}: Option<{}>,",
                    q.json, q.rust, q.ty
                );
            }
            if let Some(body) = &op.body {
                let _ = writeln!(out, "    /// The body.\n    pub body: {body},");
            }
            out.push_str("}\n\n");
            if own_debug && !no_args {
                let _ = writeln!(
                    out,
                    "/// Shows the body with its secrets redacted.\nimpl std::fmt::Debug for {name} {{\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        f.debug_struct({name:?})"
                );
                for p in &op.path_params {
                    let _ = writeln!(out, "            .field({:?}, &self.{})", p.rust, p.rust);
                }
                for q in &op.query {
                    let _ = writeln!(out, "            .field({:?}, &self.{})", q.rust, q.rust);
                }
                if secret_body {
                    out.push_str("            .field(\"body\", &\"[redacted]\")\n");
                } else {
                    out.push_str(
                        "            .field(\"body\", &runtime::RedactedJson(&self.body))\n",
                    );
                }
                out.push_str("            .finish()\n    }\n}\n\n");
            }
            let _ = writeln!(out, "impl {name} {{");
            let mut args: Vec<String> = op
                .path_params
                .iter()
                .map(|p| format!("{}: impl Into<String>", p.rust))
                .collect();
            if let Some(body) = &op.body {
                args.push(format!("body: {body}"));
            }
            let _ = writeln!(
                out,
                "    /// The request, with its path parameters{} and no query.\n    #[must_use]\n    pub fn new({}) -> Self {{\n        Self {{",
                if op.body.is_some() { " and body" } else { "" },
                args.join(", ")
            );
            for p in &op.path_params {
                let _ = writeln!(out, "            {}: {}.into(),", p.rust, p.rust);
            }
            for q in &op.query {
                let _ = writeln!(out, "            {}: None,", q.rust);
            }
            if op.body.is_some() {
                out.push_str("            body,\n");
            }
            out.push_str("        }\n    }\n");
            for q in &op.query {
                let (arg, conv) = if q.ty == "String" {
                    ("impl Into<String>".to_owned(), "value.into()")
                } else {
                    (q.ty.clone(), "value")
                };
                let _ = writeln!(
                    out,
                    "\n    /// Set the query parameter `{}`.\n    #[must_use]\n    pub fn {}(mut self, value: {arg}) -> Self {{\n        self.{} = Some({conv});\n        self\n    }}",
                    q.json, q.rust, q.rust
                );
            }
            out.push_str("}\n\n");
            let _ = writeln!(
                out,
                "impl Operation for {name} {{\n    type Output = {};\n\n    fn to_request(&self) -> Result<Request, serde_json::Error> {{",
                op.output
            );
            let segments: Vec<String> = op
                .path
                .trim_start_matches('/')
                .split('/')
                .map(
                    |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(p) => {
                            let param = op
                                .path_params
                                .iter()
                                .find(|x| x.json == p)
                                .map_or("?", |x| x.rust.as_str());
                            format!("self.{param}.clone()")
                        }
                        None => format!("{seg:?}.to_owned()"),
                    },
                )
                .collect();
            let mutable = !op.query.is_empty() || op.body.is_some();
            let _ = writeln!(
                out,
                "        let {}request = Request::new(http::Method::{}, [{}]);",
                if mutable { "mut " } else { "" },
                op.method,
                segments.join(", ")
            );
            for q in &op.query {
                let _ = writeln!(
                    out,
                    "        runtime::query(&mut request, {:?}, self.{}.as_ref());",
                    q.json, q.rust
                );
            }
            match (&op.body, &op.multipart) {
                (Some(_), Some(files)) => {
                    let _ = writeln!(
                        out,
                        "        request.form = Some(crate::Form::from_object(serde_json::to_value(&self.body)?, &{files:?})?);"
                    );
                }
                (Some(_), None) => {
                    out.push_str(
                        "        request.body = Some(serde_json::to_value(&self.body)?);\n",
                    );
                }
                (None, _) => {}
            }
            out.push_str("        Ok(request)\n    }\n}\n\n");
            if let Some((paging, item)) = &op.list {
                let _ = writeln!(
                    out,
                    "impl ListOperation for {name} {{\n    type Item = {item};\n    const PAGING: Paging = {paging};\n    const ITEMS_KEY: &'static str = {:?};\n}}\n",
                    op.items_key
                );
            }
        }
        for spec in self.resource_specs(ops)? {
            out.push_str(&spec);
        }
        Ok(out)
    }

    /// The fields of the struct a type names, through aliases.
    fn fields_of(&self, ty: &str) -> Option<&Vec<Field>> {
        let mut ty = ty.to_owned();
        for _ in 0..16 {
            match &self.kinds[self.by_ident.get(&ty)?] {
                Kind::Struct(fields) => return Some(fields),
                Kind::Alias(t) => ty = t.clone(),
                Kind::Enum(_) => return None,
            }
        }
        None
    }

    /// A `ResourceSpec` for every collection of the module: a list at a
    /// path without parameters (`/roles`, `/actions/actions`) with a `GET`
    /// by id below it (`/roles/{id}`), whose items have an id field (`id`,
    /// or `user_id` for `/users`). Its create is the `POST` on the list's
    /// path, its update the `PATCH` and its delete the `DELETE` by id, where
    /// the spec has them. The kind is the path's nouns, the last one
    /// singular (`/resource-servers` → `ResourceServer`).
    fn resource_specs(&self, ops: &[Op]) -> Result<Vec<String>, String> {
        let mut specs = Vec::new();
        for list in ops
            .iter()
            .filter(|o| o.method == "GET" && o.path_params.is_empty())
        {
            let Some((_, item)) = &list.list else {
                continue;
            };
            let base = list.path.as_str();
            let by_id = |o: &&Op| {
                o.path_params.len() == 1
                    && o.path.strip_prefix(base).is_some_and(|rest| {
                        rest.starts_with("/{")
                            && rest.ends_with('}')
                            && rest.matches('/').count() == 1
                    })
            };
            let Some(get) = ops.iter().filter(by_id).find(|o| o.method == "GET") else {
                continue;
            };
            let mut segments: Vec<&str> = base.trim_start_matches('/').split('/').collect();
            segments.dedup();
            let last = segments.last().copied().unwrap_or_default();
            let singular_last = singular(&snake(last));
            let Some(fields) = self.fields_of(item) else {
                continue;
            };
            let id_field = ["id".to_owned(), format!("{singular_last}_id")]
                .into_iter()
                .find(|id| fields.iter().any(|f| f.json == *id));
            let Some(id_field) = id_field else {
                continue;
            };
            let mut kind: String = segments[..segments.len() - 1]
                .iter()
                .map(|s| pascal(s))
                .collect();
            kind.push_str(&pascal(&singular_last));
            let plural = segments
                .iter()
                .flat_map(|s| words(s))
                .collect::<Vec<_>>()
                .join(" ")
                .to_ascii_lowercase();
            let spec = format!("{kind}Spec");
            if self.by_ident.contains_key(&spec) || ops.iter().any(|o| o.name == spec) {
                return Err(format!(
                    "{spec} ({base}) would shadow a model or an operation"
                ));
            }
            let create = ops.iter().find(|o| {
                o.method == "POST" && o.path == base && o.multipart.is_none() && o.body.is_some()
            });
            let update = ops
                .iter()
                .filter(by_id)
                .find(|o| o.method == "PATCH" && o.body.is_some());
            let delete = ops.iter().filter(by_id).find(|o| o.method == "DELETE");
            let mut doc = format!("listed by [`{}`], read by [`{}`]", list.name, get.name);
            for (what, op) in [
                ("created", create),
                ("updated", update),
                ("deleted", delete),
            ] {
                if let Some(op) = op {
                    let _ = write!(doc, ", {what} by [`{}`]", op.name);
                }
            }
            let mut out = format!(
                "/// The records of `{base}`, as the spec describes them (see\n/// [`ResourceSpec`](crate::ResourceSpec)): {doc}.\n#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]\npub struct {spec};\n\n"
            );
            let _ = writeln!(
                out,
                "impl crate::ResourceSpec for {spec} {{\n    const KIND: &'static str = {kind:?};\n    const PLURAL: &'static str = {plural:?};\n    const ID_FIELD: &'static str = {id_field:?};\n    type List = {list_name};\n\n    fn list() -> {list_name} {{\n        {list_name}::new()\n    }}\n\n    fn get(id: &str) -> Result<Request, serde_json::Error> {{\n        {get_name}::new(id).to_request()\n    }}",
                list_name = list.name,
                get_name = get.name,
            );
            if let Some(op) = create {
                let _ = writeln!(
                    out,
                    "\n    fn create(body: serde_json::Value) -> Option<Result<Request, serde_json::Error>> {{\n        Some({}::new(Default::default()).to_request().map(|request| request.json(body)))\n    }}",
                    op.name
                );
            }
            if let Some(op) = update {
                let _ = writeln!(
                    out,
                    "\n    fn update(id: &str, body: serde_json::Value) -> Option<Result<Request, serde_json::Error>> {{\n        Some({}::new(id, Default::default()).to_request().map(|request| request.json(body)))\n    }}",
                    op.name
                );
            }
            if let Some(op) = delete {
                let _ = writeln!(
                    out,
                    "\n    fn delete(id: &str) -> Option<Result<Request, serde_json::Error>> {{\n        Some({}::new(id).to_request())\n    }}",
                    op.name
                );
            }
            out.push_str("}\n\n");
            specs.push(out);
        }
        Ok(specs)
    }

    /// `tests/support/cases.rs`: one request per operation with every
    /// parameter set, and one decoder per operation's output.
    fn cases(&self, ops: &BTreeMap<String, Vec<Op>>) -> Result<String, String> {
        let mut out = header();
        out.push_str(
            "//! One case per operation, for `tests/spec.rs` and `tests/recordings.rs`.\n\n",
        );
        out.push_str(
            "#![allow(clippy::too_many_lines, clippy::vec_init_then_push, dead_code)]\n\n",
        );
        out.push_str("use auth0plus_management_api::operation::{Operation, Request};\nuse auth0plus_management_api::*;\n\n");
        out.push_str("/// Values for path parameters, by position: each must stay one raw segment.\npub const PATH_VALUES: [&str; 4] = [\"a/b?c=%2F#d\", \"..\", \"auth0|x%y\", \"./?#\"];\n/// The value every string query parameter gets.\npub const QUERY_STRING: &str = \"v&w=1#%\";\n\n");
        out.push_str("/// `(operationId, request)` for every operation of the groups turned on.\npub fn requests() -> Vec<(&'static str, Result<Request, serde_json::Error>)> {\n    let mut requests = Vec::new();\n");
        for (module, ops) in ops {
            for op in ops {
                let mut args: Vec<String> = (0..op.path_params.len())
                    .map(|i| format!("PATH_VALUES[{i}]"))
                    .collect();
                if op.body.is_some() {
                    args.push("Default::default()".into());
                }
                let mut expr = format!("{module}::{}::new({})", op.name, args.join(", "));
                for q in &op.query {
                    let _ = write!(expr, ".{}({})", q.rust, sample(&q.ty));
                }
                let _ = writeln!(
                    out,
                    "    #[cfg(feature = {:?})]\n    requests.push(({:?}, {expr}.to_request()));",
                    op.tag, op.id
                );
            }
        }
        out.push_str("    requests\n}\n\n");
        out.push_str("/// Decode `body` as the output of operation `id`, and encode it again.\npub fn round_trip(id: &str, body: serde_json::Value) -> Option<Result<serde_json::Value, serde_json::Error>> {\n    Some(match id {\n");
        for (module, ops) in ops {
            for op in ops {
                let _ = writeln!(
                    out,
                    "        #[cfg(feature = {:?})]\n        {:?} => again::<<{module}::{} as Operation>::Output>(body),",
                    op.tag, op.id, op.name
                );
            }
        }
        out.push_str("        _ => return None,\n    })\n}\n\n");
        out.push_str("fn again<T: serde::de::DeserializeOwned + serde::Serialize>(body: serde_json::Value) -> Result<serde_json::Value, serde_json::Error> {\n    serde_json::to_value(serde_json::from_value::<T>(body)?)\n}\n");
        Ok(out)
    }
}

/// A sample value of a query parameter's type.
fn sample(ty: &str) -> String {
    match ty {
        "String" => "QUERY_STRING".into(),
        "Vec<String>" => "vec![QUERY_STRING.to_owned()]".into(),
        "i64" => "1".into(),
        "f64" => "1.5".into(),
        "bool" => "true".into(),
        t if t.starts_with("Vec<") => format!("vec![{}]", sample(&t[4..t.len() - 1])),
        t => format!("models::{t}::from(\"x\")"),
    }
}

/// The type name of an operation: a verb from the summary, then the path's
/// nouns. `GET /roles` → `ListRoles`, `GET /roles/{id}` → `GetRole`,
/// `POST /roles/{id}/users` ("Assign users to a role") → `AssignRoleUsers`,
/// `GET /organizations/name/{name}` → `GetOrganizationByName`.
///
/// - Verb: the summary's first word, singular (`Deletes` → `Delete`), with
///   `Retrieve` → `Get`, `Modify`/`Patch`/`Partial` → `Update`, `Post` → `Create`,
///   `Associate` → `Add`, `Search` → `List`; a `Get` that lists (or whose
///   summary says "list of") is `List`; an `Update` by `PUT` is `Set`.
/// - Nouns: the path's fixed segments in CamelCase; one followed by a
///   parameter is singular (`/roles/{id}` → `Role`); `name/{name}` reads
///   `ByName`; a segment repeated (`/actions/actions`) counts once. The last one is singular when the summary speaks of one thing
///   ("Create a role" → `CreateRole`), plural otherwise.
/// - A last fixed segment that starts with the verb (`…/invalidate-remember-browser`,
///   `…/redeliver`) drops that word.
/// - Clashes left are named in the overlay's `[names]`.
pub fn op_name(method: &str, path: &str, summary: &str, lists: bool) -> String {
    let mut summary_words = summary.split_whitespace();
    let first = summary_words.next().unwrap_or("");
    let second = summary_words.next().unwrap_or("").to_ascii_lowercase();
    let mut verb = pascal(first);
    verb = match verb.as_str() {
        "Retrieve" => "Get".into(),
        "Modify" | "Patch" | "Partial" | "Updates" => "Update".into(),
        "Post" | "Creates" => "Create".into(),
        "Associate" => "Add".into(),
        "Roll" if second == "back" => "Rollback".into(),
        "Search" => "List".into(),
        "Deletes" | "Revokes" | "Removes" | "Adds" | "Resets" => verb[..verb.len() - 1].to_owned(),
        "" => pascal(method),
        _ => verb,
    };
    let lists = lists || summary.to_ascii_lowercase().contains("list of");
    if verb == "Get" && lists {
        verb = "List".into();
    }
    if verb == "Update" && method == "put" {
        verb = "Set".into();
    }
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let is_param = |s: &str| s.starts_with('{');
    let mut nouns: Vec<String> = Vec::new();
    let mut i = 0;
    while i < segs.len() {
        let seg = segs[i];
        if is_param(seg) {
            i += 1;
            continue;
        }
        if segs.get(i + 1) == Some(&seg) {
            // `/actions/actions/{id}`: the tag's folder, then the collection
            i += 1;
            continue;
        }
        let next_is_param = segs.get(i + 1).is_some_and(|s| is_param(s));
        if seg == "name" && next_is_param {
            if let Some(last) = nouns.last_mut() {
                *last = singular(last);
            }
            nouns.push("ByName".into());
            i += 1;
            continue;
        }
        let last_fixed = segs[i + 1..].iter().all(|s| is_param(s));
        let mut w = words(seg);
        if last_fixed && w.first().is_some_and(|f| pascal(f) == verb) {
            w.remove(0);
        }
        if let Some(tail) = w.last_mut() {
            let singular_here =
                next_is_param || (last_fixed && !lists && matches!(second.as_str(), "a" | "an"));
            if singular_here {
                *tail = singular(tail);
            }
        }
        nouns.push(w.iter().map(|x| pascal(x)).collect());
        i += 1;
    }
    format!("{verb}{}", nouns.concat())
}

/// `#[cfg(..)]` for a model the given groups need; one no operation needs
/// is compiled with `full` only.
fn cfg_for(groups: Option<&BTreeSet<String>>) -> String {
    match groups {
        None => "#[cfg(feature = \"full\")]\n".to_owned(),
        Some(groups) => {
            let list: Vec<String> = groups.iter().map(|g| format!("feature = {g:?}")).collect();
            if list.len() == 1 {
                format!("#[cfg({})]\n", list[0])
            } else {
                format!("#[cfg(any({}))]\n", list.join(", "))
            }
        }
    }
}

const FEATURES_BEGIN: &str =
    "# @generated features: begin (cargo xtask codegen; the groups are the spec's tags)";
const FEATURES_END: &str = "# @generated features: end";

/// The manifest with its `[features]` block (one feature per group, the
/// overlay's defaults, and `full`) regenerated between its markers.
fn features_section(
    manifest: &str,
    ops: &BTreeMap<String, Vec<Op>>,
    defaults: &[String],
) -> Result<String, String> {
    let tags: Vec<&str> = ops.values().map(|ops| ops[0].tag.as_str()).collect();
    for group in defaults {
        if !tags.contains(&group.as_str()) {
            return Err(format!(
                "{OVERLAY}: default group {group:?} is not a tag of the spec"
            ));
        }
    }
    let mut block = format!("{FEATURES_BEGIN}\n[features]\ndefault = [\n");
    for group in defaults {
        let _ = writeln!(block, "  {group:?},");
    }
    block.push_str("]\n## Every group, and the models no operation uses.\nfull = [\n");
    for tag in &tags {
        let _ = writeln!(block, "  {tag:?},");
    }
    block.push_str("]\n");
    for ops in ops.values() {
        let tag = &ops[0].tag;
        let module = snake(tag).replace("r#", "");
        let _ = writeln!(
            block,
            "## The `{module}` module: the {} operation{} tagged `{tag}`.\n{tag} = []",
            ops.len(),
            if ops.len() == 1 { "" } else { "s" }
        );
    }
    block.push_str(FEATURES_END);
    let (Some(begin), Some(end)) = (manifest.find(FEATURES_BEGIN), manifest.find(FEATURES_END))
    else {
        return Err(format!(
            "{CRATE}/Cargo.toml: no `{FEATURES_BEGIN}` ... `{FEATURES_END}` block"
        ));
    };
    Ok(format!(
        "{}{block}{}",
        &manifest[..begin],
        &manifest[end + FEATURES_END.len()..]
    ))
}

const GROUPS_BEGIN: &str = "# @generated groups: begin (cargo xtask codegen; auth0plus-management-api's features, forwarded)";
const GROUPS_END: &str = "# @generated groups: end";

/// The facade's manifest with the features that forward the generated
/// crate's (`full` and one per group) regenerated between its markers, so
/// an app that depends on the facade alone can turn on any group.
fn facade_features(
    manifest: &str,
    ops: &BTreeMap<String, Vec<Op>>,
    defaults: &[String],
) -> Result<String, String> {
    let api = "auth0plus-management-api";
    let mut block = format!(
        "{GROUPS_BEGIN}\n## Every group of the Management API (`auth0plus::api`), and the models no operation uses.\nfull = [\"{api}/full\"]\n"
    );
    for ops in ops.values() {
        let tag = &ops[0].tag;
        let module = snake(tag).replace("r#", "");
        let always = if defaults.contains(tag) {
            " Always on: the resources stand on it."
        } else {
            ""
        };
        let _ = writeln!(
            block,
            "## `api::{module}`: the {} operation{} tagged `{tag}`.{always}\n{tag} = [\"{api}/{tag}\"]",
            ops.len(),
            if ops.len() == 1 { "" } else { "s" }
        );
    }
    block.push_str(GROUPS_END);
    let (Some(begin), Some(end)) = (manifest.find(GROUPS_BEGIN), manifest.find(GROUPS_END)) else {
        return Err(format!(
            "{FACADE}/Cargo.toml: no `{GROUPS_BEGIN}` ... `{GROUPS_END}` block"
        ));
    };
    Ok(format!(
        "{}{block}{}",
        &manifest[..begin],
        &manifest[end + GROUPS_END.len()..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_follow_the_rule() {
        let cases = [
            ("get", "/roles", "Get roles", true, "ListRoles"),
            ("get", "/roles/{id}", "Get a role", false, "GetRole"),
            ("post", "/roles", "Create a role", false, "CreateRole"),
            ("patch", "/roles/{id}", "Update a role", false, "UpdateRole"),
            (
                "get",
                "/roles/{id}/users",
                "Get a role's users",
                true,
                "ListRoleUsers",
            ),
            (
                "post",
                "/roles/{id}/users",
                "Assign users to a role",
                false,
                "AssignRoleUsers",
            ),
            (
                "post",
                "/users/{id}/roles",
                "Assign roles to a user",
                false,
                "AssignUserRoles",
            ),
            (
                "delete",
                "/users/{id}/roles",
                "Removes roles from a user",
                false,
                "RemoveUserRoles",
            ),
            (
                "get",
                "/organizations/name/{name}",
                "Get organization by name",
                false,
                "GetOrganizationByName",
            ),
            (
                "get",
                "/actions/actions/{id}",
                "Get an action",
                false,
                "GetAction",
            ),
            (
                "put",
                "/email-templates/{templateName}",
                "Update an email template",
                false,
                "SetEmailTemplate",
            ),
            (
                "get",
                "/branding/phone/providers",
                "Get a list of phone providers",
                false,
                "ListBrandingPhoneProviders",
            ),
            (
                "post",
                "/users/{id}/multifactor/actions/invalidate-remember-browser",
                "Invalidate All Remembered Browsers",
                false,
                "InvalidateUserMultifactorActionsRememberBrowser",
            ),
        ];
        for (method, path, summary, lists, want) in cases {
            assert_eq!(
                op_name(method, path, summary, lists),
                want,
                "{method} {path}"
            );
        }
    }

    #[test]
    fn identifiers_are_valid_rust() {
        assert_eq!(snake("triggerId"), "trigger_id");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("2fa"), "_2fa");
        assert_eq!(snake("pre-change-password"), "pre_change_password");
        assert_eq!(pascal("post-login"), "PostLogin");
        assert_eq!(pascal("RS256"), "Rs256");
        assert_eq!(pascal("*"), "Empty");
        assert_eq!(type_ident("2fa-Thing"), "T2faThing");
        assert_eq!(singular("policies"), "policy");
        assert_eq!(singular("status"), "status");
        assert_eq!(singular("roles"), "role");
    }

    #[test]
    fn the_features_block_is_replaced_between_its_markers() {
        let manifest = format!(
            "[package]\nname = \"x\"\n\n{FEATURES_BEGIN}\nold = []\n{FEATURES_END}\n\n[lints]\n"
        );
        let ops = BTreeMap::new();
        let out = features_section(&manifest, &ops, &[]).unwrap();
        assert!(out.starts_with("[package]\nname = \"x\"\n\n"));
        assert!(out.ends_with(&format!("{FEATURES_END}\n\n[lints]\n")));
        assert!(!out.contains("old = []"));
        assert!(features_section("[package]\n", &ops, &[]).is_err());
        assert!(features_section(&manifest, &ops, &["nope".into()]).is_err());
    }
}
