//! The web application: server-rendered pages for people, served by the same binary as the
//! API and calling the same use cases and visibility rule (never the API over HTTP).
//!
//! How a page is built (phase 2 adds pages the same way):
//! - identity: take `Visitor` (anyone; `visitor.reader()` is the API's `Reader`) or
//!   `SignedIn` (sends a signed-out visitor to `/sign-in?next=...`, then back);
//! - a state-changing form: take `CheckedForm<T>`, which refuses a missing or wrong CSRF
//!   token, or a cross-site post, with a friendly 403 before the handler runs; each form's
//!   template puts `{{ forms.csrf(csrf) }}` in it;
//! - rendering: `Page::new("name", context!{...}).render(&state, &visitor)`, for
//!   `templates/web/name.html`, whose sentences are `t("id")` from `locales/`;
//! - bad input: `FormErrors::from_refusal(...)` then the same page with status 422;
//! - success: `see_other(path)` (POST-redirect-GET), whose `?done=` the next page reads with
//!   `address::Notice`; failure: return a `PageError`;
//! - a page for coordinators only: take `Coordinator` (the friendly 403 page for anyone else).

pub mod address;
pub mod assets;
pub mod csrf;
pub mod errors;
pub mod forms;
pub mod headers;
pub mod i18n;
pub mod render;
pub mod session;
pub mod site;

mod account;
mod api_clients;
pub(crate) mod email_links;
mod home;
mod organisation;
mod problems;
mod signed_links;
// catalogue pages
mod catalogue;
// match and coordination pages
mod coordination;
pub(crate) mod matches;
// webhooks for partner systems
mod webhooks;

pub use site::Site;

/// Every page. Pages stay out of the OpenAPI document: it describes the API.
pub fn routes(config: &mut actix_web::web::ServiceConfig) {
    config.service(assets::stylesheet);
    home::routes(config);
    account::routes(config);
    email_links::routes(config);
    signed_links::routes(config);
    organisation::routes(config);
    api_clients::routes(config);
    problems::routes(config);
    // catalogue pages: after email_links, whose fixed paths (`/needs/reconfirm`) come first.
    catalogue::routes(config);
    // match and coordination pages
    matches::routes(config);
    coordination::routes(config);
    webhooks::routes(config);
}
