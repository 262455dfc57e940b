//! The waiting room in front of the web's bookings on opening day. Each arrival takes the next
//! place in its municipality's line and the time it is let in: first come first served, one place
//! every `1 / per_second` seconds, or at once while the line keeps up with its arrivals. The line
//! is a row in PostgreSQL, so every server instance hands out places from the same one.
//!
//! A place is a signed token (HMAC-SHA256 with a key kept in the database): the page keeps it
//! across reloads, and nobody can make one up, move it forward or use it for another city. Its
//! wait is honest because it is the schedule itself, not a guess.

use std::num::NonZeroU32;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::Sha256;
use sqlx::PgPool;
use tokio::sync::OnceCell;
use yoyaku_core::{Code, Coded, MunicipalityCode};

/// How long a place lets its holder in once its time has come: enough to choose a slot and book.
pub(crate) const ADMITTED_FOR: TimeDelta = TimeDelta::minutes(30);

pub(crate) struct WaitingRoom {
    per_second: NonZeroU32,
    key: OnceCell<[u8; 32]>,
}

/// A place in a municipality's line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    pub municipality: MunicipalityCode,
    /// 1 for the first arrival.
    pub position: i64,
    pub admit_at: DateTime<Utc>,
}

impl Place {
    pub fn admitted_until(&self) -> DateTime<Utc> {
        self.admit_at + ADMITTED_FOR
    }
}

/// Why a booking from the web was not let through the waiting room.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refused {
    #[error("the waiting room is open: take a place in line first")]
    PlaceRequired,
    #[error("this place in line is not one the city handed out")]
    NotOurs,
    #[error("your turn comes in {seconds} seconds; please keep this page open")]
    NotYet { seconds: u64 },
    #[error("this place in line was let in more than 30 minutes ago; please take a new place")]
    Expired,
}

impl Coded for Refused {
    fn code(&self) -> Code {
        match self {
            Self::PlaceRequired => Code::WaitingRoomPlaceRequired,
            Self::NotOurs => Code::WaitingRoomPlaceInvalid,
            Self::NotYet { .. } => Code::WaitingRoomNotYet,
            Self::Expired => Code::WaitingRoomExpired,
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::PlaceRequired => {
                "ただいま予約の受付が混み合っています。順番待ちの列に並んでから予約してください。"
                    .into()
            }
            Self::NotOurs => {
                "順番待ちの番号を確認できませんでした。もう一度列に並んでください。".into()
            }
            Self::NotYet { seconds } => format!(
                "まだ順番が来ていません。あと約{seconds}秒です。このページを開いたままお待ちください。"
            ),
            Self::Expired => "順番が来てから30分が過ぎました。もう一度列に並んでください。".into(),
        }
    }
}

impl WaitingRoom {
    /// A room that lets `per_second` places in each second.
    pub fn new(per_second: NonZeroU32) -> Self {
        Self {
            per_second,
            key: OnceCell::new(),
        }
    }

    pub fn per_second(&self) -> u32 {
        self.per_second.get()
    }

    /// The time between two places let in, in microseconds.
    fn interval_micros(&self) -> i64 {
        1_000_000 / i64::from(self.per_second.get())
    }

    /// The next place in `municipality`'s line.
    pub async fn enter(
        &self,
        db: &PgPool,
        municipality: MunicipalityCode,
    ) -> Result<(Place, String), sqlx::Error> {
        let key = self.key(db).await?;
        let row = sqlx::query!(
            r#"insert into waiting_lines (municipality_code, last_position, last_admitted_at)
               values ($1, 1, now())
               on conflict (municipality_code) do update
                 set last_position = waiting_lines.last_position + 1,
                     last_admitted_at = greatest(
                         now(),
                         waiting_lines.last_admitted_at + $2::bigint * interval '1 microsecond')
               returning last_position,
                         last_admitted_at as "last_admitted_at: DateTime<Utc>""#,
            municipality.as_string(),
            self.interval_micros(),
        )
        .fetch_one(db)
        .await?;
        let place = Place {
            municipality,
            position: row.last_position,
            admit_at: row.last_admitted_at,
        };
        Ok((place, sign(key, &place)))
    }

    /// The place `token` stands for, if the city handed it out.
    pub async fn read(&self, db: &PgPool, token: &str) -> Result<Option<Place>, sqlx::Error> {
        Ok(verify(self.key(db).await?, token))
    }

