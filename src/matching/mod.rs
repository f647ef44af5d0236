//! Matching needs with offers: geography, scoring with explanations, and candidate
//! generation through a theme index, and the match lifecycle (all pure).

pub mod allocation;
pub mod announce;
pub mod gaps;
pub mod geography;
pub mod index;
pub mod notices;
pub mod open_offers;
#[cfg(test)]
mod properties;
pub mod reminders;
pub mod routes;
pub mod score;
pub mod service;
pub mod store;
pub mod text;
pub mod view;
pub mod workflow;
