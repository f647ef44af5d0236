//! The gap report: open needs that nobody is meeting, by theme, country and urgency, and how
//! well matching works (share matched, time to match, what was delivered). Pure.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::catalogue::model::{Need, NeedStatus, Urgency};
use crate::matching::store::Match;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GapRow {
    pub theme: String,
    pub country: String,
    pub urgency: Urgency,
    pub open_needs: usize,
    /// Open needs with no live match (proposed, approved or active).
    pub unmatched_needs: usize,
    pub median_days_open: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GapSummary {
    /// Needs ever published (every state but draft and withdrawn).
    pub published_needs: usize,
    /// Of those, needs that had at least one match become active.
    pub needs_matched: usize,
    pub share_matched: f64,
    /// Median days from posting a need to its first active match.
    pub median_days_to_match: Option<f64>,
    pub matches_completed: usize,
    pub quantity_delivered: i64,
    /// The ratings given with completions, averaged.
    pub average_rating: Option<f64>,
    /// The ratings the organisations in need gave in their outcome reports, averaged: whether
    /// the help helped, in the words of those it was for.
    pub average_requester_rating: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GapReport {
    /// Most unmatched first; a need with several themes counts under each.
    pub rows: Vec<GapRow>,
    pub summary: GapSummary,
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    })
}

/// (theme, country, urgency).
type GroupKey = (String, String, Urgency);

/// Open needs, unmatched needs, and the days each has been open.
#[derive(Default)]
struct Group(usize, usize, Vec<f64>);

pub fn report(needs: &[Need], matches: &[Match], today: NaiveDate) -> GapReport {
    let mut by_need: HashMap<Uuid, Vec<&Match>> = HashMap::new();
    for m in matches {
        by_need.entry(m.need_id).or_default().push(m);
    }
    let live = |need: &Need| {
        by_need
            .get(&need.id)
            .is_some_and(|ms| ms.iter().any(|m| m.state().is_live()))
    };

    let mut groups: BTreeMap<GroupKey, Group> = BTreeMap::new();
    for need in needs.iter().filter(|need| need.status == NeedStatus::Open) {
        let days_open = (today - need.created_at.date_naive()).num_days().max(0) as f64;
        let unmatched = !live(need);
        for theme in &need.fields.themes {
            let key = (
                theme.clone(),
                need.fields.country.alpha2().to_owned(),
                need.fields.urgency,
            );
            let entry = groups.entry(key).or_default();
            entry.0 += 1;
            entry.1 += usize::from(unmatched);
            entry.2.push(days_open);
        }
    }
    let mut rows: Vec<GapRow> = groups
        .into_iter()
        .map(
            |((theme, country, urgency), Group(open_needs, unmatched_needs, days))| GapRow {
                theme,
                country,
                urgency,
                open_needs,
                unmatched_needs,
                median_days_open: median(days).unwrap_or(0.0),
            },
        )
        .collect();
    rows.sort_by(|a, b| {
        b.unmatched_needs
            .cmp(&a.unmatched_needs)
            .then(b.urgency.cmp(&a.urgency))
    });

    let mut days_to_match = Vec::new();
    for need in needs {
        let first_active = by_need
            .get(&need.id)
            .and_then(|ms| ms.iter().filter_map(|m| m.activated_at).min());
        if let Some(at) = first_active {
            days_to_match.push((at - need.created_at).num_seconds().max(0) as f64 / 86_400.0);
        }
    }
    let completed: Vec<&Match> = matches
        .iter()
        .filter(|m| m.completed_at.is_some())
        .collect();
    let ratings: Vec<f64> = completed
        .iter()
        .filter_map(|m| m.rating)
        .map(f64::from)
        .collect();
    let needs_matched = days_to_match.len();
    GapReport {
        rows,
        summary: GapSummary {
            published_needs: needs.len(),
            needs_matched,
            share_matched: if needs.is_empty() {
                0.0
            } else {
                needs_matched as f64 / needs.len() as f64
            },
            median_days_to_match: median(days_to_match),
            matches_completed: completed.len(),
            quantity_delivered: completed
                .iter()
                .filter_map(|m| m.delivered_quantity)
                .map(i64::from)
                .sum(),
            average_rating: (!ratings.is_empty())
                .then(|| ratings.iter().sum::<f64>() / ratings.len() as f64),
            // Reports live in their own table; the caller adds their average.
            average_requester_rating: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
