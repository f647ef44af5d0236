//! One-click unsubscribe tokens (RFC 8058): signed, so that a link in an email can turn one
//! kind of notification off for one user without a session and without a table.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::notify::model::EventKind;

/// Distinct from the access tokens' audience, so that one can never pass for the other.
const AUDIENCE: &str = "clearinghouse-unsubscribe";
/// A link in an old email keeps working this long.
const LIFETIME_DAYS: i64 = 365;

/// What an unsubscribe link turns off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "scope", content = "event")]
pub enum Unsubscribe {
    /// One kind of event.
    Event(EventKind),
    /// The daily digest: every kind the user receives in it.
    Digest,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    aud: String,
    exp: i64,
    what: Unsubscribe,
}

pub struct UnsubscribeTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl UnsubscribeTokens {
    pub fn new(secret: &SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "aud", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
        }
    }

    pub fn issue(&self, user_id: Uuid, what: Unsubscribe) -> String {
        let claims = Claims {
            sub: user_id,
            aud: AUDIENCE.to_owned(),
            exp: (chrono::Utc::now() + chrono::Duration::days(LIFETIME_DAYS)).timestamp(),
            what,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .unwrap_or_default()
    }

    /// The user and what to turn off, or None for a token we did not issue or that expired.
    pub fn verify(&self, token: &str) -> Option<(Uuid, Unsubscribe)> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| (data.claims.sub, data.claims.what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_forgeries_fail() {
        let tokens = UnsubscribeTokens::new(&SecretString::from("k".repeat(40)));
        let user = Uuid::new_v4();
        let token = tokens.issue(user, Unsubscribe::Event(EventKind::OrganisationVerified));
        assert_eq!(
            tokens.verify(&token),
            Some((user, Unsubscribe::Event(EventKind::OrganisationVerified)))
        );
        let other = UnsubscribeTokens::new(&SecretString::from("x".repeat(40)));
        assert_eq!(other.verify(&token), None);
        assert_eq!(tokens.verify("garbage"), None);
    }
}
