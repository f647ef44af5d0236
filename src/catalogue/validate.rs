//! What a client sends to create or change a need or an offer, and its validation into
//! domain fields with one error per bad field. Pure: the taxonomy and today come in.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use crate::accounts::model::Country;
use crate::catalogue::model::{
    country_codes, language_codes, Audience, Cost, Coverage, DeliveryMode, Language, Money,
    NeedEligibility, NeedFields, NeedVisibility, OfferEligibility, OfferFields, OfferKind,
    OfferVisibility, Region, RequesterKind, Sector, SectorRule, Urgency,
};
use crate::catalogue::themes::Taxonomy;
use crate::error::FieldError;
use crate::openapi::codes::{CountryCode, CurrencyCode, LanguageCode, ThemeCode};

pub const TITLE_CHARS: (usize, usize) = (5, 200);
pub const DESCRIPTION_CHARS: (usize, usize) = (20, 10_000);
pub const MAX_THEMES: usize = 10;
pub const MAX_LANGUAGES: usize = 10;
pub const MAX_COUNTRIES: usize = 60;
pub const MAX_QUANTITY: i64 = 1_000_000;
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

fn default_need_visibility() -> NeedVisibility {
    // The cautious default: a need can reveal a hospital's weakness.
    NeedVisibility::VerifiedProviders
}

fn default_offer_visibility() -> OfferVisibility {
    OfferVisibility::Public
}

/// A need as a client writes it (create, or the base a patch applies to).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedInput {
    #[schema(
        example = "Incident-response training for 20 hospital IT staff",
        min_length = 5,
        max_length = 200
    )]
    pub title: String,
    #[schema(min_length = 20, max_length = 10000)]
    pub description: String,
    /// Theme codes from `GET /api/v1/themes`.
    #[schema(value_type = Vec<ThemeCode>, min_items = 1, max_items = 10, example = json!(["incident_response.playbooks"]))]
    pub themes: Vec<String>,
    /// ISO 3166-1 alpha-2.
    #[schema(value_type = CountryCode, example = "SN")]
    pub country: String,
    /// ISO 639-1 codes.
    #[schema(value_type = Vec<LanguageCode>, min_items = 1, max_items = 10, example = json!(["fr"]))]
    pub languages: Vec<String>,
    #[schema(min_items = 1)]
    pub delivery_modes: Vec<DeliveryMode>,
    pub urgency: Urgency,
    /// How much is needed, e.g. people to train.
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub quantity: i64,
    #[serde(default)]
    pub wanted_from: Option<NaiveDate>,
    pub wanted_by: NaiveDate,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub budget_amount: Option<i64>,
    /// ISO 4217, with `budget_amount`.
    #[serde(default)]
    #[schema(value_type = Option<CurrencyCode>)]
    pub budget_currency: Option<String>,
    /// Default `verified_providers`.
    #[serde(default = "default_need_visibility")]
    pub visibility: NeedVisibility,
    /// Hide the organisation from everyone but itself and the coordinators.
    #[serde(default)]
    pub anonymous: bool,
    /// Whether the requesting organisation is public or private; what offers restricted to
    /// one sector check. Ministries and health agencies are public unless they say otherwise.
    #[serde(default)]
    pub sector: Option<Sector>,
    /// The need follows a cyber incident the organisation has had; what offers given only
    /// after an incident check.
    #[serde(default)]
    pub after_incident: bool,
    /// The costs the need asks money for; what grants' eligible costs are checked against.
    #[serde(default)]
    pub costs: Vec<Cost>,
    /// Who the help is for.
    #[serde(default)]
    pub audiences: Vec<Audience>,
}

/// Distinguishes a field sent as `null` (clear it) from a field not sent (keep it).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A field every record has, in a patch: a value replaces the base's; `null` is a field error,
/// since the field cannot be cleared; left out, it stays.
fn required<T>(field: &str, sent: Option<Option<T>>, base: &mut T, errors: &mut Vec<FieldError>) {
    match sent {
        Some(Some(value)) => *base = value,
        Some(None) => errors.push(FieldError::new(
            field,
            "required",
            "may not be null; leave it out to keep it as it is",
        )),
        None => {}
    }
}

