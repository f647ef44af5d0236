//! HTTP plumbing shared by every route: request extractor settings that turn actix's own
//! rejections into problem+json, the client's address behind trusted proxies, the request
//! id, pagination, versions as ETags and `If-Match`, storage failures as answers, the route
//! table and the API's CORS policy.

pub mod client_ip;
pub mod conditional;
pub mod cors;
pub mod json_numbers;
pub mod pagination;
pub mod problems;
pub mod refusals;
pub mod request_id;
pub mod store_errors;
pub mod sync;
