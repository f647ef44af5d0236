//! Needs and offers are one idea with two nouns: a catalogue item that an organisation
//! writes, publishes and moves through a lifecycle, that readers see through one
//! visibility rule. `CatalogueItem` is what really differs between the two; everything
//! written once for both (the use cases, the store's shared parts, the HTTP handlers) is
//! generic over it. Pure: no I/O.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::accounts::model::Side;
use crate::catalogue::lifecycle::{
    need_is_private, next_need_status, next_offer_status, offer_is_private, Action, Refusal,
};
use crate::catalogue::model::{
    Need, NeedFields, NeedStatus, NeedVisibility, Offer, OfferFields, OfferStatus, OfferVisibility,
};
use crate::catalogue::themes::Taxonomy;
use crate::catalogue::validate::{
    validate_need, validate_offer, NeedInput, NeedPatch, OfferInput, OfferPatch,
};
use crate::catalogue::view::{NeedView, OfferView};
use crate::error::FieldError;
use crate::visibility::{need_scope, offer_scope, ReadScope, Reader};

/// What distinguishes a need from an offer, for the code both share.
pub trait CatalogueItem: Clone + Send + Sync + 'static {
    /// The validated fields its organisation writes.
    type Fields: Clone + PartialEq + Send + Sync + 'static;
    /// What a client sends to create one (and what a patch applies to).
    type Input: Send + 'static;
    /// A partial change: absent fields stay; from an input, the change that writes it all.
    type Patch: From<Self::Input> + Send + 'static;
    type Status: Copy + Eq + Send + Sync + std::fmt::Debug + 'static;
    type Visibility: Copy + PartialEq + Send + Sync + 'static;
    /// The item as the API shows it.
    type View: Serialize + Send + 'static;

    /// The noun in messages, audit entries and emails: `need`, `offer`.
    const NOUN: &'static str;
    /// The collection's path segment: `needs`, `offers`.
    const COLLECTION: &'static str;
    /// The side whose organisations post this kind.
    const POSTED_BY: Side;
    /// Why another side may not post one, for a person.
    const POSTED_BY_ONLY: &'static str;
    /// What a published item's owner is told it can now be matched with.
    const CANDIDATE_COLLECTION: &'static str;
    const OPEN: Self::Status;

    fn id(&self) -> Uuid;
    fn organisation_id(&self) -> Uuid;
    fn status(&self) -> Self::Status;
    fn version(&self) -> i32;
    fn fields(&self) -> &Self::Fields;
    fn visibility(&self) -> Self::Visibility;
    fn title(fields: &Self::Fields) -> &str;
    fn created_at(&self) -> DateTime<Utc>;
    /// The last day it is wanted or available, if it has one: publishing after it is refused.
    fn last_day(&self) -> Option<NaiveDate>;

    /// The lifecycle table.
    fn next_status(status: Self::Status, action: Action) -> Result<Self::Status, Refusal>;
    /// States in which only the owner and coordinators may see it.
    fn is_private(status: Self::Status) -> bool;
    /// Which items of this kind `reader` may see.
    fn scope(reader: &Reader) -> ReadScope<Self::Visibility>;

    fn validate(
        input: &Self::Input,
        taxonomy: &Taxonomy,
        today: NaiveDate,
    ) -> Result<Self::Fields, Vec<FieldError>>;
    /// The input that would write `fields` again: the base a patch applies to.
    fn input_of(fields: &Self::Fields) -> Self::Input;
    /// `base` with `patch` applied, or the fields a patch may not clear that it sent as `null`.
    fn apply(patch: Self::Patch, base: Self::Input) -> Result<Self::Input, Vec<FieldError>>;

    /// Everything, as the owner, coordinators and the audit log see it.
    fn full_view(&self) -> Self::View;
    /// What `reader` may see of it (anonymity applied).
    fn view_for(&self, reader: &Reader) -> Self::View;
    /// Whether its organisation is hidden from readers (needs only).
    fn anonymous(&self) -> bool;
    fn visibility_code(&self) -> &'static str;

    /// The one visibility rule, for this item.
    fn readable_by(&self, reader: &Reader) -> bool {
        Self::scope(reader).admits(
            self.organisation_id(),
            Self::is_private(self.status()),
            self.visibility(),
        )
    }
}

impl CatalogueItem for Need {
    type Fields = NeedFields;
    type Input = NeedInput;
    type Patch = NeedPatch;
    type Status = NeedStatus;
    type Visibility = NeedVisibility;
    type View = NeedView;

