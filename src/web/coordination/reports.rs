//! `/coordination/allocation` (the proposed assignment of capacity, a "Propose" button per
//! row) and `/coordination/gaps` (the gap report as a picture drawn on the server, with its
//! numbers beside it). Both read the use cases `GET /api/v1/allocation` and
//! `GET /api/v1/reports/gaps` read.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpResponse};
use chrono::Utc;
use minijinja::context;
use serde::Serialize;
use uuid::Uuid;

use crate::catalogue::model::Urgency;
use crate::catalogue::store::{needs, offers};
use crate::db::StoreError;
use crate::error::ApiError;
use crate::matching::service::{self, MatchingError};
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::matches::scored;
use crate::web::render::Page;
use crate::web::session::Coordinator;

pub fn routes(config: &mut web::ServiceConfig) {
    config.service(allocation).service(gaps);
}

#[derive(Serialize)]
struct AllocationLine {
    need_id: Uuid,
    need_title: String,
    offer_id: Uuid,
    offer_title: String,
    quantity: i64,
    urgency: &'static str,
    score: String,
}

#[derive(Serialize)]
struct CoverageLine {
    urgency: Option<&'static str>,
    needs: usize,
    needs_fully_covered: usize,
    units_wanted: i64,
    units_allocated: i64,
}

#[get("/coordination/allocation")]
async fn allocation(
    state: web::Data<AppState>,
    coordinator: Coordinator,
) -> Result<HttpResponse, PageError> {
    let (rows, coverage) = state
        .db
        .query(scored(&state, move |conn, scoring| {
            let plan = service::allocation(conn, scoring)?;
            let mut rows = Vec::with_capacity(plan.rows.len());
            for row in &plan.rows {
                // Coordinators read every item.
                let need = needs::find(conn, row.need_id)?.ok_or(StoreError::NotFound("need"))?;
                let offer =
                    offers::find(conn, row.offer_id)?.ok_or(StoreError::NotFound("offer"))?;
                rows.push(AllocationLine {
                    need_id: need.id,
                    need_title: need.fields.title,
                    offer_id: offer.id,
                    offer_title: offer.fields.title,
                    quantity: row.quantity,
                    urgency: row.urgency.as_str(),
                    score: format!("{:.2}", row.score),
                });
            }
            let coverage: Vec<CoverageLine> = plan
                .coverage
                .iter()
                .map(|line| CoverageLine {
                    urgency: line.urgency.map(Urgency::as_str),
                    needs: line.needs,
                    needs_fully_covered: line.needs_fully_covered,
                    units_wanted: line.units_wanted,
                    units_allocated: line.units_allocated,
                })
                .collect();
            Ok::<_, MatchingError>((rows, coverage))
        }))
        .await
        .map_err(ApiError::from)?;
    Page::new(
        "coordination/allocation",
        context! { rows => rows, coverage => coverage },
    )
    .render(&state, &coordinator.visitor)
}

/// One bar of the chart: a theme and its unmatched needs, with the bar's geometry.
#[derive(Serialize)]
struct Bar {
    theme: String,
    /// The theme's name, shortened to fit left of the bars (the text beside has it whole).
    label: String,
    count: usize,
    /// The bar's top edge and width in the drawing's units.
    y: usize,
    width: usize,
    /// Where the label and the number sit.
    text_y: usize,
    count_x: usize,
}

#[derive(Serialize)]
struct Cell {
    count: usize,
    /// The most urgent unmatched need's urgency, which shades the cell; None when empty.
    urgency: Option<&'static str>,
}

#[derive(Serialize)]
struct CountryRow {
    country: String,
    cells: Vec<Cell>,
}

/// The drawing's layout: labels on the left, bars from `BAR_X`, `BAR_SPAN` at the longest.
const BAR_X: usize = 300;
const BAR_SPAN: usize = 360;
const BAR_HEIGHT: usize = 24;
const BAR_GAP: usize = 10;
/// The longest theme label that fits left of `BAR_X`.
const LABEL_CHARS: usize = 38;

