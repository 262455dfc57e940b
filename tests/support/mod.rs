//! Harnesses for the end-to-end tests: a real city server and the real app window.

// Each test file is its own crate and uses only part of this.
#![allow(dead_code)]

pub mod browser;
pub mod city;
pub mod clinic_api;
pub mod console;
pub mod desktop;
pub mod figures;
pub mod ipc_fuzz;
pub mod processes;
