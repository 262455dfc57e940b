//! 接種ワクチン: vaccine products are data, not code. A product says how many doses a vial gives,
//! how long a diluted (or punctured) vial may be used, and how far apart doses must be.

use crate::code::Code;
use chrono::{Days, NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};

use crate::error::Coded;

/// The days between one dose and the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DoseInterval {
    /// The normal interval (Pfizer: 21 days, "3週間後の同じ曜日").
    pub standard_days: u32,
    /// Earlier than this is refused (Pfizer: 19 days).
    pub earliest_days: u32,
    /// Later than this is allowed but warned about (Pfizer: no upper limit, warn past 42 days).
    pub warn_after_days: Option<u32>,
}

/// A product's data as stored by the city; [`VaccineProduct::new`] checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VaccineSpec {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    pub doses_per_vial: u32,
    /// Hours a vial may be used after dilution or first puncture.
    pub usable_hours: u32,
    pub interval: DoseInterval,
}

/// A vaccine product whose data is consistent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct VaccineProduct(VaccineSpec);

/// Pfizer vials give six doses with low-dead-space syringes, five with standard ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Syringes {
    LowDeadSpace,
    Standard,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaccineError {
    #[error("the vaccine needs a code and a name in Japanese and English")]
    MissingName,
    #[error("the vaccine's code must be 1 to 32 lowercase letters, digits, '_' or '-'")]
    CodeFormat,
    #[error("a vial must give at least one dose and be usable for at least one hour")]
    NoDoses,
    #[error("the dose interval must satisfy 1 ≤ earliest ≤ standard ≤ warn-after")]
    IntervalOrder,
}

impl Coded for VaccineError {
    fn code(&self) -> Code {
        match self {
            Self::MissingName => Code::VaccineName,
            Self::CodeFormat => Code::VaccineCode,
            Self::NoDoses => Code::VaccineVial,
            Self::IntervalOrder => Code::VaccineInterval,
        }
    }
    fn message_ja(&self) -> String {
        match self {
            Self::MissingName => "ワクチンのコードと名称（日本語・英語）を入力してください。",
            Self::CodeFormat => {
                "ワクチンのコードは半角英小文字・数字と _ - の32文字以内にしてください。"
            }
            Self::NoDoses => "1バイアルの接種回数と使用可能時間は1以上にしてください。",
            Self::IntervalOrder => {
                "接種間隔は「1 ≤ 最短日数 ≤ 標準日数 ≤ 注意日数」となるよう設定してください。"
            }
        }
        .into()
    }
}

/// How a proposed next-dose date relates to the product's interval.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IntervalCheck {
    Ok,
    /// Allowed, but later than usual: worth telling the resident.
    LateWarning {
        days: i64,
        warn_after_days: u32,
    },
    TooEarly {
        days: i64,
        earliest: NaiveDate,
    },
}

impl VaccineProduct {
    pub fn new(spec: VaccineSpec) -> Result<Self, VaccineError> {
        if [&spec.code, &spec.name_ja, &spec.name_en]
            .iter()
            .any(|s| s.trim().is_empty())
        {
            return Err(VaccineError::MissingName);
        }
        let code_chars = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-".contains(c);
        if spec.code.len() > 32 || !spec.code.chars().all(code_chars) {
            return Err(VaccineError::CodeFormat);
        }
        if spec.doses_per_vial == 0 || spec.usable_hours == 0 {
            return Err(VaccineError::NoDoses);
        }
        let i = spec.interval;
        if i.earliest_days == 0
            || i.earliest_days > i.standard_days
            || i.warn_after_days.is_some_and(|w| w < i.standard_days)
        {
            return Err(VaccineError::IntervalOrder);
        }
        Ok(Self(spec))
    }

    /// ファイザー社ワクチン as shipped in 2021 (MHLW Q&A 0036): 6 doses a vial (5 with standard
    /// syringes), usable 6 h after dilution, dose 2 three weeks later on the same weekday, not
    /// before 19 days, no upper limit but a warning past 42 days.
    pub fn pfizer_2021(syringes: Syringes) -> Self {
        Self(VaccineSpec {
            code: "pfizer".into(),
            name_ja: "ファイザー社ワクチン".into(),
            name_en: "Pfizer-BioNTech COVID-19 vaccine".into(),
            doses_per_vial: match syringes {
                Syringes::LowDeadSpace => 6,
                Syringes::Standard => 5,
            },
            usable_hours: 6,
            interval: DoseInterval {
                standard_days: 21,
                earliest_days: 19,
                warn_after_days: Some(42),
            },
        })
    }

    pub fn spec(&self) -> &VaccineSpec {
        &self.0
    }

    pub fn code(&self) -> &str {
        &self.0.code
    }

    pub fn name_ja(&self) -> &str {
        &self.0.name_ja
    }

    pub fn doses_per_vial(&self) -> u32 {
        self.0.doses_per_vial
    }

    /// How long a diluted vial may be used.
    pub fn window(&self) -> TimeDelta {
        TimeDelta::hours(i64::from(self.0.usable_hours))
    }

