//! What a page's address carries, read the same way on every page: the id in its path, the
//! `?done=` of the redirect after a form worked, and the keyset cursor of a list with the
//! link to its next page.

use serde::Deserialize;
use uuid::Uuid;

use crate::http::pagination::keyset_after;
use crate::web::errors::PageError;

/// An id from a path: anything that is not one is simply not found.
pub fn path_id(text: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(text).map_err(|_| PageError::NotFound)
}

/// `?done=<form>` of the redirect after a form worked: which confirmation banner to show.
#[derive(Debug, Deserialize)]
pub struct Notice {
    pub done: Option<String>,
}

impl Notice {
    /// The banner to show, if the address names one of the page's own (`known`); any other
    /// value shows none.
    pub fn among(&self, known: &[&str]) -> Option<&str> {
        self.done.as_deref().filter(|done| known.contains(done))
    }
}

/// Where the list page the address asks for starts: the API's shared keyset cursor (an
/// empty one is the first page); a cursor that is not one is a bad request.
pub fn page_after<Id: From<Uuid>>(
    cursor: Option<&str>,
) -> Result<Option<(chrono::NaiveDateTime, Id)>, PageError> {
    keyset_after(cursor.filter(|cursor| !cursor.is_empty())).map_err(|_| PageError::BadRequest)
}

/// The link to a list's next page, if there is one: `path` with the page's filters (those
/// not empty) and `cursor`.
pub fn next_link(path: &str, filters: &[(&str, &str)], cursor: Option<String>) -> Option<String> {
    let cursor = cursor?;
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in filters.iter().filter(|(_, value)| !value.is_empty()) {
        query.append_pair(name, value);
    }
    query.append_pair("cursor", &cursor);
    Some(format!("{path}?{}", query.finish()))
}
