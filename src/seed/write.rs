//! Writes the generated demo through the same store functions and audit lines as the API,
//! in transactions of a few thousand items, after checking that every record validates.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use serde_json::Value;
use uuid::Uuid;

use crate::accounts::model::{Country, Email, Role};
use crate::accounts::store::{self as accounts, NewOrganisation, NewUser};
use crate::audit::store as audit;
use crate::audit::{Actor, AuditEntry};
use crate::catalogue::item::CatalogueItem;
use crate::catalogue::lifecycle::{Action, Refusal};
use crate::catalogue::model::{Need, Offer};
use crate::catalogue::store::{load_taxonomy, ItemStore};
use crate::catalogue::themes::Taxonomy;
use crate::db::{Database, StoreError};
use crate::error::FieldError;
use crate::seed::generate::{Generator, Posting, COORDINATOR_EMAIL, DEMO, ORGANISATIONS};

/// Items per transaction: large enough that commits cost little, small enough that a
/// server sharing the SQLite file waits at most a moment for the write lock.
const CHUNK: usize = 2_000;

/// What to seed.
pub struct SeedPlan {
    pub seed: u64,
    pub needs: usize,
    pub offers: usize,
    /// The argon2 hash every demo user shares: hashing is slow, so it is done once.
    pub password_hash: String,
    pub today: NaiveDate,
}

#[derive(Debug, Default)]
pub struct SeedReport {
    pub organisations: usize,
    pub unverified_organisations: usize,
    pub users: usize,
    pub open_needs: usize,
    pub draft_needs: usize,
    pub open_offers: usize,
    pub draft_offers: usize,
    pub audit_lines: usize,
    pub elapsed: Duration,
}

