//! Turning a template and its context into a page response: the layout's frame (language,
//! who is signed in, the form token), the headers every page carries, and the cookie a
//! signed-out visitor's forms need. `Page::new("name", context!{...}).render(&state, &visitor)`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, HttpResponseBuilder};
use minijinja::{context, Value};
use serde::Serialize;

use crate::accounts::model::Side;
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::i18n::page_language;
use crate::web::session::Visitor;
use crate::web::site::Site;

/// What the layout's header shows of the signed-in person.
#[derive(Serialize)]
struct NavUser<'a> {
    name: &'a str,
    /// `requester`, `provider` or `secretariat`: which "my ..." link the header shows.
    side: &'static str,
    is_coordinator: bool,
    is_org_admin: bool,
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Requester => "requester",
        Side::Provider => "provider",
        Side::Secretariat => "secretariat",
    }
}

/// Renders `web/<template>.html`: the page's own `context` plus `lang`, `user` (None when
/// signed out) and `csrf` (the token every form's hidden field carries).
pub(crate) fn html(
    site: &Site,
    visitor: Option<&Visitor>,
    template: &str,
    context: Value,
) -> Result<String, minijinja::Error> {
    let user = visitor
        .and_then(|visitor| visitor.signed_in.as_ref())
        .map(|user| NavUser {
            name: &user.user.name,
            side: side_name(user.organisation.kind.side()),
            is_coordinator: user.is_coordinator(),
            is_org_admin: user.is_org_admin(),
        });
    let csrf = visitor.map(Visitor::csrf_token).unwrap_or_default();
    site.render(
        template,
        context! { lang => page_language(), user => user, csrf => csrf, ..context },
    )
}

/// Headers of every page: HTML, never cached (pages show who is signed in), and no
/// referrer at all from a page whose address carries a token.
pub(crate) fn page_headers(response: &mut HttpResponseBuilder, token_in_url: bool) {
    response
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if token_in_url {
        response.insert_header((header::REFERRER_POLICY, "no-referrer"));
    }
}

pub struct Page {
    template: &'static str,
    context: Value,
    status: StatusCode,
    token_in_url: bool,
}

impl Page {
    pub fn new(template: &'static str, context: Value) -> Self {
        Self {
            template,
            context,
            status: StatusCode::OK,
            token_in_url: false,
        }
    }

    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The page's address carries a secret (an email link's token).
    pub fn token_in_url(mut self) -> Self {
        self.token_in_url = true;
        self
    }

    pub fn render(self, state: &AppState, visitor: &Visitor) -> Result<HttpResponse, PageError> {
        let html =
            html(&state.site, Some(visitor), self.template, self.context).map_err(|error| {
                tracing::error!(%error, template = self.template, "a page did not render");
                PageError::Internal
            })?;
        let mut response = HttpResponse::build(self.status);
        page_headers(&mut response, self.token_in_url);
        if let Some(cookie) = visitor.new_csrf_cookie(&state.site) {
            response.cookie(cookie);
        }
        Ok(response.body(html))
    }
}

/// POST-redirect-GET: the answer to a form that worked.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
