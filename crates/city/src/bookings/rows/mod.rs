//! Bookings, slots and vaccines as read from the database, and the seat counter they share.

mod booking;
mod slot;
mod target;

pub(crate) use booking::*;
pub(crate) use slot::*;
pub(crate) use target::*;
