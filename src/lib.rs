//! clearinghouse: matches healthcare cyber capacity-building needs with the programmes,
//! experts, tools and funds that can meet them.
//!
//! Layers point one way: `http` and the per-area `routes` call the pure domain (`model`
//! modules) and the storage (`store` modules over `db`). See docs/ARCHITECTURE.md.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod catalogue;
pub mod clients;
pub mod commands;
pub mod config;
pub mod db;
pub mod error;
pub mod health;
pub mod housekeeping;
pub mod http;
pub mod idempotency;
pub mod matching;
pub mod metrics;
pub mod networks;
pub mod notify;
pub mod openapi;
pub mod queue;
pub mod routes;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod text;
pub mod visibility;
pub mod vocabulary;
pub mod web;
pub mod webhooks;

pub use startup::Application;
