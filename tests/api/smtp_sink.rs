//! A small SMTP server for the tests: it accepts mail on a free port (or a chosen one), can
//! demand credentials and be slow, and keeps every message it accepted, whole, for the test
//! to read. Threads and blocking sockets, so it runs beside any async runtime.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

#[derive(Debug, Clone, Default)]
pub struct SinkOptions {
    /// Demand AUTH with these credentials before MAIL.
    pub credentials: Option<(String, String)>,
    /// How long the sink takes to accept each message's data.
    pub delay: Duration,
    /// Refuse recipients at this domain for good (550), as a server does for a bad address.
    pub reject_domain: Option<String>,
    /// Offer STARTTLS, or speak TLS from the start.
    pub tls: Option<SinkTls>,
}

/// The sink's TLS: the certificate in `tests/fixtures/tls`, signed by the test CA.
#[derive(Debug, Clone)]
pub struct SinkTls {
    config: Arc<rustls::ServerConfig>,
    /// TLS from the first byte (`smtps://`), rather than STARTTLS.
    implicit: bool,
}

impl SinkTls {
    fn fixture(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/tls")
            .join(name)
    }

    /// The test CA's certificate, for the client to trust.
    pub fn ca_certificate() -> std::path::PathBuf {
        Self::fixture("ca.pem")
    }

    pub fn new(implicit: bool) -> Self {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let chain = CertificateDer::pem_file_iter(Self::fixture("server.pem"))
            .expect("the sink's certificate")
            .collect::<Result<Vec<_>, _>>()
            .expect("the sink's certificate parses");
        let key =
            PrivateKeyDer::from_pem_file(Self::fixture("server.key")).expect("the sink's key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("the sink's TLS configuration");
        Self {
            config: Arc::new(config),
            implicit,
        }
    }
}

/// One accepted message: its envelope and its data as sent.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
    pub at: Instant,
}

impl Received {
    pub fn email(&self) -> Email {
        Email::parse(&self.data)
    }
}

#[derive(Default)]
struct Shared {
    messages: Mutex<Vec<Received>>,
    auth_failures: Mutex<usize>,
    stopped: AtomicBool,
}

/// The sinks running now, by port: how the harness reads what a server configured with a
/// sink's URL sent (a verification email to follow) without the test handing it the sink.
fn running() -> &'static Mutex<std::collections::HashMap<u16, Arc<Shared>>> {
    static RUNNING: std::sync::OnceLock<Mutex<std::collections::HashMap<u16, Arc<Shared>>>> =
        std::sync::OnceLock::new();
    RUNNING.get_or_init(Default::default)
}

/// What the sink listening at `smtp_url` (as `SmtpSink::url` wrote it) has accepted, if one
/// of this process's sinks listens there.
pub fn messages_at(smtp_url: &str) -> Option<Vec<Received>> {
    let url = url::Url::parse(smtp_url).ok()?;
    let shared = running().lock().unwrap().get(&url.port()?)?.clone();
    let messages = shared.messages.lock().unwrap().clone();
    Some(messages)
}

pub struct SmtpSink {
    port: u16,
    shared: Arc<Shared>,
    /// `Some(implicit)` when the sink speaks TLS.
    tls: Option<bool>,
}

/// A port nothing listens on now (the sink may be started on it later).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

impl SmtpSink {
    pub fn start(options: SinkOptions) -> Self {
        Self::start_on(0, options)
    }

