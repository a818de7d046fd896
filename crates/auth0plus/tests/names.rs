//! One name, one meaning, in the facade's tree: every type reachable as
//! `auth0plus::X`, `auth0plus::prelude::X` or `auth0plus::management[::users
//! | ::jobs | ::organizations]::X` is listed here with what it is, and
//!
//! - a name names one type wherever it appears;
//! - a name that is also a generated model's (`auth0plus::api::models::X`,
//!   the spec's schema names) is the record of that model (`Role` is
//!   `Record<api::models::Role>`) or, listed below, its hand-written form;
//! - no hand-written name is a generated operation's.
//!
//! A test (not rustdoc JSON) reads the `pub use` lists and the public type
//! definitions of the facade and of `auth0plus-management`'s public modules,
//! so a name added there and not here fails until it is listed.

use std::any::type_name;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use auth0plus::api::models;

/// `(name, where it was reached, the type it is)`.
type Listed = (&'static str, &'static str, &'static str);

macro_rules! listed {
    ($($name:ident: $($path:ty),+;)*) => {
        vec![$($(
            (stringify!($name), stringify!($path), type_name::<$path>()),
        )+)*]
    };
}

/// The types of the facade's tree, by name, each at every path it is
/// reachable by. Generic types are named with a parameter: their meaning is
/// the type without it.
fn facade_types() -> Vec<Listed> {
    use auth0plus::management as m;
    use auth0plus::prelude as p;
    type U = auth0plus::UserProfile;
    type Users = futures::stream::Empty<auth0plus::NewUser>;
    listed! {
        ApiError: auth0plus::ApiError, m::ApiError;
        ApiRequest: m::ApiRequest;
        AssignedPermission: auth0plus::AssignedPermission, m::AssignedPermission;
        Auth0: auth0plus::Auth0, p::Auth0, m::Auth0;
        Auth0Builder: auth0plus::Auth0Builder, m::Auth0Builder;
        AuthenticationMethod: m::AuthenticationMethod;
        AuthenticationMethods: m::AuthenticationMethods;
        Client: auth0plus::Client, m::Client;
        ClientGrant: auth0plus::ClientGrant, m::ClientGrant;
        ClientGrants: auth0plus::ClientGrants, m::ClientGrants;
        Clients: auth0plus::Clients, m::Clients;
        Collection: auth0plus::Collection<U>, m::Collection<U>;
        Connection: auth0plus::Connection, m::Connection;
        Connections: auth0plus::Connections, m::Connections;
        Cursor: m::Cursor, auth0plus::api::Cursor;
        EmailVerificationTicket: m::EmailVerificationTicket;
        EnabledConnection: m::EnabledConnection, m::organizations::EnabledConnection;
        EnabledConnectionOptions: auth0plus::EnabledConnectionOptions,
            m::EnabledConnectionOptions, m::organizations::EnabledConnectionOptions;
        EnabledConnections: m::EnabledConnections, m::organizations::EnabledConnections;
        Error: auth0plus::Error, p::Error, m::Error;
        ExportFormat: m::ExportFormat, m::jobs::ExportFormat;
        Found: m::Found<U>;
        ImportIssue: m::ImportIssue, m::jobs::ImportIssue;
        ImportProgress: m::ImportProgress, m::jobs::ImportProgress;
        ImportReport: m::ImportReport, m::jobs::ImportReport;
        ImportUser: auth0plus::ImportUser, m::ImportUser, m::jobs::ImportUser;
        ImportUserError: m::ImportUserError, m::jobs::ImportUserError;
        Invitation: m::Invitation, m::organizations::Invitation;
        Invitations: m::Invitations, m::organizations::Invitations;
        JobStatus: m::JobStatus, m::jobs::JobStatus;
        JobSummary: m::JobSummary, m::jobs::JobSummary;
        Jobs: auth0plus::Jobs, m::Jobs, m::jobs::Jobs;
        LogEvent: auth0plus::LogEvent, m::LogEvent;
        LogQuery: auth0plus::LogQuery, m::LogQuery;
        LogTail: auth0plus::LogTail, m::LogTail;
        LogType: auth0plus::LogType, m::LogType;
        LoginBlock: m::LoginBlock;
        Logs: auth0plus::Logs, m::Logs;
        Lookup: auth0plus::Lookup, p::Lookup, m::Lookup, m::users::Lookup;
        LookupArg: m::LookupArg;
        Member: auth0plus::Member, m::Member, m::organizations::Member;
        Metadata: m::Metadata, m::users::Metadata;
        Method: auth0plus::Method, m::Method;
        NewClient: auth0plus::NewClient, m::NewClient;
        NewClientGrant: auth0plus::NewClientGrant, m::NewClientGrant;
        NewConnection: auth0plus::NewConnection, m::NewConnection;
        NewInvitation: auth0plus::NewInvitation, m::NewInvitation, m::organizations::NewInvitation;
        NewOrganization: auth0plus::NewOrganization, m::NewOrganization,
            m::organizations::NewOrganization;
        NewResourceServer: auth0plus::NewResourceServer, m::NewResourceServer;
        NewRole: auth0plus::NewRole, m::NewRole;
        NewUser: auth0plus::NewUser, p::NewUser, m::NewUser, m::users::NewUser;
        Order: auth0plus::Order, p::Order, m::Order, m::users::Order;
        Organization: auth0plus::Organization, m::Organization, m::organizations::Organization;
        OrganizationState: m::OrganizationState, m::organizations::OrganizationState;
        Organizations: auth0plus::Organizations, m::Organizations, m::organizations::Organizations;
        Paging: m::Paging, auth0plus::api::Paging;
        PasswordChangeTicket: m::PasswordChangeTicket;
        Permission: auth0plus::Permission, m::Permission;
        PermissionSource: auth0plus::PermissionSource, m::PermissionSource;
        Query: auth0plus::Query<U>, m::Query<U>;
        Record: auth0plus::Record<U>, m::Record<U>;
        RecordState: m::RecordState<U>;
        RefreshToken: m::RefreshToken;
        Relation: auth0plus::Relation<U>, m::Relation<U>;
        RequestBuilder: m::RequestBuilder;
        ResourceServer: auth0plus::ResourceServer, m::ResourceServer;
        ResourceServers: auth0plus::ResourceServers, m::ResourceServers;
        Result: auth0plus::Result<()>, m::Result<()>;
        Role: auth0plus::Role, m::Role;
        RoleState: m::RoleState;
        Roles: auth0plus::Roles, m::Roles;
        SecondaryAccount: auth0plus::SecondaryAccount, m::SecondaryAccount;
        Session: m::Session;
        TailStart: auth0plus::TailStart, m::TailStart;
        Tickets: m::Tickets;
        Timestamp: auth0plus::Timestamp, m::Timestamp;
        User: auth0plus::User, p::User, m::User, m::users::User;
        UserExport: m::UserExport, m::jobs::UserExport;
        UserIdentity: m::UserIdentity, m::users::UserIdentity;
        UserImport: m::UserImport<Users>, m::jobs::UserImport<Users>;
        UserPending: m::users::UserPending;
        UserProfile: auth0plus::UserProfile, m::UserProfile, m::users::UserProfile;
        UserQuery: auth0plus::UserQuery, p::UserQuery, m::UserQuery, m::users::UserQuery;
        UserRefreshTokens: m::UserRefreshTokens;
        UserSessions: m::UserSessions;
        UserState: m::UserState, m::users::UserState;
        Users: auth0plus::Users, m::Users, m::users::Users;
        VerificationEmail: m::VerificationEmail, m::jobs::VerificationEmail;
    }
}

/// Traits of the tree (no `type_name`): listed so that a type never takes
/// their names.
const TRAITS: &[&str] = &[
    "ChangeSet",
    "IntoRecord",
    "ListOperation",
    "LookupValue",
    "Operation",
    "Resource",
];

/// Hand-written names that are also a generated model's and mean the same
/// thing in another form (not its record): the generated type is what the
/// spec calls it; the hand-written one is what this crate reads it into.
const HAND_WRITTEN_FORMS: &[&str] = &["UserIdentity"];

/// The type without its generic parameters.
fn base(type_name: &str) -> &str {
    type_name.split('<').next().unwrap_or(type_name)
}

/// What a type is, for comparing two types of one name: its path, with the
/// parameters of the generic types this test picks left out.
fn meaning(listed: &Listed) -> &'static str {
    let (_, path, ty) = *listed;
    if path.contains('<') { base(ty) } else { ty }
}