    const NOUN: &'static str = "need";
    const COLLECTION: &'static str = "needs";
    const POSTED_BY: Side = Side::Requester;
    const POSTED_BY_ONLY: &'static str =
        "needs are posted by ministries, health agencies and hospitals";
    const CANDIDATE_COLLECTION: &'static str = "offers";
    const OPEN: NeedStatus = NeedStatus::Open;

    fn id(&self) -> Uuid {
        self.id
    }
    fn organisation_id(&self) -> Uuid {
        self.organisation_id
    }
    fn status(&self) -> NeedStatus {
        self.status
    }
    fn version(&self) -> i32 {
        self.version
    }
    fn fields(&self) -> &NeedFields {
        &self.fields
    }
    fn visibility(&self) -> NeedVisibility {
        self.fields.visibility
    }
    fn title(fields: &NeedFields) -> &str {
        &fields.title
    }
    fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    fn last_day(&self) -> Option<NaiveDate> {
        Some(self.fields.wanted_by)
    }

    fn next_status(status: NeedStatus, action: Action) -> Result<NeedStatus, Refusal> {
        next_need_status(status, action)
    }
    fn is_private(status: NeedStatus) -> bool {
        need_is_private(status)
    }
    fn scope(reader: &Reader) -> ReadScope<NeedVisibility> {
        need_scope(reader)
    }

    fn validate(
        input: &NeedInput,
        taxonomy: &Taxonomy,
        today: NaiveDate,
    ) -> Result<NeedFields, Vec<FieldError>> {
        validate_need(input, taxonomy, today)
    }
    fn input_of(fields: &NeedFields) -> NeedInput {
        NeedInput::from(fields)
    }
    fn apply(patch: NeedPatch, base: NeedInput) -> Result<NeedInput, Vec<FieldError>> {
        patch.apply_to(base)
    }

    fn full_view(&self) -> NeedView {
        NeedView::full(self)
    }
    fn view_for(&self, reader: &Reader) -> NeedView {
        NeedView::for_reader(self, reader)
    }
    fn anonymous(&self) -> bool {
        self.fields.anonymous
    }
    fn visibility_code(&self) -> &'static str {
        self.fields.visibility.as_str()
    }
}

impl CatalogueItem for Offer {
    type Fields = OfferFields;
    type Input = OfferInput;
    type Patch = OfferPatch;
    type Status = OfferStatus;
    type Visibility = OfferVisibility;
    type View = OfferView;

    const NOUN: &'static str = "offer";
    const COLLECTION: &'static str = "offers";
    const POSTED_BY: Side = Side::Provider;
    const POSTED_BY_ONLY: &'static str =
        "offers are posted by NGOs, companies, donors, academia and intergovernmental organisations";
    const CANDIDATE_COLLECTION: &'static str = "needs";
    const OPEN: OfferStatus = OfferStatus::Open;

    fn id(&self) -> Uuid {
        self.id
    }
    fn organisation_id(&self) -> Uuid {
        self.organisation_id
    }
    fn status(&self) -> OfferStatus {
        self.status
    }
    fn version(&self) -> i32 {
        self.version
    }
    fn fields(&self) -> &OfferFields {
        &self.fields
    }
    fn visibility(&self) -> OfferVisibility {
        self.fields.visibility
    }
    fn title(fields: &OfferFields) -> &str {
        &fields.title
    }
    fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    fn last_day(&self) -> Option<NaiveDate> {
        self.fields.available_until
    }

    fn next_status(status: OfferStatus, action: Action) -> Result<OfferStatus, Refusal> {
        next_offer_status(status, action)
    }
    fn is_private(status: OfferStatus) -> bool {
        offer_is_private(status)
    }
    fn scope(reader: &Reader) -> ReadScope<OfferVisibility> {
        offer_scope(reader)
    }

    fn validate(
        input: &OfferInput,
        taxonomy: &Taxonomy,
        today: NaiveDate,
    ) -> Result<OfferFields, Vec<FieldError>> {
        validate_offer(input, taxonomy, today)
    }
    fn input_of(fields: &OfferFields) -> OfferInput {
        OfferInput::from(fields)
    }
    fn apply(patch: OfferPatch, base: OfferInput) -> Result<OfferInput, Vec<FieldError>> {
        patch.apply_to(base)
    }

    fn full_view(&self) -> OfferView {
        OfferView::from(self)
    }
    fn view_for(&self, _: &Reader) -> OfferView {
        // Offers are never anonymous: every reader who may see one sees all of it.
        OfferView::from(self)
    }
    fn anonymous(&self) -> bool {
        false
    }
    fn visibility_code(&self) -> &'static str {
        self.fields.visibility.as_str()
    }
}