#[get("/coordination/gaps")]
async fn gaps(
    state: web::Data<AppState>,
    coordinator: Coordinator,
) -> Result<HttpResponse, PageError> {
    let today = Utc::now().date_naive();
    let report = state
        .db
        .query(move |conn| service::gap_report(conn, today))
        .await
        .map_err(ApiError::from)?;
    let theme_name = |code: &str| {
        state
            .taxonomy
            .get(code)
            .map_or_else(|| code.to_owned(), |theme| theme.name.clone())
    };
    // A need has one country and one urgency, so summing its groups counts it once per theme.
    let mut by_theme: BTreeMap<String, usize> = BTreeMap::new();
    let mut cells: BTreeMap<(String, String), (usize, Option<Urgency>)> = BTreeMap::new();
    for row in &report.rows {
        if row.unmatched_needs == 0 {
            continue;
        }
        *by_theme.entry(row.theme.clone()).or_default() += row.unmatched_needs;
        let cell = cells
            .entry((row.country.clone(), row.theme.clone()))
            .or_default();
        cell.0 += row.unmatched_needs;
        cell.1 = cell.1.max(Some(row.urgency));
    }
    let mut themes: Vec<(String, usize)> = by_theme.into_iter().collect();
    themes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let longest = themes.first().map_or(1, |(_, count)| (*count).max(1));
    let bars: Vec<Bar> = themes
        .iter()
        .enumerate()
        .map(|(n, (code, count))| {
            let y = n * (BAR_HEIGHT + BAR_GAP);
            let width = (count * BAR_SPAN / longest).max(2);
            let theme = theme_name(code);
            let label = if theme.chars().count() > LABEL_CHARS {
                let short: String = theme.chars().take(LABEL_CHARS - 1).collect();
                format!("{}…", short.trim_end())
            } else {
                theme.clone()
            };
            Bar {
                theme,
                label,
                count: *count,
                y,
                width,
                text_y: y + BAR_HEIGHT * 3 / 4,
                count_x: BAR_X + width + 8,
            }
        })
        .collect();
    let height = (themes.len() * (BAR_HEIGHT + BAR_GAP)).max(BAR_HEIGHT);
    let mut countries: Vec<String> = cells.keys().map(|(country, _)| country.clone()).collect();
    countries.dedup();
    let table: Vec<CountryRow> = countries
        .iter()
        .map(|country| CountryRow {
            country: crate::accounts::model::Country::parse(country)
                .map_or_else(|| country.clone(), |c| c.name().to_owned()),
            cells: themes
                .iter()
                .map(|(theme, _)| {
                    let (count, urgency) = cells
                        .get(&(country.clone(), theme.clone()))
                        .copied()
                        .unwrap_or_default();
                    Cell {
                        count,
                        urgency: urgency.map(Urgency::as_str),
                    }
                })
                .collect(),
        })
        .collect();
    let summary = &report.summary;
    let one_decimal = |value: Option<f64>| value.map(|value| format!("{value:.1}"));
    Page::new(
        "coordination/gaps",
        context! {
            bars => bars,
            total_unmatched => themes.iter().map(|(_, count)| count).sum::<usize>(),
            chart_width => BAR_X + BAR_SPAN + 60,
            chart_height => height,
            bar_x => BAR_X,
            bar_height => BAR_HEIGHT,
            theme_names => themes.iter().map(|(code, _)| theme_name(code)).collect::<Vec<_>>(),
            table => table,
            summary => context! {
                published_needs => summary.published_needs,
                needs_matched => summary.needs_matched,
                share_matched => format!("{:.0}", summary.share_matched * 100.0),
                median_days_to_match => one_decimal(summary.median_days_to_match),
                matches_completed => summary.matches_completed,
                quantity_delivered => summary.quantity_delivered,
                average_rating => one_decimal(summary.average_rating),
                average_requester_rating => one_decimal(summary.average_requester_rating),
            },
        },
    )
    .render(&state, &coordinator.visitor)
}
