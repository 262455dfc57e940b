//! The city server harness shared with the root tests, and the clinic engine opened against it.

#[path = "../../../../tests/support/city.rs"]
mod city;

use std::path::Path;
use std::sync::Arc;

pub use city::City;
use yoyaku_city::demo::DemoAccount;
use yoyaku_clinic::{Clinic, LoginForm, Settings};

pub async fn open_clinic(city: &City, dir: &Path) -> Arc<Clinic> {
    let settings = Settings {
        server_url: city.url(),
        ..Settings::default()
    };
    Clinic::open(dir, settings)
        .await
        .expect("open the clinic cache")
}

pub fn form(account: &DemoAccount) -> LoginForm {
    LoginForm {
        municipality_code: account.municipality_code.to_string(),
        account_id: account.account_id.into(),
        password: account.password.into(),
        agreed_to_terms: true,
    }
}
