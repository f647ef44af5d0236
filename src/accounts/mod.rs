//! Organisations and their users: the domain rules (`model`), the use cases (`service`:
//! registration, verification, and the email journeys of verifying an address, resetting a
//! password and invitations), storage (`store`, with the email tokens in `credentials`) and
//! HTTP (`routes` for the directory, `email_routes` for the email journeys).

pub mod credentials;
pub mod email_routes;
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
