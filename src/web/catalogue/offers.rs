//! What an offer's pages show and take that a need's do not: its kind, where it is
//! delivered (countries, regions, everywhere), capacity, availability and funding, the
//! offer-kind filter, its facts in plain words.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalogue::lifecycle::Action;
use crate::catalogue::model::{
    Need, Offer, OfferEligibility, OfferFields, OfferKind, OfferVisibility, Region,
};
use crate::catalogue::store::offers::OfferSort;
use crate::catalogue::validate::OfferInput;
use crate::db::Conn;
use crate::matching::service::{self, MatchingError, RankedPage};
use crate::visibility::Reader;
use crate::web::catalogue::forms::{
    amount, codes_of, currency_code, languages_of, modes, optional_choice, optional_date,
    text_of_amount, ticked, values_of, Refusals,
};
use crate::web::catalogue::{CandidateAsk, Fact, Facts, WebKind, Words};

/// The offer form as typed.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct OfferForm {
    pub kind: String,
    pub title: String,
    pub description: String,
    pub themes: Vec<String>,
    pub countries: Vec<String>,
    pub regions: Vec<String>,
    pub global: Option<String>,
    pub languages: Vec<String>,
    pub other_languages: String,
    pub delivery_modes: Vec<String>,
    pub capacity: String,
    pub available_from: String,
    pub available_until: String,
    pub funding_amount: String,
    pub funding_currency: String,
    pub visibility: String,
    pub requester_kinds: Vec<String>,
    pub sector: String,
    pub only_after_incident: Option<String>,
    pub eligible_costs: Vec<String>,
    pub audiences: Vec<String>,
    /// The version the edit form was read at (hidden).
    pub version: Option<i32>,
}

impl WebKind for Offer {
    type Other = Need;
    type Form = OfferForm;

