//! yoyaku-core: the reservation system's domain types and rules, shared by the city server and the
//! clinic engine. No I/O and no async: everything here is a pure function of its inputs.
//!
//! Values are parsed, not validated: a [`MunicipalityCode`] that exists is a valid one.

pub mod account;
pub mod error;
pub mod municipality;
pub mod slot;
pub mod time;
pub mod wire;

pub use account::AccountId;
pub use error::{Coded, Problem};
pub use municipality::MunicipalityCode;
pub use slot::Visibility;
