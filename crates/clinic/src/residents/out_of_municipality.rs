//! 住所地外接種 (manual 2-3): the reasons the national guidance lists, and what each means for the
//! booking, as yoyaku-core decides it.

use serde::Serialize;
use yoyaku_core::out_of_municipality::{Assessment, Reason};

use crate::engine::Clinic;

/// A reason to choose from, in the manual's order.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonOption {
    pub reason: Reason,
    pub label_ja: &'static str,
    pub label_en: &'static str,
}

/// What the receptionist does for the chosen reason.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutOfMunicipalityCheck {
    pub reason: Reason,
    pub label_ja: &'static str,
    pub label_en: &'static str,
    pub assessment: Assessment,
    pub guidance_ja: &'static str,
    pub guidance_en: &'static str,
    /// False: コールセンターをご案内ください.
    pub may_book_here: bool,
}

impl Clinic {
    /// The reasons for the 住所地外接種 check's choice.
    pub fn out_of_municipality_reasons(&self) -> Vec<ReasonOption> {
        Reason::ALL
            .into_iter()
            .map(|reason| ReasonOption {
                reason,
                label_ja: reason.label_ja(),
                label_en: reason.label_en(),
            })
            .collect()
    }

    pub fn check_out_of_municipality(&self, reason: Reason) -> OutOfMunicipalityCheck {
        let assessment = reason.assess();
        OutOfMunicipalityCheck {
            reason,
            label_ja: reason.label_ja(),
            label_en: reason.label_en(),
            assessment,
            guidance_ja: assessment.guidance_ja(),
            guidance_en: assessment.guidance_en(),
            may_book_here: assessment.may_book_here(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::residents::test_support::offline_clinic;
    use yoyaku_core::out_of_municipality::{Assessment, Reason};

    #[tokio::test]
    async fn the_manuals_reasons_and_their_answers() {
        let (_dir, clinic) = offline_clinic().await;
        let reasons = clinic.out_of_municipality_reasons();
        assert_eq!(reasons.len(), 9);
        assert_eq!(reasons[1].label_ja, "単身赴任者");
        assert_eq!(
            reasons[1].label_en,
            "Working away from home, apart from the family"
        );
        let check = clinic.check_out_of_municipality(Reason::WorkingAwayFromFamily);
        assert_eq!(check.assessment, Assessment::NotificationRequired);
        assert!(check.may_book_here);
        assert!(check.guidance_ja.contains("届出"));
        let check = clinic.check_out_of_municipality(Reason::Other);
        assert!(!check.may_book_here);
        assert!(check.guidance_ja.contains("コールセンター"));
    }
}
