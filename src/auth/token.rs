//! Access tokens (short-lived JWTs, HS256 pinned, issuer, audience and times checked) and
//! opaque refresh tokens (256 random bits, stored only as a SHA-256 digest).

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::accounts::model::{Role, Viewer};

/// Who access tokens are for: this API and nothing else that might share the secret.
pub const AUDIENCE: &str = "clearinghouse-api";

/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 5;

/// 256 random bits, URL-safe: refresh tokens and generated secrets.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of an opaque token: its SHA-256 digest, so that a leaked table grants nothing.
pub fn digest(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// The claims every access token carries (RFC 7519's registered ones but `sub`), written once
/// for both kinds: who issued it, for whom, and when it holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RegisteredClaims {
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub sub: Uuid,
    pub org: Uuid,
    pub role: Role,
    #[serde(flatten)]
    pub registered: RegisteredClaims,
}

impl AccessClaims {
    pub fn viewer(&self) -> Viewer {
        Viewer::User {
            user_id: self.sub,
            organisation_id: self.org,
            role: self.role,
        }
    }
}

/// The claims of an API client's access token (the JWT profile of RFC 9068: `client_id`
/// and `scope`), with `gen`, the client's secret generation when it was issued, so that
/// rotating the secret ends the tokens of the old one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClientClaims {
    pub sub: Uuid,
    pub client_id: Uuid,
    pub org: Uuid,
    pub scope: String,
    pub r#gen: i32,
    #[serde(flatten)]
    pub registered: RegisteredClaims,
}

/// Either kind of access token, told apart by its claims: a user's carries `role`, a
/// client's `client_id` (equal to `sub`) and `scope`; a token with both, or neither, is
/// refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    User(AccessClaims),
    Client(ClientClaims),
}

/// What either kind of token may carry, to decide which kind it is.
#[derive(Deserialize)]
struct AnyClaims {
    sub: Uuid,
    org: Uuid,
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    client_id: Option<Uuid>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    r#gen: Option<i32>,
    #[serde(flatten)]
    registered: RegisteredClaims,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the access token is not valid: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("the access token's claims are neither a user's nor a client's")]
    Mixed,
}

/// Signs and checks access tokens with one pinned algorithm.
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    ttl: Duration,
}

impl AccessTokens {
    pub fn new(secret: &SecretString, issuer: String, ttl: Duration) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&issuer]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            issuer,
            ttl,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// This issuer's claims for a token issued now.
    fn registered(&self) -> RegisteredClaims {
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        RegisteredClaims {
            iss: self.issuer.clone(),
            aud: AUDIENCE.to_owned(),
            iat: now,
            nbf: now,
            exp: now + self.ttl.as_secs(),
        }
    }

    fn sign(&self, claims: &impl Serialize) -> Result<String, TokenError> {
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &self.encoding,
        )?)
    }

    pub fn issue(
        &self,
        user_id: Uuid,
        organisation_id: Uuid,
        role: Role,
    ) -> Result<String, TokenError> {
        let claims = AccessClaims {
            sub: user_id,
            org: organisation_id,
            role,
            registered: self.registered(),
        };
        self.sign(&claims)
    }

    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        match self.verify_any(token)? {
            Verified::User(claims) => Ok(claims),
            Verified::Client(_) => Err(TokenError::Mixed),
        }
    }

    /// A client's access token for `scope` (already checked against the client's scopes).
    pub fn issue_client(
        &self,
        client_id: Uuid,
        organisation_id: Uuid,
        scope: String,
        generation: i32,
    ) -> Result<String, TokenError> {
        let claims = ClientClaims {
            sub: client_id,
            client_id,
            org: organisation_id,
            scope,
            r#gen: generation,
            registered: self.registered(),
        };
        self.sign(&claims)
    }

    /// Checks the signature, algorithm, issuer, audience and times, then which kind it is.
    pub fn verify_any(&self, token: &str) -> Result<Verified, TokenError> {
        let any =
            jsonwebtoken::decode::<AnyClaims>(token, &self.decoding, &self.validation)?.claims;
        match (any.role, any.client_id, any.scope, any.r#gen) {
            (Some(role), None, None, None) => Ok(Verified::User(AccessClaims {
                sub: any.sub,
                org: any.org,
                role,
                registered: any.registered,
            })),
            (None, Some(client_id), Some(scope), Some(generation)) if client_id == any.sub => {
                Ok(Verified::Client(ClientClaims {
                    sub: any.sub,
                    client_id,
                    org: any.org,
                    scope,
                    r#gen: generation,
                    registered: any.registered,
                }))
            }
            _ => Err(TokenError::Mixed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "a-test-secret-that-is-long-enough-for-hs256";

    fn tokens(ttl: u64) -> AccessTokens {
        AccessTokens::new(
            &SecretString::from(SECRET),
            "http://127.0.0.1:8080/".into(),
            Duration::from_secs(ttl),
        )
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_identity() {
        let tokens = tokens(900);
        let (user, org) = (Uuid::new_v4(), Uuid::new_v4());
        let token = tokens.issue(user, org, Role::OrgAdmin).unwrap();
        let claims = tokens.verify(&token).unwrap();
        assert_eq!(
            (claims.sub, claims.org, claims.role),
            (user, org, Role::OrgAdmin)
        );
        assert_eq!(claims.registered.exp - claims.registered.iat, 900);
    }

    #[test]
    fn tokens_from_another_secret_or_issuer_are_refused() {
        let token = tokens(900)
            .issue(Uuid::new_v4(), Uuid::new_v4(), Role::Member)
            .unwrap();
        let other_key = AccessTokens::new(
            &SecretString::from("another-secret-that-is-long-enough-too"),
            "http://127.0.0.1:8080/".into(),
            Duration::from_secs(900),
        );
        assert!(other_key.verify(&token).is_err());
        let other_issuer = AccessTokens::new(
            &SecretString::from(SECRET),
            "https://elsewhere/".into(),
            Duration::from_secs(900),
        );
        assert!(other_issuer.verify(&token).is_err());
    }

    #[test]
    fn client_tokens_are_told_apart_from_users_tokens() {
        let tokens = tokens(600);
        let (client, org) = (Uuid::new_v4(), Uuid::new_v4());
        let token = tokens
            .issue_client(client, org, "needs:read".into(), 3)
            .unwrap();
        match tokens.verify_any(&token).unwrap() {
            Verified::Client(claims) => {
                assert_eq!(
                    (claims.sub, claims.client_id, claims.org),
                    (client, client, org)
                );
                assert_eq!((claims.scope.as_str(), claims.r#gen), ("needs:read", 3));
            }
            other => panic!("a client token read as {other:?}"),
        }
        // A client token never passes where only a user's is taken.
        assert!(tokens.verify(&token).is_err());
        let user = tokens.issue(Uuid::new_v4(), org, Role::Member).unwrap();
        assert!(matches!(tokens.verify_any(&user), Ok(Verified::User(_))));
    }

    #[test]
    fn refresh_tokens_are_random_and_stored_as_digests() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_eq!(digest(&a), digest(&a));
        assert_ne!(digest(&a), a);
    }
}
