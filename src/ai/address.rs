//! Where an AI call may go. A tenant may point a tool at its own OpenAI-compatible service,
//! so the server must not become a way into its own network: `https` only, and no loopback,
//! private, link-local or otherwise non-public address, unless the operator allows local
//! model servers (`DIGAME_AI_ALLOW_PRIVATE`). The text of the URL is checked when it is set
//! ([`check_url`]), and the resolved addresses are checked again at connect time
//! ([`PublicOnly`], the shared HTTP client's resolver), so a DNS name cannot point there.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // Benchmarking, 198.18.0.0/15, and reserved 240.0.0.0/4.
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local fc00::/7, link-local fe80::/10, documentation 2001:db8::/32.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // Deprecated site-local fec0::/10.
        || (first & 0xffc0) == 0xfec0
        // Addresses that reach IPv4 (or anything) through a translator or relay, whose
        // far end the check cannot see: NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4
        // 2002::/16, Teredo 2001::/32.
        || (first == 0x0064 && ip.segments()[1] == 0xff9b)
        || first == 0x2002
        || (first == 0x2001 && ip.segments()[1] == 0)
        // The deprecated IPv4-compatible form ::a.b.c.d.
        || ip.to_ipv4().is_some_and(|v4| !is_public_v4(v4)))
}

/// Checks a provider base URL as text: its scheme, and its host when the host is an
/// address. Names are checked again when they are resolved. The message is for people.
pub fn check_url(url: &str, allow_private: bool) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|_| format!("“{url}” is not a web address like https://api.openai.com/v1."))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("The address must not carry a user name or password.".into());
    }
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => {
            return Err(
                "The address must start with https:// (the key would travel unencrypted).".into(),
            )
        }
        other => {
            return Err(format!(
                "The address must start with https://, not {other}://."
            ))
        }
    }
    let refused = || {
        Err("That address is on a private network or this server itself; only public services can be used.".to_owned())
    };
    match parsed.host() {
        None => Err("The address has no host name.".into()),
        Some(url::Host::Ipv4(ip)) if !allow_private && !is_public(IpAddr::V4(ip)) => refused(),
        Some(url::Host::Ipv6(ip)) if !allow_private && !is_public(IpAddr::V6(ip)) => refused(),
        Some(url::Host::Domain(name))
            if !allow_private && (name == "localhost" || name.ends_with(".localhost")) =>
        {
            refused()
        }
        Some(_) => Ok(()),
    }
}

/// The shared HTTP client's resolver: resolves with the system, then keeps only public
/// addresses unless private ones are allowed. A name with only private addresses fails
/// to connect, with a message that says why.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly {
    pub allow_private: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let usable: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if usable.is_empty() {
                let why = if found.is_empty() {
                    format!("{host} did not resolve")
                } else {
                    format!("{host} resolves only to private addresses, which are not allowed")
                };
                return Err(why.into());
            }
            Ok(Box::new(usable.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_and_private_addresses() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "224.0.0.1",
            // Security issue: translators and relays, and old site-local addresses.
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "fec0::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_need_https_and_a_public_host() {
        assert!(check_url("https://api.openai.com/v1", false).is_ok());
        assert!(check_url("https://8.8.8.8/v1", false).is_ok());
        for bad in [
            "http://api.openai.com/v1",
            "ftp://api.openai.com",
            "https://127.0.0.1/v1",
            "https://[::1]/v1",
            "https://169.254.169.254/latest",
            "https://10.0.0.5:8443/v1",
            "https://localhost/v1",
            "https://user:pw@api.openai.com/v1",
            "not a url",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn allowing_private_admits_local_model_servers() {
        for url in [
            "http://127.0.0.1:11434/v1",
            "http://localhost:8080/v1",
            "https://10.0.0.5/v1",
        ] {
            assert!(check_url(url, true).is_ok(), "{url}");
        }
        assert!(check_url("ftp://127.0.0.1", true).is_err());
    }

    #[tokio::test]
    async fn names_resolving_to_private_addresses_are_refused_at_connect_time() {
        let strict = PublicOnly {
            allow_private: false,
        };
        let name: Name = "localhost".parse().unwrap();
        let err = strict.resolve(name).await.err().expect("refused");
        assert!(err.to_string().contains("private"), "{err}");
        let open = PublicOnly {
            allow_private: true,
        };
        let addrs: Vec<_> = open
            .resolve("localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));
    }
}
