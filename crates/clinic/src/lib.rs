//! yoyaku-clinic: everything the clinic desktop app does, without Tauri. A local SQLite cache
//! ([`store`]), the use cases of the operations manual, and sync with the city server.
//!
//! The engine is [`Clinic`]: open it on a data directory, log in, and it keeps the clinic's slots
//! in the cache, working on that cache when the network is down.

mod bookings;
mod cache;
pub mod city_client;
mod details_conflicts;
mod engine;
pub mod error;
pub mod information;
mod json_rows;
mod login;
mod outbox;
mod password;
mod problems;
mod residents;
mod sealed_token;
mod secrets;
pub mod settings;
pub mod slot_reports;
mod slots;
pub mod store;
pub mod sync;
mod sync_status;
mod unsent;

pub use bookings::{
    BookRequest, Booked, BookingRow, CITY_ANSWER_WAIT, Certainty, Changed, DayPlanView, DoseCount,
    FillView, MassVenueBooked, MassVenueOffer, MassVenueSlotRow, Message, Moved, OpenVialOffered,
    OpenVials, PlanView, PrivateFirst, ReleasedSeats, SameDayCheck, SpareView, Uncertainty,
    VialState, VialUse, VialView,
};
pub use details_conflicts::{DetailsChoice, DetailsConflict};
pub use engine::Clinic;
pub use error::{CityRefusal, ClinicError, Result, WayOut};
pub use login::{LoginForm, Session};
pub use problems::{ProblemResident, SyncProblem};
pub use residents::{
    BookingHistory, Notice, OutOfMunicipalityCheck, OutsideChoice, ReasonOption, Registration,
    RegistrationForm, ResidentQuery, ResidentRecord, ResidentSearch, ResidentSearchRow,
    TicketLookup,
};
pub use sealed_token::DeviceKey;
pub use secrets::SECRETS_FILE;
pub use settings::Settings;
pub use slots::SlotRow;
pub use sync_status::{ErrorInfo, Schedule, SyncState, SyncStatus};
pub use unsent::UnsentWork;