pub enum SeedOutcome {
    Seeded(SeedReport),
    /// The demo coordinator exists: the demo was seeded before, and nothing was added.
    AlreadySeeded,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("generated {what} #{index} is invalid: {}", describe(.errors))]
    Invalid {
        what: &'static str,
        index: usize,
        errors: Vec<FieldError>,
    },
    #[error("a previous seed-demo stopped halfway (admin@{0}.example exists but the demo coordinator does not); seed a fresh database")]
    Unfinished(&'static str),
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for SeedError {
    fn from(error: diesel::result::Error) -> Self {
        Self::Store(error.into())
    }
}

/// A demo address as the store takes it; the demo's addresses are ours, so a bad one is a
/// fault of ours.
fn demo_email(address: &str) -> Result<Email, StoreError> {
    Email::parse(address).map_err(|_| StoreError::Query(format!("bad demo email {address}")))
}

fn describe(errors: &[FieldError]) -> String {
    serde_json::to_string(errors).unwrap_or_default()
}

fn json(view: &impl serde::Serialize) -> Value {
    serde_json::to_value(view).unwrap_or(Value::Null)
}

/// Whether the demo was seeded: its coordinator is written in the last transaction.
pub fn is_seeded(database: &Database) -> Result<bool, StoreError> {
    database.read_blocking(|conn| accounts::email_taken(conn, &demo_email(COORDINATOR_EMAIL)?))
}

/// Checks every record the plan would write against the API's validation, before writing any.
fn validate_all(plan: &SeedPlan, taxonomy: &Taxonomy) -> Result<(), SeedError> {
    let mut generator = Generator::new(plan.seed, plan.today);
    validate_each::<Need>(plan.needs, taxonomy, plan.today, || generator.need().input)?;
    validate_each::<Offer>(plan.offers, taxonomy, plan.today, || {
        generator.offer().input
    })
}

fn validate_each<K: CatalogueItem>(
    count: usize,
    taxonomy: &Taxonomy,
    today: NaiveDate,
    mut generate: impl FnMut() -> K::Input,
) -> Result<(), SeedError> {
    for index in 0..count {
        K::validate(&generate(), taxonomy, today).map_err(|errors| SeedError::Invalid {
            what: K::NOUN,
            index,
            errors,
        })?;
    }
    Ok(())
}

/// What writing one kind's items left behind.
struct Written {
    open: usize,
    drafts: usize,
    audit_lines: usize,
}

/// Writes `count` generated items of one kind in transactions of `CHUNK`, as their
/// organisations would through the API: each inserted as a draft and, when the demo says
/// so, published, with the same audit lines.
fn write_items<K: ItemStore>(
    database: &Database,
    taxonomy: &Taxonomy,
    today: NaiveDate,
    count: usize,
    mut generate: impl FnMut() -> Posting<K::Input>,
    actor: &impl Fn(usize) -> (Actor, Uuid, Uuid),
) -> Result<Written, SeedError> {
    let mut done = Written {
        open: 0,
        drafts: 0,
        audit_lines: 0,
    };
    let mut written = 0;
    while written < count {
        let batch = CHUNK.min(count - written);
        let postings: Vec<Posting<K::Input>> = (0..batch).map(|_| generate()).collect();
        let (open, lines) = database.write_blocking(|conn| {
            let (mut open, mut lines) = (0, 0);
            for posting in &postings {
                let fields = K::validate(&posting.input, taxonomy, today).map_err(|errors| {
                    SeedError::Invalid {
                        what: K::NOUN,
                        index: written,
                        errors,
                    }
                })?;
                let (actor, organisation_id, user_id) = actor(posting.organisation);
                let item = K::insert(conn, organisation_id, user_id, &fields)?;
                audit::record(
                    conn,
                    AuditEntry::creation(K::NOUN, item.id(), actor, json(&item.full_view())),
                )?;
                lines += 1;
                if posting.publish {
                    let next = K::next_status(item.status(), Action::Publish)?;
                    let published = K::set_status(conn, &item, next, Action::Publish)?;
                    audit::record(
                        conn,
                        AuditEntry::change(
                            K::NOUN,
                            item.id(),
                            Action::Publish.as_str(),
                            actor,
                            &json(&item.full_view()),
                            &json(&published.full_view()),
                        ),
                    )?;
                    open += usize::from(published.status() == K::OPEN);
                    lines += 1;
                }
            }
            Ok::<_, SeedError>((open, lines))
        })?;
        done.open += open;
        done.drafts += batch - open;
        done.audit_lines += lines;
        written += batch;
    }
    Ok(done)
}

/// Seeds the demo unless it is there already.
pub fn seed(database: &Database, plan: &SeedPlan) -> Result<SeedOutcome, SeedError> {
    let started = Instant::now();
    if is_seeded(database)? {
        return Ok(SeedOutcome::AlreadySeeded);
    }
    let first = &ORGANISATIONS[0];
    if database
        .read_blocking(|conn| accounts::email_taken(conn, &demo_email(&first.admin_email())?))?
    {
        return Err(SeedError::Unfinished(&first.key));
    }
    let taxonomy = database.read_blocking(load_taxonomy)?;
    validate_all(plan, &taxonomy)?;
    let mut report = SeedReport::default();

    // Organisations and their admins: (organisation id, admin user id) by index.
    let members: Vec<(Uuid, Uuid)> = database.write_blocking(|conn| {
        ORGANISATIONS
            .iter()
            .map(|demo| {
                let country = Country::parse(&demo.country).ok_or_else(|| {
                    StoreError::Query(format!("bad demo country {}", demo.country))
                })?;
                let organisation = accounts::insert_organisation(
                    conn,
                    NewOrganisation {
                        name: demo.name.clone(),
                        kind: demo.kind,
                        country,
                        verified: demo.verified(),
                    },
                )?;
                let user = accounts::insert_user(
                    conn,
                    organisation.id,
                    NewUser {
                        email: demo_email(&demo.admin_email())?,
                        name: demo.admin_name.clone(),
                        password_hash: plan.password_hash.clone(),
                        role: Role::OrgAdmin,
                        email_verified: true,
                    },
                )?;
                Ok::<_, SeedError>((organisation.id, user.id))
            })
            .collect()
    })?;
    report.organisations = members.len();
    report.unverified_organisations = ORGANISATIONS.iter().filter(|o| !o.verified()).count();
    report.users = members.len();
    let actor = |organisation: usize| {
        let (organisation_id, user_id) = members[organisation];
        (
            Actor::User {
                user_id,
                organisation_id,
            },
            organisation_id,
            user_id,
        )
    };

    let mut generator = Generator::new(plan.seed, plan.today);
    let needs = write_items::<Need>(
        database,
        &taxonomy,
        plan.today,
        plan.needs,
        || generator.need(),
        &actor,
    )?;
    let offers = write_items::<Offer>(
        database,
        &taxonomy,
        plan.today,
        plan.offers,
        || generator.offer(),
        &actor,
    )?;
    report.open_needs = needs.open;
    report.draft_needs = needs.drafts;
    report.open_offers = offers.open;
    report.draft_offers = offers.drafts;
    report.audit_lines = needs.audit_lines + offers.audit_lines;

    // Last, so that its presence means the whole demo is in.
    database.write_blocking(|conn| {
        accounts::insert_coordinator(
            conn,
            DEMO.coordinator.secretariat.clone(),
            Country::parse("NL").ok_or(StoreError::NotFound("country"))?,
            demo_email(COORDINATOR_EMAIL)?,
            DEMO.coordinator.name.clone(),
            plan.password_hash.clone(),
        )?;
        Ok::<_, SeedError>(())
    })?;
    report.users += 1;
    report.elapsed = started.elapsed();
    Ok(SeedOutcome::Seeded(report))
}
