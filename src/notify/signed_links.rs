//! Signed links in emails: one-click unsubscribe (RFC 8058), and the few things a person may
//! do from an email without signing in (reconfirm a need, report a match's outcome). Each is
//! a JWT signed with the server's secret, for one user and one purpose, under an audience of
//! its own, so that no link passes for an access token or for a link of another kind. They
//! need no table: a link names its user, and the action it opens still goes through the
//! same authorisation as the API, with that user as the reader.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::notify::model::EventKind;

const UNSUBSCRIBE_AUDIENCE: &str = "clearinghouse-unsubscribe";
const ACTION_AUDIENCE: &str = "clearinghouse-email-action";
/// An unsubscribe link in an old email keeps working this long.
const UNSUBSCRIBE_LIFETIME_DAYS: i64 = 365;

/// What an unsubscribe link turns off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "scope", content = "event")]
pub enum Unsubscribe {
    /// One kind of event.
    Event(EventKind),
    /// The daily digest: every kind the user receives in it.
    Digest,
}

/// What an action link in an email lets its recipient do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum EmailAction {
    /// Keep an open need open for another period.
    ReconfirmNeed { need_id: Uuid },
    /// Report how a completed match went, for the recipient's side.
    ReportOutcome { match_id: Uuid },
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims<T> {
    sub: Uuid,
    aud: String,
    exp: i64,
    what: T,
}

pub struct SignedLinks {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl SignedLinks {
    pub fn new(secret: &SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
        }
    }

    fn issue<T: Serialize>(
        &self,
        audience: &str,
        user_id: Uuid,
        what: T,
        lifetime: chrono::Duration,
    ) -> String {
        let claims = Claims {
            sub: user_id,
            aud: audience.to_owned(),
            exp: (chrono::Utc::now() + lifetime).timestamp(),
            what,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .unwrap_or_default()
    }

    fn verify<T: DeserializeOwned>(&self, audience: &str, token: &str) -> Option<(Uuid, T)> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "aud", "sub"]);
        jsonwebtoken::decode::<Claims<T>>(token, &self.decoding, &validation)
            .ok()
            .map(|data| (data.claims.sub, data.claims.what))
    }

    pub fn unsubscribe(&self, user_id: Uuid, what: Unsubscribe) -> String {
        self.issue(
            UNSUBSCRIBE_AUDIENCE,
            user_id,
            what,
            chrono::Duration::days(UNSUBSCRIBE_LIFETIME_DAYS),
        )
    }

    /// The user and what to turn off, or None for a link we did not sign or that expired.
    pub fn verify_unsubscribe(&self, token: &str) -> Option<(Uuid, Unsubscribe)> {
        self.verify(UNSUBSCRIBE_AUDIENCE, token)
    }

    /// A link that lets `user_id` take `action` until `lifetime` has passed.
    pub fn action(&self, user_id: Uuid, action: EmailAction, lifetime: chrono::Duration) -> String {
        self.issue(ACTION_AUDIENCE, user_id, action, lifetime)
    }

    /// The user and the action, or None for a link we did not sign or that expired.
    pub fn verify_action(&self, token: &str) -> Option<(Uuid, EmailAction)> {
        self.verify(ACTION_AUDIENCE, token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(secret: char) -> SignedLinks {
        SignedLinks::new(&SecretString::from(secret.to_string().repeat(40)))
    }

    #[test]
    fn unsubscribe_links_round_trip_and_forgeries_fail() {
        let links = links('k');
        let user = Uuid::new_v4();
        let token = links.unsubscribe(user, Unsubscribe::Event(EventKind::OrganisationVerified));
        assert_eq!(
            links.verify_unsubscribe(&token),
            Some((user, Unsubscribe::Event(EventKind::OrganisationVerified)))
        );
        assert_eq!(self::links('x').verify_unsubscribe(&token), None);
        assert_eq!(links.verify_unsubscribe("garbage"), None);
    }

    #[test]
    fn action_links_round_trip_and_never_pass_for_another_kind() {
        let links = links('k');
        let user = Uuid::new_v4();
        let action = EmailAction::ReportOutcome {
            match_id: Uuid::new_v4(),
        };
        let token = links.action(user, action, chrono::Duration::days(1));
        assert_eq!(links.verify_action(&token), Some((user, action)));
        assert_eq!(links.verify_unsubscribe(&token), None);
        let unsubscribe = links.unsubscribe(user, Unsubscribe::Digest);
        assert_eq!(links.verify_action(&unsubscribe), None);
        let expired = links.action(user, action, chrono::Duration::days(-1));
        assert_eq!(links.verify_action(&expired), None);
    }
}
