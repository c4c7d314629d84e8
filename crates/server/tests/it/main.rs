//! API tests: the router from `server::app`, called without a port, over a real SQLite store and a project
//! written by `wand init`. (Block execution is covered by the end-to-end tests of the `wand` binary.)

mod addons;
mod api;
mod audit;
mod audit_trail;
mod auth;
mod backfills;
mod definitions;
mod dynamic;
mod editing;
mod files;
mod guard;
mod limits;
mod pipeline_triggers;
mod retention;
mod secrets;
mod stats;
mod streams;
mod support;
mod users;
