//! Sync with the city server (DESIGN.md, Sync): push the outbox, then pull the changes, on a
//! timer and on every write, with backoff while the server cannot be reached.

mod status;

pub use status::{ErrorInfo, Schedule, SyncStatus};
