//! The live figures the home page shows: open needs by theme, needs matched, countries
//! reached. Counted by the store over what one reader may see; grouped here. Pure.

use serde::Serialize;

use crate::catalogue::themes::Taxonomy;

/// What the store counts, for one reader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Open needs per theme code they carry (a need with two themes counts under both).
    pub open_by_theme: Vec<(String, i64)>,
    /// Open needs, each once.
    pub open_needs: i64,
    /// Needs with an active or completed match (matched, in progress, fulfilled).
    pub needs_matched: i64,
    /// Countries of those matched needs.
    pub countries_reached: i64,
}

/// One line of the "open needs by theme" figure: a top-level theme and how many open needs
/// carry it or one of its children.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThemeFigure {
    pub code: String,
    pub name: String,
    pub open_needs: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub open_needs: i64,
    pub needs_matched: i64,
    pub countries_reached: i64,
    /// Top-level themes with at least one open need, most needed first.
    pub by_theme: Vec<ThemeFigure>,
}

impl Figures {
    /// Rolls the per-code counts up to top-level themes. The store counts (need, code)
    /// pairs, a few dozen rows whatever the catalogue's size; a need that names both a theme
    /// and one of its children therefore counts twice under that theme, which the page's
    /// wording ("needs asking for ...") allows and which is rare, since a child implies its
    /// parent.
    pub fn from_counts(counts: Counts, taxonomy: &Taxonomy) -> Self {
        let mut by_theme: Vec<ThemeFigure> = Vec::new();
        for (code, count) in counts.open_by_theme {
            let Some(top) = top_level(taxonomy, &code) else {
                continue;
            };
            match by_theme.iter_mut().find(|figure| figure.code == top) {
                Some(figure) => figure.open_needs += count,
                None => by_theme.push(ThemeFigure {
                    name: taxonomy
                        .get(&top)
                        .map(|t| t.name.clone())
                        .unwrap_or_default(),
                    code: top,
                    open_needs: count,
                }),
            }
        }
        by_theme.sort_by(|a, b| b.open_needs.cmp(&a.open_needs).then(a.code.cmp(&b.code)));
        Self {
            open_needs: counts.open_needs,
            needs_matched: counts.needs_matched,
            countries_reached: counts.countries_reached,
            by_theme,
        }
    }
}

fn top_level(taxonomy: &Taxonomy, code: &str) -> Option<String> {
    let mut theme = taxonomy.get(code)?;
    while let Some(parent) = theme.parent.as_deref() {
        theme = taxonomy.get(parent)?;
    }
    Some(theme.code.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::themes::theme;

    #[test]
    fn counts_roll_up_to_top_level_themes_most_needed_first() {
        let taxonomy = Taxonomy::new([
            theme("a", None, 1),
            theme("a.x", Some("a"), 2),
            theme("b", None, 3),
            theme("b.y", Some("b"), 4),
        ]);
        let counts = Counts {
            open_by_theme: vec![
                ("a".into(), 1),
                ("a.x".into(), 2),
                ("b.y".into(), 4),
                ("unknown".into(), 9),
            ],
            open_needs: 6,
            needs_matched: 2,
            countries_reached: 1,
        };
        let figures = Figures::from_counts(counts, &taxonomy);
        let lines: Vec<(&str, i64)> = figures
            .by_theme
            .iter()
            .map(|f| (f.code.as_str(), f.open_needs))
            .collect();
        assert_eq!(lines, [("b", 4), ("a", 3)]);
        assert_eq!(figures.by_theme[0].name, "Name of b");
        assert_eq!((figures.open_needs, figures.needs_matched), (6, 2));
    }
}
