//! `/problems` and `/problems/{slug}`: the pages that problem `type` URIs name. Each says
//! what the problem means and what a client should do; the slugs, statuses and titles come
//! from the one registry (`error::ProblemType`), the sentences from `locales/*/problems.ftl`.

use actix_web::{get, web, HttpResponse};
use minijinja::context;
use serde::Serialize;

use crate::error::ProblemType;
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::render::Page;
use crate::web::session::Visitor;

pub fn routes(config: &mut web::ServiceConfig) {
    config.service(list).service(show);
}

/// One type as the pages show it.
#[derive(Serialize)]
struct Shown {
    slug: &'static str,
    status: u16,
    title: &'static str,
    uri: String,
}

fn shown(kind: ProblemType, state: &AppState) -> Shown {
    Shown {
        slug: kind.slug(),
        status: kind.status().as_u16(),
        title: kind.title(),
        uri: kind.uri(&state.site.public_url),
    }
}

#[get("/problems")]
async fn list(state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse, PageError> {
    let problems: Vec<Shown> = ProblemType::ALL
        .iter()
        .map(|&kind| shown(kind, &state))
        .collect();
    Page::new("problems", context! { problems => problems }).render(&state, &visitor)
}

#[get("/problems/{slug}")]
async fn show(
    state: web::Data<AppState>,
    visitor: Visitor,
    slug: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let kind = ProblemType::from_slug(&slug).ok_or(PageError::NotFound)?;
    Page::new("problem", context! { problem => shown(kind, &state) }).render(&state, &visitor)
}
