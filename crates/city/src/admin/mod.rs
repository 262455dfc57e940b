//! The city admin's work that is more than a query: the valid-ticket import and setting up slots
//! from a slot report.

pub(crate) mod slot_setup;
pub(crate) mod tickets;
