//! Needs, offers and themes in the database. What both kinds share lives here: the
//! taxonomy, delimited lists, free-text queries, stale-version detection.

pub mod needs;
pub mod offers;

use diesel::prelude::*;

use crate::catalogue::themes::{Taxonomy, Theme};
use crate::db::schema::themes;
use crate::db::{Conn, StoreError};
use crate::dispatch;

pub fn load_taxonomy(conn: &mut Conn<'_>) -> Result<Taxonomy, StoreError> {
    let rows: Vec<(String, Option<String>, String, String, i32, i32)> =
        dispatch!(conn, |c| themes::table
            .select((
                themes::code,
                themes::parent,
                themes::name,
                themes::description,
                themes::version,
                themes::position,
            ))
            .load(c))?;
    Ok(Taxonomy::new(rows.into_iter().map(
        |(code, parent, name, description, version, position)| Theme {
            code,
            parent,
            name,
            description,
            version,
            position,
        },
    )))
}

/// Ids bound in one `IN (...)`: SQLite accepts at most 32,766 bound values per statement.
pub(crate) const MAX_BOUND_IDS: usize = 10_000;

/// Lists are stored as `,a,b,` so that membership is one `LIKE '%,a,%'`.
pub(crate) fn join_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let mut joined = String::from(",");
    for item in items {
        joined.push_str(item);
        joined.push(',');
    }
    joined
}

pub(crate) fn split_list(stored: &str) -> impl Iterator<Item = &str> {
    stored.split(',').filter(|item| !item.is_empty())
}

pub(crate) fn contains_pattern(item: &str) -> String {
    format!("%,{item},%")
}

/// The words of a free-text query, as each engine's full-text index wants them: every word
/// must appear, as a prefix. Anything that is not a letter or digit separates words, so no
/// query syntax reaches the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextQuery {
    words: Vec<String>,
}

/// More words than this add nothing but cost.
const MAX_QUERY_WORDS: usize = 8;

impl TextQuery {
    pub fn parse(text: &str) -> Option<Self> {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .take(MAX_QUERY_WORDS)
            .map(str::to_lowercase)
            .collect();
        (!words.is_empty()).then_some(Self { words })
    }

    /// FTS5: `"ransom"* "backup"*`.
    pub fn fts5(&self) -> String {
        self.words
            .iter()
            .map(|word| format!("\"{word}\"*"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// PostgreSQL tsquery: `ransom:* & backup:*`.
    pub fn tsquery(&self) -> String {
        self.words
            .iter()
            .map(|word| format!("{word}:*"))
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

/// Row counts of a conditional update: none means the version (or state) moved on.
pub(crate) fn expect_one(updated: usize) -> Result<(), StoreError> {
    if updated == 1 {
        Ok(())
    } else {
        Err(StoreError::Stale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip() {
        let joined = join_list(["en", "fr"]);
        assert_eq!(joined, ",en,fr,");
        assert_eq!(split_list(&joined).collect::<Vec<_>>(), ["en", "fr"]);
        assert_eq!(split_list(&join_list([])).count(), 0);
    }

    #[test]
    fn text_queries_carry_no_syntax() {
        let query = TextQuery::parse("Ransomware \"OR\" back-up* NEAR(x)").unwrap();
        assert_eq!(
            query.fts5(),
            "\"ransomware\"* \"or\"* \"back\"* \"up\"* \"near\"* \"x\"*"
        );
        assert_eq!(
            query.tsquery(),
            "ransomware:* & or:* & back:* & up:* & near:* & x:*"
        );
        assert!(TextQuery::parse(" !!! ").is_none());
        assert_eq!(
            TextQuery::parse("é à ü").unwrap().tsquery(),
            "é:* & à:* & ü:*"
        );
    }
}
