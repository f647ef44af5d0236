//! Codes in plain words for the catalogue's pages: theme, country and language names,
//! dates, amounts, and the vocabularies' words from the message catalogue.

use chrono::NaiveDate;
use serde::Serialize;

use crate::accounts::model::Country;
use crate::catalogue::model::{DeliveryMode, Language, Money};
use crate::catalogue::themes::Taxonomy;
use crate::state::AppState;
use crate::web::catalogue::Choice;
use crate::web::site::Site;

/// The languages the forms offer as checkboxes; any other ISO 639-1 code can be typed.
pub const COMMON_LANGUAGES: &[&str] = &["en", "fr", "es", "ar", "pt", "ru", "sw", "zh"];

pub struct Words<'a> {
    pub site: &'a Site,
    pub taxonomy: &'a Taxonomy,
}

impl<'a> Words<'a> {
    /// The words of the running site.
    pub fn of(state: &'a AppState) -> Self {
        Words {
            site: &state.site,
            taxonomy: &state.taxonomy,
        }
    }
}

impl Words<'_> {
    pub fn text(&self, id: &str) -> String {
        self.site.text(id)
    }

    pub fn themes(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|code| {
                self.taxonomy
                    .get(code)
                    .map_or_else(|| code.clone(), |theme| theme.name.clone())
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn languages(&self, languages: &[Language]) -> String {
        languages
            .iter()
            .map(|language| language_name(language.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn countries(&self, countries: &[Country]) -> String {
        countries
            .iter()
            .map(|country| country.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn delivery_modes(&self, modes: &[DeliveryMode]) -> String {
        modes
            .iter()
            .map(|mode| self.text(&format!("delivery-{}", mode.as_str())))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Vocabulary words through the message catalogue: `prefix` + each word's text.
    pub fn list<T: std::fmt::Display>(&self, prefix: &str, items: &[T]) -> String {
        items
            .iter()
            .map(|item| self.text(&format!("{prefix}{item}")))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn date(&self, date: NaiveDate) -> String {
        date.format("%-d %B %Y").to_string()
    }

    pub fn money(&self, money: &Money) -> String {
        format!("{} {}", group_digits(money.amount), money.currency)
    }
}

/// `12000` as `12,000`.
fn group_digits(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if amount < 0 {
        grouped.insert(0, '-');
    }
    grouped
}

/// The English name of an ISO 639-1 code (the standard's own name), or the code.
pub fn language_name(code: &str) -> String {
    isolang::Language::from_639_1(code)
        .map_or_else(|| code.to_owned(), |language| language.to_name().to_owned())
}

/// Every country, by name.
pub fn country_choices() -> Vec<Choice> {
    let mut countries: Vec<Choice> = isocountry::CountryCode::iter()
        .map(|code| Choice {
            value: code.alpha2().to_owned(),
            label: code.name().to_owned(),
        })
        .collect();
    countries.sort_by(|a, b| a.label.cmp(&b.label));
    countries
}

/// Every ISO 639-1 language, by name.
pub fn language_choices() -> Vec<Choice> {
    // Every two-letter code the standard knows.
    let letters = b'a'..=b'z';
    let mut languages: Vec<Choice> = letters
        .clone()
        .flat_map(|first| letters.clone().map(move |second| [first, second]))
        .filter_map(|pair| {
            let code = std::str::from_utf8(&pair).ok()?;
            let language = isolang::Language::from_639_1(code)?;
            Some(Choice {
                value: code.to_owned(),
                label: language.to_name().to_owned(),
            })
        })
        .collect();
    languages.sort_by(|a, b| a.label.cmp(&b.label));
    languages
}

/// The common languages, for the forms' checkboxes.
#[derive(Debug, Serialize)]
pub struct LanguageBox {
    pub code: &'static str,
    pub name: String,
}

pub fn common_languages() -> Vec<LanguageBox> {
    COMMON_LANGUAGES
        .iter()
        .map(|code| LanguageBox {
            code,
            name: language_name(code),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped_by_thousands() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(12_000), "12,000");
        assert_eq!(group_digits(1_234_567), "1,234,567");
    }

    #[test]
    fn languages_have_names() {
        assert_eq!(language_name("sw"), "Swahili");
        assert!(language_choices().iter().any(|c| c.value == "fr"));
        assert!(country_choices().iter().any(|c| c.label == "Kenya"));
    }
}
