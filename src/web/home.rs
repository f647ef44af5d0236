//! `/`: what the clearing house is, who it is for, how it works, a search, and the ways in.

use actix_web::{get, web, HttpResponse};
use minijinja::context;

use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::render::Page;
use crate::web::session::Visitor;

pub fn routes(config: &mut web::ServiceConfig) {
    config.service(home);
}

#[get("/")]
async fn home(state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse, PageError> {
    Page::new(
        "home",
        context! {
            // Phase 2 fills this with the live figures (open needs by theme, needs matched,
            // countries reached), counted over what `visitor.reader()` may see; until then
            // the page shows none rather than made-up ones.
            live_figures => None::<()>,
        },
    )
    .render(&state, &visitor)
}