/// A field that may be empty, in a patch: what was sent replaces the base's, `null` included.
fn nullable<T>(_: &str, sent: Option<Option<T>>, base: &mut Option<T>, _: &mut Vec<FieldError>) {
    if let Some(value) = sent {
        *base = value;
    }
}

/// What a patch that writes every field sends for each: a value for a field that may not
/// be cleared, the value or `null` for one that may. Named by the modes of `item_patch!`.
mod whole {
    pub(super) fn required<T>(value: T) -> Option<Option<T>> {
        Some(Some(value))
    }

    pub(super) fn nullable<T>(value: Option<T>) -> Option<Option<T>> {
        Some(value)
    }
}

/// A patch type written once for both kinds: for each field of `$input`, `name: required T`
/// (may not be cleared) or `name: nullable T` (`null` clears it), and its schema. Each field
/// is `Option<Option<T>>`: absent, `null`, or a value. `apply_to` lays the patch over a
/// base input; `From<$input>` is the patch that writes every field (the edit form's).
macro_rules! item_patch {
    ($(#[$meta:meta])* pub struct $patch:ident for $input:ident {
        $($field:ident: $mode:ident $ty:ty, schema($($schema:tt)*);)*
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $patch {
            $(
                #[serde(default, deserialize_with = "present")]
                #[schema($($schema)*)]
                pub $field: Option<Option<$ty>>,
            )*
        }

        impl $patch {
            /// `base` with this patch applied, or the fields that were sent as `null` but may
            /// not be empty.
            pub fn apply_to(self, mut base: $input) -> Result<$input, Vec<FieldError>> {
                let mut errors = Vec::new();
                $($mode(stringify!($field), self.$field, &mut base.$field, &mut errors);)*
                if errors.is_empty() {
                    Ok(base)
                } else {
                    Err(errors)
                }
            }
        }

        impl From<$input> for $patch {
            fn from(input: $input) -> Self {
                Self {
                    $($field: whole::$mode(input.$field),)*
                }
            }
        }
    };
}

item_patch! {
    /// A partial change to a need: absent fields stay as they are, `null` clears a field that may
    /// be empty (`wanted_from`, the budget) and is refused for any other (422 naming it).
    pub struct NeedPatch for NeedInput {
        title: required String, schema(value_type = Option<String>, nullable = false, min_length = 5, max_length = 200);
        description: required String, schema(value_type = Option<String>, nullable = false, min_length = 20, max_length = 10000);
        themes: required Vec<String>, schema(value_type = Option<Vec<ThemeCode>>, nullable = false, min_items = 1, max_items = 10);
        country: required String, schema(value_type = Option<CountryCode>, nullable = false);
        languages: required Vec<String>, schema(value_type = Option<Vec<LanguageCode>>, nullable = false, min_items = 1, max_items = 10);
        delivery_modes: required Vec<DeliveryMode>, schema(value_type = Option<Vec<DeliveryMode>>, nullable = false, min_items = 1);
        urgency: required Urgency, schema(value_type = Option<Urgency>, nullable = false);
        quantity: required i64, schema(value_type = Option<i64>, nullable = false, minimum = 1, maximum = 1_000_000);
        wanted_from: nullable NaiveDate, schema(value_type = Option<NaiveDate>);
        wanted_by: required NaiveDate, schema(value_type = Option<NaiveDate>, nullable = false);
        budget_amount: nullable i64, schema(value_type = Option<i64>, minimum = 0, maximum = 1_000_000_000_000_i64);
        budget_currency: nullable String, schema(value_type = Option<CurrencyCode>);
        visibility: required NeedVisibility, schema(value_type = Option<NeedVisibility>, nullable = false);
        anonymous: required bool, schema(value_type = Option<bool>, nullable = false);
        sector: nullable Sector, schema(value_type = Option<Sector>);
        after_incident: required bool, schema(value_type = Option<bool>, nullable = false);
        costs: required Vec<Cost>, schema(value_type = Option<Vec<Cost>>, nullable = false);
        audiences: required Vec<Audience>, schema(value_type = Option<Vec<Audience>>, nullable = false);
    }
}

impl From<&NeedFields> for NeedInput {
    fn from(fields: &NeedFields) -> Self {
        Self {
            title: fields.title.clone(),
            description: fields.description.clone(),
            themes: fields.themes.clone(),
            country: fields.country.alpha2().to_owned(),
            languages: language_codes(&fields.languages),
            delivery_modes: fields.delivery_modes.clone(),
            urgency: fields.urgency,
            quantity: fields.quantity.into(),
            wanted_from: fields.wanted_from,
            wanted_by: fields.wanted_by,
            budget_amount: fields.budget.as_ref().map(|m| m.amount),
            budget_currency: fields.budget.as_ref().map(|m| m.currency.clone()),
            visibility: fields.visibility,
            anonymous: fields.anonymous,
            sector: fields.eligibility.sector,
            after_incident: fields.eligibility.after_incident,
            costs: fields.eligibility.costs.clone(),
            audiences: fields.eligibility.audiences.clone(),
        }
    }
}

/// Collects field errors while checking one record.
#[derive(Default)]
struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    fn fail(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }

    fn text(&mut self, field: &str, value: &str, (min, max): (usize, usize)) -> String {
        if let Err(error) = crate::text::check(field, value) {
            self.errors.push(error);
        }
        let value = value.trim();
        let chars = value.chars().count();
        if chars < min || chars > max {
            self.fail(
                field,
                "length",
                format!("must be {min} to {max} characters"),
            );
        }
        value.to_owned()
    }

    fn themes(&mut self, codes: &[String], taxonomy: &Taxonomy) -> Vec<String> {
        if codes.is_empty() || codes.len() > MAX_THEMES {
            self.fail(
                "themes",
                "length",
                format!("must list 1 to {MAX_THEMES} theme codes"),
            );
        }
        let mut themes = Vec::new();
        for (index, code) in codes.iter().enumerate() {
            if !taxonomy.contains(code) {
                self.fail(
                    format!("themes[{index}]"),
                    "theme",
                    format!("`{code}` is not a theme code"),
                );
            } else if !themes.contains(code) {
                themes.push(code.clone());
            }
        }
        themes
    }

    fn country(&mut self, field: &str, code: &str) -> Option<Country> {
        let country = Country::parse(code);
        if country.is_none() {
            self.fail(
                field,
                "country",
                "is not an ISO 3166-1 alpha-2 country code",
            );
        }
        country
    }

    fn languages(&mut self, codes: &[String]) -> Vec<Language> {
        if codes.is_empty() || codes.len() > MAX_LANGUAGES {
            self.fail(
                "languages",
                "length",
                format!("must list 1 to {MAX_LANGUAGES} languages"),
            );
        }
        let mut languages: Vec<Language> = Vec::new();
        for (index, code) in codes.iter().enumerate() {
            match Language::parse(code) {
                Some(language) if !languages.contains(&language) => languages.push(language),
                Some(_) => {}
                None => self.fail(
                    format!("languages[{index}]"),
                    "language",
                    "is not an ISO 639-1 language code",
                ),
            }
        }
        languages
    }

    fn delivery_modes(&mut self, modes: &[DeliveryMode]) -> Vec<DeliveryMode> {
        if modes.is_empty() {
            self.fail(
                "delivery_modes",
                "length",
                "must list at least one delivery mode",
            );
        }
        let mut unique = modes.to_vec();
        unique.sort();
        unique.dedup();
        unique
    }

    fn count(&mut self, field: &str, value: i64) -> i32 {
        if !(1..=MAX_QUANTITY).contains(&value) {
            self.fail(
                field,
                "range",
                format!("must be between 1 and {MAX_QUANTITY}"),
            );
        }
        value.clamp(1, MAX_QUANTITY) as i32
    }

    /// An amount and its currency come together or not at all.
    fn money(
        &mut self,
        prefix: &str,
        amount: Option<i64>,
        currency: Option<&str>,
    ) -> Option<Money> {
        let amount_field = format!("{prefix}_amount");
        let currency_field = format!("{prefix}_currency");
        match (amount, currency) {
            (None, None) => None,
            (Some(amount), Some(currency)) => {
                if !(0..=MAX_AMOUNT).contains(&amount) {
                    self.fail(
                        amount_field,
                        "range",
                        format!("must be between 0 and {MAX_AMOUNT}"),
                    );
                }
                if !Money::currency_is_valid(currency) {
                    self.fail(
                        currency_field,
                        "currency",
                        "is not an ISO 4217 currency code",
                    );
                }
                Some(Money {
                    amount,
                    currency: currency.to_owned(),
                })
            }
            (Some(_), None) => {
                self.fail(currency_field, "required", "is required with an amount");
                None
            }
            (None, Some(_)) => {
                self.fail(amount_field, "required", "is required with a currency");
                None
            }
        }
    }

    /// A window whose end has not passed and whose start is not after its end.
    fn window(
        &mut self,
        (from_field, from): (&str, Option<NaiveDate>),
        (to_field, to): (&str, Option<NaiveDate>),
        today: NaiveDate,
    ) {
        if let Some(to) = to {
            if to < today {
                self.fail(to_field, "past", "must not be in the past");
            }
            if from.is_some_and(|from| from > to) {
                self.fail(from_field, "order", format!("must not be after {to_field}"));
            }
        }
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }
}

