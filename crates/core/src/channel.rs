//! Who may book which slot (manual 2-1 ⑫): the web and the call center book 公開枠 only; a clinic
//! books its own venues' 公開枠 and 非公開枠, and is asked to fill its 非公開枠 first. The 公開枠
//! of the city's mass-vaccination venue are open to every clinic too: a second dose after the
//! period's window is booked there (the slot-setup notice, item 1).

use crate::code::Code;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Coded;
use crate::slot::{Slot, Visibility};

/// Where a booking came from, as the audit log records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Channel {
    /// A resident on the web.
    Web,
    /// コールセンター
    CallCenter,
    /// 医療機関
    Clinic,
}

impl Channel {
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Web => "Web",
            Self::CallCenter => "コールセンター",
            Self::Clinic => "医療機関",
        }
    }

    /// As the wire and the stores spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::CallCenter => "call_center",
            Self::Clinic => "clinic",
        }
    }
}

/// Who is booking. The call center may also act for a clinic (manual 3-1: 医療機関で対応が困難な
/// 場合は、コールセンターに操作を依頼することも可能です), with that clinic's rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor<'a> {
    Web,
    CallCenter,
    Clinic { venues: &'a [Uuid] },
    CallCenterForClinic { venues: &'a [Uuid] },
}

impl Actor<'_> {
    pub fn channel(&self) -> Channel {
        match self {
            Self::Web => Channel::Web,
            Self::CallCenter | Self::CallCenterForClinic { .. } => Channel::CallCenter,
            Self::Clinic { .. } => Channel::Clinic,
        }
    }

    fn clinic_venues(&self) -> Option<&[Uuid]> {
        match self {
            Self::Clinic { venues } | Self::CallCenterForClinic { venues } => Some(venues),
            Self::Web | Self::CallCenter => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("this slot is reserved for the clinic's own reception; please choose a public slot")]
    PrivateSlot,
    #[error(
        "a clinic can book only its own venues' slots; please refer the resident to the call center or the web"
    )]
    OtherClinicsVenue,
    /// The call center acting for a clinic books the clinic's 公開枠 only: a 非公開枠 seat is
    /// taken on the clinic's own computers, which confirm those bookings offline (予約確定).
    #[error(
        "a private slot is booked only at the clinic itself, so that the bookings it confirmed offline always stand; please choose a public slot"
    )]
    ClinicsOwnSeats,
}

impl Coded for ChannelError {
    fn code(&self) -> Code {
        match self {
            Self::PrivateSlot => Code::SlotPrivate,
            Self::OtherClinicsVenue => Code::SlotOtherClinic,
            Self::ClinicsOwnSeats => Code::SlotClinicOnly,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::PrivateSlot => "この予約枠は医療機関受付分（非公開枠）です。公開枠を選んでください。",
            Self::OtherClinicsVenue => {
                "他の医療機関の予約枠には予約できません。コールセンターまたはWebでの予約をご案内ください。"
            }
            Self::ClinicsOwnSeats => {
                "非公開枠（医療機関受付分）は医療機関でのみ予約できます（医療機関がオフラインで確定した予約を守るため）。公開枠を選んでください。"
            }
        }
        .into()
    }
}

/// Whether `actor` may book (or move a booking) into `slot` at all (seats are checked elsewhere).
/// A 非公開枠's seats are taken by its clinic alone: that is what lets the clinic say 予約確定 for
/// a booking into one while offline, with nobody else able to take the seat meanwhile.
pub fn may_book(actor: Actor<'_>, slot: &Slot) -> Result<(), ChannelError> {
    match actor.clinic_venues() {
        Some(venues) if !venues.contains(&slot.venue_id) => {
            if slot.mass_venue && slot.visibility == Visibility::Public {
                Ok(())
            } else if slot.mass_venue {
                Err(ChannelError::PrivateSlot)
            } else {
                Err(ChannelError::OtherClinicsVenue)
            }
        }
        Some(_) => match (actor, slot.visibility) {
            (Actor::CallCenterForClinic { .. }, Visibility::Private) => {
                Err(ChannelError::ClinicsOwnSeats)
            }
            _ => Ok(()),
        },
        None if slot.visibility == Visibility::Public => Ok(()),
        None => Err(ChannelError::PrivateSlot),
    }
}

