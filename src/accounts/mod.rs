//! Organisations and their users: the domain rules (`model`), storage (`store`), the
//! directory routes (`routes`), and the registration shared by the API and the CLI.

pub mod model;
pub mod routes;
pub mod store;
