#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Integration tests: each starts the real server on port 0 with a fresh database. They run on
//! SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.

mod access;
mod accounts;
mod admin;
mod admin_pages;
mod browser;
mod cases;
mod casework;
mod casework_case_pages;
mod casework_decision_pages;
mod casework_queue;
mod catalogue;
mod cli;
mod community_pages;
mod contract;
mod crash;
mod decision_notice;
mod email;
mod hardening;
mod helpers;
mod http_basics;
mod information;
mod innovator_pages;
mod monitoring;
mod observation_reports;
mod pages;
mod register;
mod register_search;
mod replicas;
mod schema;
mod seed;
mod sessions;
mod tamper;
mod tokens;
mod web;
