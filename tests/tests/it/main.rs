//! The whole-stack tests of auth0plus against the fake tenant and wiremock, as one test
//! binary: one link instead of one per file (issue 21: `cargo test --workspace` spent most of
//! its build linking ~35 binaries that each hold the whole stack). Two files stay binaries of
//! their own because they own process-wide state: `hostile_memory.rs` (a counting global
//! allocator whose peaks must see no other test) and `secrets.rs` (a global TRACE subscriber).

#[path = "../support/hostile_server.rs"]
mod hostile_server;

mod authentication;
mod decode_fuzz;
mod fault_matrix;
mod fleet;
mod generated_api;
mod generic_core;
mod hostile;
mod hostile_pages;
mod hostile_properties;
mod jobs;
mod jobs_wire;
mod load;
mod logs;
mod logs_wire;
mod organizations;
mod organizations_wire;
mod original_bugs;
mod paths;
mod relation_wire;
mod roles;
mod roles_wire;
mod search_properties;
mod tenant_objects;
mod tickets_export;
mod token_verification;
mod tokens;
mod tracing_docs;
mod unsaved;
mod user_world;
mod user_world_wire;
mod users_fake;
mod walkthrough;
mod wire;