    pub fn start_on(port: u16, options: SinkOptions) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("the sink binds");
        let port = listener.local_addr().unwrap().port();
        let tls = options.tls.as_ref().map(|tls| tls.implicit);
        let shared = Arc::new(Shared::default());
        running().lock().unwrap().insert(port, shared.clone());
        let accepting = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = accepting.clone();
                let options = options.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &shared, &options);
                });
            }
        });
        SmtpSink { port, shared, tls }
    }

    /// The URL a client uses: `smtp://127.0.0.1:PORT` (plain), with `?tls=required` when the
    /// sink offers STARTTLS, or `smtps://` when it speaks TLS from the start; with
    /// credentials if given.
    pub fn url(&self, credentials: Option<(&str, &str)>) -> String {
        let user = credentials
            .map(|(user, password)| format!("{user}:{password}@"))
            .unwrap_or_default();
        match self.tls {
            None => format!("smtp://{user}127.0.0.1:{}", self.port),
            Some(false) => format!("smtp://{user}127.0.0.1:{}?tls=required", self.port),
            Some(true) => format!("smtps://{user}127.0.0.1:{}", self.port),
        }
    }

    pub fn messages(&self) -> Vec<Received> {
        self.shared.messages.lock().unwrap().clone()
    }

    pub fn auth_failures(&self) -> usize {
        *self.shared.auth_failures.lock().unwrap()
    }

    /// Waits until `count` messages have arrived (or fails after `timeout`).
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "expected {count} messages within {timeout:?}, got {}",
                messages.len()
            );
            actix_web::rt::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        running().lock().unwrap().remove(&self.port);
        // Wake the accept loop so that it sees the flag and lets the port go.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// A connection the sink talks over: plain TCP, or TLS on top of it.
trait Connection: Read + Write {
    fn tcp(&self) -> &TcpStream;
}

impl Connection for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Connection for rustls::StreamOwned<rustls::ServerConnection, TcpStream> {
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }
}

fn secure(stream: TcpStream, tls: &SinkTls) -> std::io::Result<impl Connection> {
    let session =
        rustls::ServerConnection::new(tls.config.clone()).map_err(std::io::Error::other)?;
    Ok(rustls::StreamOwned::new(session, stream))
}

