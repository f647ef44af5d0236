//! `/api/v1/themes`, `/api/v1/needs`, `/api/v1/offers`. The handlers of both kinds are
//! written once, generic over the item (`item_routes!` only stamps out the per-kind
//! functions that the OpenAPI document and actix need by name); this module also holds what
//! they share: the filters both lists take, the documented refusals, and the one mapping of
//! `CatalogueError` to a problem. Versions as ETags and `If-Match` are `http::conditional`'s.

mod docs;
pub mod needs;
pub mod offers;

use actix_web::http::{header, StatusCode};
use actix_web::{get, web, HttpRequest, HttpResponse};
use uuid::Uuid;

use crate::accounts::model::Country;
use crate::catalogue::item::CatalogueItem;
use crate::catalogue::lifecycle::Action;
use crate::catalogue::model::Language;
use crate::catalogue::service::{self, CatalogueError, Request, Unpublishable};
use crate::catalogue::store::{
    CursorOf, ItemFilter, ItemStore, PageRequest, Removed, SyncEntry, TextQuery,
};
use crate::catalogue::themes::ThemeTree;
use crate::error::{ApiError, FieldError, ProblemType};
use crate::http::conditional::{optional_if_match, required_if_match, versioned};
use crate::http::pagination::{change_cursor_text, page_limit, parse_change_cursor, parse_cursor};
use crate::http::refusals::distinct;
use crate::http::sync::UpdatedSince;
use crate::matching::announce::Announcer;
use crate::state::AppState;
use crate::visibility::Reader;

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
        let country =
            country.and_then(|code| noted(&mut errors, Country::parse_field(code, "country")));
        let language = language.and_then(|code| {
            let unknown =
                || FieldError::new("language", "language", "is not an ISO 639-1 language code");
            noted(&mut errors, Language::parse(code).ok_or_else(unknown))
        });
        let text = q.and_then(|q| {
            let no_word = || FieldError::new("q", "words", "must contain at least one word");
            let parsed =
                crate::text::check("q", q).and_then(|()| TextQuery::parse(q).ok_or_else(no_word));
            noted(&mut errors, parsed)
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

/// The value, or `None` with its field error noted: every filter is read, so that one answer
/// names all that are wrong.
fn noted<T>(errors: &mut Vec<FieldError>, parsed: Result<T, FieldError>) -> Option<T> {
    parsed.map_err(|error| errors.push(error)).ok()
}

impl From<CatalogueError> for ApiError {
    fn from(error: CatalogueError) -> Self {
        match error {
            CatalogueError::NotFound(what) => Self::not_found(what),
            CatalogueError::SignedOut => Self::Unauthorized(error.to_string().into()),
            CatalogueError::Forbidden(reason) => Self::Forbidden(reason.into()),
            CatalogueError::Refused(refusal) => {
                Self::invalid_transition(refusal.to_string(), refusal.allowed)
            }
            CatalogueError::NotPublishable(reason) => Self::refused(
                match reason {
                    Unpublishable::OrganisationNotVerified => ProblemType::OrganisationNotVerified,
                    Unpublishable::PastEndDate => ProblemType::PastEndDate,
                },
                error.to_string(),
            ),
            CatalogueError::Invalid(errors) => Self::validation(errors),
            CatalogueError::VersionMismatch { .. } => {
                Self::PreconditionFailed(error.to_string().into())
            }
            CatalogueError::EmailNotVerified => distinct::email_not_verified(error.to_string()),
            CatalogueError::HasOpenMatches { ref matches, .. } => {
                distinct::item_has_open_match(error.to_string(), matches.clone())
            }
            CatalogueError::ChangedMeanwhile(_) => distinct::changed_meanwhile(error.to_string()),
            CatalogueError::Store(error) => error.into(),
        }
    }
}

/// What a list query of one kind says, beyond the filters both kinds share.
pub trait ItemQuery<K: ItemStore> {
    /// `theme`, `country`, `language`, `q` as sent.
    fn shared(&self) -> [Option<&str>; 4];
    fn limit(&self) -> Option<u32>;
    fn cursor(&self) -> Option<&str>;
    /// The order asked for, if any.
    fn sort(&self) -> Option<K::Sort>;
    fn updated_since(&self) -> Option<UpdatedSince>;
    /// The status asked for; open when none is.
    fn status(&self) -> Option<K::Status>;
    fn organisation(&self) -> Option<Uuid>;
    /// The kind's own filter.
    fn only(&self) -> K::Only;
}

fn request(reader: Reader, expected_version: Option<i32>) -> Request {
    Request {
        reader,
        today: chrono::Utc::now().date_naive(),
        expected_version,
    }
}

/// The item as `reader` may see it, with its version as the ETag (and, when it was just
/// created, where it lives).
fn respond<K: CatalogueItem>(status: StatusCode, item: &K, reader: &Reader) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    if status == StatusCode::CREATED {
        response.insert_header((
            header::LOCATION,
            format!("/api/v1/{}/{}", K::COLLECTION, item.id()),
        ));
    }
    versioned(response, item.version(), item.view_for(reader))
}

async fn create<K: ItemStore>(
    state: web::Data<AppState>,
    reader: Reader,
    input: K::Input,
) -> Result<HttpResponse, ApiError> {
    let (request, taxonomy) = (request(reader, None), state.taxonomy.clone());
    let item: K = state
        .db
        .transaction(move |conn| service::create(conn, &request, &taxonomy, &input))
        .await?;
    Ok(respond(StatusCode::CREATED, &item, &reader))
}

/// One entry of a list: an item as the reader may see it, or (on a sync list only) an item
/// that left the reader's view.
pub enum Listed<K: CatalogueItem> {
    Item(K::View),
    Removed(Removed<K::Status>),
}

/// A page of a list, and where the next one starts.
type Listing<K> = (Vec<Listed<K>>, Option<String>);

async fn list<K: ItemStore, Q: ItemQuery<K>>(
    state: web::Data<AppState>,
    reader: Reader,
    query: Q,
) -> Result<Listing<K>, ApiError> {
    let limit = page_limit(query.limit())?;
    let [theme, country, language, q] = query.shared();
    let shared = SharedFilters::parse(&state, theme, country, language, q)?;
    // A sync cursor (`c.`) is one form for both kinds; the others are the kind's own.
    let (change_after, cursor) = match query.cursor() {
        Some(text) if text.starts_with("c.") => {
            (Some(parse_cursor(text, parse_change_cursor)?), None)
        }
        text => (
            None,
            text.map(|text| parse_cursor(text, CursorOf::<K>::parse))
                .transpose()?,
        ),
    };
    let updated_since = query.updated_since();
    // A cursor continues the list it came from, in that list's order, whatever `sort` says
    // now: every cursor of the documented form is then a page (DESIGN: no refusal a client
    // following the document cannot foresee). `updated_since` alone asks for the sync list.
    let sort = if change_after.is_some() {
        K::UPDATED
    } else if let Some(cursor) = &cursor {
        cursor.sort()
    } else if let Some(sort) = query.sort() {
        sort
    } else if updated_since.is_some() {
        K::UPDATED
    } else {
        K::Sort::default()
    };
    let syncing = sort == K::UPDATED;
    let filter = ItemFilter {
        // A sync list shows every state unless asked: a partner must see an item close.
        status: match query.status() {
            None if syncing => None,
            status => Some(status.unwrap_or(K::OPEN)),
        },
        themes: shared.themes,
        country: shared.country,
        language: shared.language,
        organisation: query.organisation(),
        text: shared.text,
        updated_since: updated_since.map(UpdatedSince::naive_utc),
        only: query.only(),
    };
    if syncing {
        let page = state
            .db
            .read(move |conn| {
                Ok(service::sync::<K>(
                    conn,
                    &reader,
                    &filter,
                    change_after,
                    limit,
                ))
            })
            .await??;
        let entries = page
            .entries
            .into_iter()
            .map(|entry| match entry {
                SyncEntry::Item(item) => Listed::Item(item.view_for(&reader)),
                SyncEntry::Removed(gone) => Listed::Removed(gone),
            })
            .collect();
        return Ok((entries, Some(change_cursor_text(page.next))));
    }
    let (items, next) = state
        .db
        .read(move |conn| {
            let page = PageRequest {
                sort,
                cursor: cursor.as_ref(),
                limit,
            };
            Ok(service::list::<K>(conn, &reader, &filter, page))
        })
        .await??;
    Ok((
        items
            .iter()
            .map(|item| Listed::Item(item.view_for(&reader)))
            .collect(),
        next.map(|next| next.text()),
    ))
}

async fn get_one<K: ItemStore>(
    state: web::Data<AppState>,
    reader: Reader,
    id: Uuid,
) -> Result<HttpResponse, ApiError> {
    let item: K = state
        .db
        .read(move |conn| Ok(service::read(conn, &reader, id)))
        .await??;
    Ok(respond(StatusCode::OK, &item, &reader))
}

async fn edit<K: ItemStore>(
    state: web::Data<AppState>,
    reader: Reader,
    http: HttpRequest,
    id: Uuid,
    patch: K::Patch,
) -> Result<HttpResponse, ApiError>
where
    Announcer: service::ItemChanged<K>,
{
    let request = request(reader, required_if_match(&http)?);
    let (taxonomy, announcer) = (state.taxonomy.clone(), state.announcer());
    let item: K = state
        .db
        .transaction(move |conn| service::edit(conn, &request, &taxonomy, &announcer, id, patch))
        .await?;
    Ok(respond(StatusCode::OK, &item, &reader))
}

async fn transition<K: ItemStore>(
    state: web::Data<AppState>,
    reader: Reader,
    http: HttpRequest,
    id: Uuid,
    action: Action,
) -> Result<HttpResponse, ApiError>
where
    Announcer: service::ItemChanged<K>,
{
    let request = request(reader, optional_if_match(&http)?.flatten());
    let announcer = state.announcer();
    let item: K = state
        .db
        .transaction(move |conn| {
            service::transition(conn, &request, &announcer.notifier, &announcer, id, action)
        })
        .await?;
    Ok(respond(StatusCode::OK, &item, &reader))
}

/// The schema of a tombstone's `removed`: the constant `true`.
pub fn always_true() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Boolean)
        .enum_values(Some([true]))
        .build()
}

