//! `AppState`: what every handler and page may reach, built once by `startup` and shared by
//! all workers. It lives apart from the composition root so that the modules it composes do
//! not import the module that composes them.

use std::sync::Arc;

use chrono::{NaiveDate, Utc};

use crate::auth::password::Passwords;
use crate::auth::rate_limit::RateLimiters;
use crate::auth::token::AccessTokens;
use crate::catalogue::themes::Taxonomy;
use crate::db::Database;
use crate::matching::announce::Announcer;
use crate::matching::score::Weights;
use crate::matching::service::Scoring;
use crate::notify::Notifier;

pub struct AppState {
    pub db: Database,
    pub access_tokens: AccessTokens,
    pub passwords: Passwords,
    pub rate_limits: RateLimiters,
    pub refresh_token_ttl: chrono::Duration,
    pub taxonomy: Arc<Taxonomy>,
    pub matching_weights: Weights,
    /// Puts emails in the outbox, inside the caller's transaction.
    pub notifier: Arc<Notifier>,
    /// The pages' templates, messages and session settings.
    pub site: Arc<crate::web::Site>,
    // match and coordination pages
    /// How long an approved match waits for a side before the coordinators' queue lists it
    /// (`reminders.match_waiting_days`, the reminders' own measure).
    pub match_waiting: chrono::Duration,
    /// The open offers, held for candidate lists and kept current from the database.
    pub open_offers: Arc<crate::matching::open_offers::OpenOffers>,
    /// Where webhooks may be sent beyond the public internet over https (SSRF rule).
    pub webhook_egress: crate::webhooks::ssrf::EgressPolicy,
}

/// What scoring needs, owned so that it can move onto the blocking pool: the taxonomy and
/// weights of the running server, and today's date. The API's routes and the pages score
/// through it alike.
pub struct TodaysScoring {
    taxonomy: Arc<Taxonomy>,
    weights: Weights,
    today: NaiveDate,
}

impl TodaysScoring {
    pub fn scoring(&self) -> Scoring<'_> {
        Scoring {
            taxonomy: &self.taxonomy,
            weights: &self.weights,
            today: self.today,
        }
    }
}

impl AppState {
    /// Scoring as of today, with this server's taxonomy and weights.
    pub fn todays_scoring(&self) -> TodaysScoring {
        TodaysScoring {
            taxonomy: self.taxonomy.clone(),
            weights: self.matching_weights,
            today: Utc::now().date_naive(),
        }
    }

    /// What a write path needs to announce new candidates in its own transaction.
    pub fn announcer(&self) -> Announcer {
        Announcer {
            notifier: self.notifier.clone(),
            taxonomy: self.taxonomy.clone(),
            weights: self.matching_weights,
            open_offers: self.open_offers.clone(),
        }
    }
}
