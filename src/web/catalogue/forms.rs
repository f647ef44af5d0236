//! The new and edit forms of both kinds: one page (`catalogue/form.html`, which includes
//! the kind's own fields), one handler each for showing, creating and saving. The form
//! posts to the same use cases as the API (`service::create`, `service::edit` with the
//! version read as `expected_version`); their field errors come back beside the fields.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use minijinja::context;
use serde::Serialize;

use crate::catalogue::lifecycle::Action;
use crate::catalogue::model::{
    Audience, Cost, DeliveryMode, Language, Money, NeedVisibility, OfferKind, OfferVisibility,
    Region, RequesterKind, Urgency,
};
use crate::catalogue::service::{self, CatalogueError, ItemChanged, Request};
use crate::error::FieldError;
use crate::matching::announce::Announcer;
use crate::state::AppState;
use crate::web::address::path_id;
use crate::web::catalogue::words::{common_languages, country_choices, COMMON_LANGUAGES};
use crate::web::catalogue::{read_item, theme_groups, Choice, WebKind, Words};
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::render::{see_other, Page};
use crate::web::session::SignedIn;

/// Fields of a form that could not be read as what they stand for.
#[derive(Default)]
pub struct Refusals {
    list: Vec<(String, &'static str)>,
}

impl Refusals {
    pub fn refuse(&mut self, field: &str, code: &'static str) {
        self.list.push((field.to_owned(), code));
    }

    /// A radio group's value: none chosen is `required`, a value no option has `invalid`.
    pub fn required_choice<T: std::str::FromStr>(
        &mut self,
        field: &str,
        text: &str,
        stand_in: T,
    ) -> T {
        if text.trim().is_empty() {
            self.refuse(field, "required");
            return stand_in;
        }
        text.trim().parse().unwrap_or_else(|_| {
            self.refuse(field, "invalid");
            stand_in
        })
    }

    /// A whole number; the stand-in for an unreadable one is 1, which the range check passes.
    pub fn count(&mut self, field: &str, text: &str) -> i64 {
        match text.trim() {
            "" => {
                self.refuse(field, "required");
                1
            }
            digits => digits.parse().unwrap_or_else(|_| {
                self.refuse(field, "number");
                1
            }),
        }
    }

    pub fn into_list(self) -> Vec<(String, &'static str)> {
        self.list
    }
}

pub fn date(refusals: &mut Refusals, field: &str, text: &str) -> Option<chrono::NaiveDate> {
    if text.trim().is_empty() {
        refusals.refuse(field, "required");
        return None;
    }
    optional_date(refusals, field, text)
}

pub fn optional_date(
    refusals: &mut Refusals,
    field: &str,
    text: &str,
) -> Option<chrono::NaiveDate> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| refusals.refuse(field, "date"))
        .ok()
}

pub fn amount(refusals: &mut Refusals, field: &str, text: &str) -> Option<i64> {
    let text: String = text
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != ' ')
        .collect();
    if text.is_empty() {
        return None;
    }
    text.parse()
        .map_err(|_| refusals.refuse(field, "number"))
        .ok()
}

pub fn text_of_amount(money: Option<&Money>) -> String {
    money.map(|m| m.amount.to_string()).unwrap_or_default()
}

/// A currency code as typed, upper-cased (people type `usd`), if anything was typed.
pub fn currency_code(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_uppercase())
}

pub fn modes(refusals: &mut Refusals, values: &[String]) -> Vec<DeliveryMode> {
    let mut modes = Vec::new();
    for value in values {
        match value.parse() {
            Ok(mode) => modes.push(mode),
            Err(_) => refusals.refuse("delivery_modes", "invalid"),
        }
    }
    modes
}

/// Ticked vocabulary words (`audiences`, `costs` ...); a value no option has is `invalid`.
pub fn ticked<T: std::str::FromStr>(
    refusals: &mut Refusals,
    field: &str,
    values: &[String],
) -> Vec<T> {
    let mut words = Vec::new();
    for value in values {
        match value.parse() {
            Ok(word) => words.push(word),
            Err(_) => refusals.refuse(field, "invalid"),
        }
    }
    words
}

/// An optional radio group: nothing chosen (or the empty "not stated" choice) is `None`.
pub fn optional_choice<T: std::str::FromStr>(
    refusals: &mut Refusals,
    field: &str,
    text: &str,
) -> Option<T> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    text.parse()
        .map_err(|_| refusals.refuse(field, "invalid"))
        .ok()
}

/// Vocabulary words as a form's ticked values.
pub fn values_of<T: std::fmt::Display>(words: &[T]) -> Vec<String> {
    words.iter().map(ToString::to_string).collect()
}

