//! The catalogue: the theme taxonomy, needs and offers. `model`, `validate`, `lifecycle`,
//! `themes` and `view` are pure; `store` talks to the database; `service` holds the use
//! cases; `routes` is HTTP.

pub mod figures;
pub mod item;
pub mod lifecycle;
pub mod model;
pub mod notices;
pub mod routes;
pub mod service;
pub mod store;
pub mod themes;
pub mod validate;
pub mod view;
