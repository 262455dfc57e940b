//! Fixtures for the module's unit tests: a migrated cache with a device, and the manual's resident.

use std::sync::Arc;

use yoyaku_core::resident::{ResidentDetails, ResidentForm, Sex};
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::resident_key::ResidentKeyInput;
use yoyaku_core::time::tokyo_today;

use crate::engine::{Clinic, Current};
use crate::settings::Settings;
use crate::store::Store;

/// A fresh cache whose device may queue intents.
pub async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    sqlx::query("UPDATE sync_state SET device_id = ?")
        .bind(uuid::Uuid::new_v4().to_string())
        .execute(store.pool())
        .await
        .unwrap();
    (dir, store)
}

/// A clinic of 431001 logged in (as after an earlier online login) whose city server cannot be
/// reached: nothing listens on its port.
pub async fn offline_clinic() -> (tempfile::TempDir, Arc<Clinic>) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let server_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        server_url,
        ..Settings::default()
    };
    let clinic = Clinic::open(dir.path(), settings).await.unwrap();
    let pool = clinic.store().pool();
    sqlx::query("UPDATE sync_state SET device_id = ?")
        .bind(uuid::Uuid::new_v4().to_string())
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO account (singleton, municipality_code, municipality_name, account_id,
             display_name, role, logged_in_at)
         VALUES (1, '431001', '熊本市', 'clinic-a', 'A胃腸科内科医院', 'clinic',
             '2021-05-01T00:00:00Z')",
    )
    .execute(pool)
    .await
    .unwrap();
    let profile = serde_json::from_value(serde_json::json!({
        "municipality_code": "431001", "municipality_name": "熊本市",
        "account_id": "clinic-a", "display_name": "A胃腸科内科医院", "role": "clinic",
        "venues": []
    }))
    .unwrap();
    *clinic.current.write().await = Some(Current {
        profile,
        token: Some("token".into()),
    });
    (dir, clinic)
}

/// Rows in a table, to check that nothing was written.
pub async fn count(clinic: &Clinic, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(clinic.store().pool())
        .await
        .unwrap()
}

pub fn key_input(ticket: &str, birth_date: &str) -> ResidentKeyInput {
    ResidentKeyInput {
        municipality_code: Some("431001".into()),
        ticket: ticket.into(),
        birth_date: birth_date.into(),
    }
}

/// 431001 / 9000000062 / 1945-03-03, the manual's example.
pub fn key() -> ResidentKey {
    key_input("9000000062", "1945-03-03")
        .parse(tokyo_today())
        .unwrap()
}

pub fn form(family: &str, given: &str, phone: &str) -> ResidentForm {
    ResidentForm {
        family_name_kana: family.into(),
        given_name_kana: given.into(),
        sex: Some(Sex::Male),
        phone: phone.into(),
        email: String::new(),
        memo: String::new(),
    }
}

pub fn details(family: &str, given: &str, phone: &str) -> ResidentDetails {
    form(family, given, phone).parse().unwrap()
}