fn serve(stream: TcpStream, shared: &Shared, options: &SinkOptions) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_nodelay(true)?;
    match &options.tls {
        Some(tls) if tls.implicit => {
            dialog(secure(stream, tls)?, Stage::Greet, shared, options)?;
        }
        Some(tls) => {
            if let Some(plain) = dialog(stream, Stage::Greet, shared, options)? {
                dialog(secure(plain, tls)?, Stage::AfterStartTls, shared, options)?;
            }
        }
        None => {
            dialog(stream, Stage::Greet, shared, options)?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// A new connection: the sink speaks first.
    Greet,
    /// TLS has just started over a connection that was greeted: the client speaks first.
    AfterStartTls,
}

fn reply(connection: &mut impl Write, text: &str) -> std::io::Result<()> {
    connection.write_all(format!("{text}\r\n").as_bytes())
}

/// One SMTP dialog; returns the connection when the client asked for STARTTLS (which is
/// offered only over plain TCP with TLS configured), for the caller to secure.
fn dialog<C: Connection>(
    connection: C,
    stage: Stage,
    shared: &Shared,
    options: &SinkOptions,
) -> std::io::Result<Option<C>> {
    let offers_starttls =
        options.tls.as_ref().is_some_and(|tls| !tls.implicit) && stage == Stage::Greet;
    let mut reader = BufReader::new(connection);
    if stage == Stage::Greet {
        reply(reader.get_mut(), "220 sink.test ESMTP test sink")?;
    }
    let mut authenticated = options.credentials.is_none();
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    let read_line = |reader: &mut BufReader<C>, line: &mut String| -> std::io::Result<bool> {
        line.clear();
        quick_ack(reader.get_ref().tcp());
        Ok(reader.read_line(line)? > 0)
    };
    while read_line(&mut reader, &mut line)? {
        let command = line.trim_end().to_owned();
        let upper = command.to_uppercase();
        if upper.starts_with("EHLO") {
            reply(reader.get_mut(), "250-sink.test")?;
            reply(reader.get_mut(), "250-8BITMIME")?;
            if offers_starttls {
                reply(reader.get_mut(), "250-STARTTLS")?;
            }
            if options.credentials.is_some() {
                reply(reader.get_mut(), "250-AUTH PLAIN LOGIN")?;
            }
            reply(reader.get_mut(), "250 OK")?;
        } else if offers_starttls && (upper.starts_with("AUTH") || upper.starts_with("MAIL")) {
            // A sink with TLS takes credentials and mail only over TLS, as servers that
            // require it do: a client that skipped STARTTLS delivers nothing.
            reply(
                reader.get_mut(),
                "530 5.7.0 Must issue a STARTTLS command first",
            )?;
        } else if upper == "STARTTLS" && offers_starttls {
            reply(reader.get_mut(), "220 2.0.0 Ready to start TLS")?;
            return Ok(Some(reader.into_inner()));
        } else if upper.starts_with("HELO") {
            reply(reader.get_mut(), "250 sink.test")?;
        } else if upper.starts_with("AUTH PLAIN") {
            let initial = command[10..].trim().to_owned();
            let encoded = if initial.is_empty() {
                reply(reader.get_mut(), "334 ")?;
                read_line(&mut reader, &mut line)?;
                line.trim().to_owned()
            } else {
                initial
            };
            let decoded = STANDARD.decode(encoded).unwrap_or_default();
            let parts: Vec<String> = decoded
                .split(|b| *b == 0)
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect();
            let given = (
                parts.get(1).cloned().unwrap_or_default(),
                parts.get(2).cloned().unwrap_or_default(),
            );
            authenticated = check(shared, options, given, reader.get_mut())?;
        } else if upper.starts_with("AUTH LOGIN") {
            reply(reader.get_mut(), "334 VXNlcm5hbWU6")?;
            read_line(&mut reader, &mut line)?;
            let user = String::from_utf8_lossy(&STANDARD.decode(line.trim()).unwrap_or_default())
                .into_owned();
            reply(reader.get_mut(), "334 UGFzc3dvcmQ6")?;
            read_line(&mut reader, &mut line)?;
            let password =
                String::from_utf8_lossy(&STANDARD.decode(line.trim()).unwrap_or_default())
                    .into_owned();
            authenticated = check(shared, options, (user, password), reader.get_mut())?;
        } else if upper.starts_with("MAIL FROM:") {
            if !authenticated {
                reply(reader.get_mut(), "530 5.7.0 Authentication required")?;
                continue;
            }
            from = address(&command[10..]);
            to.clear();
            reply(reader.get_mut(), "250 OK")?;
        } else if upper.starts_with("RCPT TO:") {
            let recipient = address(&command[8..]);
            let refused = options
                .reject_domain
                .as_deref()
                .is_some_and(|domain| recipient.ends_with(&format!("@{domain}")));
            if refused {
                reply(reader.get_mut(), "550 5.1.1 No such user here")?;
                continue;
            }
            to.push(recipient);
            reply(reader.get_mut(), "250 OK")?;
        } else if upper == "DATA" {
            reply(reader.get_mut(), "354 End data with <CR><LF>.<CR><LF>")?;
            let mut data = String::new();
            loop {
                if !read_line(&mut reader, &mut line)? {
                    return Ok(None);
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(
                    line.strip_prefix('.')
                        .filter(|_| line.starts_with(".."))
                        .unwrap_or(&line),
                );
            }
            std::thread::sleep(options.delay);
            shared.messages.lock().unwrap().push(Received {
                from: from.clone(),
                to: to.clone(),
                data,
                at: Instant::now(),
            });
            reply(reader.get_mut(), "250 OK queued")?;
        } else if upper == "RSET" {
            from.clear();
            to.clear();
            reply(reader.get_mut(), "250 OK")?;
        } else if upper == "NOOP" {
            reply(reader.get_mut(), "250 OK")?;
        } else if upper == "QUIT" {
            reply(reader.get_mut(), "221 Bye")?;
            return Ok(None);
        } else {
            reply(reader.get_mut(), "502 Command not implemented")?;
        }
    }
    Ok(None)
}

/// Linux delays ACKs; a client that sends the end of DATA as a second small write waits for
/// that ACK (Nagle). A real server across a network hides this in the round trip; on
/// loopback it would dominate every measurement.
fn quick_ack(stream: &TcpStream) {
    #[cfg(target_os = "linux")]
    let _ = socket2::SockRef::from(stream).set_tcp_quickack(true);
    #[cfg(not(target_os = "linux"))]
    let _ = stream;
}

fn check(
    shared: &Shared,
    options: &SinkOptions,
    given: (String, String),
    connection: &mut impl Write,
) -> std::io::Result<bool> {
    if options.credentials.as_ref() == Some(&given) {
        reply(connection, "235 2.7.0 Authentication successful")?;
        Ok(true)
    } else {
        *shared.auth_failures.lock().unwrap() += 1;
        reply(connection, "535 5.7.8 Authentication credentials invalid")?;
        Ok(false)
    }
}

fn address(argument: &str) -> String {
    argument
        .trim()
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A received email, taken apart: its headers (unfolded) and its decoded text and HTML parts.
#[derive(Debug, Clone)]
pub struct Email {
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub html: String,
    pub content_type: String,
}

impl Email {
    pub fn parse(raw: &str) -> Self {
        let raw = raw.replace("\r\n", "\n");
        let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
        let headers = parse_headers(head);
        let content_type = header_in(&headers, "content-type").unwrap_or_default();
        let mut email = Email {
            headers,
            text: String::new(),
            html: String::new(),
            content_type: content_type.clone(),
        };
        let boundary = content_type
            .split(';')
            .find_map(|p| p.trim().strip_prefix("boundary="))
            .map(|b| b.trim_matches('"').to_owned());
        if let Some(boundary) = boundary {
            for part in body.split(&format!("--{boundary}")).skip(1) {
                if part.starts_with("--") {
                    break;
                }
                let part = part.trim_start_matches('\n');
                let (head, content) = part.split_once("\n\n").unwrap_or((part, ""));
                let headers = parse_headers(head);
                let kind = header_in(&headers, "content-type").unwrap_or_default();
                let encoding = header_in(&headers, "content-transfer-encoding").unwrap_or_default();
                let decoded = decode(content.trim_end_matches('\n'), &encoding);
                if kind.starts_with("text/plain") {
                    email.text = decoded;
                } else if kind.starts_with("text/html") {
                    email.html = decoded;
                }
            }
        }
        email
    }

    pub fn header(&self, name: &str) -> Option<String> {
        header_in(&self.headers, name)
    }

    /// Whether the subject starts with `prefix`: how a person tells one kind of email from
    /// another in their inbox.
    pub fn subject_starts_with(&self, prefix: &str) -> bool {
        self.header("subject")
            .unwrap_or_default()
            .starts_with(prefix)
    }

    /// The first link in the text part that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        self.text
            .split_whitespace()
            .find(|word| word.starts_with(prefix))
            .map(str::to_owned)
    }
}

fn parse_headers(head: &str) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    headers
}

fn header_in(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

fn decode(content: &str, encoding: &str) -> String {
    match encoding.to_lowercase().as_str() {
        "base64" => {
            let joined: String = content.split_whitespace().collect();
            String::from_utf8_lossy(&STANDARD.decode(joined).unwrap_or_default()).into_owned()
        }
        "quoted-printable" => {
            let soft = content.replace("=\n", "");
            let bytes = soft.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'=' && i + 2 < bytes.len() {
                    if let Ok(byte) = u8::from_str_radix(&soft[i + 1..i + 3], 16) {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                }
                out.push(bytes[i]);
                i += 1;
            }
            String::from_utf8_lossy(&out).into_owned()
        }
        _ => content.to_owned(),
    }
}
