//! Organisations and their users: the domain rules (`model`), storage (`store`) and the
//! directory routes (`routes`).

pub mod model;
pub mod routes;
pub mod store;