/// Every type name `pub use`d or defined `pub` in `file`.
fn exported_types(file: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).expect("a source file of the facade's tree");
    let mut names = BTreeSet::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("pub use ") {
        rest = &rest[at + "pub use ".len()..];
        let statement = &rest[..rest.find(';').unwrap_or(rest.len())];
        let list = match statement.find('{') {
            Some(open) => &statement[open + 1..statement.rfind('}').unwrap_or(statement.len())],
            None => statement.rsplit("::").next().unwrap_or(statement),
        };
        for item in list.split(',') {
            let name = item.rsplit(" as ").next().unwrap_or(item).trim();
            names.insert(name.to_owned());
        }
    }
    for line in text.lines() {
        for kind in ["pub struct ", "pub enum ", "pub type ", "pub trait "] {
            if let Some(rest) = line.strip_prefix(kind) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                names.insert(name);
            }
        }
    }
    // Types only: `CamelCase`, not constants, functions or modules.
    names.retain(|n| {
        n.starts_with(|c: char| c.is_ascii_uppercase())
            && n.chars().any(|c| c.is_ascii_lowercase())
            && !n.ends_with("Doctests")
    });
    names
}

/// The names `pub` in the generated crate's `file` (models or operations).
fn generated_names(file: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).expect("a generated file");
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            ["pub struct ", "pub enum ", "pub type "]
                .iter()
                .find_map(|kind| line.strip_prefix(kind))
        })
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .expect("the workspace")
}

