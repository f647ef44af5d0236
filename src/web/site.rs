//! `Site`: what every page needs and nothing else does: the page templates (minijinja,
//! compiled into the binary, parsed at start, HTML auto-escaped), the message catalogue
//! behind their `t("id", name=value)` calls, the stylesheet's versioned path, and the
//! session and cookie settings that depend on the public URL.

use std::sync::Arc;

use fluent_bundle::FluentValue;
use minijinja::value::Kwargs;
use minijinja::{Environment, Error, ErrorKind, State, UndefinedBehavior, Value};
use url::Url;

use crate::auth::web_sessions::Lifetimes;
use crate::web::assets;
use crate::web::i18n::{Catalogue, CatalogueError};

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/", $name)))),*]
    };
}

/// Every page template. A page is `web/<name>.html`.
pub(crate) const TEMPLATES: &[(&str, &str)] = embedded![
    "web/layout.html",
    "web/forms.html",
    "web/tables.html",
    "web/form_page.html",
    "web/home.html",
    "web/sign_in.html",
    "web/register.html",
    "web/register_done.html",
    "web/email_link.html",
    "web/verify_email.html",
    "web/verify_email_resend.html",
    "web/password_reset_request.html",
    "web/password_reset_sent.html",
    "web/password_reset.html",
    "web/accept_invitation.html",
    "web/unsubscribe.html",
    "web/reconfirm_need.html",
    "web/report_outcome.html",
    "web/outcome.html",
    "web/organisation.html",
    "web/webhooks.html",
    "web/webhook_deliveries.html",
    "web/api_clients.html",
    "web/api_client_secret.html",
    "web/api_client_revoke.html",
    "web/error.html",
    "web/problems.html",
    "web/problem.html",
    // catalogue pages
    "web/catalogue/macros.html",
    "web/catalogue/browse.html",
    "web/catalogue/item.html",
    "web/catalogue/form.html",
    "web/catalogue/offer_kind.html",
    "web/catalogue/need_fields.html",
    "web/catalogue/offer_fields.html",
    "web/catalogue/mine.html",
    "web/catalogue/candidates.html",
    // match and coordination pages
    "web/matches/list.html",
    "web/matches/show.html",
    "web/matches/refused.html",
    "web/coordination/queue.html",
    "web/coordination/allocation.html",
    "web/coordination/gaps.html",
    "web/coordination/outbox.html",
    "web/coordination/audit.html",
];

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("page template {name}: {source}")]
    Template {
        name: String,
        source: minijinja::Error,
    },
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
}

/// The cookies and lifetimes of people's sessions.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    pub lifetimes: Lifetimes,
    /// `__Host-session` on https (the browser then insists on Secure, Path=/ and no
    /// Domain), `session` on plain http, where a `__Host-` cookie would be refused.
    pub cookie_name: &'static str,
    /// The double-submit cookie of the forms people fill in before they sign in.
    pub csrf_cookie_name: &'static str,
    pub secure: bool,
}

pub struct Site {
    env: Environment<'static>,
    catalogue: Arc<Catalogue>,
    pub sessions: SessionSettings,
    /// `scheme://host[:port]` of the public URL: what a browser sends as `Origin`.
    pub public_origin: String,
    /// The public URL is https: send HSTS.
    pub https: bool,
    /// The public URL itself: the base of problem type URIs.
    pub public_url: Url,
}

impl Site {
    pub fn load(public_url: &Url, lifetimes: Lifetimes) -> Result<Self, SiteError> {
        let catalogue = Arc::new(Catalogue::load()?);
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(crate::notify::templates::escape_html);
        {
            let catalogue = catalogue.clone();
            env.add_function("t", move |state: &State, id: &str, kwargs: Kwargs| {
                translate(&catalogue, state, id, &kwargs)
            });
        }
        env.add_global("stylesheet", assets::stylesheet_path());
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|source| SiteError::Template {
                    name: (*name).to_owned(),
                    source,
                })?;
        }
        let https = public_url.scheme() == "https";
        Ok(Self {
            env,
            catalogue,
            sessions: SessionSettings {
                lifetimes,
                cookie_name: if https { "__Host-session" } else { "session" },
                csrf_cookie_name: if https { "__Host-csrf" } else { "csrf" },
                secure: https,
            },
            public_origin: public_url.origin().ascii_serialization(),
            https,
            public_url: public_url.clone(),
        })
    }

    /// A message of the page language, for text composed in Rust (field errors).
    pub fn text(&self, id: &str) -> String {
        let language = crate::web::i18n::page_language();
        self.catalogue
            .message(language, id, &[])
            .unwrap_or_else(|| {
                tracing::error!(id, "a page message is missing from the catalogue");
                id.to_owned()
            })
    }

    /// `text` for a message with variables (`{ $name }` in the catalogue).
    pub fn text_with(&self, id: &str, args: &[(&str, String)]) -> String {
        let language = crate::web::i18n::page_language();
        let args: Vec<(String, fluent_bundle::FluentValue<'_>)> = args
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone().into()))
            .collect();
        self.catalogue
            .message(language, id, &args)
            .unwrap_or_else(|| {
                tracing::error!(id, "a page message is missing from the catalogue");
                id.to_owned()
            })
    }

    pub fn has_text(&self, id: &str) -> bool {
        self.catalogue.has(crate::web::i18n::page_language(), id)
    }

    /// Renders `web/<name>.html` with `context`.
    pub fn render(&self, name: &str, context: Value) -> Result<String, minijinja::Error> {
        self.env
            .get_template(&format!("web/{name}.html"))?
            .render(context)
    }
}

