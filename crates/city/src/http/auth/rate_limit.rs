//! Rate limits against guessing by address, as token buckets in this instance's memory:
//! `POST /api/v1/login` per client address, so that one address cannot try passwords quickly
//! while people elsewhere log in undisturbed; and `POST /api/v1/residents/lookup` per address on
//! the open web. They answer before any query, so a flood from one address costs the database
//! nothing. Each ticket's limit, which must hold across instances, is in PostgreSQL
//! ([`super::ticket_rests`]), as is each account's lockout.
//!
//! In-crate rather than `governor`/`tower_governor`: it is a few dozen lines, its refusal must be a
//! problem document with our code, it applies to two routes only, and the client address needs a
//! rule of our own (a forwarded address is believed only from the configured reverse proxy).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

/// Beyond this many tracked addresses the limiter refuses new ones rather than grow: at ~50 bytes
/// each, a few megabytes at most.
const MAX_TRACKED_CLIENTS: usize = 100_000;

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// `burst` attempts at once, then one more every `refill_every`.
#[derive(Debug, Clone, Copy)]
pub struct LoginRate {
    pub burst: NonZeroU32,
    pub refill_every: Duration,
}

impl Default for LoginRate {
    /// Ten attempts, then ten a minute: plenty for people sharing an address (a clinic, the call
    /// center behind one NAT), far too few for guessing.
    fn default() -> Self {
        Self {
            burst: NonZeroU32::new(10).expect("10 is not zero"),
            refill_every: Duration::from_secs(6),
        }
    }
}

/// Token buckets by key (a client address, a ticket): `burst` at once, then one more every
/// `refill_every`. Each bucket is kept as one instant (the generic cell rate algorithm): when it
/// will be full again. An instant in the past is a full bucket, the same as none.
pub(crate) struct Buckets<K> {
    rate: LoginRate,
    max_keys: usize,
    refilled_at: Mutex<HashMap<K, Instant>>,
}

impl<K: Hash + Eq> Buckets<K> {
    pub fn new(rate: LoginRate) -> Self {
        Self {
            rate,
            max_keys: MAX_TRACKED_CLIENTS,
            refilled_at: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one from `key`'s bucket, or says how long to wait.
    pub fn admit_at(&self, key: K, now: Instant) -> Result<(), Duration> {
        let interval = self.rate.refill_every;
        // How far ahead of now a bucket may be refilled and still hold one attempt.
        let tolerance = interval * (self.rate.burst.get() - 1);
        let mut buckets = self.buckets();
        if buckets.len() >= self.max_keys && !buckets.contains_key(&key) {
            buckets.retain(|_, refilled_at| *refilled_at > now);
            if buckets.len() >= self.max_keys {
                // Refusing keeps memory bounded; each account's lockout still holds regardless.
                tracing::warn!("too many rate-limited clients or tickets; refusing new ones");
                return Err(interval);
            }
        }
        let refilled_at = buckets.get(&key).map_or(now, |&at| at.max(now));
        let ahead = refilled_at - now;
        if ahead > tolerance {
            return Err(ahead - tolerance);
        }
        buckets.insert(key, refilled_at + interval);
        Ok(())
    }

    /// How long `key` must wait for an attempt, without taking one.
    pub fn wait_at(&self, key: &K, now: Instant) -> Option<Duration> {
        let tolerance = self.rate.refill_every * (self.rate.burst.get() - 1);
        let ahead = self.buckets().get(key).map(|&at| at.max(now) - now)?;
        (ahead > tolerance).then(|| ahead - tolerance)
    }

    /// Forgets the keys whose bucket is full again: forgetting them changes nothing.
    pub fn forget_idle(&self) {
        let now = Instant::now();
        self.buckets().retain(|_, refilled_at| *refilled_at > now);
    }

    fn buckets(&self) -> std::sync::MutexGuard<'_, HashMap<K, Instant>> {
        // The map is consistent after every statement, so a panicked holder left nothing broken.
        self.refilled_at
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Who is asking: the peer, or for the trusted proxy the address it appended last to
/// `X-Forwarded-For` (entries before it are whatever the client sent, so never believed).
/// IPv6 clients are grouped by /64, the block one subscriber gets.
pub(crate) fn client_address(
    peer: SocketAddr,
    headers: &HeaderMap,
    trusted_proxy: Option<IpAddr>,
) -> IpAddr {
    let peer = peer.ip().to_canonical();
    let forwarded = || {
        let header = headers.get_all(X_FORWARDED_FOR).iter().next_back()?;
        let last = header.to_str().ok()?.rsplit(',').next()?;
        last.trim().parse::<IpAddr>().ok()
    };
    let client = match trusted_proxy {
        Some(proxy) if proxy == peer => forwarded().map_or(peer, |ip| ip.to_canonical()),
        _ => peer,
    };
    match client {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & u128::MAX << 64)),
        v4 => v4,
    }
}

pub(crate) struct LoginLimiter {
    buckets: Buckets<IpAddr>,
    /// The reverse proxy whose `X-Forwarded-For` is believed; nobody else's is.
    trusted_proxy: Option<IpAddr>,
}

impl LoginLimiter {
    pub fn new(rate: LoginRate, trusted_proxy: Option<IpAddr>) -> Self {
        Self {
            buckets: Buckets::new(rate),
            trusted_proxy: trusted_proxy.map(|proxy| proxy.to_canonical()),
        }
    }

