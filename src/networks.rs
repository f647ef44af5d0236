//! Lists of networks as the configuration names them: CIDR ranges (`10.0.0.0/8`, `fd00::/8`)
//! or single addresses (a `/32` or `/128`), written as a list in TOML or as one
//! comma-separated string, which is what an environment variable naturally holds. The
//! trusted proxies and the webhook egress allow-list both read them this way.

use std::net::IpAddr;

use ipnet::IpNet;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Networks(Vec<IpNet>);

impl Networks {
    /// Parses each non-blank item; the error is the first item that is neither a range nor
    /// an address, for the caller to name in its own words.
    pub fn parse<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Self, &'a str> {
        items
            .into_iter()
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| item)
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }
}
