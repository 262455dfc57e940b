//! Five wrong passwords in a row lock an account for 15 minutes. Counted in the account's row, so
//! that concurrent attempts queue on its lock and none is lost; see [`super::login`] for why the
//! lock cannot be used to find out which accounts exist.

use chrono::TimeDelta;
use sqlx::PgPool;
use uuid::Uuid;
use yoyaku_core::{Code, Coded, MunicipalityCode};

/// Wrong passwords in a row that lock an account …
const MAX_FAILED_LOGINS: i32 = 5;
/// … for this long.
const LOCKOUT_MINUTES: i64 = 15;

/// Too many wrong passwords in a row; see [`super::login`].
#[derive(Debug, thiserror::Error)]
#[error(
    "The account is locked after repeated failed logins. Please try again in {LOCKOUT_MINUTES} minutes."
)]
pub(super) struct AccountLocked;

impl Coded for AccountLocked {
    fn code(&self) -> Code {
        Code::AuthLocked
    }
    fn message_ja(&self) -> String {
        format!(
            "ログインに続けて失敗したため、アカウントを一時的にロックしました。{LOCKOUT_MINUTES}分後にもう一度お試しください。"
        )
    }
}

/// Counts a wrong password, locking the account at the [`MAX_FAILED_LOGINS`]th in a row. One
/// statement: concurrent failures queue on the row's lock and each adds to the count the previous
/// one left. Nothing is counted while locked, and the count starts over once a lock has ended.
pub(super) async fn record_failure(
    db: &PgPool,
    municipality_code: MunicipalityCode,
    account: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update accounts
         set failed_logins = case when locked_until is null then failed_logins else 0 end + 1,
             locked_until = case
                 when case when locked_until is null then failed_logins else 0 end + 1 >= $3
                 then now() + $4
             end
         where municipality_code = $1 and id = $2
           and (locked_until is null or locked_until <= now())",
        municipality_code.as_string(),
        account,
        MAX_FAILED_LOGINS,
        // `as _`: the macro expects a PgInterval, though TimeDelta encodes an interval too.
        TimeDelta::minutes(LOCKOUT_MINUTES) as _,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The city's administrator locked the account; see [`super::login`].
#[derive(Debug, thiserror::Error)]
#[error("This account has been locked by the city's administrator. Please contact the city.")]
pub(super) struct LockedByCity;

impl Coded for LockedByCity {
    fn code(&self) -> Code {
        Code::AuthLockedByCity
    }
    fn message_ja(&self) -> String {
        "このアカウントは市の管理者により停止されています。市の担当課にお問い合わせください。"
            .into()
    }
}

/// What the right password finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Admission {
    /// Logged in: the count is cleared and the login's time kept.
    Admitted,
    /// Locked after wrong passwords, for a while.
    LockedOut,
    /// Locked by the city until it unlocks it.
    LockedByCity,
}

/// After the right password: clears the count and notes the login, unless the account is locked.
/// In the same statement as the check, so a lock that a concurrent failure just set is respected.
pub(super) async fn clear(
    db: &PgPool,
    municipality_code: MunicipalityCode,
    account: Uuid,
) -> Result<Admission, sqlx::Error> {
    let cleared = sqlx::query!(
        "update accounts set failed_logins = 0, locked_until = null, last_login_at = now()
         where municipality_code = $1 and id = $2 and locked_at is null
           and (locked_until is null or locked_until <= now())",
        municipality_code.as_string(),
        account,
    )
    .execute(db)
    .await?;
    if cleared.rows_affected() == 1 {
        return Ok(Admission::Admitted);
    }
    let by_city = sqlx::query_scalar!(
        r#"select locked_at is not null as "by_city!" from accounts
           where municipality_code = $1 and id = $2"#,
        municipality_code.as_string(),
        account,
    )
    .fetch_one(db)
    .await?;
    Ok(if by_city {
        Admission::LockedByCity
    } else {
        Admission::LockedOut
    })
}
