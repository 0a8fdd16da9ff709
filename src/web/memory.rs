//! What a signed-in request reads from memory instead of the database: the session record
//! and the signed-in person (with their company and its feature flags). Every signed-in page,
//! server function and API call needs both, and each was a database round trip.
//!
//! Kept correct by dropping, not by guessing:
//! - **This process's writes.** The session store writes through (`server::sessions`); every
//!   save or delete of a person, a company or its flags is announced by the entities
//!   (`entities::changes`) and drops what is kept of it.
//! - **Other processes' writes** (replicas on PostgreSQL, the command line): PostgreSQL
//!   triggers send `NOTIFY digame_memory` in the writing transaction, and the session store
//!   sends one for each session it writes; [`listen`] hears them and drops the same entries.
//!   Until it listens, and whenever its connection was lost, nothing is kept (whatever was is
//!   dropped: notifications may have been missed).
//! - **Races.** A read that started before a change may finish after it with what it read
//!   before: each change is stamped with a tick of one clock, a read remembers the tick it
//!   started at ([`Ticket`]), and what it read is kept only if nothing it depends on (the
//!   session; the person, or their company) changed since. An entity announces its change
//!   before its transaction commits, so for [`QUIET`] after a change nothing read of it is
//!   kept (a read in that window may still see the old row); PostgreSQL's notification, sent
//!   at commit, drops it again in any case.
//! - **Time.** An entry lives [`KEPT_FOR`] at most, so a change no one announced (an
//!   operator's SQL on a SQLite file) shows within that.
//!
//! A hand-written map rather than a caching crate: what makes it correct is the tick check
//! and the company-wide drop, which no general cache offers; the maps themselves are plain.

use crate::entities::changes::{self, Change, Hears};
use crate::person::SessionUser;
use sea_orm::sqlx::postgres::{PgListener, PgPool};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tower_sessions::session::{Id, Record};

/// How long an entry is kept at most.
pub const KEPT_FOR: Duration = Duration::from_secs(30);
/// After a change announced in this process, how long nothing read of it is kept.
pub const QUIET: Duration = Duration::from_secs(1);
/// The PostgreSQL channel the triggers and the session store notify on.
pub const CHANNEL: &str = "digame_memory";
/// How long the memory on PostgreSQL trusts itself after the last notification it heard.
pub const HEARD_WITHIN: Duration = Duration::from_secs(3);
/// The keep-alive each replica sends every second, so that a listener hears something.
const KEEP_ALIVE: &str = "p";
/// Entries per map before the expired ones are swept (and, if that is not enough, all).
const ROOM: usize = 50_000;

/// The tick a read started at: what it read is kept only if nothing changed since.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

/// A key's last change: the tick, and until when reads of it are not kept.
#[derive(Debug, Clone, Copy)]
struct Mark {
    tick: u64,
    quiet_until: Option<Instant>,
    at: Instant,
}

impl Mark {
    /// Whether a read that started at `ticket` may keep what it read.
    fn allows(&self, ticket: Ticket, now: Instant) -> bool {
        self.tick <= ticket.0 && self.quiet_until.is_none_or(|q| now >= q)
    }

    /// Whether the mark still matters to a read in flight (reads take seconds at most).
    fn matters(&self, now: Instant) -> bool {
        now.duration_since(self.at) < KEPT_FOR
    }
}

struct Entry<V> {
    value: V,
    until: Instant,
}

/// One map of kept values and the marks of their keys' last changes.
struct Shelf<K, V> {
    values: HashMap<K, Entry<V>>,
    marks: HashMap<K, Mark>,
}

impl<K: Hash + Eq + Copy, V: Clone> Shelf<K, V> {
    fn new() -> Self {
        Shelf {
            values: HashMap::new(),
            marks: HashMap::new(),
        }
    }

    fn get(&self, key: &K, now: Instant) -> Option<V> {
        self.values
            .get(key)
            .filter(|e| e.until > now)
            .map(|e| e.value.clone())
    }

    fn allows(&self, key: &K, ticket: Ticket, now: Instant) -> bool {
        self.marks.get(key).is_none_or(|m| m.allows(ticket, now))
    }

    fn put(&mut self, key: K, value: V, now: Instant) {
        if self.values.len() >= ROOM {
            self.values.retain(|_, e| e.until > now);
            self.marks.retain(|_, m| m.matters(now));
            if self.values.len() >= ROOM {
                self.values.clear();
            }
        }
        self.values.insert(
            key,
            Entry {
                value,
                until: now + KEPT_FOR,
            },
        );
    }

    fn mark(&mut self, key: K, mark: Mark) {
        self.values.remove(&key);
        self.marks.insert(key, mark);
    }
}

