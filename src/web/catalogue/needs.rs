//! What a need's pages show and take that an offer's do not: its form's fields (urgency,
//! quantity, wanted-by, budget, anonymity), the urgency filter, its facts in plain words.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalogue::lifecycle::Action;
use crate::catalogue::model::{Need, NeedFields, NeedVisibility, Urgency};
use crate::catalogue::store::needs::NeedSort;
use crate::catalogue::validate::NeedInput;
use crate::db::Conn;
use crate::matching::service::{self, MatchingError, RankedPage};
use crate::visibility::Reader;
use crate::web::catalogue::forms::{
    amount, codes_of, currency_code, date, languages_of, modes, optional_choice, optional_date,
    text_of_amount, ticked, values_of, Refusals,
};
use crate::web::catalogue::{CandidateAsk, Fact, Facts, WebKind, Words};

/// The need form as typed.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct NeedForm {
    pub title: String,
    pub description: String,
    pub themes: Vec<String>,
    pub country: String,
    pub languages: Vec<String>,
    pub other_languages: String,
    pub delivery_modes: Vec<String>,
    pub urgency: String,
    pub quantity: String,
    pub wanted_from: String,
    pub wanted_by: String,
    pub budget_amount: String,
    pub budget_currency: String,
    pub visibility: String,
    pub anonymous: Option<String>,
    pub sector: String,
    pub after_incident: Option<String>,
    pub costs: Vec<String>,
    pub audiences: Vec<String>,
    /// The version the edit form was read at (hidden).
    pub version: Option<i32>,
}

impl WebKind for Need {
    type Other = crate::catalogue::model::Offer;
    type Form = NeedForm;

    const ACTIONS: &'static [Action] = &[
        Action::Publish,
        Action::Reconfirm,
        Action::Withdraw,
        Action::Close,
    ];
    const ONLY_FIELD: &'static str = "urgency";
    const ONLY_WORDS: &'static str = "urgency-";
    const SORTS: &'static [(&'static str, NeedSort)] = &[
        ("newest", NeedSort::Newest),
        ("urgency", NeedSort::Urgency),
        ("wanted_by", NeedSort::WantedBy),
    ];

    fn form_of(fields: &NeedFields) -> NeedForm {
        let (languages, other_languages) = languages_of(&fields.languages);
        NeedForm {
            title: fields.title.clone(),
            description: fields.description.clone(),
            themes: fields.themes.clone(),
            country: fields.country.alpha2().to_owned(),
            languages,
            other_languages,
            delivery_modes: fields
                .delivery_modes
                .iter()
                .map(|m| m.as_str().to_owned())
                .collect(),
            urgency: fields.urgency.as_str().to_owned(),
            quantity: fields.quantity.to_string(),
            wanted_from: fields
                .wanted_from
                .map(|d| d.to_string())
                .unwrap_or_default(),
            wanted_by: fields.wanted_by.to_string(),
            budget_amount: text_of_amount(fields.budget.as_ref()),
            budget_currency: fields
                .budget
                .as_ref()
                .map(|m| m.currency.clone())
                .unwrap_or_default(),
            visibility: fields.visibility.as_str().to_owned(),
            version: None,
            anonymous: fields.anonymous.then(|| "yes".to_owned()),
            sector: fields
                .eligibility
                .sector
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            after_incident: fields.eligibility.after_incident.then(|| "yes".to_owned()),
            costs: values_of(&fields.eligibility.costs),
            audiences: values_of(&fields.eligibility.audiences),
        }
    }

    fn input_of_form(form: &NeedForm) -> (NeedInput, Vec<(String, &'static str)>) {
        let mut refusals = Refusals::default();
        let urgency = refusals.required_choice("urgency", &form.urgency, Urgency::Medium);
        let visibility = refusals.required_choice(
            "visibility",
            &form.visibility,
            NeedVisibility::VerifiedProviders,
        );
        let wanted_by = date(&mut refusals, "wanted_by", &form.wanted_by)
            // A stand-in that passes the date checks: the refusal above already speaks.
            .unwrap_or_else(|| chrono::Utc::now().date_naive() + chrono::Duration::days(1));
        let input = NeedInput {
            title: form.title.clone(),
            description: form.description.clone(),
            themes: form.themes.clone(),
            country: form.country.clone(),
            languages: codes_of(&form.languages, &form.other_languages),
            delivery_modes: modes(&mut refusals, &form.delivery_modes),
            urgency,
            quantity: refusals.count("quantity", &form.quantity),
            wanted_from: optional_date(&mut refusals, "wanted_from", &form.wanted_from),
            wanted_by,
            budget_amount: amount(&mut refusals, "budget_amount", &form.budget_amount),
            budget_currency: currency_code(&form.budget_currency),
            visibility,
            anonymous: form.anonymous.is_some(),
            sector: optional_choice(&mut refusals, "sector", &form.sector),
            after_incident: form.after_incident.is_some(),
            costs: ticked(&mut refusals, "costs", &form.costs),
            audiences: ticked(&mut refusals, "audiences", &form.audiences),
        };
        (input, refusals.into_list())
    }

    fn version_of(form: &mut Self::Form) -> &mut Option<i32> {
        &mut form.version
    }

    fn only_values() -> Vec<&'static str> {
        Urgency::ALL.iter().rev().map(|u| u.as_str()).collect()
    }

    fn card_facts(&self, words: &Words<'_>) -> Vec<Fact> {
        let fields = &self.fields;
        let mut facts = Facts::new(words);
        facts
            .add("country", fields.country.name().to_owned())
            .add("themes", words.themes(&fields.themes))
            .word("urgency", "urgency-", fields.urgency.as_str())
            .add("wanted-by", words.date(fields.wanted_by))
            .status::<Need>(self.status.as_str());
        facts.into_list()
    }

    fn detail_facts(&self, words: &Words<'_>) -> Vec<Fact> {
        let fields = &self.fields;
        let mut facts = Facts::new(words);
        facts
            .status::<Need>(self.status.as_str())
            .add("country", fields.country.name().to_owned())
            .add("themes", words.themes(&fields.themes))
            .add("languages", words.languages(&fields.languages))
            .add("delivery", words.delivery_modes(&fields.delivery_modes))
            .word("urgency", "urgency-", fields.urgency.as_str());
        let covered = words.text("catalogue-fact-covered");
        facts.add(
            "quantity",
            format!("{} ({} {covered})", fields.quantity, self.quantity_covered),
        );
        if let Some(from) = fields.wanted_from {
            facts.add("wanted-from", words.date(from));
        }
        let budget = fields
            .budget
            .as_ref()
            .map_or_else(|| words.text("catalogue-fact-none"), |m| words.money(m));
        facts
            .add("wanted-by", words.date(fields.wanted_by))
            .add("budget", budget)
            .visibility(self);
        if fields.anonymous {
            facts.add("anonymous", words.text("catalogue-fact-anonymous-value"));
        }
        facts.into_list()
    }

    fn description(&self) -> &str {
        &self.fields.description
    }

    fn place(&self) -> String {
        self.fields.country.name().to_owned()
    }

    fn candidates(
        conn: &mut Conn<'_>,
        reader: &Reader,
        ask: CandidateAsk<'_>,
    ) -> Result<RankedPage<crate::catalogue::model::Offer>, MatchingError> {
        service::candidates_for_need(conn, reader, ask.scoring, ask.open, ask.id, ask.window)
    }

    fn pair(this: Uuid, other: Uuid) -> (Uuid, Uuid) {
        (this, other)
    }
}
