//! Background work that is not a request: the scheduler.

pub mod scheduler;