/// The people kept, and the marks of their companies' changes.
struct People {
    shelf: Shelf<i64, SessionUser>,
    companies: HashMap<i64, Mark>,
}

/// The session records and people this process keeps (one per server, in `AppState`).
pub struct Memory {
    clock: AtomicU64,
    /// The tick of the last full drop: reads that started before it keep nothing.
    dropped_at: AtomicU64,
    /// Until when (milliseconds since `born`) entries may be kept and served: always on
    /// SQLite; on PostgreSQL only while [`listen`] hears notifications (its own keep-alive
    /// every second among them), so a listening connection that silently stopped delivering
    /// closes the memory within [`HEARD_WITHIN`].
    trusted_until: AtomicU64,
    born: Instant,
    sessions: RwLock<Shelf<u128, Record>>,
    people: RwLock<People>,
}

/// The key a session is kept and notified under: a digest of its id, so the id itself (a
/// credential) never travels in a notification.
pub fn session_key(id: &Id) -> u128 {
    let digest = Sha256::digest(id.0.to_le_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(first)
}

impl Memory {
    /// A memory that keeps entries at once (`open`, SQLite) or only once [`listen`] hears
    /// PostgreSQL's notifications.
    pub fn new(open: bool) -> Arc<Memory> {
        let memory = Arc::new(Memory {
            clock: AtomicU64::new(1),
            dropped_at: AtomicU64::new(0),
            trusted_until: AtomicU64::new(if open { u64::MAX } else { 0 }),
            born: Instant::now(),
            sessions: RwLock::new(Shelf::new()),
            people: RwLock::new(People {
                shelf: Shelf::new(),
                companies: HashMap::new(),
            }),
        });
        let hears: Arc<dyn Hears> = memory.clone();
        changes::listen(&hears);
        memory
    }

    /// Taken before reading from the database what may then be kept.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.clock.load(Ordering::SeqCst))
    }

    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn may_keep(&self, ticket: Ticket) -> bool {
        self.is_open() && ticket.0 >= self.dropped_at.load(Ordering::SeqCst)
    }

    /// The session record kept for `id`, unexpired.
    pub fn session(&self, id: &Id) -> Option<Record> {
        if !self.is_open() {
            return None;
        }
        let record = read(&self.sessions).get(&session_key(id), Instant::now())?;
        (record.expiry_date > tower_sessions::cookie::time::OffsetDateTime::now_utc())
            .then_some(record)
    }

    /// Keeps a session record read from the database, unless it changed since `ticket`.
    pub fn keep_session(&self, ticket: Ticket, record: &Record) {
        let key = session_key(&record.id);
        let now = Instant::now();
        let mut shelf = write(&self.sessions);
        if self.may_keep(ticket) && shelf.allows(&key, ticket, now) {
            shelf.put(key, record.clone(), now);
        }
    }

    /// A session record this process just wrote (`Some`) or deleted (`None`): kept as
    /// written, and no read from before the write may replace it.
    pub fn session_written(&self, id: &Id, written: Option<&Record>) {
        let key = session_key(id);
        let now = Instant::now();
        let tick = self.tick();
        let mut shelf = write(&self.sessions);
        shelf.mark(
            key,
            Mark {
                tick,
                quiet_until: None,
                at: now,
            },
        );
        if let Some(record) = written {
            if self.is_open() {
                shelf.put(key, record.clone(), now);
            }
        }
    }

    /// The active person with this id, as kept.
    pub fn person(&self, id: i64) -> Option<SessionUser> {
        if !self.is_open() {
            return None;
        }
        read(&self.people).shelf.get(&id, Instant::now())
    }

    /// Keeps a person read from the database, unless they or their company changed since
    /// `ticket`.
    pub fn keep_person(&self, ticket: Ticket, person: &SessionUser) {
        let now = Instant::now();
        let mut people = write(&self.people);
        let company_allows = people
            .companies
            .get(&person.tenant.id)
            .is_none_or(|m| m.allows(ticket, now));
        if self.may_keep(ticket)
            && company_allows
            && people.shelf.allows(&person.user.id, ticket, now)
        {
            if people.shelf.values.len() >= ROOM {
                people.companies.retain(|_, m| m.matters(now));
            }
            people.shelf.put(person.user.id, person.clone(), now);
        }
    }

    /// Drops what is kept of `change`; `quiet` when the change may not be committed yet.
    fn drop_change(&self, change: Change, quiet: bool) {
        let now = Instant::now();
        let mark = Mark {
            tick: self.tick(),
            quiet_until: quiet.then(|| now + QUIET),
            at: now,
        };
        let mut people = write(&self.people);
        match change {
            Change::Person(id) => people.shelf.mark(id, mark),
            Change::Tenant(id) => {
                people.companies.insert(id, mark);
                people.shelf.values.retain(|_, e| e.value.tenant.id != id);
            }
        }
    }

    /// Drops a session record another process wrote.
    fn drop_session(&self, key: u128) {
        let now = Instant::now();
        let tick = self.tick();
        write(&self.sessions).mark(
            key,
            Mark {
                tick,
                quiet_until: None,
                at: now,
            },
        );
    }

    /// Drops everything, and keeps nothing read before now.
    pub fn drop_all(&self) {
        let tick = self.tick();
        self.dropped_at.store(tick, Ordering::SeqCst);
        write(&self.sessions).values.clear();
        write(&self.people).shelf.values.clear();
    }

    /// Applies one notification's payload (`u:<id>`, `t:<id>`, `s:<hex key>`); an unknown
    /// one drops everything, to be safe.
    pub fn apply(&self, payload: &str) {
        if payload == KEEP_ALIVE {
            return;
        }
        let parsed = payload.split_once(':').and_then(|(kind, rest)| match kind {
            "u" => rest
                .parse()
                .ok()
                .map(|id| self.drop_change(Change::Person(id), false)),
            "t" => rest
                .parse()
                .ok()
                .map(|id| self.drop_change(Change::Tenant(id), false)),
            "s" => u128::from_str_radix(rest, 16)
                .ok()
                .map(|k| self.drop_session(k)),
            _ => None,
        });
        if parsed.is_none() {
            tracing::warn!(
                payload,
                "unknown memory notification: dropping everything kept"
            );
            self.drop_all();
        }
    }

    fn millis(&self) -> u64 {
        self.born.elapsed().as_millis() as u64
    }

    /// Whether entries may be kept and served now.
    fn is_open(&self) -> bool {
        self.millis() < self.trusted_until.load(Ordering::SeqCst)
    }

    /// Trusted for [`HEARD_WITHIN`] more: the listener heard a notification. After a silence
    /// that closed the memory, everything kept before it is dropped first.
    fn heard(&self) {
        if !self.is_open() {
            self.drop_all();
        }
        let until = self.millis() + HEARD_WITHIN.as_millis() as u64;
        self.trusted_until.store(until, Ordering::SeqCst);
    }

    /// Keeps and serves nothing until [`Self::heard`] (or for good, on SQLite, `open`).
    fn set_open(&self, open: bool) {
        self.trusted_until
            .store(if open { u64::MAX } else { 0 }, Ordering::SeqCst);
    }
}

