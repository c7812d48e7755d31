//! Work that is not a request: the scheduler, and demo data.

pub mod scheduler;
pub mod seed;
