//! 住民検索 (manual 4-2 ②③): by 接種券番号 (or the OCR line), 電話番号 and カナ氏名, however typed,
//! over the cached residents. Every criterion is an index lookup or an index range, so a search
//! stays fast over tens of thousands of residents.

use serde::{Deserialize, Serialize};
use sqlx::Arguments;
use sqlx::sqlite::SqliteArguments;
use yoyaku_core::contact::Phone;
use yoyaku_core::kana::search_key;
use yoyaku_core::resident::NoSearchCriteria;
use yoyaku_core::ticket::TicketInput;
use yoyaku_core::{Code, Coded};

use super::field_problem;
use crate::SyncState;
use crate::engine::Clinic;
use crate::error::{ClinicError, FieldProblem, Result};
use crate::json_rows;

/// Rows of one page of the result list (the manual's '1-20 / 53件').
pub const SEARCH_PAGE: u32 = 20;

/// The 住民検索 form as typed; blank fields do not filter, the others must all match.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ResidentQuery {
    /// 接種券番号 (exact) or the ticket's 18-digit OCR line.
    pub ticket_number: String,
    /// 電話番号, any formatting, full-width digits taken.
    pub phone: String,
    /// The start of 姓(カナ), or of the whole name: spaces are ignored, so "テスト タ" works too.
    pub family_name_kana: String,
    /// The start of 名(カナ); needs the whole 姓.
    pub given_name_kana: String,
    /// The first row of the page, from 0: 次へ and 前へ move it by [`SEARCH_PAGE`].
    pub offset: u32,
}

/// One page of the matches, by name.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResidentSearch {
    pub rows: Vec<ResidentSearchRow>,
    /// Every match, on all pages.
    pub total: u64,
    /// The index of the page's first row among them.
    pub offset: u32,
    pub page_size: u32,
}

/// The columns of [`ResidentSearchRow`].
const SEARCH_COLUMNS: [&str; 13] = [
    "municipality_code",
    "ticket_number",
    "birth_date",
    "family_name_kana",
    "given_name_kana",
    "sex",
    "phone",
    "verified",
    "dose1_date",
    "dose1_status",
    "dose2_date",
    "dose2_status",
    "sync_state",
];

/// A row of the `resident_search` view: the list's columns, 1回目接種 and 2回目接種 included.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentSearchRow {
    pub municipality_code: String,
    pub ticket_number: String,
    pub birth_date: String,
    pub family_name_kana: Option<String>,
    pub given_name_kana: Option<String>,
    pub sex: Option<String>,
    pub phone: Option<String>,
    #[serde(deserialize_with = "json_rows::bool_from_int")]
    #[cfg_attr(feature = "specta", specta(type = bool))]
    pub verified: bool,
    pub dose1_date: Option<String>,
    #[cfg_attr(feature = "specta", specta(type = Option<yoyaku_core::booking::BookingStatus>))]
    pub dose1_status: Option<String>,
    pub dose2_date: Option<String>,
    #[cfg_attr(feature = "specta", specta(type = Option<yoyaku_core::booking::BookingStatus>))]
    pub dose2_status: Option<String>,
    /// synced, pending or rejected: the resident's own local work.
    pub sync_state: SyncState,
}

/// The criteria, normalised as stored.
#[derive(Debug, Default, PartialEq, Eq)]
struct Criteria {
    municipality_code: Option<String>,
    ticket_number: Option<String>,
    phone_digits: Option<String>,
    name_prefix: Option<String>,
}

/// 名 alone: names are searched from their start, 姓 first.
#[derive(Debug, thiserror::Error)]
#[error("to search by given name, please enter the family name (kana) too")]
struct FamilyNameFirst;

impl Coded for FamilyNameFirst {
    fn code(&self) -> Code {
        Code::ResidentSearchFamilyNameRequired
    }
    fn message_ja(&self) -> String {
        "名(カナ)で検索するときは、姓(カナ)も入力してください。".into()
    }
}

