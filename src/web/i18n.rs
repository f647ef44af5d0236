//! The pages' message catalogue: every sentence a person reads, in Fluent files under
//! `locales/<language>/`, compiled into the binary and parsed at start. Adding a language
//! is adding its folder to `LANGUAGES`; no template changes.

use std::collections::HashMap;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

macro_rules! catalogue {
    ($language:literal: $($file:literal),* $(,)?) => {
        ($language, &[$(($file, include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"), "/locales/", $language, "/", $file
        )))),*] as &[(&str, &str)])
    };
}

/// Each language and its files. The first is the default.
const LANGUAGES: &[(&str, &[(&str, &str)])] = &[catalogue!("en":
    "layout.ftl",
    "home.ftl",
    "account.ftl",
    "email_links.ftl",
    "organisation.ftl",
    "webhooks.ftl",
    "errors.ftl",
    // catalogue pages
    "catalogue.ftl",
    // match and coordination pages
    "matches.ftl",
    "coordination.ftl",
    // problem type pages
    "problems.ftl",
)];

/// The language every page is shown in, until a person can choose (the one place to
/// change when a second language arrives).
pub fn page_language() -> &'static str {
    LANGUAGES[0].0
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("locales/{language}/{file}: {reason}")]
    Invalid {
        language: &'static str,
        file: &'static str,
        reason: String,
    },
}

pub struct Catalogue {
    bundles: HashMap<&'static str, FluentBundle<FluentResource>>,
}

impl Catalogue {
    /// Parses every language's files; a syntax error or a message defined twice stops the start.
    pub fn load() -> Result<Self, CatalogueError> {
        let mut bundles = HashMap::new();
        for (language, files) in LANGUAGES {
            let id: LanguageIdentifier =
                language.parse().map_err(|error| CatalogueError::Invalid {
                    language,
                    file: "",
                    reason: format!("not a language identifier: {error}"),
                })?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Pages are HTML with `lang` set; the isolation marks would only clutter copies
            // and searches. A right-to-left language may want them back.
            bundle.set_use_isolating(false);
            for (file, source) in *files {
                let invalid = |reason: String| CatalogueError::Invalid {
                    language,
                    file,
                    reason,
                };
                let resource = FluentResource::try_new((*source).to_owned())
                    .map_err(|(_, errors)| invalid(format!("{errors:?}")))?;
                bundle
                    .add_resource(resource)
                    .map_err(|errors| invalid(format!("{errors:?}")))?;
            }
            bundles.insert(*language, bundle);
        }
        Ok(Self { bundles })
    }

    pub fn has(&self, language: &str, id: &str) -> bool {
        self.bundles
            .get(language)
            .is_some_and(|bundle| bundle.has_message(id))
    }

    /// The message `id` in `language` with `args`; `None` when it does not exist.
    pub fn message(
        &self,
        language: &str,
        id: &str,
        args: &[(String, FluentValue<'_>)],
    ) -> Option<String> {
        let bundle = self.bundles.get(language)?;
        let pattern = bundle.get_message(id)?.value()?;
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(name.clone(), value.clone());
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            tracing::error!(id, ?errors, "a page message did not format");
        }
        Some(text.into_owned())
    }
}

/// Test support: the message ids a template builds from values, `<prefix><value>`.
#[cfg(test)]
pub(crate) fn prefixed(
    prefix: &str,
    values: impl IntoIterator<Item = impl std::fmt::Display>,
) -> Vec<String> {
    values
        .into_iter()
        .map(|value| format!("{prefix}{value}"))
        .collect()
}

/// Test support: every one of `ids` is a message of the page language, so that no page
/// fails in front of a person for a sentence built at run time.
#[cfg(test)]
pub(crate) fn assert_messages_exist(ids: &[String]) {
    let catalogue = Catalogue::load().unwrap();
    for id in ids {
        assert!(
            catalogue.has(page_language(), id),
            "the catalogue has no `{id}`"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_parses() {
        let catalogue = Catalogue::load().expect("the catalogue parses");
        assert!(catalogue.has(page_language(), "site-name"));
    }

    #[test]
    fn arguments_fill_the_message() {
        let catalogue = Catalogue::load().unwrap();
        let text = catalogue
            .message(
                "en",
                "sign-in-signed-in-as",
                &[("name".into(), FluentValue::from("Ama"))],
            )
            .unwrap();
        assert!(text.contains("Ama"), "{text}");
    }
}
