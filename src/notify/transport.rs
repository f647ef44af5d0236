//! Where messages go: an SMTP server through lettre (STARTTLS or TLS, credentials, a pool
//! of connections), or, in the embedded default, a folder of `.eml` files a person can open.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{header, Mailbox, MultiPart};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use crate::notify::outbox::ClaimedMessage;

/// `List-Unsubscribe: <url>` (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl header::Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(
            s.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned(),
        ))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl header::Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// Why a message could not be handed over. Every failure is retried (with backoff) until the
/// attempts run out.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("the message cannot be built: {0}")]
    Build(String),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("cannot write the mail folder: {0}")]
    Folder(#[from] std::io::Error),
}

#[derive(Debug, thiserror::Error)]
#[error("transport: {0}")]
pub struct TransportError(String);

pub enum Transport {
    Smtp(SmtpTransport),
    Folder(PathBuf),
}

/// lettre's pooled transport spawns a task when it is dropped, which needs a Tokio runtime;
/// a worker dropped after its runtime stopped (a test server's end) lends it a brief one.
pub struct SmtpTransport(Option<AsyncSmtpTransport<Tokio1Executor>>);

impl Drop for SmtpTransport {
    fn drop(&mut self) {
        let Some(inner) = self.0.take() else { return };
        if tokio::runtime::Handle::try_current().is_ok() {
            drop(inner);
        } else if let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() {
            let _inside = runtime.enter();
            drop(inner);
        }
    }
}

impl Transport {
    /// SMTP when `smtp_url` is set, otherwise the mail folder (created if missing).
    /// `extra_root` is a PEM certificate the SMTP server's TLS certificate may chain to
    /// besides the public roots (a private relay's CA). `timeout` bounds each SMTP command.
    pub fn new(
        smtp_url: Option<&SecretString>,
        extra_root: Option<&[u8]>,
        mail_dir: PathBuf,
        timeout: Duration,
    ) -> Result<Self, TransportError> {
        match smtp_url {
            Some(url) => {
                // The error never repeats the URL: it may carry a password.
                let mut builder =
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                        .map_err(|e| TransportError(format!("smtp_url is not usable: {e}")))?;
                if let Some(pem) = extra_root {
                    builder = builder.tls(tls_trusting(url.expose_secret(), pem)?);
                }
                Ok(Self::Smtp(SmtpTransport(Some(
                    builder.timeout(Some(timeout)).build(),
                ))))
            }
            None => {
                std::fs::create_dir_all(&mail_dir).map_err(|e| {
                    TransportError(format!("cannot create {}: {e}", mail_dir.display()))
                })?;
                Ok(Self::Folder(mail_dir))
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Smtp(_) => "SMTP".to_owned(),
            Self::Folder(dir) => format!("the folder {}", dir.display()),
        }
    }

    pub async fn send(&self, from: &Mailbox, message: &ClaimedMessage) -> Result<(), SendError> {
        let email = build(from, message)?;
        match self {
            Self::Smtp(SmtpTransport(Some(smtp))) => {
                smtp.send(email).await?;
            }
            Self::Smtp(SmtpTransport(None)) => {
                return Err(SendError::Build("the SMTP transport is closed".into()))
            }
            Self::Folder(dir) => {
                // Named after the outbox row, so that a resend replaces the file; written
                // beside and renamed, so that a reader never sees half a message.
                let name = format!("{}.eml", message.id);
                let partial = dir.join(format!(".{name}.partial"));
                tokio::fs::write(&partial, email.formatted()).await?;
                tokio::fs::rename(&partial, dir.join(name)).await?;
            }
        }
        Ok(())
    }
}

/// The TLS mode `smtp_url` asks for (as lettre reads it: `smtps://` TLS from the start,
/// `?tls=required` or `?tls=opportunistic` STARTTLS), trusting `pem` as well as the public
/// roots. A URL without TLS has nothing to trust a certificate for: an error, so that the
/// setting is not silently ignored.
fn tls_trusting(smtp_url: &str, pem: &[u8]) -> Result<Tls, TransportError> {
    let url =
        url::Url::parse(smtp_url).map_err(|_| TransportError("smtp_url is not a URL".into()))?;
    let host = url.host_str().unwrap_or_default().to_owned();
    // lettre reads a file without any certificate as an empty list: trusting nothing more,
    // silently. A wrong file is an error at start instead.
    let has_certificate =
        std::str::from_utf8(pem).is_ok_and(|text| text.contains("-----BEGIN CERTIFICATE-----"));
    let root = Certificate::from_pem(pem)
        .ok()
        .filter(|_| has_certificate)
        .ok_or_else(|| TransportError("smtp_ca_certificate is not a PEM certificate".into()))?;
    let parameters = || {
        TlsParameters::builder(host.clone())
            .add_root_certificate(root.clone())
            .build()
            .map_err(|e| TransportError(format!("TLS settings for smtp_url: {e}")))
    };
    let mode = url
        .query_pairs()
        .find(|(key, _)| key == "tls")
        .map(|(_, value)| value.into_owned());
    match (url.scheme(), mode.as_deref()) {
        ("smtps", _) => Ok(Tls::Wrapper(parameters()?)),
        ("smtp", Some("required")) => Ok(Tls::Required(parameters()?)),
        ("smtp", Some("opportunistic")) => Ok(Tls::Opportunistic(parameters()?)),
        _ => Err(TransportError(
            "smtp_ca_certificate is set, but smtp_url asks for no TLS (use smtps:// or ?tls=required)"
                .into(),
        )),
    }
}

/// The message as it goes out: multipart/alternative (text, then HTML), its stable
/// Message-ID, and for event emails the unsubscribe headers.
pub fn build(from: &Mailbox, message: &ClaimedMessage) -> Result<Message, SendError> {
    let to: Mailbox = message
        .recipient
        .parse()
        .map_err(|e| SendError::Build(format!("recipient: {e}")))?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(message.subject.clone())
        .message_id(Some(message.message_id.clone()))
        .date_now();
    if let Some(url) = &message.list_unsubscribe {
        builder = builder
            .header(ListUnsubscribe(url.clone()))
            .header(ListUnsubscribePost);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            message.body_text.clone(),
            message.body_html.clone(),
        ))
        .map_err(|e| SendError::Build(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_CA: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tls/ca.pem"
    ));

    fn smtp(url: &str, root: Option<&[u8]>) -> Result<Transport, TransportError> {
        let folder = std::env::temp_dir();
        Transport::new(
            Some(&SecretString::from(url.to_owned())),
            root,
            folder,
            Duration::from_secs(1),
        )
    }

    #[test]
    fn an_extra_root_needs_a_url_with_tls_and_a_certificate() {
        // lettre's pool starts a task when the transport is built.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _inside = runtime.enter();
        for url in [
            "smtp://relay.example:587?tls=required",
            "smtp://relay.example:587?tls=opportunistic",
            "smtps://relay.example:465",
        ] {
            assert!(smtp(url, Some(TEST_CA)).is_ok(), "{url}");
        }
        let plain = smtp("smtp://relay.example:25", Some(TEST_CA))
            .err()
            .unwrap();
        assert!(plain.to_string().contains("asks for no TLS"), "{plain}");
        let garbage = smtp("smtps://relay.example:465", Some(b"not a certificate"))
            .err()
            .unwrap();
        assert!(
            garbage.to_string().contains("smtp_ca_certificate"),
            "{garbage}"
        );
    }
}
