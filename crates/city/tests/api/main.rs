//! The city server over real HTTP against real PostgreSQL (a throwaway cluster unless
//! `DATABASE_URL` is set); each test gets its own seeded database.

mod demo_command;
mod health;
mod login;
mod seed;
mod server;
mod slots;
mod support;
mod throwaway_pg;