    /// Lets a booking of `municipality` from the web through at `now`, or says why not.
    pub async fn admit(
        &self,
        db: &PgPool,
        token: Option<&str>,
        municipality: MunicipalityCode,
        now: DateTime<Utc>,
    ) -> Result<Result<Place, Refused>, sqlx::Error> {
        let Some(token) = token else {
            return Ok(Err(Refused::PlaceRequired));
        };
        let place = self.read(db, token).await?;
        Ok(match place {
            Some(place) if place.municipality == municipality => judge(place, now),
            _ => Err(Refused::NotOurs),
        })
    }

    /// The signing key every instance shares: made by the first that needs it.
    async fn key(&self, db: &PgPool) -> Result<&[u8; 32], sqlx::Error> {
        self.key
            .get_or_try_init(|| async {
                let mut fresh = [0u8; 32];
                OsRng.fill_bytes(&mut fresh);
                let key = sqlx::query_scalar!(
                    "with made as (
                         insert into waiting_room_key (key) values ($1)
                         on conflict (id) do nothing
                         returning key
                     )
                     select key from made union all select key from waiting_room_key
                     limit 1",
                    &fresh[..],
                )
                .fetch_one(db)
                .await?
                .ok_or_else(|| sqlx::Error::RowNotFound)?;
                key.try_into().map_err(|_| {
                    sqlx::Error::Decode("the waiting room's key is not 32 bytes".into())
                })
            })
            .await
    }
}

/// Whether `place` may book at `now`.
fn judge(place: Place, now: DateTime<Utc>) -> Result<Place, Refused> {
    if now < place.admit_at {
        let wait = place.admit_at - now;
        let seconds = (wait.num_milliseconds() + 999) / 1000;
        return Err(Refused::NotYet {
            seconds: u64::try_from(seconds.max(1)).unwrap_or(1),
        });
    }
    if now >= place.admitted_until() {
        return Err(Refused::Expired);
    }
    Ok(place)
}

/// `municipality.position.admit_at_micros.mac`, the MAC over the rest.
fn sign(key: &[u8; 32], place: &Place) -> String {
    let claim = format!(
        "{}.{}.{}",
        place.municipality.as_string(),
        place.position,
        place.admit_at.timestamp_micros()
    );
    let mac = URL_SAFE_NO_PAD.encode(mac(key, &claim).finalize().into_bytes());
    format!("{claim}.{mac}")
}

fn verify(key: &[u8; 32], token: &str) -> Option<Place> {
    let (claim, signature) = token.rsplit_once('.')?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    mac(key, claim).verify_slice(&signature).ok()?;
    let mut parts = claim.split('.');
    let municipality = MunicipalityCode::parse(parts.next()?).ok()?;
    let position = parts.next()?.parse().ok()?;
    let admit_at = DateTime::from_timestamp_micros(parts.next()?.parse().ok()?)?;
    parts.next().is_none().then_some(Place {
        municipality,
        position,
        admit_at,
    })
}

fn mac(key: &[u8; 32], claim: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(claim.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(position: i64) -> Place {
        Place {
            municipality: MunicipalityCode::parse("431001").unwrap(),
            position,
            admit_at: DateTime::from_timestamp(1_620_000_000, 250_000_000).unwrap(),
        }
    }

    #[test]
    fn a_signed_place_reads_back_and_nothing_else_does() {
        let key = [7u8; 32];
        let token = sign(&key, &place(42));
        assert_eq!(verify(&key, &token), Some(place(42)));
        // Another key, a place moved forward, another city, or garbage: none is a place.
        assert_eq!(verify(&[8u8; 32], &token), None);
        let forward = token.replacen(".42.", ".41.", 1);
        assert_eq!(verify(&key, &forward), None);
        let elsewhere = token.replacen("431001", "131016", 1);
        assert_eq!(verify(&key, &elsewhere), None);
        for garbage in ["", ".", "431001.1.2", "a.b.c.d", &format!("{token}x")] {
            assert_eq!(verify(&key, garbage), None, "{garbage}");
        }
    }

    #[test]
    fn a_place_books_from_its_time_for_half_an_hour() {
        let p = place(1);
        assert_eq!(
            judge(p, p.admit_at - TimeDelta::milliseconds(1_500)),
            Err(Refused::NotYet { seconds: 2 })
        );
        assert_eq!(
            judge(p, p.admit_at - TimeDelta::milliseconds(1)),
            Err(Refused::NotYet { seconds: 1 })
        );
        assert_eq!(judge(p, p.admit_at), Ok(p));
        assert_eq!(judge(p, p.admitted_until() - TimeDelta::seconds(1)), Ok(p));
        assert_eq!(judge(p, p.admitted_until()), Err(Refused::Expired));
    }

    #[test]
    fn the_interval_is_the_rate_s_inverse() {
        let room = WaitingRoom::new(NonZeroU32::new(250).unwrap());
        assert_eq!(room.interval_micros(), 4_000);
    }
}
