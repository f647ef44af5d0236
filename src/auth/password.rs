//! Password hashing with argon2id (OWASP parameters), off the async executor and bounded so
//! that a burst of logins cannot take every core.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

/// Accepted password lengths, in characters (NIST SP 800-63B: length, no composition rules).
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// OWASP's argon2id recommendation: 19 MiB of memory, two passes, one lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(argon2::password_hash::Error),
    #[error("the password hashing task did not finish")]
    Interrupted,
}

/// A password's length problem, if it has one.
pub fn check_length(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        Err(format!(
            "must be at least {MIN_PASSWORD_CHARS} characters long"
        ))
    } else if chars > MAX_PASSWORD_CHARS {
        Err(format!(
            "must be at most {MAX_PASSWORD_CHARS} characters long"
        ))
    } else {
        Ok(())
    }
}

/// Hashes a password on the calling thread. For the CLI and for blocking tasks.
pub fn hash_blocking(password: &SecretString) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(PasswordError::Hash)
}

fn verify_blocking(password: &SecretString, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            argon2()
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Hashes and verifies passwords on the blocking pool, at most `concurrency` at a time.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// A hash of a random password, checked when the account does not exist so that an
    /// unknown email costs the same work as a wrong password.
    decoy_hash: Arc<str>,
}

impl Passwords {
    pub fn new(concurrency: usize) -> Result<Self, PasswordError> {
        let concurrency = if concurrency == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            concurrency
        };
        let decoy = SecretString::from(crate::auth::token::random_token());
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency)),
            decoy_hash: hash_blocking(&decoy)?.into(),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PasswordError::Interrupted)?;
        actix_web::web::block(work)
            .await
            .map_err(|_| PasswordError::Interrupted)
    }

    pub async fn hash(&self, password: SecretString) -> Result<String, PasswordError> {
        self.run(move || hash_blocking(&password)).await?
    }

    /// Whether `password` matches `stored`; with no stored hash (unknown account) the decoy
    /// is checked instead and the answer is always false.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        let decoy = self.decoy_hash.clone();
        self.run(move || match stored {
            Some(stored) => verify_blocking(&password, &stored),
            None => {
                verify_blocking(&password, &decoy);
                false
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let password = SecretString::from("correct horse battery staple");
        let hash = hash_blocking(&password).unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_blocking(&password, &hash));
        assert!(!verify_blocking(
            &SecretString::from("wrong horse battery staple"),
            &hash
        ));
        assert!(!verify_blocking(&password, "not a hash"));
    }

    #[test]
    fn length_is_the_only_rule() {
        assert!(check_length("elevenchars").is_err());
        assert!(check_length("twelve chars").is_ok());
        assert!(
            check_length("ééééééééééé").is_err(),
            "counts characters, not bytes"
        );
        assert!(check_length(&"x".repeat(128)).is_ok());
        assert!(check_length(&"x".repeat(129)).is_err());
    }

    #[actix_web::test]
    async fn unknown_accounts_never_verify() {
        let passwords = Passwords::new(1).unwrap();
        let any = SecretString::from("whatever password");
        assert!(!passwords.verify(any, None).await.unwrap());
    }
}
