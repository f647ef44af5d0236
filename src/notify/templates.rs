//! The email templates (minijinja), compiled into the binary and parsed once when
//! the server starts: a broken template stops the start, not a send. Each email is a folder
//! `templates/email/<name>/` with `subject.txt`, `body.txt` and `body.html`.

use minijinja::{
    AutoEscape, Environment, Error, ErrorKind, Output, State, UndefinedBehavior, Value,
};
use serde::Serialize;

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/", $name)))),*]
    };
}

const FILES: &[(&str, &str)] = embedded![
    "email/layout.html",
    "email/verify_email/subject.txt",
    "email/verify_email/body.txt",
    "email/verify_email/body.html",
    "email/password_reset/subject.txt",
    "email/password_reset/body.txt",
    "email/password_reset/body.html",
    "email/invitation/subject.txt",
    "email/invitation/body.txt",
    "email/invitation/body.html",
    "email/organisation_verified/subject.txt",
    "email/organisation_verified/body.txt",
    "email/organisation_verified/body.html",
    "email/match_proposed/subject.txt",
    "email/match_proposed/body.txt",
    "email/match_proposed/body.html",
    "email/match_updated/subject.txt",
    "email/match_updated/body.txt",
    "email/match_updated/body.html",
    "email/new_candidates/subject.txt",
    "email/new_candidates/body.txt",
    "email/new_candidates/body.html",
    "email/item_published/subject.txt",
    "email/item_published/body.txt",
    "email/item_published/body.html",
    "email/item_published/audience.txt",
    "email/match_waiting/subject.txt",
    "email/match_waiting/body.txt",
    "email/match_waiting/body.html",
    "email/need_expiring/subject.txt",
    "email/need_expiring/body.txt",
    "email/need_expiring/body.html",
    "email/outcome_requested/subject.txt",
    "email/outcome_requested/body.txt",
    "email/outcome_requested/body.html",
    "email/dead_letters/subject.txt",
    "email/dead_letters/body.txt",
    "email/dead_letters/body.html",
    "email/webhook_disabled/subject.txt",
    "email/webhook_disabled/body.txt",
    "email/webhook_disabled/body.html",
    "email/digest/subject.txt",
    "email/digest/body.txt",
    "email/digest/body.html",
];

/// The three parts of one email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
#[error("template {name}: {source}")]
pub struct TemplateError {
    name: String,
    source: minijinja::Error,
}

/// HTML escaping that leaves `/` alone (minijinja's default writes `&#x2f;`), so that links
/// stay readable in the HTML source; `&`, `<`, `>`, `"` and `'` are escaped. The pages use it too.
pub(crate) fn escape_html(out: &mut Output, state: &State, value: &Value) -> Result<(), Error> {
    match (state.auto_escape(), value.as_str()) {
        (AutoEscape::Html, Some(text)) if !value.is_safe() => {
            let mut escaped = String::with_capacity(text.len());
            for c in text.chars() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '>' => escaped.push_str("&gt;"),
                    '"' => escaped.push_str("&quot;"),
                    '\'' => escaped.push_str("&#39;"),
                    c => escaped.push(c),
                }
            }
            out.write_str(&escaped).map_err(|_| {
                Error::new(ErrorKind::WriteFailure, "cannot write the template output")
            })
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Parses every template; `.html` ones escape what they print.
    pub fn load() -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        // A variable a template names but the code did not give is an error, not a blank.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.set_formatter(escape_html);
        for (name, source) in FILES {
            env.add_template(name, source)
                .map_err(|source| TemplateError {
                    name: (*name).to_owned(),
                    source,
                })?;
        }
        Ok(Self { env })
    }

    fn render(&self, name: &str, context: &impl Serialize) -> Result<String, TemplateError> {
        let error = |source| TemplateError {
            name: name.to_owned(),
            source,
        };
        self.env
            .get_template(name)
            .map_err(error)?
            .render(context)
            .map_err(error)
    }

    /// Renders the email of template folder `name`.
    pub fn email(
        &self,
        name: &str,
        context: &impl Serialize,
    ) -> Result<RenderedEmail, TemplateError> {
        let subject = self.render(&format!("email/{name}/subject.txt"), context)?;
        Ok(RenderedEmail {
            // A header is one line.
            subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
            text: self.render(&format!("email/{name}/body.txt"), context)?,
            html: self.render(&format!("email/{name}/body.html"), context)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_email_renders_its_three_parts_and_escapes_html() {
        let templates = Templates::load().unwrap();
        let mut context = json!({
            "name": "Amina <script>",
            "email": "a@b.example",
            "link": "http://x/verify-email?token=abc",
            "organisation_name": "Kenyatta & Co",
            "expires_hours": 48,
            "expires_minutes": 60,
            "expires_days": 7,
            "inviter_name": "Joseph",
            "role_label": "a member",
            "mode_label": "as they happen",
            "unsubscribe_url": "http://x/unsubscribe?token=t",
            "items": [{"headline": "One", "link": "http://x/1"}],
            "need_title": "Backups after ransomware",
            "offer_title": "Restore drills",
            "score": "0.82",
            "proposed_by": "the requester",
            "status": "active",
            "what_next": "Agree the dates with the other side.",
            "contacts": {"organisation": "Ngo", "people": [{"name": "Ama", "email": "ama@x"}]},
            "item_title": "Backups after ransomware",
            "candidate_kind": "offers",
            "candidates": [{"title": "Restore drills", "score": "0.82", "link": "http://x/2"}],
        });
        // Two objects: one would pass serde_json's macro recursion limit.
        let reminders = json!({
            "item_kind": "need",
            "visibility": "verified_providers",
            "anonymous": true,
            "awaited": "your decision",
            "waiting_days": 7,
            "what_to_do": "Approve or reject it.",
            "why": "you are a coordinator",
            "expires_on": "2026-12-01",
            "expiry_reason": "it was last confirmed 83 days ago.",
            "reconfirm_url": "http://x/needs/reconfirm?token=t",
            "completed_by": "The providing organisation",
            "delivered": 3,
            "report_url": "http://x/matches/report?token=t",
            "webhook_url": "https://portal.example/hook",
            "reason": "5 messages in a row could not be delivered",
            "last_error": "the endpoint answered 500",
            "count": 2,
            "more": 0,
            "window_from": "2026-11-23 00:00",
            "window_to": "2026-11-24 00:00",
            "messages": [{"kind": "digest", "recipient": "a@b.example", "last_error": "550 <no>"}],
        });
        context
            .as_object_mut()
            .unwrap()
            .extend(reminders.as_object().unwrap().clone());
        for name in [
            "verify_email",
            "password_reset",
            "invitation",
            "organisation_verified",
            "match_proposed",
            "match_updated",
            "new_candidates",
            "item_published",
            "match_waiting",
            "need_expiring",
            "outcome_requested",
            "dead_letters",
            "webhook_disabled",
            "digest",
        ] {
            let email = templates.email(name, &context).unwrap();
            assert!(
                !email.subject.is_empty() && !email.subject.contains('\n'),
                "{name}"
            );
            assert!(
                email.text.contains("Why you received this"),
                "{name}: {}",
                email.text
            );
            assert!(email.html.contains("Why you received this"), "{name}");
            assert!(
                !email.html.contains("<script>"),
                "{name} escapes: {}",
                email.html
            );
        }
    }

    #[test]
    fn a_missing_variable_is_an_error() {
        let templates = Templates::load().unwrap();
        assert!(templates.email("verify_email", &json!({})).is_err());
    }
}
