//! `/needs` and `/offers` (browse and search with the API's filters, a page at a time by
//! the keyset cursor) and `/my/needs`, `/my/offers` (an organisation's items in every
//! state). Both lists are cards built the same way, as the visitor may see each item.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::accounts::model::Organisation;
use crate::accounts::store as accounts;
use crate::catalogue::routes::SharedFilters;
use crate::catalogue::service;
use crate::catalogue::store::{CursorOf, ItemFilter, ItemStore, PageRequest};
use crate::state::AppState;
use crate::visibility::{reveals_need_owner, Reader};
use crate::web::catalogue::forms::page_error;
use crate::web::catalogue::words::{country_choices, language_choices};
use crate::web::catalogue::{own_items, theme_groups, Fact, WebKind, Words};
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::render::Page;
use crate::web::session::{SignedIn, Visitor};

/// Items on one page of a list.
const PAGE_SIZE: usize = 20;

/// Who posted an item, as the reader may know it: the name, or only its kind and place
/// ("A hospital in Kenya") for an anonymous need.
#[derive(Debug, Clone, Serialize)]
pub struct Owner {
    pub name: Option<String>,
    pub kind: String,
    pub place: String,
}

#[derive(Debug, Serialize)]
pub struct Card {
    pub href: String,
    pub title: String,
    pub owner: Owner,
    pub facts: Vec<Fact>,
}

/// The organisations of `ids`, read once each.
pub async fn organisations(
    state: &AppState,
    mut ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, Organisation>, PageError> {
    ids.sort();
    ids.dedup();
    Ok(state
        .db
        .read(move |conn| {
            let mut found = HashMap::new();
            for id in ids {
                if let Some(organisation) = accounts::find_organisation(conn, id)? {
                    found.insert(id, organisation);
                }
            }
            Ok(found)
        })
        .await?)
}

pub fn owner_of<K: WebKind>(
    item: &K,
    reader: &Reader,
    names: &HashMap<Uuid, Organisation>,
) -> Owner {
    let organisation = names.get(&item.organisation_id());
    let kind = organisation.map_or("", |o| o.kind.as_str()).to_owned();
    let revealed = reveals_need_owner(reader, item.organisation_id(), item.anonymous());
    let place = if item.place().is_empty() {
        organisation.map_or_else(String::new, |o| o.country.name().to_owned())
    } else {
        item.place()
    };
    Owner {
        name: revealed
            .then(|| organisation.map(|o| o.name.clone()))
            .flatten(),
        kind,
        place,
    }
}

pub async fn cards<K: WebKind>(
    state: &AppState,
    reader: &Reader,
    items: &[K],
) -> Result<Vec<Card>, PageError> {
    let names = organisations(state, items.iter().map(|i| i.organisation_id()).collect()).await?;
    let words = Words::of(state);
    Ok(items
        .iter()
        .map(|item| Card {
            href: format!("/{}/{}", K::COLLECTION, item.id()),
            title: K::title(item.fields()).to_owned(),
            owner: owner_of(item, reader, &names),
            facts: item.card_facts(&words),
        })
        .collect())
}

/// The browse form as sent: empty means "any".
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct BrowseQuery {
    pub q: String,
    pub theme: String,
    pub country: String,
    pub language: String,
    pub urgency: String,
    pub kind: String,
    pub sort: String,
    pub cursor: String,
}

fn given(value: &str) -> Option<&str> {
    let value = value.trim();
    (!value.is_empty()).then_some(value)
}

impl BrowseQuery {
    /// This query's address with `cursor` (the next page's link).
    fn with_cursor(&self, path: &str, only_field: &str, cursor: &str) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("q", &self.q),
            ("theme", &self.theme),
            ("country", &self.country),
            ("language", &self.language),
            (only_field, self.only(only_field)),
            ("sort", &self.sort),
        ] {
            if let Some(value) = given(value) {
                query.append_pair(name, value);
            }
        }
        query.append_pair("cursor", cursor);
        format!("{path}?{}", query.finish())
    }

    fn only(&self, field: &str) -> &String {
        if field == "urgency" {
            &self.urgency
        } else {
            &self.kind
        }
    }
}