impl ResidentQuery {
    fn criteria(&self) -> Result<Criteria> {
        let mut problems: Vec<FieldProblem> = Vec::new();
        let mut criteria = Criteria::default();
        let typed = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        if let Some(input) = typed(&self.ticket_number) {
            match TicketInput::parse(&input) {
                Ok(ticket) => {
                    criteria.municipality_code = ticket.municipality().map(|m| m.as_string());
                    criteria.ticket_number = Some(ticket.number().as_string());
                }
                Err(e) => problems.push(field_problem("ticket_number", &e)),
            }
        }
        if let Some(input) = typed(&self.phone) {
            match Phone::parse(&input) {
                Ok(phone) => criteria.phone_digits = Some(phone.digits().to_owned()),
                Err(e) => problems.push(field_problem("phone", &e)),
            }
        }
        let family = search_key(&self.family_name_kana)
            .map_err(|e| problems.push(field_problem("family_name_kana", &e)));
        let given = search_key(&self.given_name_kana)
            .map_err(|e| problems.push(field_problem("given_name_kana", &e)));
        if let (Ok(family), Ok(given)) = (family, given) {
            if family.is_empty() && !given.is_empty() {
                problems.push(field_problem("family_name_kana", &FamilyNameFirst));
            }
            criteria.name_prefix = Some(family + &given).filter(|k| !k.is_empty());
        }
        if !problems.is_empty() {
            return Err(ClinicError::InvalidFields(problems));
        }
        if criteria == Criteria::default() {
            return Err(ClinicError::invalid(&NoSearchCriteria));
        }
        Ok(criteria)
    }
}

