//! The demo municipality: 熊本市 with two of the manual's clinics, the city's mass-vaccination
//! venue, a call center, a city admin, eight weeks of slots named as in the city's notice, a
//! period whose second-dose window ends before the last first doses have their second (so that
//! the booking step offers the mass venue), and a registry of valid tickets including the
//! manual's residents. Seeding is idempotent: running it again adds nothing that exists.

use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta, Weekday};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;
use yoyaku_core::information::{Contact, Contacts, TermsOfUse};
use yoyaku_core::time::{from_tokyo, tokyo_today};
use yoyaku_core::wire::{LoginRequest, Role};
use yoyaku_core::{MunicipalityCode, Visibility};

use crate::password;

const MUNICIPALITY_CODE: &str = "431001";
const VACCINE_CODE: &str = "pfizer";
/// Eight weeks: a first dose booked in the first five has its second three weeks later on
/// slots that exist (manual 2-1: 3週間後の同じ曜日).
const SLOT_DAYS: i64 = 56;
const SLOT_MINUTES: i64 = 30;
/// (first start, end) of the morning and the afternoon session.
const SESSIONS: [((u32, u32), (u32, u32)); 2] = [((9, 0), (12, 0)), ((14, 0), (17, 0))];
/// Seats per slot at each time at a clinic: a public and a private slot side by side.
const CLINIC_CAPACITIES: [(Visibility, i32); 2] =
    [(Visibility::Public, 3), (Visibility::Private, 2)];
/// 市総合体育館等: the city's mass venue, public slots only, run by no clinic.
pub const MASS_VENUE: DemoVenue = DemoVenue {
    number: 900,
    name: "熊本市総合体育館（集団接種会場）",
    ward: "東区",
    address: "熊本市東区石原1丁目1-1",
};
const MASS_VENUE_CAPACITIES: [(Visibility, i32); 1] = [(Visibility::Public, 20)];
/// The demo's 第10期 (two after the notice's 第8期), in days from the day of seeding: first doses
/// in the first four weeks, second doses from day 21 to day 41. A first dose booked on days 21 to
/// 27 has its standard second after the window: 2回目は市総合体育館等 (the slot-setup notice,
/// item 1).
const PERIOD_NUMBER: i32 = 10;
const FIRST_DOSE_DAYS: (i64, i64) = (0, 27);
const SECOND_DOSE_DAYS: (i64, i64) = (21, 41);
/// The manual's residents (9000000062 is テスト タロー), then made-up ones for volume.
const NAMED_TICKETS: [(&str, (i32, u32, u32)); 2] =
    [("9000000062", (1945, 3, 3)), ("9000000001", (1945, 1, 1))];
const GENERATED_TICKETS: u32 = 300;
const FIRST_GENERATED_TICKET: u64 = 9_000_001_000;

/// A demo login, with the password in clear so a person or a test can use it.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub municipality_code: MunicipalityCode,
    pub account_id: &'static str,
    pub password: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    /// The venue a clinic runs.
    pub venue: Option<DemoVenue>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoVenue {
    /// 会場番号
    pub number: i32,
    pub name: &'static str,
    /// 区, by which the residents' page lists venues.
    pub ward: &'static str,
    pub address: &'static str,
}

impl DemoAccount {
    /// The login form filled in for this account, terms agreed.
    pub fn login_request(&self) -> LoginRequest {
        LoginRequest {
            municipality_code: self.municipality_code.to_string(),
            account_id: self.account_id.into(),
            password: self.password.into(),
            agreed_to_terms: true,
        }
    }
}

/// The demo's accounts, as [`seed_demo`] creates them.
#[derive(Debug, Clone)]
pub struct DemoAccounts {
    /// A胃腸科内科医院, venue 101.
    pub clinic_a: DemoAccount,
    /// E耳鼻咽喉科, venue 105.
    pub clinic_e: DemoAccount,
    pub call_center: DemoAccount,
    pub city_admin: DemoAccount,
}

