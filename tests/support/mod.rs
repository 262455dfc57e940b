//! Harnesses for the end-to-end tests: a real city server and the real app window.

pub mod city;
pub mod desktop;
