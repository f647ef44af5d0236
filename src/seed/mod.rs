//! `clearinghouse seed-demo`: a realistic, reproducible demo data set. `generate` builds the
//! organisations, needs and offers (pure); `write` stores them as the API would.

pub mod generate;
pub mod write;
