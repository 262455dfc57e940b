//! Who acts, and the two logs every write of residents and bookings appends to in its own
//! transaction: the append-only audit log (who did what, when, through which channel) and the
//! change log the clinic sync pulls from (what changed, visible to which venue's clinic).

use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::channel::{Actor, Channel};
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::ticket::TicketNumber;

/// Who is writing, with the rights that come with it (manual 2-1 ⑫, 3-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    /// A resident on the web. The key they gave is their only credential: they may touch that
    /// resident's bookings and nothing else.
    Web {
        resident: ResidentKey,
    },
    /// A clinic's receptionist (`accounts.id`) with the clinic's venues.
    Clinic {
        account: Uuid,
        venues: Vec<Uuid>,
    },
    CallCenter {
        account: Uuid,
    },
    /// The call center acting for a clinic (`clinic` is its `accounts.id`), with its rights.
    CallCenterForClinic {
        account: Uuid,
        clinic: Uuid,
        venues: Vec<Uuid>,
    },
}

impl Caller {
    /// A clinic account, with the venues it runs.
    pub async fn clinic(
        db: &mut PgConnection,
        municipality: MunicipalityCode,
        account: Uuid,
    ) -> Result<Self, sqlx::Error> {
        let venues = venues_of_clinic(db, municipality, account).await?;
        Ok(Self::Clinic { account, venues })
    }

    /// The call center acting for the clinic account `clinic`, with its venues.
    pub async fn call_center_for(
        db: &mut PgConnection,
        municipality: MunicipalityCode,
        account: Uuid,
        clinic: Uuid,
    ) -> Result<Self, sqlx::Error> {
        let venues = venues_of_clinic(db, municipality, clinic).await?;
        Ok(Self::CallCenterForClinic {
            account,
            clinic,
            venues,
        })
    }

    /// The clinic account whose rights the caller uses, if any.
    pub fn clinic_account(&self) -> Option<Uuid> {
        match self {
            Self::Clinic { account, .. } => Some(*account),
            Self::CallCenterForClinic { clinic, .. } => Some(*clinic),
            Self::Web { .. } | Self::CallCenter { .. } => None,
        }
    }

    /// The same caller as yoyaku_core's booking rules see it.
    pub fn actor(&self) -> Actor<'_> {
        match self {
            Self::Web { .. } => Actor::Web,
            Self::Clinic { venues, .. } => Actor::Clinic { venues },
            Self::CallCenter { .. } => Actor::CallCenter,
            Self::CallCenterForClinic { venues, .. } => Actor::CallCenterForClinic { venues },
        }
    }

    pub fn channel(&self) -> Channel {
        self.actor().channel()
    }

    /// `accounts.id` of who acts; `None` on the web.
    pub fn account(&self) -> Option<Uuid> {
        match self {
            Self::Web { .. } => None,
            Self::Clinic { account, .. }
            | Self::CallCenter { account }
            | Self::CallCenterForClinic { account, .. } => Some(*account),
        }
    }

    /// The clinic the call center acts for.
    pub fn on_behalf_of(&self) -> Option<Uuid> {
        match self {
            Self::CallCenterForClinic { clinic, .. } => Some(*clinic),
            _ => None,
        }
    }

    /// The venues whose clinic's rights the caller has (its own, or the clinic's it acts for).
    pub fn clinic_venues(&self) -> Option<&[Uuid]> {
        match self {
            Self::Clinic { venues, .. } | Self::CallCenterForClinic { venues, .. } => Some(venues),
            Self::Web { .. } | Self::CallCenter { .. } => None,
        }
    }

    /// The resident a web caller identified as.
    pub fn web_resident(&self) -> Option<&ResidentKey> {
        match self {
            Self::Web { resident } => Some(resident),
            _ => None,
        }
    }
}

/// Whose residents and bookings a reader sees: "no endpoint returns another clinic's residents".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadScope {
    /// The call center and the city: the whole municipality.
    Municipality,
    /// A clinic: bookings at its own venues, and residents who have one or whom it registered.
    Clinic { account: Uuid, venues: Vec<Uuid> },
}

impl ReadScope {
    /// `(account, venues)` to bind for SQL of the form `$n::uuid[] is null or venue = any($n)`.
    pub fn clinic_filter(&self) -> (Option<Uuid>, Option<Vec<Uuid>>) {
        match self {
            Self::Municipality => (None, None),
            Self::Clinic { account, venues } => (Some(*account), Some(venues.clone())),
        }
    }
}

/// The venues a clinic account runs.
pub(crate) async fn venues_of_clinic(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    account: Uuid,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "select id from venues where municipality_code = $1 and clinic_account_id = $2
         order by venue_number",
        municipality.as_string(),
        account,
    )
    .fetch_all(db)
    .await
}

/// What a log row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entity {
    Slot(Uuid),
    Booking(Uuid),
    /// A resident by the 自治体番号 of their ticket and the 接種券番号.
    Resident {
        home: MunicipalityCode,
        ticket: TicketNumber,
    },
    /// A キャンセル待ち entry.
    Waitlist(Uuid),
    /// A clinic's 予約枠報告.
    SlotReport(Uuid),
}

impl Entity {
    pub fn kind(self) -> &'static str {
        match self {
            Self::Slot(_) => "slot",
            Self::Booking(_) => "booking",
            Self::Resident { .. } => "resident",
            Self::Waitlist(_) => "waitlist",
            Self::SlotReport(_) => "slot_report",
        }
    }

    /// As the logs of `municipality` name it: a resident by the 接種券番号, prefixed with the
    /// issuing 自治体番号 for a resident of another municipality (`131016:1234567890`).
    pub fn id(self, municipality: MunicipalityCode) -> String {
        match self {
            Self::Slot(id) | Self::Booking(id) | Self::Waitlist(id) | Self::SlotReport(id) => {
                id.to_string()
            }
            Self::Resident { home, ticket } if home == municipality => ticket.as_string(),
            Self::Resident { home, ticket } => format!("{home}:{ticket}"),
        }
    }
}

