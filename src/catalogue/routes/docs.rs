//! The refusals each catalogue operation documents, written once for both kinds: the
//! statuses are what the shared handlers and use cases can answer, worded with the kind's
//! noun. Used as `responses(...)` entries of the handlers `item_routes!` stamps out.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use utoipa::openapi::{RefOr, Response};
use utoipa::IntoResponses;

use crate::catalogue::item::CatalogueItem;
use crate::http::refusals::problems;

fn signed_out() -> (u16, String) {
    (401, "Not signed in".to_owned())
}

fn not_theirs<K: CatalogueItem>() -> (u16, String) {
    (403, format!("Not the {}'s organisation", K::NOUN))
}

fn no_such<K: CatalogueItem>() -> (u16, String) {
    (
        404,
        format!("No such {}, or hidden from the caller", K::NOUN),
    )
}

fn stale<K: CatalogueItem>() -> (u16, String) {
    (412, format!("The {} changed since it was read", K::NOUN))
}

fn invalid() -> (u16, String) {
    (422, "Invalid fields".to_owned())
}

/// A change of one item: refused to the signed-out, to another organisation and when there
/// is no such item, then for the change's own reasons.
fn change_refusals<K: CatalogueItem>(
    own: impl IntoIterator<Item = (u16, String)>,
) -> BTreeMap<String, RefOr<Response>> {
    let mut entries = vec![signed_out(), not_theirs::<K>(), no_such::<K>()];
    entries.extend(own);
    problems(&entries)
}

pub struct CreateRefusals<K>(PhantomData<K>);

impl<K: CatalogueItem> IntoResponses for CreateRefusals<K> {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[
            signed_out(),
            (
                403,
                format!("The organisation does not post {}", K::COLLECTION),
            ),
            invalid(),
        ])
    }
}

pub struct ListRefusals;

impl IntoResponses for ListRefusals {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[
            (400, "Malformed query or cursor".to_owned()),
            (
                422,
                "Unknown theme, country or language, or a bad limit".to_owned(),
            ),
        ])
    }
}

pub struct ReadRefusals<K>(PhantomData<K>);

impl<K: CatalogueItem> IntoResponses for ReadRefusals<K> {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[no_such::<K>()])
    }
}

pub struct EditRefusals<K>(PhantomData<K>);

impl<K: CatalogueItem> IntoResponses for EditRefusals<K> {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        change_refusals::<K>([
            (
                409,
                format!("The {}'s state does not allow changes", K::NOUN),
            ),
            stale::<K>(),
            invalid(),
            (428, "If-Match missing".to_owned()),
        ])
    }
}

/// A lifecycle action: what the shared transition can refuse.
pub struct MoveRefusals<K>(PhantomData<K>);

impl<K: CatalogueItem> IntoResponses for MoveRefusals<K> {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        change_refusals::<K>([(409, "Not allowed in its state".to_owned()), stale::<K>()])
    }
}

/// Publishing: a lifecycle action that also needs a verified organisation.
pub struct PublishRefusals<K>(PhantomData<K>);

impl<K: CatalogueItem> IntoResponses for PublishRefusals<K> {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut responses = MoveRefusals::<K>::responses();
        responses.extend(problems(&[
            (
                403,
                format!(
                    "Not the {}'s organisation, or the organisation is not verified \
                     (organisation-not-verified)",
                    K::NOUN
                ),
            ),
            (
                409,
                "Not allowed in its state (invalid-transition), or its end date has passed \
                 (past-end-date)"
                    .to_owned(),
            ),
        ]));
        responses
    }
}