pub fn validate_need(
    input: &NeedInput,
    taxonomy: &Taxonomy,
    today: NaiveDate,
) -> Result<NeedFields, Vec<FieldError>> {
    let mut checks = Checks::default();
    let title = checks.text("title", &input.title, TITLE_CHARS);
    let description = checks.text("description", &input.description, DESCRIPTION_CHARS);
    let themes = checks.themes(&input.themes, taxonomy);
    let country = checks.country("country", &input.country);
    let languages = checks.languages(&input.languages);
    let delivery_modes = checks.delivery_modes(&input.delivery_modes);
    let quantity = checks.count("quantity", input.quantity);
    checks.window(
        ("wanted_from", input.wanted_from),
        ("wanted_by", Some(input.wanted_by)),
        today,
    );
    let budget = checks.money(
        "budget",
        input.budget_amount,
        input.budget_currency.as_deref(),
    );
    let Some(country) = country else {
        return Err(checks.errors);
    };
    checks.finish(NeedFields {
        title,
        description,
        themes,
        country,
        languages,
        delivery_modes,
        urgency: input.urgency,
        quantity,
        wanted_from: input.wanted_from,
        wanted_by: input.wanted_by,
        budget,
        visibility: input.visibility,
        anonymous: input.anonymous,
        eligibility: NeedEligibility {
            sector: input.sector,
            after_incident: input.after_incident,
            costs: unique(&input.costs),
            audiences: unique(&input.audiences),
        },
    })
}

