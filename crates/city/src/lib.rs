//! yoyaku-city: the municipality's system of record. It owns the valid-ticket registry, the
//! accounts, venues, periods and slots, residents' 予約者情報 and every booking from every channel,
//! in PostgreSQL, and serves them over an HTTP API to the clinic app, the call center and the web
//! (see docs/ARCHITECTURE.md).
//!
//! Tests elsewhere start it in-process: `throwaway_pg::fresh_database`, [`connect`], [`migrate`],
//! `demo::seed_demo`, then [`Server::spawn`]. The demo data and the throwaway cluster are behind the
//! development feature `demo`, so a shipped server has neither.

mod admin;
mod audit;
mod bookings;
mod db;
#[cfg(feature = "demo")]
pub mod demo;
pub mod first_start;
mod http;
mod information;
mod password;
mod residents;
mod server;
mod slot_info;
mod sync;
#[cfg(feature = "demo")]
pub mod throwaway_pg;
mod token;
mod waiting_room;
mod waitlist;

pub use db::{DEFAULT_CONNECTIONS, connect, connect_replica, connect_with, migrate};
pub use http::{AppUpdates, WebPages};
pub use server::{Server, ServerOptions, TlsError, shutdown_signal};
