//! The client's address, decided in one place for rate limits and logs: the TCP peer, unless
//! that peer is a trusted proxy (`trusted_proxies`), in which case the forwarding headers are
//! walked from the right, past every trusted hop, to the first address nobody we trust could
//! have written. Anything left of that is the client's own claim and is never believed.

use std::net::IpAddr;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest};
use serde::Deserialize;

use crate::config::list_items;
use crate::networks::Networks;

const FORWARDED: HeaderName = HeaderName::from_static("forwarded");
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The networks whose forwarding headers are believed. Empty (the default): none are, and the
/// client is always the TCP peer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Networks);

impl TrustedProxies {
    /// Parses CIDR ranges (`10.0.0.0/8`, `fd00::/8`) or single addresses (a `/32` or `/128`).
    pub fn parse<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        Networks::parse(items).map(Self).map_err(|item| {
            format!("`{item}` is not a CIDR range (such as 10.0.0.0/8) or an address")
        })
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.contains(ip.to_canonical())
    }
}

/// A list in TOML (`["10.0.0.0/8"]`), or one comma-separated string
/// (`CLEARINGHOUSE_TRUSTED_PROXIES=10.0.0.0/8,::1`).
impl<'de> Deserialize<'de> for TrustedProxies {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = list_items(deserializer)?;
        Self::parse(items.iter().map(String::as_str)).map_err(serde::de::Error::custom)
    }
}

/// The client's address: the peer, or what trusted proxies say the client was.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.trusts(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_hops(headers).into_iter().rev() {
        match hop {
            Some(ip) if trusted.trusts(ip) => client = ip,
            Some(ip) => return ip,
            // A trusted proxy wrote something that is not an address (`unknown`, an
            // obfuscated name): the client cannot be known past that proxy, so it stands in.
            None => return client,
        }
    }
    client
}

/// The hops a request passed, nearest last: `Forwarded` (RFC 7239) `for=` parameters when the
/// request has that header, else `X-Forwarded-For`. Several header lines read as one list.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let lines = |name| {
        headers
            .get_all(name)
            .map(|value| value.to_str().unwrap_or(""))
            .collect::<Vec<_>>()
            .join(",")
    };
    if headers.contains_key(FORWARDED) {
        lines(FORWARDED)
            .split(',')
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, value)| node_address(value))
            })
            .collect()
    } else {
        lines(X_FORWARDED_FOR)
            .split(',')
            .filter(|hop| !hop.trim().is_empty())
            .map(node_address)
            .collect()
    }
}

/// An address from a forwarding header's node: `192.0.2.1`, `192.0.2.1:4711`, `"[2001:db8::1]:4711"`
/// or a bare `2001:db8::1`. Anything else (`unknown`, `_hidden`) is no address.
fn node_address(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    node.parse().ok().or_else(|| {
        let (host, port) = node.rsplit_once(':')?;
        port.parse::<u16>().ok()?;
        host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
    })
}

/// The address `resolve_client_ip` decided, for the handlers.
#[derive(Debug, Clone, Copy)]
struct ClientIp(IpAddr);

/// Decides the client's address once per request, before anything else looks at it. The
/// forwarding headers are then replaced by that one address, so that actix's own
/// `realip_remote_addr` (which tracing-actix-web logs) says the same and never repeats a
/// claim made by the client.
pub async fn resolve_client_ip(
    mut request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(peer) = request.peer_addr() {
        let trusted = request
            .app_data::<web::Data<TrustedProxies>>()
            .map(|data| data.get_ref().clone())
            .unwrap_or_default();
        let client = client_address(peer.ip(), request.headers(), &trusted);
        request.extensions_mut().insert(ClientIp(client));
        let headers = request.headers_mut();
        headers.remove(FORWARDED);
        headers.remove(X_FORWARDED_FOR);
        if client != peer.ip().to_canonical() {
            if let Ok(value) = HeaderValue::from_str(&client.to_string()) {
                headers.insert(X_FORWARDED_FOR, value);
            }
        }
    }
    next.call(request).await
}