/// A list of vocabulary words, each once, in the vocabulary's order: what is stored.
fn unique<T: Copy + Ord>(words: &[T]) -> Vec<T> {
    let mut unique = words.to_vec();
    unique.sort();
    unique.dedup();
    unique
}

/// An offer as a client writes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferInput {
    pub kind: OfferKind,
    #[schema(
        example = "Ransomware tabletop exercise for hospital leadership",
        min_length = 5,
        max_length = 200
    )]
    pub title: String,
    #[schema(min_length = 20, max_length = 10000)]
    pub description: String,
    #[schema(value_type = Vec<ThemeCode>, min_items = 1, max_items = 10)]
    pub themes: Vec<String>,
    /// ISO 3166-1 alpha-2 codes served.
    #[serde(default)]
    #[schema(value_type = Vec<CountryCode>, max_items = 60)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub regions: Vec<Region>,
    /// Serves every country.
    #[serde(default)]
    pub global: bool,
    #[schema(value_type = Vec<LanguageCode>, min_items = 1, max_items = 10)]
    pub languages: Vec<String>,
    #[schema(min_items = 1)]
    pub delivery_modes: Vec<DeliveryMode>,
    /// Engagements or seats.
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub capacity: i64,
    #[serde(default)]
    pub available_from: Option<NaiveDate>,
    #[serde(default)]
    pub available_until: Option<NaiveDate>,
    /// Required for (and only for) `funding` offers.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub funding_amount: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Option<CurrencyCode>)]
    pub funding_currency: Option<String>,
    /// Default `public`.
    #[serde(default = "default_offer_visibility")]
    pub visibility: OfferVisibility,
    /// Only these kinds of requester may use it; empty (the default): any. For help that is by
    /// its nature one kind of body's work (a sectoral CSIRT programme for ministries). An offer
    /// for public (or private) bodies in general states `sector` instead: a list such as
    /// ministries and public hospitals would shut out health agencies, which are public
    /// bodies too.
    #[serde(default)]
    pub requester_kinds: Vec<RequesterKind>,
    /// Only public or only private institutions, or `either`; absent: not stated. Ministries
    /// and health agencies are public by their kind.
    #[serde(default)]
    pub sector: Option<SectorRule>,
    /// Only for an organisation that has had an incident.
    #[serde(default)]
    pub only_after_incident: bool,
    /// For (and only for) `funding` offers: the costs it pays for; empty: not stated.
    #[serde(default)]
    pub eligible_costs: Vec<Cost>,
    /// Who it is made for (trainings above all); empty: not stated.
    #[serde(default)]
    pub audiences: Vec<Audience>,
}

