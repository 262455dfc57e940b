//! Every time a person reads is Asia/Tokyo; device clocks order nothing.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::{Asia::Tokyo, Tz};

pub fn to_tokyo(t: DateTime<Utc>) -> DateTime<Tz> {
    t.with_timezone(&Tokyo)
}

/// The Asia/Tokyo calendar date and wall-clock time of an instant.
pub fn tokyo_date_time(t: DateTime<Utc>) -> (NaiveDate, NaiveTime) {
    let local = to_tokyo(t);
    (local.date_naive(), local.time())
}

/// The instant of a Tokyo wall-clock time (Japan has no daylight saving: always one answer).
pub fn from_tokyo(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    date.and_time(time)
        .and_local_timezone(Tokyo)
        .single()
        .expect("Asia/Tokyo has no DST gaps or folds")
        .with_timezone(&Utc)
}

/// Today's date in Tokyo.
pub fn tokyo_today() -> NaiveDate {
    to_tokyo(Utc::now()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nine_in_the_morning_in_tokyo_is_midnight_utc() {
        let d = NaiveDate::from_ymd_opt(2021, 5, 6).unwrap();
        let t = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        let utc = from_tokyo(d, t);
        assert_eq!(utc.to_rfc3339(), "2021-05-06T00:00:00+00:00");
        assert_eq!(tokyo_date_time(utc), (d, t));
    }

    #[test]
    fn early_morning_tokyo_is_the_previous_utc_day() {
        let d = NaiveDate::from_ymd_opt(2021, 5, 6).unwrap();
        let t = NaiveTime::from_hms_opt(8, 30, 0).unwrap();
        assert_eq!(
            from_tokyo(d, t).date_naive(),
            NaiveDate::from_ymd_opt(2021, 5, 5).unwrap()
        );
    }
}
