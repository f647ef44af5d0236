//! Who you are: password hashing, access and refresh tokens, the identity extractors, rate
//! limits on the credential endpoints, the session use cases (`service`) and the auth routes.

pub mod extract;
pub mod password;
pub mod rate_limit;
pub mod routes;
pub mod service;
pub mod store;
pub mod token;
pub mod web_sessions;
