//! yoyaku-core: the reservation system's domain types and rules, shared by the city server and the
//! clinic engine. No I/O and no async: everything here is a pure function of its inputs (the
//! current date included, which callers pass in).
//!
//! Values are parsed, not validated: a [`MunicipalityCode`] that exists is a valid one. Every error
//! a person may see implements [`Coded`]: a stable code and messages in Japanese and English.

pub mod account;
pub mod birth_date;
pub mod booking;
pub mod channel;
pub mod code;
pub mod contact;
pub mod error;
pub mod information;
pub mod kana;
pub mod municipality;
#[cfg(feature = "openapi")]
mod openapi;
pub mod out_of_municipality;
pub mod period;
pub mod planner;
pub mod refusal;
pub mod resident;
pub mod resident_key;
pub mod second_dose;
pub mod slot;
pub mod slot_report;
pub mod sync;
pub mod ticket;
pub mod time;
pub mod vaccine;
pub mod wire;

pub use account::AccountId;
pub use code::Code;
pub use error::{Coded, Problem};
pub use municipality::MunicipalityCode;
pub use slot::Visibility;
