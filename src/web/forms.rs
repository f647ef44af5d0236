//! A form that failed validation is shown again (422) with an error summary at the top,
//! each field's message above its input, and what the person typed kept (never a
//! password). `FormErrors` turns the use case's field errors into those messages.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, FieldError};
use crate::web::site::Site;

#[derive(Debug, Serialize)]
struct FieldMessage {
    /// The input's id, which the summary links to.
    field: String,
    message: String,
}

/// The messages of a form's invalid fields, in the page's language.
#[derive(Debug, Default, Serialize)]
pub struct FormErrors {
    list: Vec<FieldMessage>,
    fields: BTreeMap<String, String>,
}

impl FormErrors {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The field errors of a refused use case, if that is what it was. Each message is
    /// `<form>-<field>-<code>` from the catalogue, else `<form>-<field>-invalid`, else
    /// `field-<code>`, else the catalogue's generic one; a field is named as the form names its input
    /// (`organisation.name` is `organisation_name`).
    pub fn from_refusal(site: &Site, form: &str, error: &ApiError) -> Option<Self> {
        let ApiError::Validation { errors, .. } = error else {
            return None;
        };
        let mut form_errors = Self::default();
        for FieldError { field, code, .. } in errors {
            form_errors.add(site, form, &field.replace('.', "_"), code);
        }
        // A shape error with no field (a value no variant names) still needs a message.
        if form_errors.is_empty() {
            form_errors.list.push(FieldMessage {
                field: String::new(),
                message: site.text("field-invalid"),
            });
        }
        Some(form_errors)
    }

    /// Adds the message of `field` failing `code` (the first one wins per field).
    pub fn add(&mut self, site: &Site, form: &str, field: &str, code: &str) {
        if self.fields.contains_key(field) {
            return;
        }
        // A rule every form shares (the text rule's `control_character`) has one message.
        let message = [
            format!("{form}-{field}-{code}"),
            format!("{form}-{field}-invalid"),
            format!("field-{code}"),
        ]
        .iter()
        .find(|id| site.has_text(id))
        .map_or_else(|| site.text("field-invalid"), |id| site.text(id));
        self.fields.insert(field.to_owned(), message.clone());
        self.list.push(FieldMessage {
            field: field.to_owned(),
            message,
        });
    }
}

/// A form that is only a button: nothing to read but its CSRF token, which `CheckedForm`
/// checks before the handler runs.
#[derive(Debug, Deserialize)]
pub struct ButtonForm {}

/// A form as its page shows it: what was typed (kept when refused, never a password), the
/// messages beside its fields, and the page's status.
#[derive(Debug)]
pub struct ShownForm<F> {
    pub form: F,
    pub errors: FormErrors,
    pub status: StatusCode,
}

impl<F: Default> ShownForm<F> {
    /// The empty form of a page's first showing.
    pub fn blank() -> Self {
        Self::new(F::default(), FormErrors::none(), StatusCode::OK)
    }
}

impl<F> ShownForm<F> {
    pub fn new(form: F, errors: FormErrors, status: StatusCode) -> Self {
        Self {
            form,
            errors,
            status,
        }
    }

    /// The form again, with why it was refused (422).
    pub fn refused(form: F, errors: FormErrors) -> Self {
        Self::new(form, errors, StatusCode::UNPROCESSABLE_ENTITY)
    }
}
