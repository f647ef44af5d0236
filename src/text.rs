//! The one rule for text a client sends, applied by every text input (API bodies, query
//! filters and web forms alike): no control characters but line breaks and tabs.
//!
//! A NUL byte cannot be stored in PostgreSQL text at all (the query fails), SQLite would keep
//! it, and the other control characters (escape sequences, bell, C1 controls) have no place
//! in names, titles, descriptions or notes: they only hide or forge what a person reads in a
//! page, an email or a log. Line breaks are text: a newline, and the carriage return that
//! browsers send with it from a textarea (`\r\n`). Pure: no I/O.

use crate::error::FieldError;

/// The machine-readable reason of the field error.
pub const CODE: &str = "control_character";

/// The first character of `value` that the rule refuses, if any.
pub fn forbidden_character(value: &str) -> Option<char> {
    value
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// `value` as the request field `field`: refused with a field error naming it when it holds
/// a control character other than a line break or a tab.
pub fn check(field: &str, value: &str) -> Result<(), FieldError> {
    match forbidden_character(value) {
        None => Ok(()),
        Some(c) => Err(FieldError::new(
            field,
            CODE,
            format!(
                "must not contain control characters (found U+{:04X}); only line breaks and tabs are allowed",
                u32::from(c)
            ),
        )),
    }
}

/// `check` for every (field, value) pair, collecting the errors.
pub fn check_all<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<FieldError> {
    fields
        .into_iter()
        .filter_map(|(field, value)| check(field, value).err())
        .collect()
}

/// The rule as a `validator` custom check, for the derive-based request types.
pub fn validate(value: &str) -> Result<(), validator::ValidationError> {
    match forbidden_character(value) {
        None => Ok(()),
        Some(_) => Err(validator::ValidationError::new(CODE).with_message(
            "must not contain control characters; only line breaks and tabs are allowed".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn line_breaks_and_tabs_pass_and_other_controls_are_named() {
        assert!(check("title", "two\nlines\r\nand\ta tab, café").is_ok());
        for bad in [
            "a\0b",
            "\u{1b}[31mred",
            "bell\u{7}",
            "del\u{7f}",
            "c1\u{85}",
        ] {
            let error = check("title", bad).unwrap_err();
            assert_eq!(
                (error.field.as_str(), error.code.as_str()),
                ("title", CODE),
                "{bad:?}"
            );
        }
        assert_eq!(
            check_all([("a", "ok"), ("b", "x\0"), ("c", "\u{1}")]).len(),
            2
        );
    }

    proptest! {
        #[test]
        fn refused_exactly_when_a_control_other_than_a_line_break_or_tab_is_present(value in any::<String>()) {
            let expected = value.chars().any(|c| c.is_control() && !"\n\r\t".contains(c));
            prop_assert_eq!(check("f", &value).is_err(), expected);
            prop_assert_eq!(validate(&value).is_err(), expected);
        }
    }
}