/// The client's address as `resolve_client_ip` decided it (the TCP peer where the middleware
/// did not run), as the key of per-IP limits.
pub fn client_ip(request: &HttpRequest) -> String {
    request
        .extensions()
        .get::<ClientIp>()
        .map(|ClientIp(ip)| *ip)
        .or_else(|| request.peer_addr().map(|addr| addr.ip().to_canonical()))
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn trusted(items: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(items.iter().copied()).unwrap()
    }

    /// A peer, the forwarding headers it sent, and the client it stands for.
    type Case<'a> = (&'a str, &'a [(&'static str, &'a str)], &'a str);

    fn assert_clients(proxies: &TrustedProxies, cases: &[Case<'_>]) {
        for &(peer, forwarded, client) in cases {
            let found = client_address(ip(peer), &headers(forwarded), proxies);
            assert_eq!(found, ip(client), "{peer} forwarding {forwarded:?}");
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let claims: Case = (
            "192.0.2.7",
            &[
                ("x-forwarded-for", "203.0.113.9"),
                ("forwarded", "for=198.51.100.1"),
            ],
            "192.0.2.7",
        );
        assert_clients(&TrustedProxies::default(), &[claims]);
        assert_clients(&trusted(&["10.0.0.0/8"]), &[claims]);
    }

    #[test]
    fn the_chain_is_walked_from_the_right_past_trusted_hops() {
        let proxies = trusted(&["10.0.0.0/8", "192.168.1.1"]);
        assert_clients(
            &proxies,
            &[
                // The client wrote 1.1.1.1 itself; 203.0.113.9 is what our first proxy saw.
                (
                    "192.168.1.1",
                    &[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.1.2.3")],
                    "203.0.113.9",
                ),
                // Split over two header lines, the same list.
                (
                    "192.168.1.1",
                    &[
                        ("x-forwarded-for", "1.1.1.1"),
                        ("x-forwarded-for", "203.0.113.9, 10.1.2.3"),
                    ],
                    "203.0.113.9",
                ),
                // Every hop trusted: the furthest one is the client.
                (
                    "10.0.0.1",
                    &[("x-forwarded-for", "10.9.9.9, 10.1.2.3")],
                    "10.9.9.9",
                ),
                // A trusted peer that forwards nothing is the client.
                ("10.0.0.1", &[], "10.0.0.1"),
            ],
        );
    }

    #[test]
    fn forwarded_is_read_before_x_forwarded_for() {
        let both: &[(&str, &str)] = &[
            (
                "forwarded",
                r#"for=192.0.2.60;proto=https;by=10.0.0.2, for="[2001:db8:cafe::17]:4711""#,
            ),
            ("x-forwarded-for", "198.51.100.1"),
        ];
        assert_clients(
            &trusted(&["10.0.0.0/8"]),
            &[
                ("10.0.0.2", both, "2001:db8:cafe::17"),
                (
                    "10.0.0.2",
                    &[("forwarded", "For=\"203.0.113.4:8080\"")],
                    "203.0.113.4",
                ),
            ],
        );
    }

    #[test]
    fn a_hop_that_is_no_address_stops_at_the_proxy_that_wrote_it() {
        assert_clients(
            &trusted(&["10.0.0.0/8"]),
            &[
                (
                    "10.0.0.2",
                    &[("forwarded", "for=unknown, for=10.0.0.5")],
                    "10.0.0.5",
                ),
                (
                    "10.0.0.2",
                    &[("x-forwarded-for", "not-an-address")],
                    "10.0.0.2",
                ),
            ],
        );
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_ranges() {
        let chain: Case = (
            "::ffff:127.0.0.1",
            &[("x-forwarded-for", "203.0.113.9")],
            "203.0.113.9",
        );
        assert_clients(&trusted(&["127.0.0.0/8"]), &[chain]);
    }

    #[test]
    fn bad_ranges_are_named() {
        let error = TrustedProxies::parse(["10.0.0.0/8", "10.0.0.0/33"]).unwrap_err();
        assert!(error.contains("`10.0.0.0/33`"), "{error}");
        assert!(TrustedProxies::parse(["proxy.example"]).is_err());
        assert_eq!(trusted(&[" 10.1.2.3/8 ", ""]), trusted(&["10.0.0.0/8"]));
    }
}
