//! One leased work queue, shared by the email outbox and the webhook deliveries: rows are
//! written inside the transaction of the change that causes them, claimed by workers under a
//! lease, and settled (done, retried later with backoff, or parked after their last attempt)
//! on the claim they were given. A worker killed mid-batch loses nothing: its lease runs out
//! and another worker claims the rows again.
//!
//! `schedule` holds the pure rules, `table` the statements (a macro over a table with the
//! queue's columns), `runner` the worker loop.

pub mod runner;
pub mod schedule;
mod table;

pub use schedule::{AfterFailure, RetryPolicy};
pub use table::Claim;
