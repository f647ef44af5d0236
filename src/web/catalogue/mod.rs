//! The catalogue's pages: browse and search, an item's page with its lifecycle buttons,
//! "my needs" / "my offers", the new and edit forms, and the ranked candidates. Written
//! once for both kinds, generic over `K: WebKind` (a `CatalogueItem + ItemStore` plus what
//! its pages show differently: the form's fields, the kind's own filter, its facts); the
//! handlers call the catalogue's and matching's use cases, never the store or the API.

mod browse;
mod candidates;
mod forms;
mod item;
mod needs;
mod offers;
mod words;

use actix_web::web;
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use crate::catalogue::item::CatalogueItem;
use crate::catalogue::lifecycle::Action;
use crate::catalogue::model::{Need, Offer};
use crate::catalogue::service;
use crate::catalogue::store::{ItemFilter, ItemStore, PageRequest};
use crate::catalogue::themes::Taxonomy;
use crate::db::Conn;
use crate::error::FieldError;
use crate::matching::open_offers::OpenOffers;
use crate::matching::service::{MatchingError, RankedPage, Scoring, Window};
use crate::state::AppState;
use crate::visibility::Reader;
use crate::web::errors::PageError;

pub use words::Words;

/// One line of an item's description in plain words: a label and its value.
#[derive(Debug, Clone, Serialize)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

/// An item's facts as its page builds them, in order; each label is the catalogue's
/// `catalogue-fact-<label>`.
pub struct Facts<'w, 'a> {
    pub words: &'w Words<'a>,
    list: Vec<Fact>,
}

impl<'w, 'a> Facts<'w, 'a> {
    pub fn new(words: &'w Words<'a>) -> Self {
        Self {
            words,
            list: Vec::new(),
        }
    }

    pub fn add(&mut self, label: &str, value: String) -> &mut Self {
        let label = self.words.text(&format!("catalogue-fact-{label}"));
        self.list.push(Fact { label, value });
        self
    }

    /// A fact whose value is a vocabulary word: the catalogue's `<prefix><code>`.
    pub fn word(&mut self, label: &str, prefix: &str, code: &str) -> &mut Self {
        let value = self.words.text(&format!("{prefix}{code}"));
        self.add(label, value)
    }

    /// The item's status (`need-status-open` ...).
    pub fn status<K: CatalogueItem>(&mut self, code: &str) -> &mut Self {
        self.word("status", &format!("{}-status-", K::NOUN), code)
    }

    /// Who may see the item, and what that means.
    pub fn visibility<K: CatalogueItem>(&mut self, item: &K) -> &mut Self {
        let name = format!("{}-visibility-{}", K::NOUN, item.visibility_code());
        let value = format!(
            "{}: {}",
            self.words.text(&name),
            self.words.text(&format!("{name}-hint"))
        );
        self.add("visibility", value)
    }

    pub fn into_list(self) -> Vec<Fact> {
        self.list
    }
}

/// The options of a select, each labelled by the catalogue's `<prefix><value>`.
pub fn choices<'v>(
    words: &Words<'_>,
    prefix: &str,
    values: impl IntoIterator<Item = &'v str>,
) -> Vec<Choice> {
    values
        .into_iter()
        .map(|value| Choice {
            value: value.to_owned(),
            label: words.text(&format!("{prefix}{value}")),
        })
        .collect()
}

/// A kind's own list filter (`Option<Urgency>`, `Option<OfferKind>`) from its query value:
/// none without one, the field's refusal for a value that names nothing.
pub trait OnlyFilter: Sized {
    fn from_query(field: &'static str, value: Option<&str>) -> Result<Self, FieldError>;
}

impl<T: std::str::FromStr> OnlyFilter for Option<T> {
    fn from_query(field: &'static str, value: Option<&str>) -> Result<Self, FieldError> {
        value
            .map(|v| {
                v.parse::<T>()
                    .map_err(|_| FieldError::new(field, field, ""))
            })
            .transpose()
    }
}

/// What a kind's pages show and take differently; everything else is written once.
pub trait WebKind: ItemStore<Only: OnlyFilter> + CatalogueItem {
    /// The other kind: what this kind's candidates are.
    type Other: WebKind;
    /// The form's fields as a person typed them (kept on error, shown again).
    type Form: DeserializeOwned + Serialize + Default + 'static;