impl Hears for Memory {
    fn changed(&self, change: Change) {
        self.drop_change(change, true);
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

/// The notification payload for a session written or deleted in this process.
pub fn session_payload(id: &Id) -> String {
    format!("s:{:032x}", session_key(id))
}

/// On PostgreSQL: listens for the other processes' changes for as long as the server runs.
/// Keeps nothing until listening; when the connection is lost, drops everything and keeps
/// nothing until it listens again (retrying every second). A keep-alive notification every
/// second proves the listening connection still delivers: after [`HEARD_WITHIN`] without
/// one (a database that stopped answering, a silent network), nothing is served from memory.
pub fn listen(memory: Arc<Memory>, pool: PgPool) {
    let pinger = pool.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            every.tick().await;
            let sent = sea_orm::sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(KEEP_ALIVE)
                .execute(&pinger)
                .await;
            if let Err(e) = sent {
                tracing::debug!(error = %e, "memory keep-alive not sent");
            }
        }
    });
    tokio::spawn(async move {
        loop {
            match subscribe(&pool).await {
                Ok(mut listener) => {
                    memory.drop_all();
                    memory.heard();
                    tracing::debug!("listening for changes on {CHANNEL}");
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(note)) => {
                                memory.heard();
                                memory.apply(note.payload());
                            }
                            Ok(None) => {
                                tracing::warn!("lost the {CHANNEL} listener's connection: keeping nothing until it is back");
                                break;
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "the {CHANNEL} listener failed: keeping nothing until it is back");
                                break;
                            }
                        }
                    }
                    memory.set_open(false);
                    memory.drop_all();
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen on {CHANNEL}: keeping nothing in memory until it can")
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::{tenants, users};

    fn person(id: i64, tenant: i64) -> SessionUser {
        let now = chrono::Utc::now();
        SessionUser::new(
            users::Model {
                id,
                tenant_id: tenant,
                email: format!("p{id}@example.com"),
                display_name: format!("Person {id}"),
                password_hash: String::new(),
                role: crate::domain::Role::Member,
                active: true,
                onboarding_completed: true,
                created_at: now,
                last_login_at: None,
                session_epoch: 0,
                email_verified_at: None,
                two_factor_enabled_at: None,
                updated_at: None,
                locale: None,
            },
            tenants::Model {
                id: tenant,
                name: format!("Company {tenant}"),
                slug: format!("company-{tenant}"),
                tier: crate::domain::Tier::Free,
                require_two_factor: false,
                created_at: now,
                default_locale: None,
            },
        )
    }

    fn record(id: i128) -> Record {
        Record {
            id: Id(id),
            data: Default::default(),
            expiry_date: tower_sessions::cookie::time::OffsetDateTime::now_utc()
                + tower_sessions::cookie::time::Duration::hours(1),
        }
    }

    #[test]
    fn a_person_read_is_kept_and_a_change_drops_them() {
        let memory = Memory::new(true);
        memory.keep_person(memory.ticket(), &person(1, 10));
        assert_eq!(memory.person(1).map(|p| p.user.id), Some(1));
        memory.apply("u:1");
        assert!(memory.person(1).is_none());
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_kept() {
        let memory = Memory::new(true);
        let ticket = memory.ticket();
        // The change lands while the read is in flight…
        memory.apply("u:2");
        // …so what the read saw is not kept.
        memory.keep_person(ticket, &person(2, 10));
        assert!(memory.person(2).is_none());
        // A read that starts after it is.
        memory.keep_person(memory.ticket(), &person(2, 10));
        assert!(memory.person(2).is_some());
    }

    #[test]
    fn a_company_change_drops_all_its_people_and_races_too() {
        let memory = Memory::new(true);
        memory.keep_person(memory.ticket(), &person(3, 20));
        memory.keep_person(memory.ticket(), &person(4, 20));
        memory.keep_person(memory.ticket(), &person(5, 21));
        let ticket = memory.ticket();
        memory.apply("t:20");
        assert!(memory.person(3).is_none() && memory.person(4).is_none());
        assert!(memory.person(5).is_some(), "another company's people stay");
        memory.keep_person(ticket, &person(3, 20));
        assert!(
            memory.person(3).is_none(),
            "read before the company changed"
        );
    }

    #[test]
    fn a_change_announced_before_commit_keeps_nothing_for_a_moment() {
        let memory = Memory::new(true);
        changes::announce(Change::Person(6));
        // Even a read that started after the announcement may have seen the old row.
        memory.keep_person(memory.ticket(), &person(6, 30));
        assert!(memory.person(6).is_none());
    }

    #[test]
    fn sessions_write_through_and_deletes_and_notifications_drop_them() {
        let memory = Memory::new(true);
        let stale = memory.ticket();
        let written = record(42);
        memory.session_written(&written.id, Some(&written));
        assert!(memory.session(&Id(42)).is_some());
        // A read from before the write does not put the old record back.
        memory.session_written(&written.id, None);
        memory.keep_session(stale, &written);
        assert!(memory.session(&Id(42)).is_none());
        memory.keep_session(memory.ticket(), &written);
        assert!(memory.session(&Id(42)).is_some());
        memory.apply(&session_payload(&Id(42)));
        assert!(memory.session(&Id(42)).is_none());
    }

    #[test]
    fn an_expired_session_is_not_served() {
        let memory = Memory::new(true);
        let mut old = record(7);
        old.expiry_date = tower_sessions::cookie::time::OffsetDateTime::now_utc()
            - tower_sessions::cookie::time::Duration::seconds(1);
        memory.keep_session(memory.ticket(), &old);
        assert!(memory.session(&Id(7)).is_none());
    }

    #[test]
    fn on_postgresql_memory_is_trusted_only_while_notifications_are_heard() {
        let memory = Memory::new(false);
        memory.heard();
        memory.keep_person(memory.ticket(), &person(9, 50));
        assert!(memory.person(9).is_some());
        // Silence past the window: nothing is served…
        memory
            .trusted_until
            .store(memory.millis(), Ordering::SeqCst);
        assert!(memory.person(9).is_none());
        // …and what was kept before it is gone once notifications are heard again.
        memory.heard();
        assert!(memory.person(9).is_none());
        memory.apply(KEEP_ALIVE);
        memory.keep_person(memory.ticket(), &person(9, 50));
        assert!(memory.person(9).is_some());
    }

    #[test]
    fn closed_memory_keeps_nothing_and_a_drop_stops_reads_in_flight() {
        let memory = Memory::new(false);
        memory.keep_person(memory.ticket(), &person(8, 40));
        assert!(memory.person(8).is_none(), "not listening yet");
        memory.set_open(true);
        let ticket = memory.ticket();
        memory.drop_all();
        memory.keep_person(ticket, &person(8, 40));
        assert!(memory.person(8).is_none(), "read before the drop");
        memory.apply("nonsense");
        memory.keep_person(memory.ticket(), &person(8, 40));
        assert!(memory.person(8).is_some());
    }
}
