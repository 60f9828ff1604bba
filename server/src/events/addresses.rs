//! Which addresses a callback may reach: public ones, checked after DNS on every connection.

use super::*;

/// Whether an address may be called without being named in the allow list: public unicast
/// only (no loopback, private, link-local, metadata, shared, documentation or multicast).
pub fn public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_unspecified()
                || v4.is_documentation()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public_address(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x64 && s[1] == 0xff9b))
        }
    }
}

/// DNS for callbacks: names resolve as usual, but an answer is used only if every address it
/// gives is public, unless the name is allowed; checked at connection time, so a name cannot
/// switch to an inner address between the check and the call.
pub(super) struct GuardedResolver {
    pub(super) allow_hosts: Vec<String>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allowed = store::host_listed(name.as_str(), &self.allow_hosts);
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allowed && addrs.iter().any(|a| !public_address(a.ip())) {
                return Err(format!("{host} resolves to a private or local address").into());
            }
            let it: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(it)
        })
    }
}

/// Refuse a callback whose host is an address literal that is not public (names are checked
/// by the resolver).
pub(super) fn check_literal(url: &url::Url, allow_hosts: &[String]) -> Result<(), String> {
    let host = url.host_str().unwrap_or("");
    if store::host_listed(host, allow_hosts) {
        return Ok(());
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) if !public_address(ip) => Err(format!("{bare} is a private or local address")),
        _ => Ok(()),
    }
}
