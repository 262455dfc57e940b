//! 予約 from every channel: booking with capacity that never overbooks, its lifecycle, changes to
//! a later day and same-day time changes, and the lists that read them.
//!
//! Invariants held here and in the schema: a seat is taken only by a conditional update of the
//! slot's count; one active booking per resident and dose (a partial unique index); every write
//! appends its audit and change rows in its own transaction. Locks are taken in one order (the
//! resident, then the booking, then slots by id) so that concurrent writers never deadlock.
//!
//! Every write takes a connection or transaction of the caller's, so the HTTP handlers and the
//! sync push apply the same rules, each inside a transaction of its own.

mod book;
mod error;
mod lifecycle;
mod queries;
mod rows;
mod same_day;

pub(crate) use book::{Booked, NewBooking, book, change};
pub(crate) use error::{BookingError, Refusal};
pub(crate) use lifecycle::{cancel, check_in, mark_no_show, record_vaccination};
pub(crate) use queries::{
    PrivateFirstAdvice, PrivateSlots, available_slots, bookings_at_venue, bookings_of_resident,
    private_first, second_dose_plan,
};
pub(crate) use rows::BookingRecord;
pub(crate) use same_day::{Moved, same_day_move};