impl DemoAccounts {
    fn kumamoto() -> Self {
        let municipality_code =
            MunicipalityCode::parse(MUNICIPALITY_CODE).expect("熊本市's code is valid");
        let account = |account_id, password, display_name, role, venue| DemoAccount {
            municipality_code,
            account_id,
            password,
            display_name,
            role,
            venue,
        };
        let a = DemoVenue {
            number: 101,
            name: "A胃腸科内科医院",
            ward: "中央区",
            address: "熊本市中央区水前寺3丁目2-10",
        };
        let e = DemoVenue {
            number: 105,
            name: "E耳鼻咽喉科",
            ward: "北区",
            address: "熊本市北区清水本町7-22",
        };
        Self {
            clinic_a: account("clinic-a", "demo-clinic-a", a.name, Role::Clinic, Some(a)),
            clinic_e: account("clinic-e", "demo-clinic-e", e.name, Role::Clinic, Some(e)),
            call_center: account(
                "callcenter",
                "demo-callcenter",
                "熊本市コールセンター",
                Role::CallCenter,
                None,
            ),
            city_admin: account(
                "city-admin",
                "demo-city-admin",
                "熊本市感染症対策課",
                Role::CityAdmin,
                None,
            ),
        }
    }

    pub fn all(&self) -> [&DemoAccount; 4] {
        [
            &self.clinic_a,
            &self.clinic_e,
            &self.call_center,
            &self.city_admin,
        ]
    }
}

/// The table `seed-demo` and `demo` print. Japanese text comes last: its width would break the
/// alignment of the columns after it.
impl fmt::Display for DemoAccounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<12}  {:<10}  {:<16}  {:<11}  venue",
            "municipality", "account_id", "password", "role"
        )?;
        for account in self.all() {
            let venue = account
                .venue
                .map(|venue| format!("{} {}", venue.number, venue.name))
                .unwrap_or_default();
            writeln!(
                f,
                "{:<12}  {:<10}  {:<16}  {:<11}  {venue}",
                account.municipality_code.to_string(),
                account.account_id,
                account.password,
                account.role.as_str(),
            )?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("hashing a demo password: {0}")]
    Hashing(#[from] argon2::password_hash::Error),
    #[error("hashing a demo password: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Loads the demo municipality into a migrated database, in one transaction.
pub async fn seed_demo(pool: &PgPool) -> Result<DemoAccounts, SeedError> {
    let accounts = DemoAccounts::kumamoto();
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "insert into municipalities (code, name_ja, name_en) values ($1, '熊本市', 'Kumamoto City')
         on conflict do nothing",
        MUNICIPALITY_CODE,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into vaccines (municipality_code, code, name_ja, name_en, doses_per_vial,
                               usable_hours_after_dilution, dose_interval_days,
                               earliest_interval_days, warn_after_days)
         values ($1, $2, 'ファイザー社ワクチン', 'Pfizer', 6, 6, 21, 19, 42)
         on conflict do nothing",
        MUNICIPALITY_CODE,
        VACCINE_CODE,
    )
    .execute(&mut *tx)
    .await?;
    for account in accounts.all() {
        let id = ensure_account(&mut tx, account).await?;
        if let Some(venue) = account.venue {
            let venue_id = ensure_venue(&mut tx, venue, Some(id)).await?;
            let slots = plan_slots(venue, tokyo_today(), &CLINIC_CAPACITIES);
            insert_slots(&mut tx, venue_id, &slots).await?;
        }
    }
    let mass_venue = ensure_venue(&mut tx, MASS_VENUE, None).await?;
    let slots = plan_slots(MASS_VENUE, tokyo_today(), &MASS_VENUE_CAPACITIES);
    insert_slots(&mut tx, mass_venue, &slots).await?;
    ensure_period(&mut tx, tokyo_today()).await?;
    insert_valid_tickets(&mut tx).await?;
    let municipality = MunicipalityCode::parse(MUNICIPALITY_CODE).expect("熊本市's code is valid");
    crate::information::publish(&mut tx, municipality, &terms(), &contacts()).await?;
    tx.commit().await?;
    Ok(accounts)
}