impl Clinic {
    /// 「検索」, 次へ and 前へ: a page of the cached residents matching every criterion given, by
    /// name, and how many match in all.
    pub async fn search_residents(&self, query: ResidentQuery) -> Result<ResidentSearch> {
        let criteria = query.criteria()?;
        let mut filters = String::new();
        let mut binds: Vec<String> = Vec::new();
        let mut filter = |clause: &str, value: String| {
            filters.push_str(clause);
            binds.push(value);
        };
        if let Some(m) = criteria.municipality_code {
            filter(" AND municipality_code = ?", m);
        }
        if let Some(t) = criteria.ticket_number {
            filter(" AND ticket_number = ?", t);
        }
        if let Some(p) = criteria.phone_digits {
            filter(" AND phone_digits = ?", p);
        }
        if let Some(prefix) = criteria.name_prefix {
            // A range instead of LIKE, so the name index serves it. Keys are katakana only, so
            // every key starting with the prefix sorts below prefix + U+10FFFF.
            let end = format!("{prefix}\u{10FFFF}");
            filter(" AND name_key >= ?", prefix);
            filter(" AND name_key < ?", end);
        }
        let arguments = |extra: &[i64]| -> Result<SqliteArguments<'static>> {
            let mut arguments = SqliteArguments::default();
            for value in &binds {
                arguments.add(value.clone()).map_err(sqlx::Error::Encode)?;
            }
            for value in extra {
                arguments.add(*value).map_err(sqlx::Error::Encode)?;
            }
            Ok(arguments)
        };
        let mut db = self.store.pool().acquire().await?;
        // Counted on the residents themselves: the list's view joins bookings the count needs not.
        let total: i64 = sqlx::query_scalar_with(
            &format!("SELECT count(*) FROM residents WHERE 1 = 1{filters}"),
            arguments(&[])?,
        )
        .fetch_one(&mut *db)
        .await?;
        // The name index's order: the page is read off the index instead of sorting every match.
        let sql = format!(
            "SELECT {} FROM resident_search WHERE 1 = 1{filters}
             ORDER BY name_key, municipality_code, ticket_number LIMIT ? OFFSET ?",
            SEARCH_COLUMNS.join(", ")
        );
        let page = arguments(&[i64::from(SEARCH_PAGE), i64::from(query.offset)])?;
        let rows: Vec<ResidentSearchRow> =
            json_rows::fetch(&mut db, &json_rows::wrap(&SEARCH_COLUMNS, &sql), page).await?;
        Ok(ResidentSearch {
            rows,
            total: total as u64,
            offset: query.offset,
            page_size: SEARCH_PAGE,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::write_resident;
    use crate::residents::test_support::{details, key_input, offline_clinic};
    use crate::store::Store;
    use yoyaku_core::time::tokyo_today;

    /// Residents 9000000001.. with the given names, each with its own phone number.
    async fn residents(store: &Store, names: &[(&str, &str)]) {
        let mut db = store.pool().acquire().await.unwrap();
        for (i, (family, given)) in names.iter().enumerate() {
            let key = key_input(&format!("9{:09}", i + 1), "1945-01-01")
                .parse(tokyo_today())
                .unwrap();
            let phone = format!("09012340{:03}", i + 1);
            write_resident(&mut db, &key, Some(&details(family, given, &phone)), true)
                .await
                .unwrap();
        }
    }

    fn kana(family: &str, given: &str) -> ResidentQuery {
        ResidentQuery {
            family_name_kana: family.into(),
            given_name_kana: given.into(),
            ..ResidentQuery::default()
        }
    }

    async fn tickets(clinic: &Clinic, query: ResidentQuery) -> Vec<String> {
        let found = clinic.search_residents(query).await.unwrap();
        found.rows.into_iter().map(|r| r.ticket_number).collect()
    }

    #[tokio::test]
    async fn kana_in_any_form_finds_names_by_their_start() {
        let (_dir, clinic) = offline_clinic().await;
        residents(
            clinic.store(),
            &[
                ("テスト", "タロー"),
                ("テスト", "ハナコ"),
                ("テラダ", "ジロー"),
                ("ヤマダ", "イチロー"),
            ],
        )
        .await;
        assert_eq!(
            tickets(&clinic, kana("ﾃｽﾄ", "")).await,
            ["9000000001", "9000000002"]
        );
        assert_eq!(
            tickets(&clinic, kana("てす", "")).await,
            ["9000000001", "9000000002"]
        );
        assert_eq!(tickets(&clinic, kana("テスト", "ﾀ")).await, ["9000000001"]);
        assert_eq!(
            tickets(&clinic, kana("テスト　は", "")).await,
            ["9000000002"]
        );
        assert_eq!(
            tickets(&clinic, kana("テ", "")).await,
            ["9000000001", "9000000002", "9000000003"]
        );
        assert!(tickets(&clinic, kana("テスタ", "")).await.is_empty());
    }

    #[tokio::test]
    async fn ticket_ocr_line_and_phone_in_any_form_match_exactly() {
        let (_dir, clinic) = offline_clinic().await;
        residents(
            clinic.store(),
            &[("テスト", "タロー"), ("テスト", "ハナコ")],
        )
        .await;
        let by = |ticket: &str, phone: &str| ResidentQuery {
            ticket_number: ticket.into(),
            phone: phone.into(),
            ..ResidentQuery::default()
        };
        assert_eq!(
            tickets(&clinic, by("９００００００００２", "")).await,
            ["9000000002"]
        );
        assert_eq!(
            tickets(&clinic, by("114310019000000002", "")).await,
            ["9000000002"]
        );
        assert!(
            tickets(&clinic, by("111310169000000002", ""))
                .await
                .is_empty()
        );
        assert_eq!(
            tickets(&clinic, by("", "０９０ー１２３４ー０００１")).await,
            ["9000000001"]
        );
        assert_eq!(
            tickets(&clinic, by("", "090 1234 0002")).await,
            ["9000000002"]
        );
        assert!(
            tickets(&clinic, by("9000000001", "09012340002"))
                .await
                .is_empty()
        );
        let row = &clinic
            .search_residents(by("9000000001", ""))
            .await
            .unwrap()
            .rows[0];
        assert_eq!(row.family_name_kana.as_deref(), Some("テスト"));
        assert_eq!(row.sync_state, SyncState::Synced);
        assert!(row.verified);
    }

    #[tokio::test]
    async fn bad_or_missing_criteria_are_refused_under_their_fields() {
        let (_dir, clinic) = offline_clinic().await;
        let err = clinic
            .search_residents(ResidentQuery::default())
            .await
            .unwrap_err();
        assert_eq!(
            yoyaku_core::Coded::code(&err),
            Code::ResidentSearchCriteriaRequired
        );
        let err = clinic
            .search_residents(ResidentQuery {
                ticket_number: "123".into(),
                phone: "abc".into(),
                family_name_kana: "tesuto".into(),
                given_name_kana: String::new(),
                offset: 0,
            })
            .await
            .unwrap_err();
        let ClinicError::InvalidFields(fields) = err else {
            panic!("{err:?}")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["ticket_number", "phone", "family_name_kana"]);
        let err = clinic
            .search_residents(kana("", "タロー"))
            .await
            .unwrap_err();
        let ClinicError::InvalidFields(fields) = err else {
            panic!("{err:?}")
        };
        assert_eq!(fields[0].code, Code::ResidentSearchFamilyNameRequired);
    }

    #[tokio::test]
    async fn results_come_a_page_at_a_time_with_the_count_of_all() {
        let (_dir, clinic) = offline_clinic().await;
        // 53 matches, as in the manual's '1-20 / 53件', and one other name.
        let mut names: Vec<(&str, &str)> = vec![("テスト", "タロー"); 53];
        names.push(("ヤマダ", "ハナコ"));
        residents(clinic.store(), &names).await;
        let page = |offset| {
            let clinic = &clinic;
            async move {
                clinic
                    .search_residents(ResidentQuery {
                        offset,
                        ..kana("テスト", "")
                    })
                    .await
                    .unwrap()
            }
        };
        let first = page(0).await;
        assert_eq!((first.total, first.offset, first.page_size), (53, 0, 20));
        assert_eq!(first.rows.len(), 20);
        assert_eq!(first.rows[0].ticket_number, "9000000001");
        let last = page(40).await;
        assert_eq!((last.total, last.rows.len()), (53, 13));
        assert_eq!(last.rows[12].ticket_number, "9000000053");
        assert!(page(60).await.rows.is_empty());
        let found = clinic
            .search_residents(ResidentQuery {
                phone: "09012340054".into(),
                ..ResidentQuery::default()
            })
            .await
            .unwrap();
        assert_eq!((found.total, found.rows.len()), (1, 1));
    }

    /// The plan SQLite chooses for a search's SQL: every criterion reads residents through an
    /// index, and a name search needs no sort of its matches (the view's per-resident subqueries
    /// sort a resident's few bookings; that is theirs, not the search's).
    #[tokio::test]
    async fn every_criterion_is_an_index_search() {
        let (_dir, clinic) = offline_clinic().await;
        let select = "SELECT * FROM resident_search WHERE 1 = 1";
        let order = "ORDER BY name_key, municipality_code, ticket_number LIMIT 20 OFFSET 0";
        for (criterion, index) in [
            (
                " AND name_key >= 'テ' AND name_key < 'テ\u{10FFFF}'",
                "residents_by_name",
            ),
            (" AND phone_digits = '09012340001'", "residents_by_phone"),
            (" AND ticket_number = '9000000001'", "residents_by_ticket"),
        ] {
            // (id, parent, unused, detail); parent 0 is the outer query.
            let steps: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {select}{criterion} {order}"))
                    .fetch_all(clinic.store().pool())
                    .await
                    .unwrap();
            let outer: Vec<&str> = steps
                .iter()
                .filter(|s| s.1 == 0)
                .map(|s| s.3.as_str())
                .collect();
            assert!(
                outer
                    .iter()
                    .any(|s| s.starts_with(&format!("SEARCH r USING INDEX {index}"))),
                "{criterion}: {outer:?}"
            );
            assert!(!outer.iter().any(|s| s.starts_with("SCAN")), "{outer:?}");
            if index == "residents_by_name" {
                assert!(
                    !outer.iter().any(|s| s.contains("TEMP B-TREE")),
                    "{outer:?}"
                );
            }
            // The count of all matches reads the same index, and only the index.
            let count: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM residents WHERE 1 = 1{criterion}"
            ))
            .fetch_all(clinic.store().pool())
            .await
            .unwrap();
            assert!(
                count.iter().any(|s| s.3.contains(index)),
                "{criterion}: {count:?}"
            );
            assert!(!count.iter().any(|s| s.3.starts_with("SCAN")), "{count:?}");
        }
    }
}