pub(crate) fn parse_channel(stored: &str) -> Option<Channel> {
    [Channel::Web, Channel::CallCenter, Channel::Clinic]
        .into_iter()
        .find(|c| c.as_str() == stored)
}

/// Appends to the audit log. `action` is `entity.verb`, e.g. `booking.cancel`; `before` and
/// `after` are the entity's state around the write (none before a creation).
pub(crate) async fn record(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    caller: &Caller,
    action: &str,
    entity: Entity,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Result<(), sqlx::Error> {
    // jsonb travels as text: the crate's sqlx has no JSON feature, and PostgreSQL parses it.
    sqlx::query!(
        "insert into audit_log (municipality_code, account_id, channel, on_behalf_of, action,
                                entity_kind, entity_id, before, after)
         values ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9::text::jsonb)",
        municipality.as_string(),
        caller.account(),
        caller.channel().as_str(),
        caller.on_behalf_of(),
        action,
        entity.kind(),
        entity.id(municipality),
        before.map(Value::to_string),
        after.map(Value::to_string),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// What an administrator's log row is about.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AdminEntity<'a> {
    /// The valid-ticket registry as a whole (an import).
    ValidTickets,
    /// An account by its アカウントID.
    Account(&'a str),
    /// A venue by its 会場番号.
    Venue(i32),
    Period(u32),
    DoseCap {
        period: u32,
        clinic: &'a str,
    },
    SlotReport(Uuid),
    /// A vaccine product by its code.
    Vaccine(&'a str),
}

impl AdminEntity<'_> {
    fn kind(self) -> &'static str {
        match self {
            Self::ValidTickets => "valid_tickets",
            Self::Account(_) => "account",
            Self::Venue(_) => "venue",
            Self::Period(_) => "period",
            Self::DoseCap { .. } => "dose_cap",
            Self::SlotReport(_) => "slot_report",
            Self::Vaccine(_) => "vaccine",
        }
    }

    fn id(self) -> String {
        match self {
            Self::ValidTickets => "registry".into(),
            Self::Account(id) => id.into(),
            Self::Venue(number) => number.to_string(),
            Self::Period(number) => number.to_string(),
            Self::DoseCap { period, clinic } => format!("{period}/{clinic}"),
            Self::SlotReport(id) => id.to_string(),
            Self::Vaccine(code) => code.into(),
        }
    }
}

/// Appends an administrator's action (`entity.verb`, e.g. `period.open`) with what it left
/// behind; `admin` is `None` for what the server does by itself on the city's schedule (a
/// period opening at 受付開始). Secrets such as passwords never go in `after`.
pub(crate) async fn record_admin(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    admin: impl Into<Option<Uuid>>,
    action: &str,
    entity: AdminEntity<'_>,
    after: &Value,
) -> Result<(), sqlx::Error> {
    // jsonb travels as text, as in `record`.
    sqlx::query!(
        "insert into audit_log (municipality_code, account_id, channel, action, entity_kind,
                                entity_id, after)
         values ($1, $2, 'admin', $3, $4, $5, $6::text::jsonb)",
        municipality.as_string(),
        admin.into(),
        action,
        entity.kind(),
        entity.id(),
        after.to_string(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Appends a change of `entity` that the clinic of `venue` should pull.
pub(crate) async fn record_change(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    entity: Entity,
    venue: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into changes (municipality_code, entity_kind, entity_id, venue_id)
         values ($1, $2, $3, $4)",
        municipality.as_string(),
        entity.kind(),
        entity.id(municipality),
        venue,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Appends a change of the resident for every venue where they have a booking: the clinics that
/// hold them in their cache.
pub(crate) async fn record_resident_change(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    (home, ticket): (MunicipalityCode, TicketNumber),
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into changes (municipality_code, entity_kind, entity_id, venue_id)
         select distinct b.municipality_code, 'resident', $4, s.venue_id
         from bookings b
         join slots s on s.municipality_code = b.municipality_code and s.id = b.slot_id
         where b.municipality_code = $1 and b.home_code = $2 and b.ticket_number = $3",
        municipality.as_string(),
        home.as_string(),
        ticket.as_string(),
        Entity::Resident { home, ticket }.id(municipality),
    )
    .execute(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_round_trip_through_their_stored_form() {
        for channel in [Channel::Web, Channel::CallCenter, Channel::Clinic] {
            assert_eq!(parse_channel(channel.as_str()), Some(channel));
        }
        assert_eq!(parse_channel("fax"), None);
    }

    #[test]
    fn the_call_center_for_a_clinic_has_its_rights_on_its_own_channel() {
        let venues = vec![Uuid::new_v4()];
        let caller = Caller::CallCenterForClinic {
            account: Uuid::new_v4(),
            clinic: Uuid::new_v4(),
            venues: venues.clone(),
        };
        assert_eq!(caller.channel(), Channel::CallCenter);
        assert_eq!(caller.clinic_venues(), Some(venues.as_slice()));
        assert!(caller.on_behalf_of().is_some());
        let plain = Caller::CallCenter {
            account: Uuid::new_v4(),
        };
        assert_eq!(plain.clinic_venues(), None);
        assert_eq!(plain.on_behalf_of(), None);
    }
}