/// A browse query read: what to list, in which order, from where.
type Listing<K> = (
    ItemFilter<<K as crate::catalogue::item::CatalogueItem>::Status, <K as ItemStore>::Only>,
    <K as ItemStore>::Sort,
    Option<CursorOf<K>>,
);

/// The filter of a browse query, or the refusals to show next to its fields.
fn filter_of<K: WebKind>(
    state: &AppState,
    query: &BrowseQuery,
    only_field: &str,
) -> Result<Listing<K>, FormErrors> {
    let mut errors = FormErrors::none();
    let shared = SharedFilters::parse(
        state,
        given(&query.theme),
        given(&query.country),
        given(&query.language),
        given(&query.q),
    );
    let shared = match shared {
        Ok(shared) => Some(shared),
        Err(error) => {
            if let Some(refused) = FormErrors::from_refusal(&state.site, "filter", &error) {
                errors = refused;
            }
            None
        }
    };
    let only = K::only(given(query.only(only_field)))
        .map_err(|_| errors.add(&state.site, "filter", only_field, "invalid"))
        .ok();
    let sort = K::sort(given(&query.sort))
        .map_err(|_| errors.add(&state.site, "filter", "sort", "invalid"))
        .ok();
    let cursor = match given(&query.cursor) {
        None => None,
        Some(text) => match CursorOf::<K>::parse(text) {
            Some(cursor) if sort.is_some_and(|sort| cursor.fits(sort)) => Some(cursor),
            _ => {
                errors.add(&state.site, "filter", "sort", "cursor");
                None
            }
        },
    };
    match (shared, only, sort) {
        (Some(shared), Some(only), Some(sort)) if errors.is_empty() => Ok((
            ItemFilter {
                status: Some(K::OPEN),
                themes: shared.themes,
                country: shared.country,
                language: shared.language,
                organisation: None,
                text: shared.text,
                updated_since: None,
                only,
            },
            sort,
            cursor,
        )),
        _ => Err(errors),
    }
}

pub async fn browse<K: WebKind>(
    state: web::Data<AppState>,
    visitor: Visitor,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let query: BrowseQuery =
        serde_html_form::from_str(request.query_string()).map_err(|_| PageError::BadRequest)?;
    let words = Words::of(&state);
    let choices = K::filter_choices(&words);
    let reader = visitor.reader();
    let (cards, next, errors, status) = match filter_of::<K>(&state, &query, choices.only_field) {
        Ok((filter, sort, cursor)) => {
            let (items, next) = state
                .db
                .query(move |conn| {
                    let page = PageRequest {
                        sort,
                        cursor: cursor.as_ref(),
                        limit: PAGE_SIZE,
                    };
                    service::list::<K>(conn, &reader, &filter, page)
                })
                .await
                .map_err(page_error)?;
            let next = next.map(|next| {
                query.with_cursor(
                    &format!("/{}", K::COLLECTION),
                    choices.only_field,
                    &next.text(),
                )
            });
            (
                cards(&state, &reader, &items).await?,
                next,
                FormErrors::none(),
                StatusCode::OK,
            )
        }
        Err(errors) => (Vec::new(), None, errors, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let only_value = query.only(choices.only_field).clone();
    Page::new(
        "catalogue/browse",
        context! {
            noun => K::NOUN,
            collection => K::COLLECTION,
            query => query,
            only_value => only_value,
            choices => choices,
            theme_groups => theme_groups(&state.taxonomy),
            countries => country_choices(),
            languages => language_choices(),
            cards => cards,
            next => next,
            errors => errors,
            may_post => reader.may_post_on(K::POSTED_BY),
        },
    )
    .status(status)
    .render(&state, &visitor)
}

/// Every item of the signed-in person's organisation, in every state.
pub async fn mine<K: WebKind>(
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, PageError> {
    let reader = signed_in.user.reader();
    if !reader.may_post_on(K::POSTED_BY) {
        return Err(PageError::Forbidden);
    }
    let items: Vec<K> = own_items(&state, reader, None, 500).await?;
    let cards = cards(&state, &reader, &items).await?;
    Page::new(
        "catalogue/mine",
        context! {
            noun => K::NOUN,
            collection => K::COLLECTION,
            cards => cards,
        },
    )
    .render(&state, &signed_in.visitor)
}
