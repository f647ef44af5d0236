//! Where the clearing house may send a webhook: the rule that keeps a partner's URL from
//! reaching the service's own network (SSRF). A URL is checked when it is saved and again
//! before every attempt, and the attempt connects to the very address that was checked, so
//! a name that resolves elsewhere later (DNS rebinding) cannot switch it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use serde::Deserialize;
use url::Url;

use crate::config::list_items;
use crate::networks::Networks;

/// Addresses the operator allows although the rule refuses them (an intranet, the tests'
/// receiver): CIDR ranges or single addresses. A list in TOML, or one comma-separated string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedNetworks(Networks);

impl AllowedNetworks {
    pub fn parse<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        Networks::parse(items)
            .map(Self)
            .map_err(|item| format!("`{item}` is not a CIDR range or an address"))
    }

    fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(ip)
    }
}

impl<'de> Deserialize<'de> for AllowedNetworks {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = list_items(deserializer)?;
        Self::parse(items.iter().map(String::as_str)).map_err(serde::de::Error::custom)
    }
}

/// Host names (or addresses) that may be reached over plain http: for tests and intranets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpHosts(Vec<String>);

impl HttpHosts {
    fn contains(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.0
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(host))
    }
}

impl<'de> Deserialize<'de> for HttpHosts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self(
            list_items(deserializer)?
                .into_iter()
                .map(|item| item.trim().to_owned())
                .filter(|item| !item.is_empty())
                .collect(),
        ))
    }
}

/// What the operator allows beyond the public internet over https.
#[derive(Debug, Clone, Default)]
pub struct EgressPolicy {
    pub allow_http_hosts: HttpHosts,
    pub allowed_networks: AllowedNetworks,
}

/// Why a URL is refused; the sentence is what the caller reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("must be an absolute https URL")]
    NotHttps,
    #[error("must not carry a user name or password")]
    Credentials,
    #[error("must name a host")]
    NoHost,
    #[error("its host does not resolve")]
    Unresolvable,
    #[error("its host resolves to {address}, a {kind} address, which the clearing house does not send to")]
    Forbidden { address: IpAddr, kind: &'static str },
}

/// The kind of address the rule refuses, or `None` for a public unicast address.
pub fn forbidden_kind(ip: IpAddr) -> Option<&'static str> {
    match ip.to_canonical() {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) {
        Some("cloud metadata")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private (RFC 1918)")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if a == 100 && (64..128).contains(&b) {
        Some("carrier-grade NAT (RFC 6598)")
    } else if a == 0 {
        Some("unspecified")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.is_broadcast() || a >= 240 {
        Some("reserved")
    } else if a == 198 && (b == 18 || b == 19) {
        Some("benchmarking (RFC 2544)")
    } else if ip.is_documentation() || (a == 192 && b == 0 && ip.octets()[2] == 0) {
        Some("reserved")
    } else {
        None
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        Some("cloud metadata")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if first & 0xfe00 == 0xfc00 {
        Some("unique local (ULA)")
    } else if first & 0xffc0 == 0xfe80 || first & 0xffc0 == 0xfec0 {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64: the IPv4 address it carries decides.
        let [.., c, d] = ip.segments();
        forbidden_v4(Ipv4Addr::new(
            (c >> 8) as u8,
            c as u8,
            (d >> 8) as u8,
            d as u8,
        ))
    } else if first == 0x2001 && ip.segments()[1] == 0xdb8 {
        Some("reserved")
    } else {
        None
    }
}

/// A URL that passed the rule, and the address to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: Url,
    pub host: String,
    pub address: SocketAddr,
}

impl EgressPolicy {
    /// The scheme and shape of `url`, before any lookup.
    pub fn check_shape(&self, url: &Url) -> Result<String, Refusal> {
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or(Refusal::NoHost)?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http_hosts.contains(host) => {}
            _ => return Err(Refusal::NotHttps),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refusal::Credentials);
        }
        Ok(host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned())
    }

    /// Whether the rule lets an attempt connect to `ip`.
    pub fn admits(&self, ip: IpAddr) -> Result<(), Refusal> {
        let ip = ip.to_canonical();
        match forbidden_kind(ip) {
            Some(kind) if !self.allowed_networks.contains(ip) => {
                Err(Refusal::Forbidden { address: ip, kind })
            }
            _ => Ok(()),
        }
    }

    /// Resolves `url`'s host and checks every address it names (a name with one private
    /// address among public ones is refused: which one a client picks is not ours to know).
    /// The first address is the one to connect to.
    pub async fn check(&self, url: &Url) -> Result<Target, Refusal> {
        let host = self.check_shape(url)?;
        let port = url.port_or_known_default().ok_or(Refusal::NotHttps)?;
        let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|_| Refusal::Unresolvable)?
                .collect(),
        };
        let first = *addresses.first().ok_or(Refusal::Unresolvable)?;
        for address in &addresses {
            self.admits(address.ip())?;
        }
        Ok(Target {
            url: url.clone(),
            host,
            address: first,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn refuses_the_service_own_networks_and_admits_public_ones() {
        for refused in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.1.1",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00:ec2::254",
            "fc00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(forbidden_kind(ip(refused)).is_some(), "{refused}");
        }
        for admitted in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
        ] {
            assert_eq!(forbidden_kind(ip(admitted)), None, "{admitted}");
        }
        assert_eq!(
            forbidden_kind(ip("169.254.169.254")),
            Some("cloud metadata")
        );
        assert_eq!(forbidden_kind(ip("fd00:ec2::254")), Some("cloud metadata"));
    }

    #[test]
    fn the_operator_may_allow_networks_and_plain_http_hosts() {
        let policy = EgressPolicy {
            allow_http_hosts: HttpHosts(vec!["127.0.0.1".into()]),
            allowed_networks: AllowedNetworks::parse(["127.0.0.0/8"]).unwrap(),
        };
        assert!(policy.admits(ip("127.0.0.1")).is_ok());
        assert!(policy.admits(ip("::ffff:127.0.0.1")).is_ok());
        assert!(policy.admits(ip("10.0.0.1")).is_err());
        let http = Url::parse("http://127.0.0.1:9/hook").unwrap();
        assert_eq!(policy.check_shape(&http).as_deref(), Ok("127.0.0.1"));
        let other = Url::parse("http://example.org/hook").unwrap();
        assert_eq!(policy.check_shape(&other), Err(Refusal::NotHttps));
        let strict = EgressPolicy::default();
        assert_eq!(strict.check_shape(&http), Err(Refusal::NotHttps));
        let credentials = Url::parse("https://u:p@example.org/").unwrap();
        assert_eq!(strict.check_shape(&credentials), Err(Refusal::Credentials));
        assert!(strict.admits(ip("127.0.0.1")).is_err());
    }
}
