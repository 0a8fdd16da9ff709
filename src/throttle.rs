//! Counters in the database, so every app replica enforces the same limits: failed
//! sign-ins per account and address, and every other attempt counted per key before the
//! work it guards (registrations, reset mails, password and code checks, invitations, AI
//! calls per minute).

use crate::entities::login_throttles;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
};

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub max_failures: i32,
    pub window: Duration,
    pub lockout: Duration,
}

/// Five wrong passwords for one account from one client address within 15 minutes lock
/// that address out of that account for 15 minutes (and five wrong current passwords or
/// codes of a signed-in person lock those checks).
pub const ACCOUNT: Policy = Policy {
    max_failures: 5,
    window: Duration::minutes(15),
    lockout: Duration::minutes(15),
};

/// The account-wide count of failed sign-ins from every address: it never locks (the
/// limit is out of reach); past [`SLOWDOWN_AFTER`] it slows unknown browsers down.
pub const ACCOUNT_WIDE: Policy = Policy {
    max_failures: i32::MAX,
    window: Duration::minutes(15),
    lockout: Duration::minutes(15),
};

/// Failed sign-ins to one account, from all addresses, after which the account is slowed.
pub const SLOWDOWN_AFTER: i32 = 10;

/// A slowed account takes one sign-in attempt a minute from browsers it does not know:
/// a distributed guesser gets at most 60 guesses an hour, whatever number of addresses.
pub const SLOWED: Policy = Policy {
    max_failures: 1,
    window: Duration::minutes(1),
    lockout: Duration::minutes(1),
};

/// One address may fail thirty times in 15 minutes (shared offices sit behind one address).
pub const ADDRESS: Policy = Policy {
    max_failures: 30,
    window: Duration::minutes(15),
    lockout: Duration::minutes(15),
};

/// One address may start ten registrations an hour (each costs a password hash).
pub const REGISTRATION: Policy = Policy {
    max_failures: 10,
    window: Duration::hours(1),
    lockout: Duration::hours(1),
};

/// The throttle key of a client address: an IPv4 address as it is, an IPv6 client by its
/// /64 (one household or host usually holds a whole /64, so single addresses are free).
pub fn address_key(kind: &str, ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{kind}:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        std::net::IpAddr::V6(v6) => format!(
            "{kind}:{}",
            v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4)
        ),
        std::net::IpAddr::V4(_) => format!("{kind}:{ip}"),
    }
}

