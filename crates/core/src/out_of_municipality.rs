//! 住所地外接種 (manual 2-3): a resident of another municipality may be vaccinated here only for a
//! reason the national guidance (新型コロナウイルス感染症に係る予防接種の実施に関する手引き) lists;
//! some of those need a notification (届出) to the city first. Anything else goes to the call center.

use crate::code::Code;
use serde::{Deserialize, Serialize};

use crate::MunicipalityCode;
use crate::error::Coded;

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Reason {
    /// 出産のために里帰りしている妊産婦
    ReturningHomeForChildbirth,
    /// 単身赴任者
    WorkingAwayFromFamily,
    /// 遠隔地へ下宿している学生
    StudentLivingAway,
    /// DV、ストーカー行為等、児童虐待及びこれらに準ずる行為の被害者
    AbuseVictim,
    /// 入院・入所者
    InpatientOrResident,
    /// 基礎疾患を持つ者が主治医の下で接種する場合
    UnderlyingConditionWithOwnDoctor,
    /// 災害による被害にあった者
    DisasterVictim,
    /// 拘留又は留置されている者、受刑者
    Detained,
    /// 手引きに記載のない理由
    Other,
}

/// What the receptionist should do.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    /// Bookable here once the resident has notified the city (市町村への届出).
    NotificationRequired,
    /// Bookable here without a notification.
    NoNotificationNeeded,
    /// Not for the clinic to decide: コールセンターをご案内ください.
    ReferToCallCenter,
}

impl Reason {
    pub const ALL: [Self; 9] = [
        Self::ReturningHomeForChildbirth,
        Self::WorkingAwayFromFamily,
        Self::StudentLivingAway,
        Self::AbuseVictim,
        Self::InpatientOrResident,
        Self::UnderlyingConditionWithOwnDoctor,
        Self::DisasterVictim,
        Self::Detained,
        Self::Other,
    ];

    /// As the wire and the stores spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReturningHomeForChildbirth => "returning_home_for_childbirth",
            Self::WorkingAwayFromFamily => "working_away_from_family",
            Self::StudentLivingAway => "student_living_away",
            Self::AbuseVictim => "abuse_victim",
            Self::InpatientOrResident => "inpatient_or_resident",
            Self::UnderlyingConditionWithOwnDoctor => "underlying_condition_with_own_doctor",
            Self::DisasterVictim => "disaster_victim",
            Self::Detained => "detained",
            Self::Other => "other",
        }
    }

    /// A reason as typed or stored; one not in the manual's lists is refused clearly.
    pub fn parse(s: &str) -> Result<Self, UnknownReason> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or(UnknownReason)
    }

    /// DV、ストーカー行為等の被害者: where they are booked must not reach anyone who might look
    /// for them, so their 予約者情報 are shown to the booking clinic and the city only.
    pub fn protects_whereabouts(self) -> bool {
        matches!(self, Self::AbuseVictim)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::ReturningHomeForChildbirth => "出産のために里帰りしている妊産婦",
            Self::WorkingAwayFromFamily => "単身赴任者",
            Self::StudentLivingAway => "遠隔地へ下宿している学生",
            Self::AbuseVictim => "DV、ストーカー行為等、児童虐待及びこれらに準ずる行為の被害者",
            Self::InpatientOrResident => "入院・入所者",
            Self::UnderlyingConditionWithOwnDoctor => "基礎疾患を持つ者が主治医の下で接種する場合",
            Self::DisasterVictim => "災害による被害にあった者",
            Self::Detained => "拘留又は留置されている者、受刑者",
            Self::Other => "上記以外の理由",
        }
    }

    /// The same reason in English, for the English screens.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::ReturningHomeForChildbirth => {
                "Expectant mother staying in her home town to give birth"
            }
            Self::WorkingAwayFromFamily => "Working away from home, apart from the family",
            Self::StudentLivingAway => "Student living away from home",
            Self::AbuseVictim => "Victim of domestic violence, stalking, child abuse or the like",
            Self::InpatientOrResident => "In hospital or living in a care facility",
            Self::UnderlyingConditionWithOwnDoctor => {
                "Underlying condition, vaccinated under their own doctor"
            }
            Self::DisasterVictim => "Affected by a disaster",
            Self::Detained => "Detained, in custody or serving a sentence",
            Self::Other => "Another reason",
        }
    }

    pub fn assess(self) -> Assessment {
        match self {
            Self::ReturningHomeForChildbirth
            | Self::WorkingAwayFromFamily
            | Self::StudentLivingAway
            | Self::AbuseVictim => Assessment::NotificationRequired,
            Self::InpatientOrResident
            | Self::UnderlyingConditionWithOwnDoctor
            | Self::DisasterVictim
            | Self::Detained => Assessment::NoNotificationNeeded,
            Self::Other => Assessment::ReferToCallCenter,
        }
    }
}

