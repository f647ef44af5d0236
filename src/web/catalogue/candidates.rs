//! `/needs/{id}/candidates`, `/offers/{id}/candidates`: the ranked candidates of an item
//! for its organisation and coordinators (matching's use case, as the API's), each with its
//! score as a percentage, each factor's sentence, and a "Propose this match" button.

use actix_web::{web, HttpResponse};
use minijinja::context;
use serde::Serialize;

use crate::catalogue::item::CatalogueItem;
use crate::catalogue::service;
use crate::error::ApiError;
use crate::matching::service::Window;
use crate::state::AppState;
use crate::web::address::path_id;
use crate::web::catalogue::browse::{cards, Card};
use crate::web::catalogue::{CandidateAsk, WebKind};
use crate::web::errors::PageError;
use crate::web::matches::scored;
use crate::web::render::Page;
use crate::web::session::SignedIn;

/// At most the best 50 candidates are shown (and explained): they are what a person acts on.
const SHOWN_WINDOW: Window = Window { start: 0, len: 50 };

/// One factor's sentence, with the factor it belongs to (the page labels it).
#[derive(Serialize)]
struct Reason {
    factor: &'static str,
    reason: String,
}

#[derive(Serialize)]
struct Candidate {
    card: Card,
    percent: i64,
    reasons: Vec<Reason>,
    need_id: String,
    offer_id: String,
}

pub async fn candidates<K: WebKind>(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path)?;
    let reader = signed_in.user.reader();
    let open = state.open_offers.clone();
    let (item, ranked) = state
        .db
        .query(scored(&state, move |conn, scoring| {
            let item: K = service::read(conn, &reader, id).map_err(ApiError::from)?;
            let ask = CandidateAsk {
                scoring,
                open: &open,
                id,
                window: SHOWN_WINDOW,
            };
            let ranked = K::candidates(conn, &reader, ask).map_err(ApiError::from)?;
            Ok::<_, ApiError>((item, ranked))
        }))
        .await
        .map_err(PageError::from)?;
    let ranked = ranked.shown;
    let others: Vec<K::Other> = ranked.iter().map(|(other, _)| other.clone()).collect();
    let shown = cards(&state, &reader, &others).await?;
    let candidates: Vec<Candidate> = shown
        .into_iter()
        .zip(ranked)
        .map(|(card, (other, score))| {
            let (need_id, offer_id) = K::pair(id, CatalogueItem::id(&other));
            Candidate {
                card,
                percent: (score.score * 100.0).round() as i64,
                reasons: score
                    .explanation
                    .into_iter()
                    .map(|factor| Reason {
                        factor: factor.factor,
                        reason: factor.reason,
                    })
                    .collect(),
                need_id: need_id.to_string(),
                offer_id: offer_id.to_string(),
            }
        })
        .collect();
    Page::new(
        "catalogue/candidates",
        context! {
            noun => K::NOUN,
            collection => K::COLLECTION,
            id => id,
            title => K::title(item.fields()),
            candidates => candidates,
        },
    )
    .render(&state, &signed_in.visitor)
}
