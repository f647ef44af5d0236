//! `/`: what the clearing house is, who it is for, how it works, its live figures (over
//! what the visitor may see), a search, and the ways in.

use actix_web::{get, web, HttpResponse};
use minijinja::context;

use crate::catalogue;
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::render::Page;
use crate::web::session::Visitor;

pub fn routes(config: &mut web::ServiceConfig) {
    config.service(home);
}

#[get("/")]
async fn home(state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse, PageError> {
    // catalogue pages: the live figures, counted over what this visitor may see.
    let (reader, taxonomy) = (visitor.reader(), state.taxonomy.clone());
    let figures = state
        .db
        .query(move |conn| catalogue::service::figures(conn, &reader, &taxonomy))
        .await
        .map_err(|error| PageError::from(crate::error::ApiError::from(error)))?;
    Page::new(
        "home",
        context! {
            live_figures => figures,
        },
    )
    .render(&state, &visitor)
}
