//! API clients and their scopes: pure types and rules, no actix, no diesel.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::FieldError;

/// What an API client's token may do (the `oauth2` scheme lists each with its meaning).
// Parsed here and nowhere else (`Scope::parse`, `Scopes::parse`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ToSchema)]
pub enum Scope {
    #[schema(rename = "needs:read")]
    NeedsRead,
    #[schema(rename = "needs:write")]
    NeedsWrite,
    #[schema(rename = "offers:read")]
    OffersRead,
    #[schema(rename = "offers:write")]
    OffersWrite,
    #[schema(rename = "matches:read")]
    MatchesRead,
    #[schema(rename = "matches:write")]
    MatchesWrite,
    #[schema(rename = "webhooks:manage")]
    WebhooksManage,
}

impl Scope {
    /// Every scope, in the order lists and documents show them.
    pub const ALL: [Scope; 7] = [
        Scope::NeedsRead,
        Scope::NeedsWrite,
        Scope::OffersRead,
        Scope::OffersWrite,
        Scope::MatchesRead,
        Scope::MatchesWrite,
        Scope::WebhooksManage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::NeedsRead => "needs:read",
            Scope::NeedsWrite => "needs:write",
            Scope::OffersRead => "offers:read",
            Scope::OffersWrite => "offers:write",
            Scope::MatchesRead => "matches:read",
            Scope::MatchesWrite => "matches:write",
            Scope::WebhooksManage => "webhooks:manage",
        }
    }

    /// What a person reads beside the scope's checkbox and in the OpenAPI document.
    pub fn description(self) -> &'static str {
        match self {
            Scope::NeedsRead => "Read needs (and their candidate offers) as the organisation may",
            Scope::NeedsWrite => {
                "Create, edit, publish, withdraw and close the organisation's needs"
            }
            Scope::OffersRead => "Read offers (and their candidate needs) as the organisation may",
            Scope::OffersWrite => {
                "Create, edit, publish, withdraw and close the organisation's offers"
            }
            Scope::MatchesRead => "Read the organisation's matches and their reports",
            Scope::MatchesWrite => "Propose, accept, decline, complete and report on matches",
            Scope::WebhooksManage => "Manage the organisation's webhooks",
        }
    }

    /// Exactly one of the names above (RFC 6749 scope tokens are case-sensitive).
    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == text)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Scope::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a known scope")))
    }
}

/// A set of scopes, kept in `Scope::ALL` order (so its text form is canonical).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u8);

/// Why a scope string did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("`{0}` is not a known scope")]
    Unknown(String),
    #[error("the scope string has characters RFC 6749 does not allow, or empty tokens")]
    Malformed,
}

impl Scopes {
    pub const EMPTY: Scopes = Scopes(0);

    fn bit(scope: Scope) -> u8 {
        1 << (scope as u8)
    }

    pub fn all() -> Scopes {
        Scope::ALL.into_iter().collect()
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & Self::bit(scope) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn is_subset_of(self, other: Scopes) -> bool {
        self.0 & !other.0 == 0
    }

    pub fn intersection(self, other: Scopes) -> Scopes {
        Scopes(self.0 & other.0)
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL
            .into_iter()
            .filter(move |scope| self.contains(*scope))
    }

    /// RFC 6749 section 3.3: space-delimited scope tokens, each of `%x21 / %x23-5B / %x5D-7E`.
    /// One space between tokens; a repeated token counts once. Unknown names are an error
    /// (an authorisation server may not silently ignore what a client asked for).
    pub fn parse(text: &str) -> Result<Scopes, ScopeError> {
        let mut scopes = Scopes::EMPTY;
        for token in text.split(' ') {
            let allowed = |c: char| {
                c == '\x21' || ('\x23'..='\x5b').contains(&c) || ('\x5d'..='\x7e').contains(&c)
            };
            if token.is_empty() || !token.chars().all(allowed) {
                return Err(ScopeError::Malformed);
            }
            let scope = Scope::parse(token).ok_or_else(|| ScopeError::Unknown(token.to_owned()))?;
            scopes.0 |= Self::bit(scope);
        }
        Ok(scopes)
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        Scopes(
            iter.into_iter()
                .fold(0, |bits, scope| bits | Self::bit(scope)),
        )
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Scope::as_str).collect();
        f.write_str(&names.join(" "))
    }
}

