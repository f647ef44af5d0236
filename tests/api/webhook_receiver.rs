//! A webhook receiver for the tests: a small HTTP/1.1 server on a free port that records
//! every request (headers, body, when) and answers as the test scripts it: a queue of
//! statuses (then 200), and an optional hold before answering.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Received {
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// Whether the Standard Webhooks library verifies it with `secret`.
    pub fn verifies_with(&self, secret: &str) -> bool {
        standardwebhooks::Webhook::new(secret)
            .expect("a whsec_ secret")
            .verify(&self.body, &self.headers)
            .is_ok()
    }
}

#[derive(Default)]
struct Script {
    statuses: VecDeque<u16>,
    hold: Option<Duration>,
}

#[derive(Clone)]
pub struct Receiver {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<Script>>,
}

impl Receiver {
    /// Starts on a free port of 127.0.0.1, answering `statuses` in turn, then 200.
    pub async fn start(statuses: &[u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let port = listener.local_addr().unwrap().port();
        let receiver = Receiver {
            port,
            received: Arc::default(),
            script: Arc::new(Mutex::new(Script {
                statuses: statuses.iter().copied().collect(),
                hold: None,
            })),
        };
        let serving = receiver.clone();
        actix_web::rt::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let receiver = serving.clone();
                actix_web::rt::spawn(async move {
                    let _ = receiver.serve(stream).await;
                });
            }
        });
        receiver
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Holds each request this long before answering (none: answers at once).
    pub fn hold(&self, hold: Option<Duration>) {
        self.script.lock().unwrap().hold = hold;
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The requests so far, once there are at least `count` (fails after `timeout`).
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let what = format!("{count} requests to the receiver");
        crate::harness::eventually(&what, timeout, || async {
            let received = self.received();
            (received.len() >= count).then_some(received)
        })
        .await
    }

    async fn serve(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let mut stream = BufReader::new(stream);
        loop {
            let mut headers = http::HeaderMap::new();
            let mut line = String::new();
            if stream.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let mut length = 0usize;
            loop {
                line.clear();
                stream.read_line(&mut line).await?;
                let trimmed = line.trim_end();
                if trimmed.is_empty() {
                    break;
                }
                if let Some((name, value)) = trimmed.split_once(':') {
                    let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
                    if name == "content-length" {
                        length = value.parse().unwrap_or(0);
                    }
                    if let (Ok(name), Ok(value)) = (
                        http::HeaderName::from_bytes(name.as_bytes()),
                        http::HeaderValue::from_str(value),
                    ) {
                        headers.append(name, value);
                    }
                }
            }
            let mut body = vec![0; length];
            stream.read_exact(&mut body).await?;
            self.received.lock().unwrap().push(Received {
                headers,
                body,
                at: Instant::now(),
            });
            let (status, hold) = {
                let mut script = self.script.lock().unwrap();
                (script.statuses.pop_front().unwrap_or(200), script.hold)
            };
            if let Some(hold) = hold {
                actix_web::rt::time::sleep(hold).await;
            }
            let answer = format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\n\r\nok");
            stream.get_mut().write_all(answer.as_bytes()).await?;
        }
    }
}
