//! Who is looking at a page: `Visitor` (anyone, signed in or not) and `SignedIn` (a page
//! that needs a user sends everyone else to sign in, then back). Identity comes from the
//! session cookie only: an `Authorization` header never signs a page in, and the API's
//! extractors never read cookies.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use crate::accounts::model::{Organisation, Role, User, Viewer};
use crate::accounts::store as accounts;
use crate::auth::token::random_token;
use crate::auth::web_sessions::{self, LiveSession};
use crate::db::StoreError;
use crate::state::AppState;
use crate::visibility::{Reader, ReaderOrganisation};
use crate::web::csrf;
use crate::web::errors::PageError;
use crate::web::site::Site;

/// A session's last-seen time is written at most this often: reading a page should not
/// cost a write each time.
const TOUCH_INTERVAL: chrono::Duration = chrono::Duration::minutes(1);

/// A signed-in person, loaded fresh for this request.
#[derive(Debug)]
pub struct SignedInUser {
    pub user: User,
    pub organisation: Organisation,
    csrf_secret: String,
}

impl SignedInUser {
    /// The same reader the API builds from a bearer token, so pages and API apply one rule.
    pub fn reader(&self) -> Reader {
        Reader {
            viewer: Viewer::User {
                user_id: self.user.id,
                organisation_id: self.organisation.id,
                role: self.user.role,
            },
            organisation: Some(ReaderOrganisation {
                id: self.organisation.id,
                verified: self.organisation.verified,
                side: self.organisation.kind.side(),
            }),
        }
    }

    pub fn is_org_admin(&self) -> bool {
        self.user.role == Role::OrgAdmin
    }

    pub fn is_coordinator(&self) -> bool {
        self.user.role == Role::Coordinator
    }
}

/// Whoever asks for a page.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub signed_in: Option<Arc<SignedInUser>>,
    /// The double-submit value of a signed-out visitor's forms (from their cookie, or new).
    csrf_cookie: Option<String>,
    /// Set when the visitor had no CSRF cookie yet: the page sets it.
    csrf_cookie_is_new: bool,
}

impl Visitor {
    pub fn reader(&self) -> Reader {
        self.signed_in
            .as_ref()
            .map_or(Reader::ANONYMOUS, |user| user.reader())
    }

    /// The token every form on this visitor's pages carries.
    pub fn csrf_token(&self) -> String {
        match (&self.signed_in, &self.csrf_cookie) {
            (Some(user), _) => csrf::session_token(&user.csrf_secret),
            (None, Some(value)) => value.clone(),
            (None, None) => String::new(),
        }
    }

    /// Whether `submitted` is this visitor's form token.
    pub(crate) fn csrf_matches(&self, submitted: &str) -> bool {
        let expected = self.csrf_token();
        !expected.is_empty() && csrf::same(&expected, submitted)
    }

    /// The cookie a page must set so that its forms can be checked.
    pub(crate) fn new_csrf_cookie(&self, site: &Site) -> Option<Cookie<'static>> {
        let value = self
            .csrf_cookie
            .as_ref()
            .filter(|_| self.csrf_cookie_is_new)?;
        Some(
            Cookie::build(site.sessions.csrf_cookie_name, value.clone())
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(site.sessions.secure)
                .path("/")
                .finish(),
        )
    }
}

/// The session cookie that signs a person in.
pub(crate) fn session_cookie(site: &Site, value: String) -> Cookie<'static> {
    Cookie::build(site.sessions.cookie_name, value)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(site.sessions.secure)
        .path("/")
        .finish()
}

/// The same cookie, emptied and already expired: the browser forgets it.
pub(crate) fn removal_cookie(site: &Site) -> Cookie<'static> {
    let mut cookie = session_cookie(site, String::new());
    cookie.set_max_age(time::Duration::ZERO);
    cookie.set_expires(time::OffsetDateTime::UNIX_EPOCH);
    cookie
}

