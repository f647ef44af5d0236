//! `/api/v1/offers`: the same handlers as needs (`item_routes!`), for what providers bring;
//! what is an offer's own is its query.

use actix_web::{get, patch, post};

use super::docs::{MoveRefusals, PublishRefusals};
use super::item_routes;
use crate::catalogue::model::{Offer, OfferKind, OfferStatus};
use crate::catalogue::store::offers::OfferSort;
use crate::catalogue::validate::{OfferInput, OfferPatch};
use crate::catalogue::view::OfferView;

item_routes! {
    kind: Offer, view: OfferView, input: OfferInput, patch: OfferPatch,
    query: OfferQuery {
        status: OfferStatus, sort: OfferSort,
        /// Offers that serve this country (by name, or globally).
        country,
        kind: OfferKind
    },
    page: OfferPage, entry: OfferEntry, removed: RemovedOffer,
    create:
        /// Post an offer, as a draft. Users of provider organisations only.
        create_offer("/offers") "The draft offer",
    list:
        /// List and search the offers the caller may see.
        list_offers "One page of offers",
    get:
        /// One offer, if the caller may see it (otherwise 404).
        get_offer("/offers/{id}") "The offer",
    edit:
        /// Change a draft or open offer. `If-Match` with the ETag read is required.
        patch_offer "The changed offer",
    actions: [
        /// Open a draft offer (the organisation must be verified).
        publish_offer("/offers/{id}/publish", Publish, PublishRefusals<Offer>) "The offer, now open";
        /// Withdraw a draft or open offer.
        withdraw_offer("/offers/{id}/withdraw", Withdraw, MoveRefusals<Offer>) "The offer, now withdrawn";
        /// Close an offer.
        close_offer("/offers/{id}/close", Close, MoveRefusals<Offer>) "The offer, now closed";
    ]
}