item_patch! {
    pub struct OfferPatch for OfferInput {
        kind: required OfferKind, schema(value_type = Option<OfferKind>, nullable = false);
        title: required String, schema(value_type = Option<String>, nullable = false, min_length = 5, max_length = 200);
        description: required String, schema(value_type = Option<String>, nullable = false, min_length = 20, max_length = 10000);
        themes: required Vec<String>, schema(value_type = Option<Vec<ThemeCode>>, nullable = false, min_items = 1, max_items = 10);
        countries: required Vec<String>, schema(value_type = Option<Vec<CountryCode>>, nullable = false, max_items = 60);
        regions: required Vec<Region>, schema(value_type = Option<Vec<Region>>, nullable = false);
        global: required bool, schema(value_type = Option<bool>, nullable = false);
        languages: required Vec<String>, schema(value_type = Option<Vec<LanguageCode>>, nullable = false, min_items = 1, max_items = 10);
        delivery_modes: required Vec<DeliveryMode>, schema(value_type = Option<Vec<DeliveryMode>>, nullable = false, min_items = 1);
        capacity: required i64, schema(value_type = Option<i64>, nullable = false, minimum = 1, maximum = 1_000_000);
        available_from: nullable NaiveDate, schema(value_type = Option<NaiveDate>);
        available_until: nullable NaiveDate, schema(value_type = Option<NaiveDate>);
        funding_amount: nullable i64, schema(value_type = Option<i64>, minimum = 0, maximum = 1_000_000_000_000_i64);
        funding_currency: nullable String, schema(value_type = Option<CurrencyCode>);
        visibility: required OfferVisibility, schema(value_type = Option<OfferVisibility>, nullable = false);
        requester_kinds: required Vec<RequesterKind>, schema(value_type = Option<Vec<RequesterKind>>, nullable = false);
        sector: nullable SectorRule, schema(value_type = Option<SectorRule>);
        only_after_incident: required bool, schema(value_type = Option<bool>, nullable = false);
        eligible_costs: required Vec<Cost>, schema(value_type = Option<Vec<Cost>>, nullable = false);
        audiences: required Vec<Audience>, schema(value_type = Option<Vec<Audience>>, nullable = false);
    }
}

impl From<&OfferFields> for OfferInput {
    fn from(fields: &OfferFields) -> Self {
        Self {
            kind: fields.kind,
            title: fields.title.clone(),
            description: fields.description.clone(),
            themes: fields.themes.clone(),
            countries: country_codes(&fields.coverage.countries),
            regions: fields.coverage.regions.clone(),
            global: fields.coverage.global,
            languages: language_codes(&fields.languages),
            delivery_modes: fields.delivery_modes.clone(),
            capacity: fields.capacity.into(),
            available_from: fields.available_from,
            available_until: fields.available_until,
            funding_amount: fields.funding.as_ref().map(|m| m.amount),
            funding_currency: fields.funding.as_ref().map(|m| m.currency.clone()),
            visibility: fields.visibility,
            requester_kinds: fields.eligibility.requester_kinds.clone(),
            sector: fields.eligibility.sector,
            only_after_incident: fields.eligibility.only_after_incident,
            eligible_costs: fields.eligibility.eligible_costs.clone(),
            audiences: fields.eligibility.audiences.clone(),
        }
    }
}