    pub fn interval(&self) -> DoseInterval {
        self.0.interval
    }

    /// The usual date of the next dose: the standard interval later (for 21 days, the same
    /// weekday three weeks on, as the manual asks receptionists to check).
    pub fn standard_next_date(&self, previous: NaiveDate) -> NaiveDate {
        previous + Days::new(u64::from(self.0.interval.standard_days))
    }

    /// The first date the next dose may be given.
    pub fn earliest_next_date(&self, previous: NaiveDate) -> NaiveDate {
        previous + Days::new(u64::from(self.0.interval.earliest_days))
    }

    pub fn check_interval(&self, previous: NaiveDate, next: NaiveDate) -> IntervalCheck {
        let days = (next - previous).num_days();
        let i = self.0.interval;
        if days < i64::from(i.earliest_days) {
            IntervalCheck::TooEarly {
                days,
                earliest: self.earliest_next_date(previous),
            }
        } else if let Some(w) = i.warn_after_days.filter(|w| days > i64::from(*w)) {
            IntervalCheck::LateWarning {
                days,
                warn_after_days: w,
            }
        } else {
            IntervalCheck::Ok
        }
    }
}

impl<'de> Deserialize<'de> for VaccineProduct {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::new(VaccineSpec::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn pfizer_gives_six_doses_or_five_with_standard_syringes() {
        let p = VaccineProduct::pfizer_2021(Syringes::LowDeadSpace);
        assert_eq!(p.doses_per_vial(), 6);
        assert_eq!(p.window(), TimeDelta::hours(6));
        assert_eq!(p.name_ja(), "ファイザー社ワクチン");
        assert_eq!(
            VaccineProduct::pfizer_2021(Syringes::Standard).doses_per_vial(),
            5
        );
    }

    #[test]
    fn the_second_dose_is_three_weeks_later_on_the_same_weekday() {
        let p = VaccineProduct::pfizer_2021(Syringes::LowDeadSpace);
        // Manual 2-1/2-2: first dose 2021-05-06 (木) → 2021-05-27 (木); 05-13 → 06-03.
        let first = date(2021, 5, 13);
        let second = p.standard_next_date(first);
        assert_eq!(second, date(2021, 6, 3));
        assert_eq!(second.weekday(), first.weekday());
        assert_eq!(p.earliest_next_date(first), date(2021, 6, 1));
    }

    #[test]
    fn interval_boundaries_are_exact() {
        let p = VaccineProduct::pfizer_2021(Syringes::LowDeadSpace);
        let first = date(2021, 5, 6);
        assert_eq!(
            p.check_interval(first, date(2021, 5, 24)),
            IntervalCheck::TooEarly {
                days: 18,
                earliest: date(2021, 5, 25)
            }
        );
        assert_eq!(
            p.check_interval(first, date(2021, 5, 25)),
            IntervalCheck::Ok
        );
        assert_eq!(
            p.check_interval(first, date(2021, 6, 17)),
            IntervalCheck::Ok
        );
        assert_eq!(
            p.check_interval(first, date(2021, 6, 18)),
            IntervalCheck::LateWarning {
                days: 43,
                warn_after_days: 42
            }
        );
    }

    #[test]
    fn inconsistent_product_data_is_refused() {
        let mut spec = VaccineProduct::pfizer_2021(Syringes::LowDeadSpace)
            .spec()
            .clone();
        spec.interval.earliest_days = 22;
        assert_eq!(
            VaccineProduct::new(spec.clone()),
            Err(VaccineError::IntervalOrder)
        );
        spec.interval.earliest_days = 19;
        spec.doses_per_vial = 0;
        assert_eq!(
            VaccineProduct::new(spec.clone()),
            Err(VaccineError::NoDoses)
        );
        spec.doses_per_vial = 6;
        spec.interval.earliest_days = 0;
        assert_eq!(
            VaccineProduct::new(spec.clone()),
            Err(VaccineError::IntervalOrder),
            "a dose the day after the last is the earliest there is"
        );
        spec.interval.earliest_days = 19;
        for code in ["Pfizer", "ファイザー", "pfizer 2021", &"a".repeat(33)] {
            spec.code = code.into();
            assert_eq!(
                VaccineProduct::new(spec.clone()),
                Err(VaccineError::CodeFormat),
                "{code}"
            );
        }
        spec.code = "pfizer_2021-b".into();
        assert!(VaccineProduct::new(spec.clone()).is_ok());
        spec.name_en = " ".into();
        assert_eq!(VaccineProduct::new(spec), Err(VaccineError::MissingName));
    }

    #[test]
    fn products_deserialize_only_when_consistent() {
        let good =
            serde_json::to_string(VaccineProduct::pfizer_2021(Syringes::Standard).spec()).unwrap();
        let p: VaccineProduct = serde_json::from_str(&good).unwrap();
        assert_eq!(p.doses_per_vial(), 5);
        let bad = good.replace("\"doses_per_vial\":5", "\"doses_per_vial\":0");
        assert!(serde_json::from_str::<VaccineProduct>(&bad).is_err());
    }
}
