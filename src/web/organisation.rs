//! `/organisation`: the signed-in person's organisation (and whether it is verified), its
//! members and an invitation form for org admins, and the person's own notification
//! preferences. Invitations and preferences go through the API's own code.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::accounts::model::Email;
use crate::accounts::model::{Role, Viewer};
use crate::accounts::service as account_service;
use crate::accounts::store as accounts;
use crate::error::{ApiError, ProblemType};
use crate::notify::model::{DeliveryMode, EventKind};
use crate::notify::preferences;
use crate::state::AppState;
use crate::web::address::Notice;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::forms::{FormErrors, ShownForm};
use crate::web::render::{see_other, Page};
use crate::web::session::SignedIn;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(organisation_page)
        .service(invite)
        .service(save_notifications);
}

#[derive(Serialize)]
struct Member {
    name: String,
    email: String,
    role: &'static str,
}

#[derive(Serialize)]
struct Preference {
    kind: &'static str,
    mode: &'static str,
}

/// What the invitation form shows again when it is refused.
#[derive(Debug, Default, Deserialize, Serialize)]
struct InvitationForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    invitation: ShownForm<InvitationForm>,
    done: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let user = signed_in.user.clone();
    let (organisation_id, user_id) = (user.organisation.id, user.user.id);
    let show_members = user.is_org_admin();
    let (members, modes) = state
        .db
        .read(move |conn| {
            let members = if show_members {
                accounts::members(conn, organisation_id)?
            } else {
                Vec::new()
            };
            Ok((members, preferences::modes(conn, user_id)?))
        })
        .await?;
    let members: Vec<Member> = members
        .into_iter()
        .map(|member| Member {
            name: member.name,
            email: member.email.to_string(),
            role: member.role.as_str(),
        })
        .collect();
    let preferences: Vec<Preference> = modes
        .into_iter()
        // Only coordinators ever receive the dead-letter summary.
        .filter(|(kind, _)| *kind != EventKind::DeadLetters || user.is_coordinator())
        .map(|(kind, mode)| Preference {
            kind: kind.as_str(),
            mode: mode.as_str(),
        })
        .collect();
    let organisation = &user.organisation;
    Page::new(
        "organisation",
        context! {
            organisation => context! {
                name => organisation.name,
                kind => organisation.kind.as_str(),
                country => organisation.country.name(),
                verified => organisation.verified,
            },
            is_org_admin => show_members,
            email_verified => user.user.email_verified,
            members => members,
            invitation => invitation.form,
            preferences => preferences,
            modes => [DeliveryMode::Immediate, DeliveryMode::Daily, DeliveryMode::Off].map(DeliveryMode::as_str),
            errors => invitation.errors,
            done => done,
        },
    )
    .status(invitation.status)
    .render(state, &signed_in.visitor)
}

#[get("/organisation")]
async fn organisation_page(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, PageError> {
    let done = notice.among(&["invitation", "notifications"]);
    render(&state, &signed_in, ShownForm::blank(), done).await
}

/// The inviter as the invitation code knows one: it reads only who they are, their
/// organisation and their role, never the token's other claims.
fn inviter(signed_in: &SignedIn) -> Viewer {
    Viewer::User {
        user_id: signed_in.user.user.id,
        organisation_id: signed_in.user.organisation.id,
        role: signed_in.user.user.role,
    }
}

#[post("/organisation/invitations")]
async fn invite(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    CheckedForm(form): CheckedForm<InvitationForm>,
) -> Result<HttpResponse, PageError> {
    let role = match form.role.as_str() {
        "member" => Some(Role::Member),
        "org_admin" => Some(Role::OrgAdmin),
        _ => None,
    };
    let result = match role {
        // The same refusal the use case gives for a role it does not accept.
        None => Err(ApiError::validation(vec![crate::error::FieldError::new(
            "role", "role", "",
        )])),
        Some(role) => match Email::parse(&form.email) {
            Err(error) => Err(ApiError::validation(vec![error.at("email")])),
            Ok(email) => account_service::invite(
                &state.db,
                &state.notifier,
                &state.rate_limits,
                &inviter(&signed_in),
                signed_in.user.organisation.id,
                email,
                role,
            )
            .await
            .map_err(ApiError::from),
        },
    };
    let (status, errors) = match result {
        Ok(_) => return Ok(see_other("/organisation?done=invitation")),
        Err(error) if error.problem_type() == ProblemType::EmailTaken => {
            let mut errors = FormErrors::none();
            errors.add(&state.site, "invitation", "email", "taken");
            (StatusCode::CONFLICT, errors)
        }
        // The page says why (the organisation or the address is not verified yet) in place
        // of the form.
        Err(error @ ApiError::Refused { .. })
            if error.problem_type().status() == StatusCode::FORBIDDEN =>
        {
            (StatusCode::FORBIDDEN, FormErrors::none())
        }
        Err(error) => match FormErrors::from_refusal(&state.site, "invitation", &error) {
            Some(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
            None => return Err(error.into()),
        },
    };
    render(
        &state,
        &signed_in,
        ShownForm::new(form, errors, status),
        None,
    )
    .await
}

#[post("/organisation/notifications")]
async fn save_notifications(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    CheckedForm(form): CheckedForm<BTreeMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let mut changes = BTreeMap::new();
    for (field, value) in form {
        let Some(kind) = field.strip_prefix("mode_") else {
            continue;
        };
        let kind: EventKind = kind.parse().map_err(|_| PageError::BadRequest)?;
        let mode: DeliveryMode = value.parse().map_err(|_| PageError::BadRequest)?;
        changes.insert(kind, mode);
    }
    let user_id = signed_in.user.user.id;
    state
        .db
        .write(move |conn| {
            preferences::set(conn, user_id, &changes)?;
            preferences::modes(conn, user_id)
        })
        .await?;
    Ok(see_other("/organisation?done=notifications"))
}