pub fn validate_offer(
    input: &OfferInput,
    taxonomy: &Taxonomy,
    today: NaiveDate,
) -> Result<OfferFields, Vec<FieldError>> {
    let mut checks = Checks::default();
    let title = checks.text("title", &input.title, TITLE_CHARS);
    let description = checks.text("description", &input.description, DESCRIPTION_CHARS);
    let themes = checks.themes(&input.themes, taxonomy);
    if input.countries.len() > MAX_COUNTRIES {
        checks.fail(
            "countries",
            "length",
            format!("must list at most {MAX_COUNTRIES} countries"),
        );
    }
    let mut countries = Vec::new();
    for (index, code) in input.countries.iter().enumerate() {
        if let Some(country) = checks.country(&format!("countries[{index}]"), code) {
            if !countries.contains(&country) {
                countries.push(country);
            }
        }
    }
    let mut regions = input.regions.clone();
    regions.sort();
    regions.dedup();
    if countries.is_empty() && regions.is_empty() && !input.global {
        checks.fail(
            "countries",
            "required",
            "name countries or regions served, or set global",
        );
    }
    let languages = checks.languages(&input.languages);
    let delivery_modes = checks.delivery_modes(&input.delivery_modes);
    let capacity = checks.count("capacity", input.capacity);
    checks.window(
        ("available_from", input.available_from),
        ("available_until", input.available_until),
        today,
    );
    let funding = checks.money(
        "funding",
        input.funding_amount,
        input.funding_currency.as_deref(),
    );
    match (input.kind, &funding) {
        (OfferKind::Funding, None)
            if input.funding_amount.is_none() && input.funding_currency.is_none() =>
        {
            checks.fail(
                "funding_amount",
                "required",
                "a funding offer states its amount and currency",
            )
        }
        (kind, Some(_)) if kind != OfferKind::Funding => checks.fail(
            "funding_amount",
            "not_funding",
            "only funding offers carry an amount",
        ),
        _ => {}
    }
    if input.kind != OfferKind::Funding && !input.eligible_costs.is_empty() {
        checks.fail(
            "eligible_costs",
            "not_funding",
            "only funding offers state the costs they pay for",
        );
    }
    checks.finish(OfferFields {
        kind: input.kind,
        title,
        description,
        themes,
        coverage: Coverage {
            countries,
            regions,
            global: input.global,
        },
        languages,
        delivery_modes,
        capacity,
        available_from: input.available_from,
        available_until: input.available_until,
        funding,
        visibility: input.visibility,
        eligibility: OfferEligibility {
            requester_kinds: unique(&input.requester_kinds),
            sector: input.sector,
            only_after_incident: input.only_after_incident,
            eligible_costs: unique(&input.eligible_costs),
            audiences: unique(&input.audiences),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::themes::taxonomy_of;
    use proptest::prelude::*;

    fn taxonomy() -> Taxonomy {
        taxonomy_of(["ransomware", "ransomware.backup_recovery", "workforce"])
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn need() -> NeedInput {
        serde_json::from_value(serde_json::json!({
            "title": "Backup recovery help",
            "description": "Our hospital needs offline backups and restore drills.",
            "themes": ["ransomware.backup_recovery", "ransomware.backup_recovery"],
            "country": "ke",
            "languages": ["EN", "sw", "en"],
            "delivery_modes": ["remote", "remote", "hybrid"],
            "urgency": "high",
            "quantity": 20,
            "wanted_by": "2027-01-31",
        }))
        .unwrap()
    }

    #[test]
    fn a_good_need_is_normalised() {
        let fields = validate_need(&need(), &taxonomy(), today()).unwrap();
        assert_eq!(fields.themes, ["ransomware.backup_recovery"]);
        assert_eq!(fields.country.alpha2(), "KE");
        assert_eq!(
            fields
                .languages
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>(),
            ["en", "sw"]
        );
        assert_eq!(
            fields.delivery_modes,
            [DeliveryMode::Remote, DeliveryMode::Hybrid]
        );
        assert_eq!(
            fields.visibility,
            NeedVisibility::VerifiedProviders,
            "the cautious default"
        );
    }

    #[test]
    fn a_patch_changes_only_what_it_names_and_null_clears() {
        let base = NeedInput {
            wanted_from: NaiveDate::from_ymd_opt(2026, 12, 1),
            ..need()
        };
        let patch: NeedPatch =
            serde_json::from_value(serde_json::json!({"quantity": 5, "wanted_from": null}))
                .unwrap();
        let patched = patch.apply_to(base.clone()).unwrap();
        assert_eq!((patched.quantity, patched.wanted_from), (5, None));
        assert_eq!(patched.title, base.title);
        let untouched = NeedPatch::default().apply_to(base.clone()).unwrap();
        assert_eq!(untouched.wanted_from, base.wanted_from);
    }

    #[test]
    fn the_patch_of_a_whole_input_writes_every_field_and_clears_what_it_leaves_empty() {
        // The edit form sends every field: a start date it leaves empty must clear the one
        // the need had, not keep it.
        let base = NeedInput {
            title: "An older title".into(),
            quantity: 3,
            wanted_from: NaiveDate::from_ymd_opt(2026, 12, 1),
            budget_amount: Some(5_000),
            budget_currency: Some("EUR".into()),
            anonymous: true,
            ..need()
        };
        let written = NeedPatch::from(need()).apply_to(base).unwrap();
        assert_eq!(format!("{written:?}"), format!("{:?}", need()));
        let offer = |title: &str, amount: Option<i64>| -> OfferInput {
            serde_json::from_value(serde_json::json!({
                "kind": "funding", "title": title, "description": "d", "themes": [],
                "languages": [], "delivery_modes": [], "capacity": 3, "funding_amount": amount
            }))
            .unwrap()
        };
        let written = OfferPatch::from(offer("Backup grants", None))
            .apply_to(offer("Older grants", Some(10_000)))
            .unwrap();
        assert_eq!(
            format!("{written:?}"),
            format!("{:?}", offer("Backup grants", None))
        );
    }

    #[test]
    fn null_is_refused_for_every_field_a_record_requires() {
        let patch: NeedPatch = serde_json::from_value(serde_json::json!({
            "title": null, "urgency": null, "anonymous": null, "budget_amount": null
        }))
        .unwrap();
        let errors = patch.apply_to(need()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "urgency", "anonymous"]);
        let patch: OfferPatch =
            serde_json::from_value(serde_json::json!({"capacity": null, "funding_amount": null}))
                .unwrap();
        let offer: OfferInput = serde_json::from_value(serde_json::json!({
            "kind": "training", "title": "Backup clinic", "description": "d",
            "themes": [], "languages": [], "delivery_modes": [], "capacity": 3
        }))
        .unwrap();
        let errors = patch.apply_to(offer).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "capacity");
    }

    #[test]
    fn offers_must_say_where_they_serve_and_funding_carries_money() {
        let offer: OfferInput = serde_json::from_value(serde_json::json!({
            "kind": "funding",
            "title": "Backup grants",
            "description": "Grants for offline backup systems in district hospitals.",
            "themes": ["ransomware"],
            "languages": ["fr"],
            "delivery_modes": ["remote"],
            "capacity": 3,
        }))
        .unwrap();
        let errors = validate_offer(&offer, &taxonomy(), today()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["countries", "funding_amount"]);
        let fixed = OfferInput {
            global: true,
            funding_amount: Some(10_000),
            funding_currency: Some("EUR".into()),
            ..offer
        };
        assert!(validate_offer(&fixed, &taxonomy(), today()).is_ok());
    }

    proptest! {
        /// Whatever a client sends, validation answers with fields or with errors that name
        /// fields; and valid fields, written back as input, validate to themselves.
        #[test]
        fn validation_is_total_and_round_trips(
            title in ".{0,40}",
            quantity in -5i64..2_000_000,
            days in -10i64..400,
            languages in proptest::collection::vec("[a-z]{1,3}", 0..4),
            amount in proptest::option::of(-10i64..1_000),
        ) {
            let input = NeedInput {
                title,
                quantity,
                wanted_by: today() + chrono::Duration::days(days),
                languages,
                budget_amount: amount,
                budget_currency: amount.map(|_| "USD".to_owned()),
                ..need()
            };
            match validate_need(&input, &taxonomy(), today()) {
                Ok(fields) => {
                    let again = validate_need(&NeedInput::from(&fields), &taxonomy(), today()).unwrap();
                    prop_assert_eq!(again, fields);
                }
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    for error in errors {
                        prop_assert!(!error.field.is_empty() && !error.message.is_empty());
                    }
                }
            }
        }
    }
}