    /// The lifecycle buttons its page may show, in order.
    const ACTIONS: &'static [Action];

    /// The form filled with an item's current fields (the edit form).
    fn form_of(fields: &Self::Fields) -> Self::Form;
    /// The use case's input from the form; fields that could not even be read (a date
    /// that is not a date) are `(field, code)` refusals and get a harmless stand-in.
    fn input_of_form(form: &Self::Form) -> (Self::Input, Vec<(String, &'static str)>);
    /// The version an edit form carries (hidden), to read or to set.
    fn version_of(form: &mut Self::Form) -> &mut Option<i32>;

    /// The query field of the kind's own list filter (`urgency`, `kind`); its label is
    /// `catalogue-filter-<field>`.
    const ONLY_FIELD: &'static str;
    /// The catalogue prefix of the words of that filter's values (`urgency-`).
    const ONLY_WORDS: &'static str;
    /// The sort orders a query may name, the default first.
    const SORTS: &'static [(&'static str, Self::Sort)];

    /// The kind's own list filter from its query value, or the field's refusal.
    fn only(value: Option<&str>) -> Result<Self::Only, FieldError> {
        Self::Only::from_query(Self::ONLY_FIELD, value)
    }
    /// The values of the kind's own filter, in the order its select offers them.
    fn only_values() -> Vec<&'static str>;

    /// The sort a query names, or the field's refusal.
    fn sort(value: Option<&str>) -> Result<Self::Sort, FieldError> {
        let Some(value) = value else {
            return Ok(Self::SORTS[0].1);
        };
        Self::SORTS
            .iter()
            .find(|(name, _)| *name == value)
            .map(|(_, sort)| *sort)
            .ok_or_else(|| FieldError::new("sort", "sort", ""))
    }

    /// The kind's own filter and sort choices, for the browse form.
    fn filter_choices(words: &Words<'_>) -> KindChoices {
        KindChoices {
            only_field: Self::ONLY_FIELD,
            only_label: words.text(&format!("catalogue-filter-{}", Self::ONLY_FIELD)),
            only: choices(words, Self::ONLY_WORDS, Self::only_values()),
            sorts: choices(
                words,
                "catalogue-sort-",
                Self::SORTS.iter().map(|(name, _)| *name),
            ),
        }
    }