/// The account's `accounts.id`; its password is hashed only when it is created.
async fn ensure_account(db: &mut PgConnection, account: &DemoAccount) -> Result<Uuid, SeedError> {
    let existing = sqlx::query_scalar!(
        "select id from accounts where municipality_code = $1 and account_id = $2",
        MUNICIPALITY_CODE,
        account.account_id,
    )
    .fetch_optional(&mut *db)
    .await?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let password = account.password;
    let password_hash = tokio::task::spawn_blocking(move || password::hash(password)).await??;
    // Another seeder may have won the race since the check: then its row stays.
    sqlx::query!(
        "insert into accounts (municipality_code, id, account_id, display_name, role, password_hash)
         values ($1, $2, $3, $4, $5, $6)
         on conflict do nothing",
        MUNICIPALITY_CODE,
        Uuid::new_v4(),
        account.account_id,
        account.display_name,
        account.role.as_str(),
        password_hash,
    )
    .execute(&mut *db)
    .await?;
    Ok(sqlx::query_scalar!(
        "select id from accounts where municipality_code = $1 and account_id = $2",
        MUNICIPALITY_CODE,
        account.account_id,
    )
    .fetch_one(&mut *db)
    .await?)
}

/// A clinic's venue, or the city's mass venue when `clinic` is `None`.
async fn ensure_venue(
    db: &mut PgConnection,
    venue: DemoVenue,
    clinic: Option<Uuid>,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query!(
        "insert into venues (municipality_code, id, venue_number, name, clinic_account_id,
                             mass_venue, ward, address)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict do nothing",
        MUNICIPALITY_CODE,
        Uuid::new_v4(),
        venue.number,
        venue.name,
        clinic,
        clinic.is_none(),
        venue.ward,
        venue.address,
    )
    .execute(&mut *db)
    .await?;
    sqlx::query_scalar!(
        "select id from venues where municipality_code = $1 and venue_number = $2",
        MUNICIPALITY_CODE,
        venue.number,
    )
    .fetch_one(&mut *db)
    .await
}

/// One planned 予約枠.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PlannedSlot {
    name: String,
    date: NaiveDate,
    start: NaiveTime,
    visibility: Visibility,
    capacity: i32,
}

/// The slots of [`SLOT_DAYS`] days from `first_day`, Monday to Saturday, named as in the notice:
/// `【WEB・コールセンター受付】101.20211025.0900` (public), `【医療機関受付分】…` (private).
fn plan_slots(
    venue: DemoVenue,
    first_day: NaiveDate,
    capacities: &[(Visibility, i32)],
) -> Vec<PlannedSlot> {
    let mut slots = Vec::new();
    let days = (0..SLOT_DAYS).map(|offset| first_day + TimeDelta::days(offset));
    for date in days.filter(|date| date.weekday() != Weekday::Sun) {
        for ((start_h, start_m), (end_h, end_m)) in SESSIONS {
            let session_end = NaiveTime::from_hms_opt(end_h, end_m, 0).expect("a valid time");
            let mut start = NaiveTime::from_hms_opt(start_h, start_m, 0).expect("a valid time");
            while start < session_end {
                for &(visibility, capacity) in capacities {
                    let channel = match visibility {
                        Visibility::Public => "【WEB・コールセンター受付】",
                        Visibility::Private => "【医療機関受付分】",
                    };
                    slots.push(PlannedSlot {
                        name: format!(
                            "{channel}{}.{}.{}",
                            venue.number,
                            date.format("%Y%m%d"),
                            start.format("%H%M")
                        ),
                        date,
                        start,
                        visibility,
                        capacity,
                    });
                }
                start += TimeDelta::minutes(SLOT_MINUTES);
            }
        }
    }
    slots
}

