//! The city server over real HTTP against real PostgreSQL (a throwaway cluster unless
//! `DATABASE_URL` is set); each test gets its own seeded database.

mod admin_accounts;
mod admin_audit;
mod admin_tickets;
mod admin_vaccines;
mod app_updates;
mod bookings;
mod browser_session;
mod concurrency;
mod demo_command;
mod first_start;
mod health;
mod information;
mod last_seat;
mod lockout;
mod login;
mod mass_venue;
mod on_behalf;
mod openapi;
mod outside;
mod periods;
mod phone_rule;
mod public_venues;
mod rate_limit;
mod residents;
mod seed;
mod server;
mod slot_reports;
mod slots;
mod support;
mod sync;
mod throwaway_pg;
mod tls;
mod waiting_room;
mod waitlist;
