//! The code lists the server accepts, as schema components, so that the document states
//! them as enums (a client or a generator then knows `SN` is a country and `xx` is not)
//! instead of "a string" that the server refuses for most values.
//!
//! Countries, languages and currencies come from the same standards' crates that parse
//! them; the theme codes live in the database (the taxonomy ships with the migrations), so
//! the served document lists them once the taxonomy is loaded (`list_theme_codes`).

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// The codes as an enum, sorted and each once, whatever order the source lists them in.
fn code_list(description: &str, codes: impl IntoIterator<Item = String>) -> RefOr<Schema> {
    let mut codes: Vec<String> = codes.into_iter().collect();
    codes.sort();
    codes.dedup();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(codes))
        .into()
}

/// A code list component: a type for `value_type = ...`, the description the document
/// gives it, and where its codes come from.
macro_rules! code_list_schema {
    ($(#[$doc:meta])* $name:ident, $description:literal, $codes:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                code_list($description, $codes)
            }
        }

        impl ToSchema for $name {}
    };
}

code_list_schema!(
    /// An ISO 3166-1 alpha-2 country code.
    CountryCode,
    "An ISO 3166-1 alpha-2 country code",
    isocountry::CountryCode::iter().map(|code| code.alpha2().to_owned())
);

code_list_schema!(
    /// An ISO 639-1 language code.
    LanguageCode,
    "An ISO 639-1 language code",
    isolang::languages().filter_map(|language| language.to_639_1().map(str::to_owned))
);

code_list_schema!(
    /// An ISO 4217 currency code.
    CurrencyCode,
    "An ISO 4217 currency code",
    <iso_currency::Currency as iso_currency::IntoEnumIterator>::iter()
        .map(|currency| currency.code().to_owned())
);

/// A theme code of the taxonomy (`GET /api/v1/themes`).
pub struct ThemeCode;

/// How a theme code is written, for a document built without the taxonomy at hand.
const THEME_CODE_PATTERN: &str = r"^[a-z0-9_]+(\.[a-z0-9_]+)*$";

impl PartialSchema for ThemeCode {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("A theme code from `GET /api/v1/themes`"))
            .pattern(Some(THEME_CODE_PATTERN))
            .into()
    }
}

impl ToSchema for ThemeCode {}

/// Makes the `ThemeCode` component the list of the taxonomy's codes.
pub fn list_theme_codes<'a>(
    openapi: &mut utoipa::openapi::OpenApi,
    codes: impl IntoIterator<Item = &'a str>,
) {
    let codes = codes.into_iter().map(str::to_owned);
    if let Some(components) = openapi.components.as_mut() {
        components.schemas.insert(
            ThemeCode::name().into_owned(),
            code_list("A theme code from `GET /api/v1/themes`", codes),
        );
    }
}