#[test]
fn every_exported_type_is_listed() {
    let crates = repo().join("crates");
    let listed: BTreeSet<&str> = facade_types()
        .iter()
        .map(|(name, _, _)| *name)
        .chain(TRAITS.iter().copied())
        .collect();
    for file in [
        "auth0plus/src/lib.rs",
        "auth0plus-management/src/lib.rs",
        "auth0plus-management/src/users/mod.rs",
        "auth0plus-management/src/jobs/mod.rs",
        "auth0plus-management/src/organizations/mod.rs",
    ] {
        for name in exported_types(&crates.join(file)) {
            assert!(
                listed.contains(name.as_str()),
                "{file} exports `{name}`: list it in tests/names.rs with what it is"
            );
        }
    }
}

#[test]
fn a_name_names_one_type() {
    let mut by_name: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for listed in facade_types() {
        by_name
            .entry(listed.0)
            .or_default()
            .insert(meaning(&listed));
    }
    for (name, meanings) in &by_name {
        assert_eq!(meanings.len(), 1, "`{name}` names {meanings:?}");
        assert!(!TRAITS.contains(name), "`{name}` is a trait and a type");
    }
}

#[test]
fn a_generated_models_name_is_its_record_or_its_hand_written_form() {
    let generated = repo().join("crates/auth0plus-management-api/src/generated");
    let models = generated_names(&generated.join("models.rs"));
    let mut operations = BTreeSet::new();
    for entry in std::fs::read_dir(&generated).expect("the generated modules") {
        let path = entry.expect("an entry").path();
        if path
            .file_name()
            .is_some_and(|n| n != "models.rs" && n != "mod.rs")
        {
            operations.extend(generated_names(&path));
        }
    }
    // The records of generated models, as their names say.
    let records = [
        (
            "Role",
            type_name::<auth0plus::Role>(),
            type_name::<models::Role>(),
        ),
        (
            "Organization",
            type_name::<auth0plus::Organization>(),
            type_name::<models::Organization>(),
        ),
        (
            "Client",
            type_name::<auth0plus::Client>(),
            type_name::<models::Client>(),
        ),
        (
            "ResourceServer",
            type_name::<auth0plus::ResourceServer>(),
            type_name::<models::ResourceServer>(),
        ),
    ];
    let record = base(type_name::<auth0plus::Record<auth0plus::UserProfile>>());
    for (name, hand_written, model) in records {
        assert_eq!(hand_written, format!("{record}<{model}>"), "{name}");
    }
    let names: BTreeSet<&str> = facade_types()
        .iter()
        .map(|(name, _, _)| *name)
        .chain(TRAITS.iter().copied())
        .collect();
    for name in names {
        assert!(
            !operations.contains(name),
            "`{name}` is also a generated operation"
        );
        if models.contains(name) {
            assert!(
                records.iter().any(|(record, _, _)| *record == name)
                    || HAND_WRITTEN_FORMS.contains(&name),
                "`{name}` is also `api::models::{name}`, and not its record: rename one"
            );
        }
    }
}
