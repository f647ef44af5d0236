//! API clients: partner systems that act for an organisation through OAuth 2.0 client
//! credentials (`oauth.rs`), managed by the organisation's admins (`routes.rs`, and the
//! page in `web/api_clients.rs`), within scopes (`model.rs`, `operations.rs`).

pub mod model;
pub mod oauth;
pub mod operations;
pub mod routes;
pub mod service;
pub mod store;
