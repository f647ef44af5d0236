//! Organisations and their users: the domain rules (`model`), storage (`store`), the
//! directory routes (`routes`), and the registration shared by the API and the CLI.
//! The email journeys (verification, password reset, invitations) are in `flows`, with
//! their tokens in `credentials` and their JSON routes in `email_routes`.

pub mod credentials;
pub mod email_routes;
pub mod flows;
pub mod model;
pub mod routes;
pub mod store;