    /// Takes one attempt from the bucket of the request's client, or says how long to wait.
    pub fn admit(&self, peer: SocketAddr, headers: &HeaderMap) -> Result<(), Duration> {
        self.buckets
            .admit_at(self.client(peer, headers), Instant::now())
    }

    pub fn forget_idle(&self) {
        self.buckets.forget_idle();
    }

    fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        client_address(peer, headers, self.trusted_proxy)
    }
}

/// The open web's limit on the registry check (manual 2-1 ②): twenty checks, then one every
/// three seconds, per address. Each ticket's own limit is [`super::ticket_rests`].
pub(crate) struct LookupLimiter {
    clients: Buckets<IpAddr>,
    trusted_proxy: Option<IpAddr>,
}

impl LookupLimiter {
    pub fn new(trusted_proxy: Option<IpAddr>) -> Self {
        let rate = LoginRate {
            burst: NonZeroU32::new(20).expect("not zero"),
            refill_every: Duration::from_secs(3),
        };
        Self {
            clients: Buckets::new(rate),
            trusted_proxy: trusted_proxy.map(|proxy| proxy.to_canonical()),
        }
    }

    /// Takes one check from the bucket of a web client, or says how long to wait.
    pub fn admit_web_client(&self, peer: SocketAddr, headers: &HeaderMap) -> Result<(), Duration> {
        let client = client_address(peer, headers, self.trusted_proxy);
        self.clients.admit_at(client, Instant::now())
    }

    /// How long a web client must wait before its next check, if it must; takes nothing.
    pub fn web_client_wait(&self, peer: SocketAddr, headers: &HeaderMap) -> Option<Duration> {
        let client = client_address(peer, headers, self.trusted_proxy);
        self.clients.wait_at(&client, Instant::now())
    }

    /// Counts a failed check of a key a web client sent with a write (a look-up takes its check
    /// up front instead, as [`Self::admit_web_client`]).
    pub fn web_client_failed(&self, peer: SocketAddr, headers: &HeaderMap) {
        // A client already waiting has no check to take: it keeps waiting.
        let _ = self.admit_web_client(peer, headers);
    }

