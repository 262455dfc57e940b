//! The city admin's work that is more than a query: the valid-ticket import, setting up slots
//! from a slot report, the reports' workflow, and opening a period at 受付開始.

pub(crate) mod opening;
pub(crate) mod reports;
pub(crate) mod slot_setup;
pub(crate) mod tickets;