/// The manual's table, as advice for the clinic: "医療機関では非公開枠が埋まってから、公開枠に予約を
/// 入れてください". When a clinic picks a 公開枠 while a 非公開枠 of the same venue and vaccine at an
/// overlapping time still has seats, it is warned (not forbidden) and shown that slot.
pub fn private_first_advice<'s>(
    actor: Actor<'_>,
    chosen: &Slot,
    day: &'s [Slot],
) -> Option<&'s Slot> {
    if actor.clinic_venues().is_none() || chosen.visibility != Visibility::Public {
        return None;
    }
    day.iter().find(|s| {
        s.visibility == Visibility::Private
            && s.venue_id == chosen.venue_id
            && s.vaccine_code == chosen.vaccine_code
            && s.overlaps(chosen)
            && s.remaining() > 0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn slot(venue: Uuid, hour: u32, visibility: Visibility, capacity: i32, booked: i32) -> Slot {
        Slot {
            id: Uuid::new_v4(),
            venue_id: venue,
            vaccine_code: "pfizer".into(),
            name: String::new(),
            starts_at: Utc.with_ymd_and_hms(2021, 5, 6, hour, 0, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2021, 5, 6, hour, 30, 0).unwrap(),
            visibility,
            capacity,
            booked,
            period: None,
            mass_venue: false,
        }
    }

    #[test]
    fn web_and_call_center_book_public_slots_only() {
        let venue = Uuid::new_v4();
        let public = slot(venue, 0, Visibility::Public, 3, 0);
        let private = slot(venue, 0, Visibility::Private, 2, 0);
        for actor in [Actor::Web, Actor::CallCenter] {
            assert_eq!(may_book(actor, &public), Ok(()));
            assert_eq!(may_book(actor, &private), Err(ChannelError::PrivateSlot));
        }
        assert_eq!(Actor::Web.channel(), Channel::Web);
    }

    #[test]
    fn a_clinic_books_its_own_venues_public_and_private_slots_only() {
        let own = Uuid::new_v4();
        let other = Uuid::new_v4();
        let venues = [own];
        let clinic = Actor::Clinic { venues: &venues };
        assert_eq!(
            may_book(clinic, &slot(own, 0, Visibility::Private, 2, 0)),
            Ok(())
        );
        assert_eq!(
            may_book(clinic, &slot(own, 0, Visibility::Public, 3, 0)),
            Ok(())
        );
        assert_eq!(
            may_book(clinic, &slot(other, 0, Visibility::Public, 3, 0)),
            Err(ChannelError::OtherClinicsVenue)
        );
        // The call center acting for the clinic has the clinic's rights, on the call center's
        // channel, except for the seats the clinic confirms offline.
        let for_clinic = Actor::CallCenterForClinic { venues: &venues };
        assert_eq!(
            may_book(for_clinic, &slot(own, 0, Visibility::Public, 3, 0)),
            Ok(())
        );
        assert_eq!(
            may_book(for_clinic, &slot(own, 0, Visibility::Private, 2, 0)),
            Err(ChannelError::ClinicsOwnSeats)
        );
        assert_eq!(for_clinic.channel(), Channel::CallCenter);
    }

    #[test]
    fn every_clinic_books_the_mass_venues_public_slots_but_not_its_private_ones() {
        let own = Uuid::new_v4();
        let venues = [own];
        let mass = Uuid::new_v4();
        let at_mass_venue = |visibility| Slot {
            mass_venue: true,
            ..slot(mass, 0, visibility, 50, 0)
        };
        for actor in [
            Actor::Clinic { venues: &venues },
            Actor::CallCenterForClinic { venues: &venues },
            Actor::CallCenter,
            Actor::Web,
        ] {
            assert_eq!(may_book(actor, &at_mass_venue(Visibility::Public)), Ok(()));
            assert_eq!(
                may_book(actor, &at_mass_venue(Visibility::Private)),
                Err(ChannelError::PrivateSlot)
            );
        }
    }

    #[test]
    fn the_clinic_is_advised_to_fill_private_slots_first() {
        let venue = Uuid::new_v4();
        let venues = [venue];
        let clinic = Actor::Clinic { venues: &venues };
        let public = slot(venue, 0, Visibility::Public, 3, 0);
        let private_free = slot(venue, 0, Visibility::Private, 2, 1);
        let private_full = slot(venue, 0, Visibility::Private, 2, 2);
        let private_later = slot(venue, 1, Visibility::Private, 2, 0);

        let day = [public.clone(), private_free.clone()];
        assert_eq!(
            private_first_advice(clinic, &public, &day),
            Some(&private_free)
        );
        let day = [public.clone(), private_full, private_later];
        assert_eq!(
            private_first_advice(clinic, &public, &day),
            None,
            "full, or another time"
        );
        // Nothing to advise when choosing the private slot, or for the web.
        let day = [public.clone(), private_free.clone()];
        assert_eq!(private_first_advice(clinic, &private_free, &day), None);
        assert_eq!(private_first_advice(Actor::Web, &public, &day), None);
    }
}