    pub fn forget_idle(&self) {
        self.clients.forget_idle();
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn limiter(burst: u32, trusted_proxy: Option<IpAddr>) -> LoginLimiter {
        let rate = LoginRate {
            burst: NonZeroU32::new(burst).unwrap(),
            refill_every: Duration::from_secs(6),
        };
        LoginLimiter::new(rate, trusted_proxy)
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn peer(s: &str) -> SocketAddr {
        SocketAddr::new(ip(s), 50_000)
    }

    fn forwarded_for(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(X_FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn a_burst_then_one_attempt_per_interval() {
        let limiter = limiter(3, None);
        let (client, start) = (ip("192.0.2.1"), Instant::now());
        for _ in 0..3 {
            assert_eq!(limiter.buckets.admit_at(client, start), Ok(()));
        }
        assert_eq!(
            limiter.buckets.admit_at(client, start),
            Err(Duration::from_secs(6))
        );
        let later = start + Duration::from_secs(4);
        assert_eq!(
            limiter.buckets.admit_at(client, later),
            Err(Duration::from_secs(2))
        );
        let refilled_one = start + Duration::from_secs(6);
        assert_eq!(limiter.buckets.admit_at(client, refilled_one), Ok(()));
        assert!(limiter.buckets.admit_at(client, refilled_one).is_err());
        // Other clients have their own bucket.
        assert_eq!(limiter.buckets.admit_at(ip("192.0.2.2"), start), Ok(()));
    }

    #[test]
    fn an_idle_client_gets_its_whole_burst_back_and_is_then_forgotten() {
        let limiter = limiter(2, None);
        let (client, start) = (ip("192.0.2.1"), Instant::now());
        limiter.buckets.admit_at(client, start).unwrap();
        limiter.buckets.admit_at(client, start).unwrap();
        let idle = start + Duration::from_secs(12);
        limiter.buckets.admit_at(client, idle).unwrap();
        limiter.buckets.admit_at(client, idle).unwrap();
        assert!(limiter.buckets.admit_at(client, idle).is_err());

        let (busy, idle) = (ip("192.0.2.2"), ip("192.0.2.3"));
        limiter.buckets.admit_at(busy, Instant::now()).unwrap();
        limiter.buckets.buckets().insert(idle, Instant::now());
        limiter.forget_idle();
        let buckets = limiter.buckets.buckets();
        assert!(buckets.contains_key(&busy) && !buckets.contains_key(&idle));
    }

    #[test]
    fn at_capacity_idle_clients_make_room_and_otherwise_new_ones_wait() {
        let mut limiter = limiter(1, None);
        limiter.buckets.max_keys = 2;
        let now = Instant::now();
        limiter.buckets.admit_at(ip("192.0.2.1"), now).unwrap();
        limiter.buckets.admit_at(ip("192.0.2.2"), now).unwrap();
        assert_eq!(
            limiter.buckets.admit_at(ip("192.0.2.3"), now),
            Err(Duration::from_secs(6))
        );
        let refilled = now + Duration::from_secs(6);
        assert_eq!(limiter.buckets.admit_at(ip("192.0.2.3"), refilled), Ok(()));
        assert_eq!(limiter.buckets.buckets().len(), 1);
    }

    #[test]
    fn the_forwarded_address_counts_only_from_the_trusted_proxy() {
        let proxy = ip("10.0.0.5");
        let limiter = limiter(1, Some(proxy));
        let headers = forwarded_for(&["198.51.100.1, 203.0.113.7"]);
        assert_eq!(
            limiter.client(peer("10.0.0.5"), &headers),
            ip("203.0.113.7")
        );
        // The proxy appends to the last header; what the client sent before is not believed.
        let two = forwarded_for(&["198.51.100.1", "203.0.113.8"]);
        assert_eq!(limiter.client(peer("10.0.0.5"), &two), ip("203.0.113.8"));
        assert_eq!(limiter.client(peer("10.0.0.6"), &headers), ip("10.0.0.6"));
        let garbage = forwarded_for(&["unknown"]);
        assert_eq!(limiter.client(peer("10.0.0.5"), &garbage), proxy);
        assert_eq!(limiter.client(peer("10.0.0.5"), &HeaderMap::new()), proxy);

        let untrusting = self::limiter(1, None);
        assert_eq!(
            untrusting.client(peer("10.0.0.5"), &headers),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64_and_mapped_ipv4_is_ipv4() {
        let limiter = limiter(1, None);
        let none = HeaderMap::new();
        assert_eq!(
            limiter.client(peer("2001:db8:1:2:aaaa::1"), &none),
            ip("2001:db8:1:2::")
        );
        assert_eq!(
            limiter.client(peer("2001:db8:1:2:bbbb::9"), &none),
            ip("2001:db8:1:2::")
        );
        assert_eq!(
            limiter.client(peer("::ffff:192.0.2.1"), &none),
            ip("192.0.2.1")
        );
    }
}
