//! Organisations and their users: the domain rules (`model`), storage (`store`) and the
//! directory routes (`routes`). The email journeys (verification, password reset,
//! invitations) are in `flows`, with their tokens in `credentials` and their JSON routes in
//! `email_routes`.

pub mod credentials;
pub mod email_routes;
pub mod flows;
pub mod model;
pub mod routes;
pub mod store;