impl Serialize for Scopes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// An API client as its organisation's admins read it: never its secret, nor its hash.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ApiClient {
    /// The `client_id` of OAuth 2.0: a public identifier, not a secret.
    pub client_id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    #[schema(value_type = Vec<Scope>)]
    pub scopes: Scopes,
    /// The org admin who created it; the user its needs, offers and proposals name.
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    /// Set once revoked: its secret and its tokens no longer work.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When a token was last issued to it.
    pub last_used_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub generation: i32,
}

impl ApiClient {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

/// The longest name a client may have, in characters.
pub const NAME_MAX: usize = 100;

/// A new client's name and scopes, checked: a name of 1 to 100 characters of text, at least
/// one scope.
pub fn check_new_client(name: &str, scopes: Scopes) -> Result<String, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = name.trim();
    if name.is_empty() {
        errors.push(FieldError::new("name", "required", "a client needs a name"));
    } else if name.chars().count() > NAME_MAX {
        errors.push(FieldError::new(
            "name",
            "too_long",
            format!("at most {NAME_MAX} characters"),
        ));
    } else if let Err(error) = crate::text::check("name", name) {
        errors.push(error);
    }
    if scopes.is_empty() {
        errors.push(FieldError::new(
            "scopes",
            "required",
            "a client needs at least one scope",
        ));
    }
    if errors.is_empty() {
        Ok(name.to_owned())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_scope_round_trips_through_its_name() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("NEEDS:READ"), None);
        assert_eq!(Scope::parse("needs"), None);
    }

    #[test]
    fn scope_strings_follow_rfc_6749() {
        let parsed = Scopes::parse("offers:read needs:read needs:read").unwrap();
        assert_eq!(parsed.to_string(), "needs:read offers:read");
        assert_eq!(
            Scopes::parse("needs:read admin"),
            Err(ScopeError::Unknown("admin".into()))
        );
        for malformed in [
            "",
            " needs:read",
            "needs:read  offers:read",
            "needs:read\t",
            "a\"b",
        ] {
            assert_eq!(
                Scopes::parse(malformed),
                Err(ScopeError::Malformed),
                "{malformed:?}"
            );
        }
    }

    #[test]
    fn new_clients_need_a_name_and_a_scope() {
        assert_eq!(
            check_new_client("  CSIRT portal ", Scopes::all()),
            Ok("CSIRT portal".into())
        );
        let errors = check_new_client(" ", Scopes::EMPTY).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "scopes"]);
        assert!(check_new_client(&"x".repeat(NAME_MAX + 1), Scopes::all()).is_err());
    }

    fn any_scopes() -> impl Strategy<Value = Scopes> {
        proptest::collection::vec(proptest::sample::select(Scope::ALL.to_vec()), 1..10)
            .prop_map(|scopes| scopes.into_iter().collect())
    }

    proptest! {
        #[test]
        fn a_set_parses_back_from_its_text(scopes in any_scopes()) {
            prop_assert_eq!(Scopes::parse(&scopes.to_string()), Ok(scopes));
        }

        #[test]
        fn the_order_of_tokens_does_not_matter(mut names in proptest::collection::vec(proptest::sample::select(Scope::ALL.to_vec()), 1..10)) {
            let forward: Scopes = names.iter().copied().collect();
            names.reverse();
            let text = names.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ");
            prop_assert_eq!(Scopes::parse(&text), Ok(forward));
        }

        #[test]
        fn an_intersection_is_a_subset_of_both(a in any_scopes(), b in any_scopes()) {
            let both = a.intersection(b);
            prop_assert!(both.is_subset_of(a) && both.is_subset_of(b));
            for scope in Scope::ALL {
                prop_assert_eq!(both.contains(scope), a.contains(scope) && b.contains(scope));
            }
        }

        #[test]
        fn arbitrary_text_never_panics_and_only_known_names_pass(text in "\\PC{0,40}") {
            if let Ok(scopes) = Scopes::parse(&text) {
                prop_assert!(text.split(' ').all(|token| Scope::parse(token).is_some()));
                prop_assert!(!scopes.is_empty());
            }
        }
    }
}