/// The ticked languages plus those typed in "other languages" (separated by anything).
pub fn codes_of(ticked: &[String], other: &str) -> Vec<String> {
    let mut codes: Vec<String> = ticked.to_vec();
    codes.extend(
        other
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|code| !code.is_empty())
            .map(str::to_lowercase),
    );
    codes
}

/// A form's language fields from an item's languages: the common ones ticked, the rest typed.
pub fn languages_of(languages: &[Language]) -> (Vec<String>, String) {
    let (common, other): (Vec<&Language>, Vec<&Language>) = languages
        .iter()
        .partition(|language| COMMON_LANGUAGES.contains(&language.as_str()));
    (
        common.iter().map(|l| l.as_str().to_owned()).collect(),
        other
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// A use case's field name as the form names its input: `themes[2]` is the theme picker,
/// a bad typed language is the "other languages" field, `countries[0]` the countries list.
fn form_field(field: &str) -> String {
    let base = field.split('[').next().unwrap_or(field);
    match (base, field.contains('[')) {
        ("languages", true) => "other_languages".to_owned(),
        _ => base.to_owned(),
    }
}

pub(super) fn add_refusals(
    words: &Words<'_>,
    noun: &str,
    errors: &mut FormErrors,
    list: &[FieldError],
) {
    for FieldError { field, code, .. } in list {
        errors.add(words.site, noun, &form_field(field), code);
    }
}

#[derive(Serialize)]
struct HintedChoice {
    value: String,
    label: String,
    hint: String,
}

/// Where a form goes and what it says about itself.
struct FormTarget {
    action: String,
    editing: bool,
    cancel: String,
}

fn render_form<K: WebKind>(
    state: &AppState,
    signed_in: &SignedIn,
    target: FormTarget,
    form: &K::Form,
    errors: FormErrors,
    notice: Option<&str>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let words = Words::of(state);
    let choices = |values: &[&str], prefix: &str| -> Vec<Choice> {
        values
            .iter()
            .map(|value| Choice {
                value: (*value).to_owned(),
                label: words.text(&format!("{prefix}{value}")),
            })
            .collect()
    };
    let codes: Vec<&str> = if K::NOUN == "need" {
        NeedVisibility::ALL.iter().map(|v| v.as_str()).collect()
    } else {
        OfferVisibility::ALL.iter().map(|v| v.as_str()).collect()
    };
    // Each choice says in plain words who will see it.
    let visibilities: Vec<HintedChoice> = codes
        .iter()
        .map(|code| HintedChoice {
            value: (*code).to_owned(),
            label: words.text(&format!("{}-visibility-{code}", K::NOUN)),
            hint: words.text(&format!("{}-visibility-{code}-hint", K::NOUN)),
        })
        .collect();
    Page::new(
        "catalogue/form",
        context! {
            noun => K::NOUN,
            action => target.action,
            cancel => target.cancel,
            editing => target.editing,
            form => form,
            errors => errors,
            notice => notice,
            theme_groups => theme_groups(&state.taxonomy),
            countries => country_choices(),
            languages => common_languages(),
            delivery_modes => choices(&DeliveryMode::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>(), "delivery-"),
            urgencies => choices(&Urgency::ALL.iter().map(|u| u.as_str()).collect::<Vec<_>>(), "urgency-"),
            offer_kinds => choices(&OfferKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(), "offer-kind-"),
            regions => choices(&Region::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(), "region-"),
            requester_kinds => choices(&RequesterKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(), "requester-kind-"),
            // The empty value is "not stated", so that a choice can be taken back.
            need_sectors => choices(&["", "public", "private"], "sector-choice-"),
            offer_sectors => choices(&["", "public", "private", "either"], "sector-choice-"),
            costs => choices(&Cost::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(), "cost-"),
            audiences => choices(&Audience::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(), "audience-"),
            visibilities => visibilities,
        },
    )
    .status(status)
    .render(state, &signed_in.visitor)
}

/// The use case's request of the signed-in person, today, expecting `expected_version`.
pub(super) fn request(signed_in: &SignedIn, expected_version: Option<i32>) -> Request {
    Request {
        reader: signed_in.user.reader(),
        today: chrono::Utc::now().date_naive(),
        expected_version,
    }
}

/// What a refusal of the use case means on a page (field errors are handled beside the form).
pub(super) fn page_error(error: CatalogueError) -> PageError {
    crate::error::ApiError::from(error).into()
}

fn new_target<K: WebKind>() -> FormTarget {
    FormTarget {
        action: format!("/{}/new", K::COLLECTION),
        editing: false,
        cancel: format!("/my/{}", K::COLLECTION),
    }
}

fn edit_target<K: WebKind>(id: uuid::Uuid) -> FormTarget {
    FormTarget {
        action: format!("/{}/{id}/edit", K::COLLECTION),
        editing: true,
        cancel: format!("/{}/{id}", K::COLLECTION),
    }
}

pub async fn new_form<K: WebKind>(
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, PageError> {
    if !signed_in.user.reader().may_post_on(K::POSTED_BY) {
        return Err(PageError::Forbidden);
    }
    render_form::<K>(
        &state,
        &signed_in,
        new_target::<K>(),
        &K::Form::default(),
        FormErrors::none(),
        None,
        StatusCode::OK,
    )
}

/// The form's own refusals and, when there are some, the use case's checks of the rest,
/// so that one round trip names every problem.
fn refusals_of<K: WebKind>(state: &AppState, form: &K::Form) -> (K::Input, FormErrors) {
    let words = Words::of(state);
    let (input, refusals) = K::input_of_form(form);
    let mut errors = FormErrors::none();
    for (field, code) in &refusals {
        errors.add(&state.site, K::NOUN, field, code);
    }
    if !refusals.is_empty() {
        if let Err(list) = K::validate(&input, &state.taxonomy, chrono::Utc::now().date_naive()) {
            add_refusals(&words, K::NOUN, &mut errors, &list);
        }
    }
    (input, errors)
}

pub async fn create<K: WebKind>(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    CheckedForm(form): CheckedForm<K::Form>,
) -> Result<HttpResponse, PageError> {
    let (input, mut errors) = refusals_of::<K>(&state, &form);
    if errors.is_empty() {
        let (request, taxonomy) = (request(&signed_in, None), state.taxonomy.clone());
        let created: Result<K, CatalogueError> = state
            .db
            .transaction(move |conn| service::create(conn, &request, &taxonomy, &input))
            .await;
        match created {
            Ok(item) => return Ok(see_other(&format!("/{}/{}", K::COLLECTION, item.id()))),
            Err(CatalogueError::Invalid(list)) => {
                let words = Words::of(&state);
                add_refusals(&words, K::NOUN, &mut errors, &list);
            }
            Err(error) => return Err(page_error(error)),
        }
    }
    render_form::<K>(
        &state,
        &signed_in,
        new_target::<K>(),
        &form,
        errors,
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

pub async fn edit_form<K: WebKind>(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path)?;
    let reader = signed_in.user.reader();
    let item: K = read_item(&state, reader, id).await?;
    if !reader.may_manage(item.organisation_id()) {
        return Err(PageError::Forbidden);
    }
    if K::next_status(item.status(), Action::Edit).is_err() {
        return Err(PageError::Conflict);
    }
    let mut form = K::form_of(item.fields());
    *K::version_of(&mut form) = Some(item.version());
    render_form::<K>(
        &state,
        &signed_in,
        edit_target::<K>(id),
        &form,
        FormErrors::none(),
        None,
        StatusCode::OK,
    )
}

pub async fn save<K: WebKind>(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<String>,
    CheckedForm(mut form): CheckedForm<K::Form>,
) -> Result<HttpResponse, PageError>
where
    Announcer: ItemChanged<K>,
{
    let id = path_id(&path)?;
    let Some(version) = *K::version_of(&mut form) else {
        return Err(PageError::BadRequest);
    };
    let (input, mut errors) = refusals_of::<K>(&state, &form);
    let mut notice = None;
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if errors.is_empty() {
        let request = request(&signed_in, Some(version));
        let (taxonomy, announcer) = (state.taxonomy.clone(), state.announcer());
        // The edit form sends every field.
        let patch = K::Patch::from(input);
        let saved: Result<K, CatalogueError> = state
            .db
            .transaction(move |conn| {
                service::edit(conn, &request, &taxonomy, &announcer, id, patch)
            })
            .await;
        match saved {
            Ok(item) => return Ok(see_other(&format!("/{}/{}", K::COLLECTION, item.id()))),
            Err(CatalogueError::Invalid(list)) => {
                let words = Words::of(&state);
                add_refusals(&words, K::NOUN, &mut errors, &list);
            }
            Err(CatalogueError::VersionMismatch { .. }) => {
                notice = Some("catalogue-changed-since");
                status = StatusCode::CONFLICT;
            }
            Err(CatalogueError::Refused(_)) => {
                notice = Some("catalogue-refused-state");
                status = StatusCode::CONFLICT;
            }
            Err(error) => return Err(page_error(error)),
        }
    }
    let notice = notice.map(|id| state.site.text(id));
    render_form::<K>(
        &state,
        &signed_in,
        edit_target::<K>(id),
        &form,
        errors,
        notice.as_deref(),
        status,
    )
}