/// The session cookie's value, if the request carries one.
pub(crate) fn session_value(request: &HttpRequest, site: &Site) -> Option<String> {
    request
        .cookie(site.sessions.cookie_name)
        .map(|cookie| cookie.value().to_owned())
        .filter(|value| !value.is_empty())
}

async fn load(request: HttpRequest) -> Result<Visitor, PageError> {
    let state = request
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or(PageError::Internal)?;
    let site = &state.site;
    let signed_in = match session_value(&request, site) {
        None => None,
        Some(value) => {
            let idle = site.sessions.lifetimes.idle;
            state
                .db
                .read(move |conn| {
                    let Some(session) = web_sessions::find_live(conn, &value, idle)? else {
                        return Ok(None);
                    };
                    let user = accounts::find_user(conn, session.user_id)?;
                    let organisation = match &user {
                        Some(user) => accounts::find_organisation(conn, user.organisation_id)?,
                        None => None,
                    };
                    Ok::<_, StoreError>(user.zip(organisation).map(|pair| (session, pair)))
                })
                .await?
        }
    };
    let signed_in = match signed_in {
        None => None,
        Some((session, (user, organisation))) => {
            touch_if_due(&state, &session).await?;
            Some(Arc::new(SignedInUser {
                user,
                organisation,
                csrf_secret: session.csrf_secret,
            }))
        }
    };
    let existing = request
        .cookie(site.sessions.csrf_cookie_name)
        .map(|cookie| cookie.value().to_owned())
        .filter(|value| !value.is_empty());
    let csrf_cookie_is_new = signed_in.is_none() && existing.is_none();
    let csrf_cookie = match existing {
        Some(value) => Some(value),
        None if signed_in.is_none() => Some(random_token()),
        None => None,
    };
    Ok(Visitor {
        signed_in,
        csrf_cookie,
        csrf_cookie_is_new,
    })
}

async fn touch_if_due(state: &AppState, session: &LiveSession) -> Result<(), PageError> {
    if crate::db::now() - session.last_seen_at < TOUCH_INTERVAL {
        return Ok(());
    }
    let token_hash = session.token_hash.clone();
    state
        .db
        .write(move |conn| web_sessions::touch(conn, &token_hash))
        .await?;
    Ok(())
}

impl FromRequest for Visitor {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            // Loaded once per request, whichever extractor asks first; error pages find it too.
            if let Some(visitor) = request.extensions().get::<Visitor>() {
                return Ok(visitor.clone());
            }
            let visitor = load(request.clone()).await?;
            request.extensions_mut().insert(visitor.clone());
            Ok(visitor)
        })
    }
}

/// A page for signed-in people: anyone else is sent to sign in, and then back here.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: Arc<SignedInUser>,
    pub visitor: Visitor,
}

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let visitor = Visitor::from_request(request, payload);
        // Back to the page after sign-in; a form's target is not a page, so a signed-out
        // POST (a session that ended while the form was open) goes home instead.
        let next = match request.method() {
            &actix_web::http::Method::GET => request
                .uri()
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |path| path.as_str().to_owned()),
            _ => "/".to_owned(),
        };
        Box::pin(async move {
            let visitor = visitor.await?;
            match visitor.signed_in.clone() {
                Some(user) => Ok(SignedIn { user, visitor }),
                None => Err(PageError::SignInRequired { next }),
            }
        })
    }
}

/// A page for coordinators: a signed-out visitor is sent to sign in, anyone else gets the
/// friendly 403 page. It reads as the `SignedIn` it wraps (`coordinator.user`).
#[derive(Debug, Clone)]
pub struct Coordinator(SignedIn);

impl std::ops::Deref for Coordinator {
    type Target = SignedIn;

    fn deref(&self) -> &SignedIn {
        &self.0
    }
}

impl FromRequest for Coordinator {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SignedIn::from_request(request, payload);
        Box::pin(async move {
            let signed_in = signed_in.await?;
            if signed_in.user.is_coordinator() {
                Ok(Coordinator(signed_in))
            } else {
                Err(PageError::Forbidden)
            }
        })
    }
}
