//! An item's page (`/needs/{id}`, `/offers/{id}`): every field in plain words, as the
//! visitor may see it (hidden is the 404 page, as in the API); for its organisation and
//! coordinators the lifecycle buttons the state allows, each carrying the version read;
//! for the other side a "Propose a match" form.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use minijinja::context;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalogue::item::CatalogueItem;
use crate::catalogue::lifecycle::Action;
use crate::catalogue::service::{self, CatalogueError, ItemChanged};

use crate::matching::announce::Announcer;
use crate::state::AppState;
use crate::web::address::path_id;
use crate::web::catalogue::browse::{organisations, owner_of, Owner};
use crate::web::catalogue::forms::{page_error, request};
use crate::web::catalogue::{own_items, read_item, Choice, WebKind, Words};
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::render::{see_other, Page};
use crate::web::session::{SignedIn, Visitor};

/// Why nothing changed, said at the top of the page, with the links that help (the
/// matches that hold the item, the page that sends a new verification email).
#[derive(Serialize)]
struct Notice {
    text: String,
    links: Vec<NoticeLink>,
}

#[derive(Serialize)]
struct NoticeLink {
    href: String,
    label: String,
}

/// A lifecycle button.
#[derive(Serialize)]
struct Button {
    action: &'static str,
    label: String,
}

/// The "Propose a match" form of a reader on the other side: which of their own open
/// items to pair with this one.
#[derive(Serialize)]
struct Proposal {
    /// The hidden field that names this item (`need_id` or `offer_id`).
    this_field: &'static str,
    /// The select that names one of theirs.
    other_field: &'static str,
    own: Vec<Choice>,
}

async fn render<K: WebKind>(
    state: &AppState,
    visitor: &Visitor,
    item: K,
    notice: Option<Notice>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let reader = visitor.reader();
    let words = Words::of(state);
    let names = organisations(state, vec![item.organisation_id()]).await?;
    let owner: Owner = owner_of(&item, &reader, &names);
    let manages = visitor.signed_in.is_some() && reader.may_manage(item.organisation_id());
    let buttons: Vec<Button> = if manages {
        K::ACTIONS
            .iter()
            .filter(|action| K::next_status(item.status(), **action).is_ok())
            .map(|action| Button {
                action: action.as_str(),
                label: words.text(&format!("catalogue-action-{}", action.as_str())),
            })
            .collect()
    } else {
        Vec::new()
    };
    let editable = manages && K::next_status(item.status(), Action::Edit).is_ok();
    let proposal = proposal::<K>(state, visitor, &item).await?;
    let fields = K::title(item.fields()).to_owned();
    Page::new(
        "catalogue/item",
        context! {
            noun => K::NOUN,
            collection => K::COLLECTION,
            id => item.id(),
            version => item.version(),
            title => fields,
            description => item.description(),
            owner => owner,
            facts => item.detail_facts(&words),
            manages => manages,
            editable => editable,
            buttons => buttons,
            proposal => proposal,
            notice => notice,
        },
    )
    .status(status)
    .render(state, visitor)
}

/// The proposal form for a signed-in reader of the other side when this item is open: their
/// own open items of the other kind to choose from.
async fn proposal<K: WebKind>(
    state: &AppState,
    visitor: &Visitor,
    item: &K,
) -> Result<Option<Proposal>, PageError> {
    let Some(user) = &visitor.signed_in else {
        return Ok(None);
    };
    let reader = user.reader();
    if item.status() != K::OPEN || !reader.may_post_on(K::Other::POSTED_BY) {
        return Ok(None);
    }
    let own = own_items::<K::Other>(state, reader, Some(K::Other::OPEN), 100).await?;
    let (this_field, other_field) = if K::NOUN == "need" {
        ("need_id", "offer_id")
    } else {
        ("offer_id", "need_id")
    };
    Ok(Some(Proposal {
        this_field,
        other_field,
        own: own
            .iter()
            .map(|other| Choice {
                value: other.id().to_string(),
                label: <K::Other as CatalogueItem>::title(other.fields()).to_owned(),
            })
            .collect(),
    }))
}

pub async fn show<K: WebKind>(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path)?;
    let reader = visitor.reader();
    let item: K = read_item(&state, reader, id).await?;
    render(&state, &visitor, item, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    version: Option<i32>,
}

pub async fn act<K: WebKind>(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<(String, String)>,
    CheckedForm(form): CheckedForm<ActionForm>,
) -> Result<HttpResponse, PageError>
where
    Announcer: ItemChanged<K>,
{
    let (id, action) = path.into_inner();
    let id: Uuid = path_id(&id)?;
    let action = K::ACTIONS
        .iter()
        .copied()
        .find(|known| known.as_str() == action)
        .ok_or(PageError::NotFound)?;
    let request = request(&signed_in, form.version);
    let announcer = state.announcer();
    let moved: Result<K, CatalogueError> = state
        .db
        .transaction(move |conn| {
            service::transition(conn, &request, &announcer.notifier, &announcer, id, action)
        })
        .await;
    let mut links = Vec::new();
    let mut status = StatusCode::CONFLICT;
    let notice = match moved {
        Ok(item) => return Ok(see_other(&format!("/{}/{}", K::COLLECTION, item.id()))),
        Err(CatalogueError::VersionMismatch { .. } | CatalogueError::ChangedMeanwhile(_)) => {
            "catalogue-changed-since"
        }
        Err(CatalogueError::Refused(_)) => "catalogue-refused-state",
        Err(CatalogueError::NotPublishable(_)) => "publish",
        Err(CatalogueError::EmailNotVerified) => {
            status = StatusCode::FORBIDDEN;
            links.push(NoticeLink {
                href: "/verify-email/resend".into(),
                label: state.site.text("email-unverified-resend-link"),
            });
            "email-unverified"
        }
        Err(CatalogueError::HasOpenMatches { matches, .. }) => {
            links.extend(matches.iter().map(|id| {
                NoticeLink {
                    href: format!("/matches/{id}"),
                    label: state
                        .site
                        .text_with("catalogue-open-match-link", &[("id", id.to_string())]),
                }
            }));
            "catalogue-refused-open-matches"
        }
        Err(error) => return Err(page_error(error)),
    };
    // The page again as it is now, with why nothing changed.
    let item: K = read_item(&state, signed_in.user.reader(), id).await?;
    let notice = if notice == "publish" {
        let today = chrono::Utc::now().date_naive();
        if item.last_day().is_some_and(|last| last < today) {
            "catalogue-refused-past"
        } else {
            "catalogue-refused-unverified"
        }
    } else {
        notice
    };
    let text = state.site.text(notice);
    render(
        &state,
        &signed_in.visitor,
        item,
        Some(Notice { text, links }),
        status,
    )
    .await
}