impl Assessment {
    /// What the app tells the receptionist.
    pub fn guidance_ja(self) -> &'static str {
        match self {
            Self::NotificationRequired => {
                "市町村への届出が必要な理由です。届出がお済みであることを確認のうえ、予約を受け付けてください。"
            }
            Self::NoNotificationNeeded => "届出は不要です。このまま予約を受け付けられます。",
            Self::ReferToCallCenter => {
                "手引きに記載のない理由のため、医療機関では判断できません。コールセンターをご案内ください。"
            }
        }
    }

    pub fn guidance_en(self) -> &'static str {
        match self {
            Self::NotificationRequired => {
                "This reason needs a notification to the city. Confirm it has been made, then book."
            }
            Self::NoNotificationNeeded => "No notification is needed; the booking can be taken.",
            Self::ReferToCallCenter => {
                "The guidance does not list this reason: refer the resident to the call center."
            }
        }
    }

    pub fn may_book_here(self) -> bool {
        !matches!(self, Self::ReferToCallCenter)
    }
}

/// A reason not in the manual's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the reason for vaccination outside the home municipality is not one of the guidance's")]
pub struct UnknownReason;

impl Coded for UnknownReason {
    fn code(&self) -> Code {
        Code::OutsideReasonUnknown
    }
    fn message_ja(&self) -> String {
        "住所地外接種の理由が手引きの一覧にありません。一覧から選んでください。判断が難しい場合はコールセンターをご案内ください。".into()
    }
}

/// 住所地外接種届: whether the city has the resident's notification, for a reason that needs one.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Notification {
    /// 届出不要
    NotRequired,
    /// 届出未確認: the booking is 仮予約 until the notification is received.
    Pending,
    /// 届出済み (the resident holds the city's 届出済証, or the city received it)
    Received,
}

impl Notification {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotRequired => "not_required",
            Self::Pending => "pending",
            Self::Received => "received",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::NotRequired, Self::Pending, Self::Received]
            .into_iter()
            .find(|n| n.as_str() == s)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::NotRequired => "届出不要",
            Self::Pending => "届出未確認",
            Self::Received => "届出済み",
        }
    }
}

/// Why a resident of another municipality may be booked here (manual 2-3): a reason of the
/// guidance's lists, and the state of its notification. Only a stay the rules accept exists: the
/// call center's reasons, and a notification state the reason does not call for, are refused.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "OutsideStayFields", into = "OutsideStayFields")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutsideStay {
    reason: Reason,
    notification: Notification,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Serialize, Deserialize)]
struct OutsideStayFields {
    reason: Reason,
    notification: Notification,
}

/// A stored 住所地外 stay no rule reads: a store's data is broken, not the caller's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the stored 住所地外 stay (reason and notification) is not one the rules accept")]
pub struct UnreadableStay;

impl From<OutsideStay> for OutsideStayFields {
    fn from(stay: OutsideStay) -> Self {
        Self {
            reason: stay.reason,
            notification: stay.notification,
        }
    }
}

impl TryFrom<OutsideStayFields> for OutsideStay {
    type Error = OutsideError;
    fn try_from(fields: OutsideStayFields) -> Result<Self, OutsideError> {
        let stay = Self::new(fields.reason, fields.notification == Notification::Received)?;
        if stay.notification != fields.notification {
            return Err(OutsideError::NotificationMismatch);
        }
        Ok(stay)
    }
}

impl OutsideStay {
    /// The stay for `reason`; `notified` says whether the 住所地外接種届 is received (ignored when
    /// the reason needs none).
    pub fn new(reason: Reason, notified: bool) -> Result<Self, OutsideError> {
        let notification = match reason.assess() {
            Assessment::ReferToCallCenter => return Err(OutsideError::ReferToCallCenter),
            Assessment::NoNotificationNeeded => Notification::NotRequired,
            Assessment::NotificationRequired if notified => Notification::Received,
            Assessment::NotificationRequired => Notification::Pending,
        };
        Ok(Self {
            reason,
            notification,
        })
    }

