//! The theme taxonomy: loaded once at start (it ships with the migrations and never changes
//! while the service runs), used to check codes and to widen a theme filter to its children.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

/// One theme as stored: a code, its parent (none at the top), and words for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub code: String,
    pub parent: Option<String>,
    pub name: String,
    pub description: String,
    pub version: i32,
    pub position: i32,
}

/// A theme with its children, as `GET /api/v1/themes` shows the tree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThemeNode {
    #[schema(example = "ransomware.backup_recovery")]
    pub code: String,
    pub name: String,
    pub description: String,
    /// The parent's code; null at the top of the tree.
    pub parent: Option<String>,
    #[schema(no_recursion)]
    pub children: Vec<ThemeNode>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThemeTree {
    /// The taxonomy version: the highest version that introduced a code.
    pub version: i32,
    pub items: Vec<ThemeNode>,
}

/// The whole taxonomy, indexed by code.
#[derive(Debug, Clone, Default)]
pub struct Taxonomy {
    themes: BTreeMap<String, Theme>,
    /// Each code's direct children, so that walking down costs no scan.
    children: BTreeMap<String, Vec<String>>,
    /// Every child's code is its parent's, a dot and a part of its own (`ransomware.backup`),
    /// as in the shipped taxonomy: `is_parent_of` can then rule out most pairs by comparing
    /// the codes, without a lookup.
    codes_extend_parents: bool,
}

impl Taxonomy {
    pub fn new(themes: impl IntoIterator<Item = Theme>) -> Self {
        let themes: BTreeMap<String, Theme> = themes
            .into_iter()
            .map(|theme| (theme.code.clone(), theme))
            .collect();
        let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for theme in themes.values() {
            if let Some(parent) = &theme.parent {
                children
                    .entry(parent.clone())
                    .or_default()
                    .push(theme.code.clone());
            }
        }
        let codes_extend_parents = themes.values().all(|theme| match &theme.parent {
            Some(parent) => theme.code.rsplit_once('.').map(|(above, _)| above) == Some(parent),
            None => true,
        });
        Self {
            themes,
            children,
            codes_extend_parents,
        }
    }

    pub fn contains(&self, code: &str) -> bool {
        self.themes.contains_key(code)
    }

    pub fn get(&self, code: &str) -> Option<&Theme> {
        self.themes.get(code)
    }

    /// Whether `parent` is the direct parent of `child`. The scorer asks this for every pair
    /// of a need's and an offer's themes (docs/PERFORMANCE.md, "Candidates: the taxonomy and
    /// the held offers' shares"); most pairs are unrelated, and their codes tell at once.
    pub fn is_parent_of(&self, parent: &str, child: &str) -> bool {
        // `child` must start with `parent` and a dot; a deeper code is then told by the lookup.
        let extends = child.len() > parent.len()
            && child.as_bytes()[parent.len()] == b'.'
            && child.starts_with(parent);
        if self.codes_extend_parents && !extends {
            return false;
        }
        self.get(child).and_then(|theme| theme.parent.as_deref()) == Some(parent)
    }

    pub fn len(&self) -> usize {
        self.themes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.themes.is_empty()
    }

    /// The direct children of `code`.
    pub fn children_of(&self, code: &str) -> &[String] {
        self.children
            .get(code)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.themes.keys().map(String::as_str)
    }

    /// `code` and every theme below it: what a filter on `code` matches.
    pub fn with_descendants(&self, code: &str) -> Vec<String> {
        let mut found = vec![code.to_owned()];
        let mut index = 0;
        while index < found.len() {
            let below = self.children_of(&found[index]).to_vec();
            found.extend(below);
            index += 1;
        }
        found
    }

    pub fn tree(&self) -> ThemeTree {
        fn children_of(taxonomy: &Taxonomy, parent: Option<&str>) -> Vec<ThemeNode> {
            let mut level: Vec<&Theme> = taxonomy
                .themes
                .values()
                .filter(|theme| theme.parent.as_deref() == parent)
                .collect();
            level.sort_by_key(|theme| (theme.position, theme.code.clone()));
            level
                .into_iter()
                .map(|theme| ThemeNode {
                    code: theme.code.clone(),
                    name: theme.name.clone(),
                    description: theme.description.clone(),
                    parent: theme.parent.clone(),
                    children: children_of(taxonomy, Some(&theme.code)),
                })
                .collect()
        }
        ThemeTree {
            version: self
                .themes
                .values()
                .map(|theme| theme.version)
                .max()
                .unwrap_or(0),
            items: children_of(self, None),
        }
    }
}

/// A theme for unit tests: named after its code, so that a test can tell names from codes.
#[cfg(test)]
pub(crate) fn theme(code: &str, parent: Option<&str>, position: i32) -> Theme {
    Theme {
        code: code.into(),
        parent: parent.map(Into::into),
        name: format!("Name of {code}"),
        description: String::new(),
        version: 1,
        position,
    }
}

/// A taxonomy of `codes` for unit tests, each theme under the code before its last dot.
#[cfg(test)]
pub(crate) fn taxonomy_of<'a>(codes: impl IntoIterator<Item = &'a str>) -> Taxonomy {
    Taxonomy::new(codes.into_iter().map(|code| {
        let parent = code.rsplit_once('.').map(|(parent, _)| parent);
        theme(code, parent, 0)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes' shortcut gives the stored parents' answer for every pair, and a taxonomy
    /// whose codes do not extend their parents' is answered from the stored parents alone.
    #[test]
    fn is_parent_of_answers_what_the_stored_parents_say() {
        let by_code = [
            theme("a", None, 1),
            theme("a.x", Some("a"), 2),
            theme("a.x.deep", Some("a.x"), 3),
            theme("a.y", Some("a"), 4),
            theme("ab", None, 5),
            theme("ab.x", Some("ab"), 6),
        ];
        let mut by_name = by_code.to_vec();
        by_name.push(theme("backups", Some("a"), 7));
        by_name.push(theme("b.x", Some("ab"), 8));
        for themes in [by_code.to_vec(), by_name] {
            let taxonomy = Taxonomy::new(themes.clone());
            for parent in &themes {
                for child in &themes {
                    assert_eq!(
                        taxonomy.is_parent_of(&parent.code, &child.code),
                        child.parent.as_deref() == Some(parent.code.as_str()),
                        "{} over {}",
                        parent.code,
                        child.code
                    );
                }
            }
        }
    }

    #[test]
    fn descendants_include_the_theme_and_all_below() {
        let taxonomy = Taxonomy::new([
            theme("a", None, 1),
            theme("a.x", Some("a"), 2),
            theme("a.x.deep", Some("a.x"), 3),
            theme("b", None, 4),
        ]);
        let mut found = taxonomy.with_descendants("a");
        found.sort();
        assert_eq!(found, ["a", "a.x", "a.x.deep"]);
        assert_eq!(taxonomy.with_descendants("b"), ["b"]);
    }

    #[test]
    fn the_tree_nests_children_in_order() {
        let taxonomy = Taxonomy::new([
            theme("b", None, 2),
            theme("a", None, 1),
            theme("a.x", Some("a"), 3),
        ]);
        let tree = taxonomy.tree();
        assert_eq!(
            tree.items
                .iter()
                .map(|n| n.code.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(tree.items[0].children[0].code, "a.x");
    }
}
