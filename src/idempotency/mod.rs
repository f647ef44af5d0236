//! `Idempotency-Key` on the writes of signed-in callers (draft-ietf-httpapi-idempotency-key-
//! header, with Stripe's behaviour): the first answer to a (caller, key) is kept for 24 hours
//! and replayed for a repeat of the same request, so that a client whose connection broke can
//! send its POST again without creating a second need. `model` holds the pure rules (the key,
//! the request's fingerprint, which answers are kept), `store` the claim and the record in the
//! database (shared by every instance), `middleware` the one place requests pass through.

pub mod middleware;
pub mod model;
pub mod store;