    /// A stay as the city and the clinic's cache keep it: the columns `outside_reason` and
    /// `notification` ([`Reason::as_str`], [`Notification::as_str`]), both empty for a resident of
    /// the city itself. A pair half filled, or one the rules do not accept, is unreadable.
    pub fn from_stored(
        reason: Option<&str>,
        notification: Option<&str>,
    ) -> Result<Option<Self>, UnreadableStay> {
        let (reason, notification) = match (reason, notification) {
            (None, None) => return Ok(None),
            (Some(reason), Some(notification)) => (reason, notification),
            _ => return Err(UnreadableStay),
        };
        let reason = Reason::parse(reason).map_err(|_| UnreadableStay)?;
        let notification = Notification::parse(notification).ok_or(UnreadableStay)?;
        let stay = Self::new(reason, notification == Notification::Received)
            .map_err(|_| UnreadableStay)?;
        if stay.notification != notification {
            return Err(UnreadableStay);
        }
        Ok(Some(stay))
    }

    pub fn reason(self) -> Reason {
        self.reason
    }

    pub fn notification(self) -> Notification {
        self.notification
    }

    /// 仮予約 until the notification is received.
    pub fn is_provisional(self) -> bool {
        self.notification == Notification::Pending
    }

    /// What lists and the CSV show: 住所地外 with the notification's state.
    pub fn label_ja(self) -> String {
        format!("住所地外（{}）", self.notification.label_ja())
    }
}

/// Why a 住所地外 stay was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OutsideError {
    #[error(
        "the guidance does not list this reason, so a clinic cannot decide: refer the resident to the call center"
    )]
    ReferToCallCenter,
    #[error("the notification state does not fit the reason")]
    NotificationMismatch,
    #[error(
        "this ticket is from another municipality: choose the reason for vaccination here first"
    )]
    ReasonRequired,
    #[error(
        "this ticket is from this municipality: a reason for vaccination outside it does not apply"
    )]
    NotOutside,
}

impl Coded for OutsideError {
    fn code(&self) -> Code {
        match self {
            Self::ReferToCallCenter => Code::OutsideReferToCallCenter,
            Self::NotificationMismatch => Code::OutsideNotificationMismatch,
            Self::ReasonRequired => Code::OutsideReasonRequired,
            Self::NotOutside => Code::OutsideNotOutside,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::ReferToCallCenter => Assessment::ReferToCallCenter.guidance_ja().into(),
            Self::NotificationMismatch => {
                "住所地外接種届の状態が理由と合っていません（届出が不要な理由には届出の状態を付けません）。".into()
            }
            Self::ReasonRequired => {
                "他の自治体の接種券です。先に住所地外接種の理由を選択してください。".into()
            }
            Self::NotOutside => {
                "この自治体の接種券のため、住所地外接種の理由は付けられません。".into()
            }
        }
    }
}

/// The stay a key calls for, here: one for a ticket of another municipality, none for this one's.
pub fn check_stay(
    ticket_municipality: MunicipalityCode,
    here: MunicipalityCode,
    stay: Option<OutsideStay>,
) -> Result<Option<OutsideStay>, OutsideError> {
    match (is_out_of_municipality(ticket_municipality, here), stay) {
        (true, Some(stay)) => Ok(Some(stay)),
        (true, None) => Err(OutsideError::ReasonRequired),
        (false, Some(_)) => Err(OutsideError::NotOutside),
        (false, None) => Ok(None),
    }
}

