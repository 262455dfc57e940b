//! 住所地外接種 (manual 2-3): a resident of another municipality may be vaccinated here only for a
//! reason the national guidance (新型コロナウイルス感染症に係る予防接種の実施に関する手引き) lists;
//! some of those need a notification (届出) to the city first. Anything else goes to the call center.

use serde::{Deserialize, Serialize};

use crate::MunicipalityCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    fn a_ticket_from_chiyoda_is_out_of_municipality_in_kumamoto() {
        let kumamoto = MunicipalityCode::parse("431001").unwrap();
        let chiyoda = MunicipalityCode::parse("131016").unwrap();
        assert!(is_out_of_municipality(chiyoda, kumamoto));
        assert!(!is_out_of_municipality(kumamoto, kumamoto));
    }
}