/// Seconds until a lock that ends at `locked_until` runs out, if it is still on.
pub fn locked_for(locked_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<i64> {
    let until = locked_until?;
    (until > now).then(|| (until - now).num_seconds().max(1))
}

pub async fn check(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, DbErr> {
    let row = login_throttles::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?;
    Ok(locked_for(row.and_then(|r| r.locked_until), now))
}

/// Counts one failure. Three single statements, each atomic, and no read-then-write
/// transaction (which SQLite would refuse under concurrent sign-ins): a lapsed window or
/// an expired lock starts counting again; the count goes up; reaching the limit locks.
pub async fn record_failure(
    db: &impl ConnectionTrait,
    key: &str,
    policy: Policy,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use login_throttles::{Column, Entity};
    let no_lock: Option<DateTime<Utc>> = None;
    Entity::update_many()
        .col_expr(Column::Failures, Expr::value(0))
        .col_expr(Column::WindowStartedAt, Expr::value(now))
        .col_expr(Column::LockedUntil, Expr::value(no_lock))
        .filter(Column::Key.eq(key))
        .filter(
            Condition::any()
                .add(Column::WindowStartedAt.lt(now - policy.window))
                .add(Column::LockedUntil.lte(now)),
        )
        .exec(db)
        .await?;
    Entity::insert(login_throttles::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(1),
        window_started_at: Set(now),
        locked_until: Set(None),
    })
    .on_conflict(
        OnConflict::column(Column::Key)
            .value(
                Column::Failures,
                Expr::col((Entity, Column::Failures)).add(1),
            )
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Entity::update_many()
        .col_expr(Column::LockedUntil, Expr::value(Some(now + policy.lockout)))
        .filter(Column::Key.eq(key))
        .filter(Column::Failures.gte(policy.max_failures))
        .filter(Column::LockedUntil.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Counts one attempt against `key` before the work it guards (a registration, a reset
/// mail) and says whether it is refused: `Some(seconds to wait)` when the key is locked, or
/// when this attempt is over the policy's limit (concurrent attempts are all counted first).
pub async fn count_attempt(
    db: &impl ConnectionTrait,
    key: &str,
    policy: Policy,
    now: DateTime<Utc>,
) -> Result<Option<i64>, DbErr> {
    if let Some(secs) = check(db, key, now).await? {
        return Ok(Some(secs));
    }
    record_failure(db, key, policy, now).await?;
    Ok((count(db, key).await? > policy.max_failures).then(|| policy.lockout.num_seconds()))
}

/// How many attempts the current window of `key` holds.
pub async fn count(db: &impl ConnectionTrait, key: &str) -> Result<i32, DbErr> {
    Ok(login_throttles::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
        .map_or(0, |r| r.failures))
}

/// Takes back one counted attempt (it turned out to be a success): the count goes down by
/// one, and a lock that this attempt set is lifted once the count is under the limit.
pub async fn forgive(db: &impl ConnectionTrait, key: &str, policy: Policy) -> Result<(), DbErr> {
    use login_throttles::{Column, Entity};
    Entity::update_many()
        .col_expr(Column::Failures, Expr::col(Column::Failures).sub(1))
        .filter(Column::Key.eq(key))
        .filter(Column::Failures.gt(0))
        .exec(db)
        .await?;
    let no_lock: Option<DateTime<Utc>> = None;
    Entity::update_many()
        .col_expr(Column::LockedUntil, Expr::value(no_lock))
        .filter(Column::Key.eq(key))
        .filter(Column::Failures.lt(policy.max_failures))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    login_throttles::Entity::delete_by_id(key.to_owned())
        .exec(db)
        .await?;
    Ok(())
}

/// "Try again in N minutes", rounded up.
pub fn message(retry_after_secs: i64) -> String {
    let minutes = (retry_after_secs + 59) / 60;
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    format!("Too many failed sign-in attempts. Try again in {minutes} {unit}.")
}

/// The answer of a slowed account: seconds, as the wait is short.
pub fn slowed_message(retry_after_secs: i64) -> String {
    format!(
        "Many sign-ins to this account have failed recently, so it takes one attempt a minute from new browsers. Try again in {retry_after_secs} seconds."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(min)
    }

    #[test]
    fn ipv6_clients_are_throttled_by_their_64() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        assert_eq!(
            address_key("address", ip("203.0.113.9")),
            "address:203.0.113.9"
        );
        assert_eq!(
            address_key("address", ip("2001:db8:1:2:aaaa::1")),
            address_key("address", ip("2001:db8:1:2:bbbb::9"))
        );
        assert_eq!(
            address_key("address", ip("2001:db8:1:2::1")),
            "address:2001:db8:1:2::/64"
        );
        assert_ne!(
            address_key("address", ip("2001:db8:1:2::1")),
            address_key("address", ip("2001:db8:1:3::1"))
        );
        assert_eq!(
            address_key("register", ip("::ffff:10.1.2.3")),
            "register:10.1.2.3"
        );
    }

    #[test]
    fn a_lock_counts_down_then_ends() {
        let until = Some(at(15));
        assert_eq!(locked_for(until, at(0)), Some(15 * 60));
        assert_eq!(locked_for(until, at(14)), Some(60));
        assert_eq!(locked_for(until, at(15)), None);
        assert_eq!(locked_for(None, at(0)), None);
    }

    #[test]
    fn messages_round_up_to_minutes() {
        assert_eq!(
            message(1),
            "Too many failed sign-in attempts. Try again in 1 minute."
        );
        assert_eq!(
            message(61),
            "Too many failed sign-in attempts. Try again in 2 minutes."
        );
        assert_eq!(
            message(900),
            "Too many failed sign-in attempts. Try again in 15 minutes."
        );
    }
}