/// Whether a ticket from `ticket_municipality` is 住所地外 for the city `here`.
pub fn is_out_of_municipality(
    ticket_municipality: MunicipalityCode,
    here: MunicipalityCode,
) -> bool {
    ticket_municipality != here
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manuals_reasons_are_sorted_into_its_two_groups() {
        use Assessment::*;
        let notified: Vec<_> = Reason::ALL
            .into_iter()
            .filter(|r| r.assess() == NotificationRequired)
            .collect();
        assert_eq!(
            notified,
            [
                Reason::ReturningHomeForChildbirth,
                Reason::WorkingAwayFromFamily,
                Reason::StudentLivingAway,
                Reason::AbuseVictim
            ]
        );
        let free: Vec<_> = Reason::ALL
            .into_iter()
            .filter(|r| r.assess() == NoNotificationNeeded)
            .collect();
        assert_eq!(free.len(), 4);
        assert_eq!(Reason::Other.assess(), ReferToCallCenter);
        assert!(!ReferToCallCenter.may_book_here() && NotificationRequired.may_book_here());
        assert!(ReferToCallCenter.guidance_ja().contains("コールセンター"));
    }

    #[test]
    fn every_reason_has_both_labels() {
        for reason in Reason::ALL {
            assert!(!reason.label_ja().is_empty() && reason.label_en().is_ascii());
        }
        assert_eq!(
            Reason::StudentLivingAway.label_en(),
            "Student living away from home"
        );
    }

    #[test]
    fn a_stay_exists_only_for_a_listed_reason_with_the_notification_it_calls_for() {
        let student = OutsideStay::new(Reason::StudentLivingAway, false).unwrap();
        assert!(student.is_provisional());
        assert_eq!(student.label_ja(), "住所地外（届出未確認）");
        let notified = OutsideStay::new(Reason::StudentLivingAway, true).unwrap();
        assert_eq!(notified.notification(), Notification::Received);
        assert!(!notified.is_provisional());
        let inpatient = OutsideStay::new(Reason::InpatientOrResident, false).unwrap();
        assert_eq!(inpatient.notification(), Notification::NotRequired);
        assert_eq!(
            OutsideStay::new(Reason::Other, true),
            Err(OutsideError::ReferToCallCenter)
        );
        assert!(
            OutsideError::ReferToCallCenter
                .message_ja()
                .contains("コールセンター")
        );

        let json = serde_json::to_value(student).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"reason": "student_living_away", "notification": "pending"})
        );
        assert_eq!(
            serde_json::from_value::<OutsideStay>(json).unwrap(),
            student
        );
        for bad in [
            serde_json::json!({"reason": "other", "notification": "pending"}),
            serde_json::json!({"reason": "detained", "notification": "pending"}),
            serde_json::json!({"reason": "tourist", "notification": "pending"}),
        ] {
            assert!(serde_json::from_value::<OutsideStay>(bad).is_err());
        }
        assert_eq!(
            OutsideStay::from_stored(Some("student_living_away"), Some("pending")),
            Ok(Some(student))
        );
        assert_eq!(OutsideStay::from_stored(None, None), Ok(None));
        for (reason, notification) in [
            (Some("detained"), Some("pending")),
            (Some("student_living_away"), None),
            (None, Some("pending")),
            (Some("tourist"), Some("pending")),
        ] {
            assert_eq!(
                OutsideStay::from_stored(reason, notification),
                Err(UnreadableStay),
                "{reason:?} {notification:?}"
            );
        }
        assert_eq!(Reason::parse("tourist"), Err(UnknownReason));
        assert_eq!(Reason::parse(" detained "), Ok(Reason::Detained));
        assert!(UnknownReason.message_ja().contains("一覧"));
        for reason in Reason::ALL {
            assert_eq!(Reason::parse(reason.as_str()), Ok(reason));
            let wire = serde_json::to_value(reason).unwrap();
            assert_eq!(wire, reason.as_str());
        }
        assert!(Reason::AbuseVictim.protects_whereabouts());
        assert!(!Reason::StudentLivingAway.protects_whereabouts());
    }

    #[test]
    fn a_ticket_from_elsewhere_needs_a_stay_and_one_from_here_refuses_it() {
        let kumamoto = MunicipalityCode::parse("431001").unwrap();
        let chiyoda = MunicipalityCode::parse("131016").unwrap();
        let stay = OutsideStay::new(Reason::DisasterVictim, false).unwrap();
        assert_eq!(check_stay(chiyoda, kumamoto, Some(stay)), Ok(Some(stay)));
        assert_eq!(
            check_stay(chiyoda, kumamoto, None),
            Err(OutsideError::ReasonRequired)
        );
        assert_eq!(
            check_stay(kumamoto, kumamoto, Some(stay)),
            Err(OutsideError::NotOutside)
        );
        assert_eq!(check_stay(kumamoto, kumamoto, None), Ok(None));
    }

    #[test]
    fn a_ticket_from_chiyoda_is_out_of_municipality_in_kumamoto() {
        let kumamoto = MunicipalityCode::parse("431001").unwrap();
        let chiyoda = MunicipalityCode::parse("131016").unwrap();
        assert!(is_out_of_municipality(chiyoda, kumamoto));
        assert!(!is_out_of_municipality(kumamoto, kumamoto));
    }
}
