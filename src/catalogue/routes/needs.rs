//! `/api/v1/needs`: post, read, list and search, change, and move through the lifecycle.
//! The handlers are the shared ones (`item_routes!`); what is a need's own is its query.

use actix_web::{get, patch, post};

use super::docs::{MoveRefusals, PublishRefusals};
use super::item_routes;
use crate::catalogue::model::{Need, NeedStatus, Urgency};
use crate::catalogue::store::needs::NeedSort;
use crate::catalogue::validate::{NeedInput, NeedPatch};
use crate::catalogue::view::NeedView;

item_routes! {
    kind: Need, view: NeedView, input: NeedInput, patch: NeedPatch,
    query: NeedQuery { status: NeedStatus, sort: NeedSort, country, urgency: Urgency },
    page: NeedPage, entry: NeedEntry, removed: RemovedNeed,
    create:
        /// Post a need, as a draft. Users of ministries, health agencies and hospitals only.
        create_need("/needs") "The draft need",
    list:
        /// List and search the needs the caller may see.
        list_needs "One page of needs",
    get:
        /// One need, if the caller may see it (otherwise 404, as if it did not exist).
        get_need("/needs/{id}") "The need",
    edit:
        /// Change a draft or open need. `If-Match` with the ETag read is required.
        patch_need "The changed need",
    actions: [
        /// Open a draft need to providers (the organisation must be verified).
        publish_need("/needs/{id}/publish", Publish, PublishRefusals<Need>) "The need, now open";
        /// Withdraw a draft or open need.
        withdraw_need("/needs/{id}/withdraw", Withdraw, MoveRefusals<Need>) "The need, now withdrawn";
        /// Close a need that is no longer wanted.
        close_need("/needs/{id}/close", Close, MoveRefusals<Need>) "The need, now closed";
        /// Confirm an open need is still wanted (restarts its 90 days), or reopen an expired one.
        reconfirm_need("/needs/{id}/reconfirm", Reconfirm, MoveRefusals<Need>) "The need, open and reconfirmed";
    ]
}