    const ACTIONS: &'static [Action] = &[Action::Publish, Action::Withdraw, Action::Close];
    const ONLY_FIELD: &'static str = "kind";
    const ONLY_WORDS: &'static str = "offer-kind-";
    const SORTS: &'static [(&'static str, OfferSort)] = &[
        ("newest", OfferSort::Newest),
        ("available_until", OfferSort::AvailableUntil),
    ];

    fn form_of(fields: &OfferFields) -> OfferForm {
        let (languages, other_languages) = languages_of(&fields.languages);
        OfferForm {
            kind: fields.kind.as_str().to_owned(),
            title: fields.title.clone(),
            description: fields.description.clone(),
            themes: fields.themes.clone(),
            countries: fields
                .coverage
                .countries
                .iter()
                .map(|c| c.alpha2().to_owned())
                .collect(),
            regions: fields
                .coverage
                .regions
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            global: fields.coverage.global.then(|| "yes".to_owned()),
            languages,
            other_languages,
            delivery_modes: fields
                .delivery_modes
                .iter()
                .map(|m| m.as_str().to_owned())
                .collect(),
            capacity: fields.capacity.to_string(),
            available_from: fields
                .available_from
                .map(|d| d.to_string())
                .unwrap_or_default(),
            available_until: fields
                .available_until
                .map(|d| d.to_string())
                .unwrap_or_default(),
            funding_amount: text_of_amount(fields.funding.as_ref()),
            funding_currency: fields
                .funding
                .as_ref()
                .map(|m| m.currency.clone())
                .unwrap_or_default(),
            visibility: fields.visibility.as_str().to_owned(),
            requester_kinds: values_of(&fields.eligibility.requester_kinds),
            sector: fields
                .eligibility
                .sector
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            only_after_incident: fields
                .eligibility
                .only_after_incident
                .then(|| "yes".to_owned()),
            eligible_costs: values_of(&fields.eligibility.eligible_costs),
            audiences: values_of(&fields.eligibility.audiences),
            version: None,
        }
    }

    fn input_of_form(form: &OfferForm) -> (OfferInput, Vec<(String, &'static str)>) {
        let mut refusals = Refusals::default();
        let kind = refusals.required_choice("kind", &form.kind, OfferKind::Training);
        let visibility =
            refusals.required_choice("visibility", &form.visibility, OfferVisibility::Public);
        let mut regions = Vec::new();
        for region in &form.regions {
            match region.parse::<Region>() {
                Ok(region) => regions.push(region),
                Err(_) => refusals.refuse("regions", "invalid"),
            }
        }
        let input = OfferInput {
            kind,
            title: form.title.clone(),
            description: form.description.clone(),
            themes: form.themes.clone(),
            countries: form.countries.clone(),
            regions,
            global: form.global.is_some(),
            languages: codes_of(&form.languages, &form.other_languages),
            delivery_modes: modes(&mut refusals, &form.delivery_modes),
            capacity: refusals.count("capacity", &form.capacity),
            available_from: optional_date(&mut refusals, "available_from", &form.available_from),
            available_until: optional_date(&mut refusals, "available_until", &form.available_until),
            funding_amount: amount(&mut refusals, "funding_amount", &form.funding_amount),
            funding_currency: currency_code(&form.funding_currency),
            visibility,
            requester_kinds: ticked(&mut refusals, "requester_kinds", &form.requester_kinds),
            sector: optional_choice(&mut refusals, "sector", &form.sector),
            only_after_incident: form.only_after_incident.is_some(),
            eligible_costs: ticked(&mut refusals, "eligible_costs", &form.eligible_costs),
            audiences: ticked(&mut refusals, "audiences", &form.audiences),
        };
        (input, refusals.into_list())
    }

    fn version_of(form: &mut Self::Form) -> &mut Option<i32> {
        &mut form.version
    }

    fn only_values() -> Vec<&'static str> {
        OfferKind::ALL.iter().map(|k| k.as_str()).collect()
    }

    fn card_facts(&self, words: &Words<'_>) -> Vec<Fact> {
        let fields = &self.fields;
        let mut facts = Facts::new(words);
        facts
            .word("kind", "offer-kind-", fields.kind.as_str())
            .add("serves", serves(self, words))
            .add("themes", words.themes(&fields.themes));
        if let Some(until) = fields.available_until {
            facts.add("available-until", words.date(until));
        }
        facts.status::<Offer>(self.status.as_str());
        facts.into_list()
    }

    fn detail_facts(&self, words: &Words<'_>) -> Vec<Fact> {
        let fields = &self.fields;
        let mut facts = Facts::new(words);
        facts
            .status::<Offer>(self.status.as_str())
            .word("kind", "offer-kind-", fields.kind.as_str())
            .add("serves", serves(self, words))
            .add("themes", words.themes(&fields.themes))
            .add("languages", words.languages(&fields.languages))
            .add("delivery", words.delivery_modes(&fields.delivery_modes));
        let left = words.text("catalogue-fact-left");
        facts.add(
            "capacity",
            format!("{} ({} {left})", fields.capacity, self.capacity_left),
        );
        if let Some(from) = fields.available_from {
            facts.add("available-from", words.date(from));
        }
        let until = fields
            .available_until
            .map_or_else(|| words.text("catalogue-fact-no-end"), |d| words.date(d));
        facts.add("available-until", until);
        if let Some(funding) = &fields.funding {
            facts.add("funding", words.money(funding));
        }
        facts.add("eligibility", eligibility(&fields.eligibility, words));
        if !fields.eligibility.audiences.is_empty() {
            facts.add(
                "audiences",
                words.list("audience-", &fields.eligibility.audiences),
            );
        }
        facts.visibility(self);
        facts.into_list()
    }

    fn description(&self) -> &str {
        &self.fields.description
    }

    fn place(&self) -> String {
        String::new()
    }

    fn candidates(
        conn: &mut Conn<'_>,
        reader: &Reader,
        ask: CandidateAsk<'_>,
    ) -> Result<RankedPage<Need>, MatchingError> {
        // Needs are read from the database (`OpenOffers` holds only the offers' side).
        service::candidates_for_offer(conn, reader, ask.scoring, ask.id, ask.window)
    }

    fn pair(this: Uuid, other: Uuid) -> (Uuid, Uuid) {
        (other, this)
    }
}

/// Who may use an offer, in words: each rule it states, or that it states none.
fn eligibility(rules: &OfferEligibility, words: &Words<'_>) -> String {
    let mut parts = Vec::new();
    if !rules.requester_kinds.is_empty() {
        parts.push(format!(
            "{} {}",
            words.text("catalogue-eligibility-only"),
            words.list("requester-kind-", &rules.requester_kinds)
        ));
    }
    if let Some(sector) = rules.sector {
        parts.push(words.text(&format!("catalogue-eligibility-sector-{sector}")));
    }
    if rules.only_after_incident {
        parts.push(words.text("catalogue-eligibility-after-incident"));
    }
    if !rules.eligible_costs.is_empty() {
        parts.push(format!(
            "{} {}",
            words.text("catalogue-eligibility-costs"),
            words.list("cost-", &rules.eligible_costs)
        ));
    }
    if parts.is_empty() {
        words.text("catalogue-eligibility-none")
    } else {
        parts.join("; ")
    }
}

/// Where an offer is delivered, in words.
fn serves(offer: &Offer, words: &Words<'_>) -> String {
    let coverage = &offer.fields.coverage;
    if coverage.global {
        return words.text("catalogue-serves-everywhere");
    }
    let mut places: Vec<String> = coverage
        .regions
        .iter()
        .map(|r| words.text(&format!("region-{}", r.as_str())))
        .collect();
    if !coverage.countries.is_empty() {
        places.push(words.countries(&coverage.countries));
    }
    places.join(", ")
}
