//! `/api/v1/themes`, `/api/v1/needs`, `/api/v1/offers`, and what their handlers share:
//! versions as ETags, `If-Match`, and the filters both lists take.

pub mod needs;
pub mod offers;

use actix_web::http::header;
use actix_web::{get, web, HttpRequest};

use crate::accounts::model::Country;
use crate::catalogue::model::Language;
use crate::catalogue::store::TextQuery;
use crate::catalogue::themes::ThemeTree;
use crate::error::{ApiError, FieldError};
use crate::state::AppState;

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_themes)
        .configure(needs::routes)
        .configure(offers::routes);
}

/// The theme taxonomy, as a tree.
#[utoipa::path(tag = "catalogue", responses((status = 200, description = "The taxonomy", body = ThemeTree)))]
#[get("/themes")]
async fn list_themes(state: web::Data<AppState>) -> web::Json<ThemeTree> {
    web::Json(state.taxonomy.tree())
}

/// The ETag of a version: strong, quoted.
pub fn etag(version: i32) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// The version `If-Match` names: `None` for `*`; 428 when the header is missing.
pub fn required_if_match(request: &HttpRequest) -> Result<Option<i32>, ApiError> {
    optional_if_match(request)?.ok_or_else(|| {
        ApiError::PreconditionRequired(
            "send If-Match with the ETag you read, so that concurrent changes are not lost".into(),
        )
    })
}

/// `Some(None)` for `*`, `Some(Some(v))` for a version, `None` without the header.
pub fn optional_if_match(request: &HttpRequest) -> Result<Option<Option<i32>>, ApiError> {
    let Some(value) = request.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::BadRequest("If-Match is not readable".into()))?
        .trim();
    if value == "*" {
        return Ok(Some(None));
    }
    value
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i32>()
        .map(|version| Some(Some(version)))
        .map_err(|_| {
            ApiError::BadRequest("If-Match must be an ETag this server sent, e.g. \"3\"".into())
        })
}

/// The filters needs and offers share, parsed from their query text.
pub struct SharedFilters {
    pub themes: Option<Vec<String>>,
    pub country: Option<Country>,
    pub language: Option<Language>,
    pub text: Option<TextQuery>,
}

impl SharedFilters {
    pub fn parse(
        state: &AppState,
        theme: Option<&str>,
        country: Option<&str>,
        language: Option<&str>,
        q: Option<&str>,
    ) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let themes = theme.map(|code| {
            if !state.taxonomy.contains(code) {
                errors.push(FieldError::new(
                    "theme",
                    "theme",
                    format!("`{code}` is not a theme code"),
                ));
            }
            state.taxonomy.with_descendants(code)
        });
        let country = country.and_then(|code| {
            let parsed = Country::parse(code);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "country",
                    "country",
                    "is not an ISO 3166-1 alpha-2 country code",
                ));
            }
            parsed
        });
        let language = language.and_then(|code| {
            let parsed = Language::parse(code);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "language",
                    "language",
                    "is not an ISO 639-1 language code",
                ));
            }
            parsed
        });
        let text = q.and_then(|q| {
            let parsed = TextQuery::parse(q);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "q",
                    "words",
                    "must contain at least one word",
                ));
            }
            parsed
        });
        if errors.is_empty() {
            Ok(Self {
                themes,
                country,
                language,
                text,
            })
        } else {
            Err(ApiError::validation(errors))
        }
    }
}