async fn insert_slots(
    db: &mut PgConnection,
    venue_id: Uuid,
    planned: &[PlannedSlot],
) -> Result<(), sqlx::Error> {
    let ids: Vec<Uuid> = planned.iter().map(|_| Uuid::new_v4()).collect();
    let names: Vec<&str> = planned.iter().map(|slot| slot.name.as_str()).collect();
    let starts: Vec<_> = planned
        .iter()
        .map(|slot| from_tokyo(slot.date, slot.start))
        .collect();
    let ends: Vec<_> = starts
        .iter()
        .map(|start| *start + TimeDelta::minutes(SLOT_MINUTES))
        .collect();
    let visibilities: Vec<&str> = planned
        .iter()
        .map(|slot| slot.visibility.as_str())
        .collect();
    let capacities: Vec<i32> = planned.iter().map(|slot| slot.capacity).collect();
    sqlx::query!(
        "insert into slots (municipality_code, venue_id, vaccine_code,
                            id, name, starts_at, ends_at, visibility, capacity)
         select $1, $2, $3, planned.*
         from unnest($4::uuid[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[],
                     $9::int[]) as planned
         on conflict (municipality_code, name) do nothing",
        MUNICIPALITY_CODE,
        venue_id,
        VACCINE_CODE,
        &ids,
        &names as &[&str],
        &starts as _,
        &ends as _,
        &visibilities as &[&str],
        &capacities,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The demo's period ([`PERIOD_NUMBER`]), open for reception since a week before `today`.
async fn ensure_period(db: &mut PgConnection, today: NaiveDate) -> Result<(), sqlx::Error> {
    let day = |offset: i64| today + TimeDelta::days(offset);
    sqlx::query!(
        "insert into periods (municipality_code, number, vaccine_code, first_dose_first,
                              first_dose_last, second_dose_first, second_dose_last,
                              submission_deadline, correction_deadline, reception_opens,
                              opened_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
         on conflict do nothing",
        MUNICIPALITY_CODE,
        PERIOD_NUMBER,
        VACCINE_CODE,
        day(FIRST_DOSE_DAYS.0) as _,
        day(FIRST_DOSE_DAYS.1) as _,
        day(SECOND_DOSE_DAYS.0) as _,
        day(SECOND_DOSE_DAYS.1) as _,
        day(-21) as _,
        day(-14) as _,
        day(-7) as _,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The 有効接種券 registry: the named residents, then [`GENERATED_TICKETS`] more with birth
/// dates spread from 1930 to 2005.
fn planned_tickets() -> Vec<(String, NaiveDate)> {
    let named = NAMED_TICKETS.iter().map(|(number, (y, m, d))| {
        let birth_date = NaiveDate::from_ymd_opt(*y, *m, *d).expect("a valid date");
        ((*number).to_owned(), birth_date)
    });
    let first_birth_date = NaiveDate::from_ymd_opt(1930, 1, 1).expect("a valid date");
    let generated = (0..GENERATED_TICKETS).map(|i| {
        let number = FIRST_GENERATED_TICKET + u64::from(i);
        let birth_date = first_birth_date + TimeDelta::days(i64::from(i) * 92);
        (number.to_string(), birth_date)
    });
    named.chain(generated).collect()
}

async fn insert_valid_tickets(db: &mut PgConnection) -> Result<(), sqlx::Error> {
    let (numbers, birth_dates): (Vec<String>, Vec<NaiveDate>) =
        planned_tickets().into_iter().unzip();
    sqlx::query!(
        "insert into valid_tickets (municipality_code, ticket_number, birth_date)
         select $1, planned.* from unnest($2::text[], $3::date[]) as planned
         on conflict do nothing",
        MUNICIPALITY_CODE,
        &numbers,
        &birth_dates as _,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The demo's 利用規約.
fn terms() -> TermsOfUse {
    TermsOfUse {
        version: "1.1.0".into(),
        text_ja: "熊本市新型コロナワクチン予約受付システム 利用規約

第1条（目的）
この規約は、熊本市（以下「市」）が医療機関に提供する新型コロナワクチン予約受付システム（以下「本システム」）の利用について定めます。

第2条（アカウント）
医療機関は、市が付与したアカウントIDとパスワードを適切に管理し、第三者に利用させてはなりません。パスワードの漏えいのおそれがあるときは、速やかに市に連絡してください。

第3条（個人情報の取扱い）
本システムで取り扱う住民の個人情報は、予防接種の予約受付と実施の目的にのみ利用し、目的外の利用や第三者への提供をしてはなりません。接種券番号・生年月日の聴取により本人確認を行い、本人の同意なく他の住民の情報を閲覧してはなりません。

第4条（端末の管理）
本システムを利用する端末は、医療機関の管理下に置き、離席時はログアウトするか画面をロックしてください。端末を廃棄・譲渡するときは、保存された予約データを消去してください。

第5条（禁止事項）
虚偽の予約の登録、予約枠の不正な確保、本システムへの不正なアクセスその他本システムの運営を妨げる行為を禁止します。

第6条（停止・変更）
市は、保守や障害対応のため、本システムの全部又は一部を停止することがあります。停止中に端末で行った操作は、接続の回復後に市のサーバーへ送信されます。

第7条（問い合わせ）
本システムの操作についての質問や操作の代行は、熊本市医療機関専用ダイヤルで受け付けます。".into(),
        text_en: "Terms of use of the Kumamoto City COVID-19 vaccination booking system

1. Purpose. These terms govern clinics' use of the booking system Kumamoto City (the city) provides.
2. Accounts. Clinics keep the account ID and password the city issued to themselves and tell the city at once if a password may have leaked.
3. Personal data. Residents' personal data are used only to book and give vaccinations and are never passed on. A resident is identified by the ticket number and birth date they give; other residents' data are not looked at without their consent.
4. Computers. Computers running the system stay under the clinic's control; log out or lock the screen when away. Erase the stored booking data before a computer is disposed of or handed over.
5. Prohibited. False bookings, holding seats without a resident, unauthorised access and anything else that disrupts the system.
6. Interruptions. The city may stop the system for maintenance or faults. Work done on a computer meanwhile is sent to the city's server once the connection returns.
7. Questions. Questions about the system and operations done for a clinic go to the Kumamoto clinics' line.".into(),
    }
}

/// The demo's 問い合わせ先: the manual's §5 and the notice's lines by ward.
fn contacts() -> Contacts {
    let ward = |ward: &str, ward_en: &str, tel: &[&str], fax: &str| Contact {
        name_ja: format!("医療機関専用ダイヤル（{ward}）"),
        name_en: format!("Clinics' line ({ward_en})"),
        ward: Some(ward.into()),
        tel: tel.iter().map(|t| (*t).to_owned()).collect(),
        fax: Some(fax.into()),
        email: Some("vproject@city.kumamoto.kumamoto.jp".into()),
        hours_ja: None,
        hours_en: None,
    };
    Contacts {
        main: Contact {
            name_ja: "熊本市医療機関専用ダイヤル".into(),
            name_en: "Kumamoto City clinics' line".into(),
            ward: None,
            tel: vec!["096-300-9377".into()],
            fax: Some("096-247-6645".into()),
            email: Some("office@vaccines-city-kumamoto.jp".into()),
            hours_ja: Some("9時00分～17時00分（土日・祝日も実施）".into()),
            hours_en: Some("9:00–17:00, weekends and holidays too".into()),
        },
        wards: vec![
            ward(
                "中央区",
                "Chuo",
                &["080-3279-5794", "080-7045-4013"],
                "096-328-8833",
            ),
            ward("東区", "Higashi", &["080-3279-5822"], "096-328-8834"),
            ward("西区", "Nishi", &["080-3279-6054"], "096-328-8835"),
            ward("南区", "Minami", &["080-3277-8298"], "096-328-8836"),
            ward("北区", "Kita", &["080-3277-8987"], "096-328-8837"),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VENUE_101: DemoVenue = DemoVenue {
        number: 101,
        name: "A胃腸科内科医院",
        ward: "中央区",
        address: "熊本市中央区水前寺3丁目2-10",
    };

    #[test]
    fn eight_weeks_without_sundays_of_paired_half_hour_slots() {
        // 2021-10-25 is a Monday: 56 days hold eight Sundays.
        let monday = NaiveDate::from_ymd_opt(2021, 10, 25).unwrap();
        let slots = plan_slots(VENUE_101, monday, &CLINIC_CAPACITIES);
        assert_eq!(slots.len(), 48 * 12 * 2);
        assert!(slots.iter().all(|slot| slot.date.weekday() != Weekday::Sun));
        assert_eq!(
            slots[0].name,
            "【WEB・コールセンター受付】101.20211025.0900"
        );
        assert_eq!(
            (slots[0].visibility, slots[0].capacity),
            (Visibility::Public, 3)
        );
        assert_eq!(slots[1].name, "【医療機関受付分】101.20211025.0900");
        assert_eq!(
            (slots[1].visibility, slots[1].capacity),
            (Visibility::Private, 2)
        );
        let last_morning = NaiveTime::from_hms_opt(11, 30, 0).unwrap();
        let first_afternoon = NaiveTime::from_hms_opt(14, 0, 0).unwrap();
        assert_eq!(slots[10].start, last_morning);
        assert_eq!(slots[12].start, first_afternoon);
        // The last Saturday of the eight weeks: a first dose of week five has its second.
        assert_eq!(
            slots.last().unwrap().name,
            "【医療機関受付分】101.20211218.1630"
        );
        let day_of_dose_2 = slots[0].date + TimeDelta::days(28 + 21);
        assert!(slots.iter().any(|s| s.date == day_of_dose_2));
    }

    #[test]
    fn the_mass_venue_has_public_slots_only_and_the_period_sends_late_first_doses_there() {
        let monday = NaiveDate::from_ymd_opt(2021, 10, 25).unwrap();
        let slots = plan_slots(MASS_VENUE, monday, &MASS_VENUE_CAPACITIES);
        assert_eq!(slots.len(), 48 * 12);
        assert!(slots.iter().all(|s| s.visibility == Visibility::Public));
        assert_eq!(
            slots[0].name,
            "【WEB・コールセンター受付】900.20211025.0900"
        );
        // The standard second dose (21 days) of the window's last first doses is after the
        // second-dose window, and the mass venue has slots on that day.
        let last_second = FIRST_DOSE_DAYS.1 + 21;
        assert!(last_second > SECOND_DOSE_DAYS.1);
        assert!(FIRST_DOSE_DAYS.0 + 21 <= SECOND_DOSE_DAYS.1);
        assert!(last_second < SLOT_DAYS);
    }

    #[test]
    fn tickets_include_the_manuals_residents_and_are_ten_digits() {
        let tickets = planned_tickets();
        assert_eq!(tickets.len(), 302);
        assert_eq!(
            tickets[0],
            (
                "9000000062".into(),
                NaiveDate::from_ymd_opt(1945, 3, 3).unwrap()
            )
        );
        assert!(tickets.iter().all(|(number, _)| number.len() == 10));
        let last_birth = tickets.last().unwrap().1;
        assert!(last_birth.year() == 2005, "{last_birth}");
    }

    #[test]
    fn the_printed_table_lists_every_account_and_password() {
        let table = DemoAccounts::kumamoto().to_string();
        for account in DemoAccounts::kumamoto().all() {
            assert!(table.contains(account.account_id));
            assert!(table.contains(account.password));
        }
        assert!(table.contains("101 A胃腸科内科医院"));
    }
}
