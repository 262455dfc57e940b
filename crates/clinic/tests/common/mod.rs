//! The city server harness shared with the root tests, the clinic engine opened against it, and
//! a proxy that loses the network in chosen ways.

// Each test file is its own crate and uses only part of this.
#![allow(dead_code)]

pub mod balancer;
#[path = "../../../../tests/support/city.rs"]
pub mod city;
pub mod killable_postgres;
pub mod proxy;
pub mod work;

use std::path::Path;
use std::sync::Arc;

pub use city::City;
use yoyaku_city::demo::DemoAccount;
use yoyaku_clinic::{Clinic, DeviceKey, LoginForm, Settings};

pub async fn open_clinic(city: &City, dir: &Path) -> Arc<Clinic> {
    open_clinic_at(&city.url(), dir).await
}

/// The clinic engine talking to the server at `server_url` (the city, or a proxy in front).
pub async fn open_clinic_at(server_url: &str, dir: &Path) -> Arc<Clinic> {
    let settings = Settings {
        server_url: server_url.to_owned(),
        ..Settings::default()
    };
    Clinic::open(dir, settings)
        .await
        .expect("open the clinic cache")
}

/// The clinic engine on a computer whose machine id is `machine_id`.
pub async fn open_clinic_on(city: &City, dir: &Path, machine_id: &str) -> Arc<Clinic> {
    let settings = Settings {
        server_url: city.url(),
        ..Settings::default()
    };
    Clinic::open_on(dir, settings, DeviceKey::from_machine_id(machine_id))
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

/// The next of a seeded sequence (xorshift64*), so that a run's random choices can be replayed.
pub fn next_random(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

/// This test binary again, as the child of the test `name`, with `env` set: a process of its own
/// for the test to kill.
pub fn spawn_child(name: &str, env: &[(&str, String)]) -> std::process::Child {
    std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture"])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}
