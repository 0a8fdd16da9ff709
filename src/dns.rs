//! The one DNS question Digame asks — the TXT records at a name, for domain verification
//! (`features::domains`). A resolver is built once at start-up, from `DIGAME_DNS_SERVER` when
//! it is set (the test tier's local responder) or from the system's configuration.

use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::TokioResolver;
use std::net::SocketAddr;

/// How long one question to the DNS server may take.
const LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(4);

/// Why no records could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupFailure {
    /// The name has no TXT records (or does not exist).
    NoRecords,
    /// The DNS server could not be asked, or answered with an error.
    Unreachable(String),
}

/// The TXT lookups, cheap to clone (the resolver is shared and caches answers; verification
/// asks with the cache cleared, so a record just published is seen).
#[derive(Clone)]
pub struct TxtLookup {
    resolver: Option<TokioResolver>,
    problem: Option<String>,
}

impl TxtLookup {
    /// From `server` (an address and port), or from the system's resolver configuration.
    /// A machine without one still starts: verification then says why it cannot look up.
    pub fn new(server: Option<SocketAddr>) -> TxtLookup {
        let built = match server {
            Some(addr) => {
                let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                for c in &mut ns.connections {
                    c.port = addr.port();
                }
                Ok(TokioResolver::builder_with_config(
                    ResolverConfig::from_name_servers(vec![ns]),
                    TokioRuntimeProvider::default(),
                ))
            }
            None => TokioResolver::builder_tokio(),
        }
        .and_then(|mut b| {
            // An admin waits on the page: a server that does not answer is said within
            // seconds, not after the default retries.
            let opts = b.options_mut();
            opts.timeout = LOOKUP_TIMEOUT;
            opts.attempts = 1;
            b.build()
        });
        match built {
            Ok(resolver) => TxtLookup {
                resolver: Some(resolver),
                problem: None,
            },
            Err(e) => {
                tracing::warn!(error = %e, "no DNS resolver: domains cannot be verified");
                TxtLookup {
                    resolver: None,
                    problem: Some(e.to_string()),
                }
            }
        }
    }

    /// The text of each TXT record at `name` (a record's strings joined, as RFC 7208 reads
    /// them), asked afresh.
    pub async fn txt(&self, name: &str) -> Result<Vec<String>, LookupFailure> {
        let Some(resolver) = &self.resolver else {
            return Err(LookupFailure::Unreachable(
                self.problem.clone().unwrap_or_default(),
            ));
        };
        resolver.clear_cache();
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match resolver.txt_lookup(fqdn.as_str()).await {
            Ok(lookup) => Ok(lookup
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::TXT(txt) => Some(
                        txt.txt_data
                            .iter()
                            .map(|part| String::from_utf8_lossy(part).into_owned())
                            .collect::<String>(),
                    ),
                    _ => None,
                })
                .collect()),
            Err(e) if e.is_no_records_found() || e.is_nx_domain() => Err(LookupFailure::NoRecords),
            Err(e) => Err(LookupFailure::Unreachable(e.to_string())),
        }
    }
}