    /// The short facts of a card in a list.
    fn card_facts(&self, words: &Words<'_>) -> Vec<Fact>;
    /// Every field, in plain words, for its page.
    fn detail_facts(&self, words: &Words<'_>) -> Vec<Fact>;
    fn description(&self) -> &str;
    /// The country a "a hospital in Kenya" line names.
    fn place(&self) -> String;

    /// The other kind's items that can meet this one, best first (matching's use case).
    fn candidates(
        conn: &mut Conn<'_>,
        reader: &Reader,
        ask: CandidateAsk<'_>,
    ) -> Result<RankedPage<Self::Other>, MatchingError>;
    /// `(need_id, offer_id)` of a pair of this item and one of the other kind.
    fn pair(this: Uuid, other: Uuid) -> (Uuid, Uuid);
}

/// What a candidates page asks matching for: the `window` of the ranking of item `id`,
/// scored with `scoring`, over the open offers the server holds.
pub struct CandidateAsk<'a> {
    pub scoring: Scoring<'a>,
    pub open: &'a OpenOffers,
    pub id: Uuid,
    pub window: Window,
}

/// A select's option.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// A kind's own filter (urgency, offer kind) and its sort orders, for the browse form.
#[derive(Debug, Clone, Serialize)]
pub struct KindChoices {
    /// The query field of the kind's own filter: `urgency`, `kind`.
    pub only_field: &'static str,
    pub only_label: String,
    pub only: Vec<Choice>,
    pub sorts: Vec<Choice>,
}

pub fn routes(config: &mut web::ServiceConfig) {
    kind_routes::<Need>(config);
    kind_routes::<Offer>(config);
}

/// The routes of one kind: `/needs`, `/needs/new`, `/needs/{id}` ... and `/my/needs`.
/// `new` comes before `{id}`, and the email links' fixed paths (`/needs/reconfirm`) are
/// registered before all of these.
fn kind_routes<K: WebKind>(config: &mut web::ServiceConfig)
where
    crate::matching::announce::Announcer: crate::catalogue::service::ItemChanged<K>,
{
    let collection = format!("/{}", K::COLLECTION);
    config
        .route(&collection, web::get().to(browse::browse::<K>))
        .route(
            &format!("/my/{}", K::COLLECTION),
            web::get().to(browse::mine::<K>),
        )
        .route(
            &format!("{collection}/new"),
            web::get().to(forms::new_form::<K>),
        )
        .route(
            &format!("{collection}/new"),
            web::post().to(forms::create::<K>),
        )
        .route(
            &format!("{collection}/{{id}}"),
            web::get().to(item::show::<K>),
        )
        .route(
            &format!("{collection}/{{id}}/edit"),
            web::get().to(forms::edit_form::<K>),
        )
        .route(
            &format!("{collection}/{{id}}/edit"),
            web::post().to(forms::save::<K>),
        )
        .route(
            &format!("{collection}/{{id}}/candidates"),
            web::get().to(candidates::candidates::<K>),
        )
        .route(
            &format!("{collection}/{{id}}/{{action}}"),
            web::post().to(item::act::<K>),
        );
}

/// An item for one of its pages, as `reader` may see it.
async fn read_item<K: WebKind>(state: &AppState, reader: Reader, id: Uuid) -> Result<K, PageError> {
    state
        .db
        .query(move |conn| service::read::<K>(conn, &reader, id))
        .await
        .map_err(forms::page_error)
}

/// The items of the reader's own organisation, in `status` (or in every state), in the
/// kind's default order: an organisation has tens of items, so one long page.
async fn own_items<K: WebKind>(
    state: &AppState,
    reader: Reader,
    status: Option<K::Status>,
    limit: usize,
) -> Result<Vec<K>, PageError> {
    let filter = ItemFilter {
        status,
        themes: None,
        country: None,
        language: None,
        organisation: reader.organisation_id(),
        text: None,
        updated_since: None,
        only: K::only(None).map_err(|_| PageError::Internal)?,
    };
    let sort = K::sort(None).map_err(|_| PageError::Internal)?;
    state
        .db
        .query(move |conn| {
            let page = PageRequest {
                sort,
                cursor: None,
                limit,
            };
            service::list::<K>(conn, &reader, &filter, page).map(|(items, _)| items)
        })
        .await
        .map_err(forms::page_error)
}

/// The theme picker's and filter's shape: each top-level theme with its children.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeGroup {
    pub code: String,
    pub name: String,
    pub description: String,
    pub children: Vec<ThemeChoice>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThemeChoice {
    pub code: String,
    pub name: String,
    pub description: String,
}

pub fn theme_groups(taxonomy: &Taxonomy) -> Vec<ThemeGroup> {
    taxonomy
        .tree()
        .items
        .into_iter()
        .map(|top| ThemeGroup {
            code: top.code,
            name: top.name,
            description: top.description,
            children: top
                .children
                .into_iter()
                .map(|child| ThemeChoice {
                    code: child.code,
                    name: child.name,
                    description: child.description,
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::model::{
        DeliveryMode, NeedStatus, NeedVisibility, OfferKind, OfferStatus, OfferVisibility, Region,
        Urgency,
    };
    use crate::web::i18n::{assert_messages_exist, prefixed};

    /// The words the pages build from a value (`status-open`, `urgency-high` ...) exist
    /// for every value.
    #[test]
    fn every_vocabulary_value_has_its_words() {
        let mut ids = [
            prefixed("need-status-", NeedStatus::ALL),
            prefixed("offer-status-", OfferStatus::ALL),
            prefixed("urgency-", Urgency::ALL),
            prefixed("delivery-", DeliveryMode::ALL),
            prefixed("offer-kind-", OfferKind::ALL),
            prefixed("region-", Region::ALL),
        ]
        .concat();
        for v in NeedVisibility::ALL {
            ids.push(format!("need-visibility-{}", v.as_str()));
            ids.push(format!("need-visibility-{}-hint", v.as_str()));
        }
        for v in OfferVisibility::ALL {
            ids.push(format!("offer-visibility-{}", v.as_str()));
            ids.push(format!("offer-visibility-{}-hint", v.as_str()));
        }
        ids.extend(prefixed(
            "catalogue-action-",
            [
                Action::Publish,
                Action::Withdraw,
                Action::Close,
                Action::Reconfirm,
            ]
            .map(Action::as_str),
        ));
        assert_messages_exist(&ids);
    }
}