/// Stamps out the handlers of one kind of item: each is the generic handler above, named
/// and documented for actix and the OpenAPI document (which need a function per route).
macro_rules! item_routes {
    (
        kind: $kind:ty, view: $view:ty, input: $input:ty, patch: $patch:ty,
        query: $query:ident { status: $status:ty, sort: $sort:ty,
            $(#[doc = $country_doc:literal])* country,
            $(#[doc = $only_doc:literal])* $only:ident: $only_ty:ty },
        page: $page:ident, entry: $entry:ident, removed: $removed:ident,
        create: $(#[doc = $create_doc:literal])* $create:ident($collection:literal) $created:literal,
        list: $(#[doc = $list_doc:literal])* $list:ident $listed:literal,
        get: $(#[doc = $get_doc:literal])* $get:ident($one:literal) $found:literal,
        edit: $(#[doc = $edit_doc:literal])* $edit:ident $edited:literal,
        actions: [$($(#[doc = $doc:literal])* $action_fn:ident($action_path:literal, $action:ident, $refusals:ty) $moved:literal;)*]
    ) => {
        pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
            config
                .service($create)
                .service($list)
                .service($get)
                .service($edit)
                $(.service($action_fn))*;
        }

        #[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $query {
            /// Default `open`, except on the sync list (`sort=updated`), which shows every
            /// state.
            pub status: Option<$status>,
            /// A theme code; its children match too.
            #[param(value_type = Option<crate::openapi::codes::ThemeCode>)]
            pub theme: Option<String>,
            $(#[doc = $country_doc])*
            #[param(value_type = Option<crate::openapi::codes::CountryCode>)]
            pub country: Option<String>,
            #[param(value_type = Option<crate::openapi::codes::LanguageCode>)]
            pub language: Option<String>,
            $(#[doc = $only_doc])*
            pub $only: Option<$only_ty>,
            pub organisation: Option<uuid::Uuid>,
            /// Free text over title and description; every word must match, as a prefix
            /// (a word of one or two letters, whole).
            /// At least one letter or digit.
            // The text rule, and a word somewhere: `[^\W_]` is a letter or digit.
            #[param(pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\W_][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
            pub q: Option<String>,
            /// The order; with a `cursor`, the order of the list the cursor came from.
            /// `updated` is the sync list (docs/API.md, "Incremental sync"), and the
            /// default when `updated_since` is given.
            pub sort: Option<$sort>,
            /// Only items changed at or after this time (RFC 3339): where a partner's
            /// first sync poll starts; later polls continue from `next_cursor`.
            #[param(value_type = Option<String>, nullable = false, format = DateTime)]
            pub updated_since: Option<$crate::http::sync::UpdatedSince>,
            /// 1 to 100, default 20.
            #[param(minimum = 1, maximum = 100)]
            pub limit: Option<u32>,
            #[param(schema_with = cursor_schema)]
            pub cursor: Option<String>,
        }

        impl $crate::catalogue::routes::ItemQuery<$kind> for $query {
            fn shared(&self) -> [Option<&str>; 4] {
                let Self { theme, country, language, q, .. } = self;
                [theme, country, language, q].map(Option::as_deref)
            }
            fn limit(&self) -> Option<u32> {
                self.limit
            }
            fn cursor(&self) -> Option<&str> {
                self.cursor.as_deref()
            }
            fn sort(&self) -> Option<$sort> {
                self.sort
            }
            fn updated_since(&self) -> Option<$crate::http::sync::UpdatedSince> {
                self.updated_since
            }
            fn status(&self) -> Option<$status> {
                self.status
            }
            fn organisation(&self) -> Option<uuid::Uuid> {
                self.organisation
            }
            fn only(&self) -> Option<$only_ty> {
                self.$only
            }
        }

        fn cursor_schema() -> utoipa::openapi::Object {
            $crate::http::pagination::cursor_schema(
                <$kind as $crate::catalogue::store::ItemStore>::CURSOR_PATTERN,
            )
        }

        /// An entry of a list: the item, or on the sync list (`sort=updated`) an item
        /// that left the caller's view since it could see it.
        // Nearly every entry is an item: boxing it would allocate each one for the sake
        // of the rare tombstone.
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        #[serde(untagged)]
        pub enum $entry {
            Item($view),
            Removed($removed),
        }

        /// An item that left the caller's view (withdrawn, or its visibility narrowed):
        /// its id, state and time of change, never its content.
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $removed {
            pub id: uuid::Uuid,
            pub status: $status,
            pub updated_at: chrono::DateTime<chrono::Utc>,
            /// Always `true`: what tells this entry from an item.
            #[schema(schema_with = $crate::catalogue::routes::always_true)]
            pub removed: bool,
        }

        impl From<$crate::catalogue::routes::Listed<$kind>> for $entry {
            fn from(listed: $crate::catalogue::routes::Listed<$kind>) -> Self {
                match listed {
                    $crate::catalogue::routes::Listed::Item(view) => $entry::Item(view),
                    $crate::catalogue::routes::Listed::Removed(gone) => $entry::Removed($removed {
                        id: gone.id,
                        status: gone.status,
                        updated_at: gone.updated_at,
                        removed: true,
                    }),
                }
            }
        }

        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $page {
            pub items: Vec<$entry>,
            /// Where the next page starts; `null` on the last page of an ordinary list.
            /// The sync list always has one: the next poll starts there.
            pub next_cursor: Option<String>,
        }

        $(#[doc = $create_doc])*
        #[utoipa::path(
            tag = "catalogue",
            security(("bearer" = [])),
            request_body = $input,
            responses(
                (status = 201, description = $created, body = $view,
                 headers(("Location" = String), ("ETag" = String))),
                $crate::catalogue::routes::docs::CreateRefusals<$kind>,
            )
        )]
        #[post($collection)]
        async fn $create(
            $crate::auth::extract::SignedIn(reader): $crate::auth::extract::SignedIn,
            state: actix_web::web::Data<$crate::state::AppState>,
            body: actix_web::web::Json<$input>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            super::create::<$kind>(state, reader, body.into_inner()).await
        }

        $(#[doc = $list_doc])*
        #[utoipa::path(
            tag = "catalogue",
            security((), ("bearer" = [])),
            params($query),
            responses(
                (status = 200, description = $listed, body = $page),
                $crate::catalogue::routes::docs::ListRefusals,
            )
        )]
        #[get($collection)]
        async fn $list(
            state: actix_web::web::Data<$crate::state::AppState>,
            reader: $crate::visibility::Reader,
            query: actix_web::web::Query<$query>,
        ) -> Result<actix_web::web::Json<$page>, $crate::error::ApiError> {
            let (items, next_cursor) =
                super::list::<$kind, _>(state, reader, query.into_inner()).await?;
            let items = items.into_iter().map($entry::from).collect();
            Ok(actix_web::web::Json($page { items, next_cursor }))
        }

        $(#[doc = $get_doc])*
        #[utoipa::path(
            tag = "catalogue",
            security((), ("bearer" = [])),
            params(("id" = Uuid, Path)),
            responses(
                (status = 200, description = $found, body = $view, headers(("ETag" = String))),
                $crate::catalogue::routes::docs::ReadRefusals<$kind>,
            )
        )]
        #[get($one)]
        async fn $get(
            state: actix_web::web::Data<$crate::state::AppState>,
            reader: $crate::visibility::Reader,
            id: actix_web::web::Path<uuid::Uuid>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            super::get_one::<$kind>(state, reader, id.into_inner()).await
        }

        $(#[doc = $edit_doc])*
        #[utoipa::path(
            tag = "catalogue",
            security(("bearer" = [])),
            params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "The ETag read, e.g. \"3\"", pattern = r#"^(\*|(W/)?"[0-9]{1,9}")$"#)),
            request_body = $patch,
            responses(
                (status = 200, description = $edited, body = $view, headers(("ETag" = String))),
                $crate::catalogue::routes::docs::EditRefusals<$kind>,
            )
        )]
        #[patch($one)]
        async fn $edit(
            $crate::auth::extract::SignedIn(reader): $crate::auth::extract::SignedIn,
            state: actix_web::web::Data<$crate::state::AppState>,
            http: actix_web::HttpRequest,
            id: actix_web::web::Path<uuid::Uuid>,
            body: actix_web::web::Json<$patch>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            super::edit::<$kind>(state, reader, http, id.into_inner(), body.into_inner()).await
        }

        $(
            $(#[doc = $doc])*
            #[utoipa::path(
                tag = "catalogue",
                security(("bearer" = [])),
                params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, nullable = false, description = "The ETag read, e.g. \"3\"", pattern = r#"^(\*|(W/)?"[0-9]{1,9}")$"#)),
                responses(
                    (status = 200, description = $moved, body = $view),
                    $refusals,
                )
            )]
            #[post($action_path)]
            async fn $action_fn(
                $crate::auth::extract::SignedIn(reader): $crate::auth::extract::SignedIn,
                state: actix_web::web::Data<$crate::state::AppState>,
                http: actix_web::HttpRequest,
                id: actix_web::web::Path<uuid::Uuid>,
            ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
                super::transition::<$kind>(state, reader, http, id.into_inner(), $crate::catalogue::lifecycle::Action::$action).await
            }
        )*
    };
}
use item_routes;
