//! The text rule (`crate::text`: no control characters but line breaks and tabs) and the
//! "not blank" rule, stated in the document for every text a client sends, so that what the
//! document allows the server accepts.
//!
//! The rule holds for every text input, so it is stated here in one pass over the document
//! rather than on each field: every string of a request (a parameter, or a property of a
//! body's schema) that has no `format`, `enum` or `pattern` of its own gets the rule's
//! pattern. A string with a `minLength` of N counts N characters once surrounding
//! whitespace is trimmed, as the server counts them, so its pattern asks for that much
//! text between the first and the last character that is not a space.

use serde_json::{Map, Value};

/// The characters the rule refuses, as a regular-expression class body: the C0 controls
/// but tab, line feed and carriage return, DEL, and the C1 controls (Rust's
/// `char::is_control`).
const CONTROL: &str = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F";

/// Any text the rule accepts.
pub fn text_pattern() -> String {
    format!("^[^{CONTROL}]*$")
}

/// Text the rule accepts holding at least `min_chars` characters between its first and
/// last non-space characters (1: not blank).
pub fn trimmed_text_pattern(min_chars: u64) -> String {
    let allowed = format!("[^{CONTROL}]");
    let visible = format!(r"[^\s{CONTROL}]");
    match min_chars {
        0 => text_pattern(),
        1 => format!("^{allowed}*{visible}{allowed}*$"),
        n => format!(
            "^{allowed}*{visible}{allowed}{{{},}}{visible}{allowed}*$",
            n - 2
        ),
    }
}

/// States the rule on every request string of `document` (a serialized OpenAPI document).
pub fn state_text_rule(document: &mut Value) {
    let request_components = request_components(document);
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for operation in item.values_mut() {
                for parameter in operation
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    if let Some(schema) = parameter.get_mut("schema") {
                        apply(schema);
                    }
                }
                for media in operation
                    .pointer_mut("/requestBody/content")
                    .and_then(Value::as_object_mut)
                    .into_iter()
                    .flat_map(Map::values_mut)
                {
                    if let Some(schema) = media.get_mut("schema") {
                        apply(schema);
                    }
                }
            }
        }
    }
    if let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            if request_components.contains(name) {
                apply(schema);
            }
        }
    }
}

/// The component schemas a request body reaches, directly or through other components.
fn request_components(document: &Value) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut pending: Vec<&Value> = document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(Map::values)
        .filter_map(Value::as_object)
        .flat_map(Map::values)
        .filter_map(|operation| operation.pointer("/requestBody/content"))
        .collect();
    while let Some(value) = pending.pop() {
        let mut refs = Vec::new();
        references(value, &mut refs);
        for name in refs {
            if found.contains(&name) {
                continue;
            }
            if let Some(schema) = document.pointer(&format!("/components/schemas/{name}")) {
                pending.push(schema);
            }
            found.push(name);
        }
    }
    found
}

fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            if let Some(name) = object
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                found.push(name.to_owned());
            }
            object.values().for_each(|v| references(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, found)),
        _ => {}
    }
}

fn is_string(schema: &Map<String, Value>) -> bool {
    match schema.get("type") {
        Some(Value::String(kind)) => kind == "string",
        Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind == "string"),
        _ => false,
    }
}

/// The rule on `schema` and every schema inside it (properties, items, alternatives).
fn apply(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if is_string(object)
        && !["format", "enum", "pattern", "const", "$ref"]
            .iter()
            .any(|keyword| object.contains_key(*keyword))
    {
        let min = object.get("minLength").and_then(Value::as_u64).unwrap_or(0);
        object.insert("pattern".into(), Value::String(trimmed_text_pattern(min)));
    }
    for keyword in ["properties", "patternProperties"] {
        if let Some(properties) = object.get_mut(keyword).and_then(Value::as_object_mut) {
            properties.values_mut().for_each(apply);
        }
    }
    for keyword in ["items", "additionalProperties", "not"] {
        if let Some(inner) = object.get_mut(keyword) {
            apply(inner);
        }
    }
    for keyword in ["oneOf", "anyOf", "allOf", "prefixItems"] {
        if let Some(alternatives) = object.get_mut(keyword).and_then(Value::as_array_mut) {
            alternatives.iter_mut().for_each(apply);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use regex::Regex;

    fn matches(pattern: &str, text: &str) -> bool {
        Regex::new(pattern).unwrap().is_match(text)
    }

    #[test]
    fn the_patterns_say_what_the_server_checks() {
        let any = text_pattern();
        assert!(matches(&any, ""));
        assert!(matches(&any, "two\nlines\r\nand\ta tab, café"));
        for bad in ["a\0b", "\u{1b}[31m", "del\u{7f}", "c1\u{85}"] {
            assert!(!matches(&any, bad), "{bad:?}");
        }
        let not_blank = trimmed_text_pattern(1);
        assert!(matches(&not_blank, " x "));
        assert!(!matches(&not_blank, "  \n\t "));
        assert!(!matches(&not_blank, ""));
        let five = trimmed_text_pattern(5);
        assert!(matches(&five, "  hello  "));
        assert!(!matches(&five, "  hell   "));
        assert!(!matches(&five, "hel\u{0}lo"));
    }

    proptest! {
        /// The pattern for N characters accepts exactly the text whose trimmed length is
        /// at least N and that the text rule accepts.
        #[test]
        fn the_trimmed_pattern_agrees_with_trim_and_the_rule(
            text in "[ a\\t\\n\\u{0}\\u{85}é]{0,12}",
            min in 0u64..6,
        ) {
            let expected = crate::text::forbidden_character(&text).is_none()
                && text.trim().chars().count() as u64 >= min;
            prop_assert_eq!(matches(&trimmed_text_pattern(min), &text), expected, "{:?}", text);
        }
    }
}
