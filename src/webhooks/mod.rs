//! Webhooks for partner systems: an organisation's endpoints, the deliveries that the use
//! cases write in the transaction of each event (`events`), and the worker that signs and
//! sends them (Standard Webhooks) to addresses the SSRF rule admits.

pub mod events;
pub mod model;
pub mod routes;
pub mod service;
pub mod ssrf;
pub mod store;
pub mod worker;