/// `t("id", name=value, ...)`: the message in the page's language (`lang` in the context).
fn translate(
    catalogue: &Catalogue,
    state: &State,
    id: &str,
    kwargs: &Kwargs,
) -> Result<String, Error> {
    let language = state
        .lookup("lang")
        .and_then(|lang| lang.as_str().map(str::to_owned))
        .unwrap_or_else(|| crate::web::i18n::page_language().to_owned());
    let mut args = Vec::new();
    for name in kwargs.args() {
        let value: Value = kwargs.get(name)?;
        let value = match value.as_i64() {
            Some(number) => FluentValue::from(number),
            None => FluentValue::from(value.to_string()),
        };
        args.push((name.to_owned(), value));
    }
    catalogue.message(&language, id, &args).ok_or_else(|| {
        Error::new(
            ErrorKind::UndefinedError,
            format!("no message `{id}` in the {language} catalogue"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `t("...")` a template calls names a message of every language: a missing
    /// sentence fails here, not in front of a person.
    #[test]
    fn every_message_a_template_names_exists() {
        let catalogue = Catalogue::load().unwrap();
        let mut checked = 0;
        for (name, source) in TEMPLATES {
            let calls = source.match_indices("t(\"").filter(|(at, _)| {
                // `t(` itself, not the end of another name (`set(`).
                !source[..*at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            });
            for (at, call) in calls {
                let rest = &source[at + call.len()..];
                let id = rest.split('"').next().unwrap_or_default();
                // `t("kind-" ~ kind)`: built at run time; `dynamic_messages_exist` checks those.
                if rest[id.len() + 1..].trim_start().starts_with('~') {
                    continue;
                }
                assert!(
                    catalogue.has(crate::web::i18n::page_language(), id),
                    "{name} calls t(\"{id}\"), which the catalogue does not have"
                );
                checked += 1;
            }
        }
        assert!(
            checked > 50,
            "only {checked} messages found: is the scan broken?"
        );
    }

    /// The messages whose ids templates build from a value: every value has one.
    #[test]
    fn dynamic_messages_exist() {
        use crate::accounts::model::{OrganisationKind, Role};
        use crate::notify::model::{DeliveryMode, EventKind};
        use crate::web::i18n::{assert_messages_exist, prefixed};
        let roles = [Role::Member, Role::OrgAdmin, Role::Coordinator];
        let modes = [
            DeliveryMode::Immediate,
            DeliveryMode::Daily,
            DeliveryMode::Off,
        ];
        let mut ids = [
            prefixed("kind-", OrganisationKind::ALL.map(OrganisationKind::as_str)),
            prefixed("role-", roles.map(Role::as_str)),
            prefixed("event-", EventKind::ALL.map(EventKind::as_str)),
            prefixed("mode-", modes.map(DeliveryMode::as_str)),
        ]
        .concat();
        for outcome in crate::web::email_links::OUTCOME_NAMES {
            ids.push(format!("outcome-{outcome}-title"));
            ids.push(format!("outcome-{outcome}-body"));
        }
        for kind in crate::error::ProblemType::ALL {
            ids.push(format!("problem-{}-means", kind.slug()));
            ids.push(format!("problem-{}-todo", kind.slug()));
        }
        for kind in crate::web::errors::PageError::KINDS {
            ids.push(format!("error-{kind}-title"));
            ids.push(format!("error-{kind}-body"));
        }
        assert_messages_exist(&ids);
    }

    #[test]
    fn every_template_parses() {
        let url = Url::parse("https://clearinghouse.example/").unwrap();
        let lifetimes = Lifetimes {
            idle: chrono::Duration::hours(2),
            absolute: chrono::Duration::hours(12),
        };
        let site = Site::load(&url, lifetimes).expect("the templates parse");
        assert_eq!(site.sessions.cookie_name, "__Host-session");
        assert_eq!(site.public_origin, "https://clearinghouse.example");
    }

    /// A 500 page names the request, so that a person's report can be found in the logs,
    /// and says nothing of the cause.
    #[test]
    fn the_internal_error_page_shows_the_request_id() {
        let url = Url::parse("http://127.0.0.1:8080/").unwrap();
        let lifetimes = Lifetimes {
            idle: chrono::Duration::hours(2),
            absolute: chrono::Duration::hours(12),
        };
        let site = Site::load(&url, lifetimes).unwrap();
        let html = crate::web::render::html(
            &site,
            None,
            "error",
            minijinja::context! { kind => "internal", request_id => "3f2a-request" },
        )
        .unwrap();
        assert!(html.contains("Reference: 3f2a-request"), "{html}");
        assert!(html.contains("<html lang=\"en\">"));
        assert_eq!(site.sessions.cookie_name, "session");
    }
}
