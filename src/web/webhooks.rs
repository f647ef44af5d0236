//! `/organisation/webhooks`: an org admin's page for the organisation's webhooks (list,
//! create, turn on and off, delete) and each one's delivery log with a retry button. Every
//! action goes through `webhooks::service`, behind `may_manage_webhooks`, like the API.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use minijinja::context;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::forms::{ButtonForm, FormErrors, ShownForm};
use crate::web::render::{see_other, Page};
use crate::web::session::SignedIn;
use crate::webhooks::model::{EventType, WebhookInput, WebhookPatch};
use crate::webhooks::service;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(webhooks_page)
        .service(create)
        .service(set_enabled)
        .service(remove)
        .service(deliveries_page)
        .service(retry);
}

/// The creation form, shown again when it is refused.
#[derive(Debug, Default, Deserialize, Serialize)]
struct WebhookForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    event_types: Vec<String>,
}

fn page_failure(error: service::WebhooksError) -> PageError {
    ApiError::from(error).into()
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    form: ShownForm<WebhookForm>,
    secret: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let organisation_id = signed_in.user.organisation.id;
    let webhooks = service::list(&state.db, &signed_in.user.reader(), organisation_id)
        .await
        .map_err(page_failure)?;
    Page::new(
        "webhooks",
        context! {
            webhooks => webhooks,
            event_types => EventType::ALL.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
            form => form.form,
            errors => form.errors,
            secret => secret,
        },
    )
    .status(form.status)
    .render(state, &signed_in.visitor)
}

#[get("/organisation/webhooks")]
async fn webhooks_page(
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, PageError> {
    render(&state, &signed_in, ShownForm::blank(), None).await
}

/// Creates the webhook and shows its secret on the answer itself (never again), so no
/// redirect: the secret must not sit in a URL or a session.
#[post("/organisation/webhooks")]
async fn create(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    CheckedForm(form): CheckedForm<WebhookForm>,
) -> Result<HttpResponse, PageError> {
    let event_types: Result<Vec<EventType>, _> =
        form.event_types.iter().map(|name| name.parse()).collect();
    let event_types = event_types.map_err(|_| PageError::BadRequest)?;
    let input = WebhookInput {
        url: form.url.clone(),
        description: Some(form.description.clone()),
        event_types,
        enabled: Some(true),
    };
    let created = service::create(
        &state.db,
        &state.webhook_egress,
        &signed_in.user.reader(),
        signed_in.user.organisation.id,
        input,
    )
    .await;
    match created {
        Ok(created) => {
            let blank = ShownForm {
                status: StatusCode::CREATED,
                ..ShownForm::blank()
            };
            render(&state, &signed_in, blank, Some(&created.secret)).await
        }
        Err(error) => {
            let error = ApiError::from(error);
            let errors = FormErrors::from_refusal(&state.site, "webhook", &error)
                .ok_or_else(|| PageError::from(error))?;
            render(&state, &signed_in, ShownForm::refused(form, errors), None).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct EnabledForm {
    enabled: String,
}

#[post("/organisation/webhooks/{id}/enabled")]
async fn set_enabled(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<Uuid>,
    CheckedForm(form): CheckedForm<EnabledForm>,
) -> Result<HttpResponse, PageError> {
    let patch = WebhookPatch {
        enabled: Some(form.enabled == "true"),
        ..WebhookPatch::default()
    };
    service::update(
        &state.db,
        &state.webhook_egress,
        &signed_in.user.reader(),
        signed_in.user.organisation.id,
        id.into_inner(),
        // The page's switch says what the person wants now, whatever changed before.
        None,
        patch,
    )
    .await
    .map_err(page_failure)?;
    Ok(see_other("/organisation/webhooks"))
}

#[post("/organisation/webhooks/{id}/delete")]
async fn remove(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<Uuid>,
    CheckedForm(_): CheckedForm<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    service::delete(
        &state.db,
        &signed_in.user.reader(),
        signed_in.user.organisation.id,
        id.into_inner(),
    )
    .await
    .map_err(page_failure)?;
    Ok(see_other("/organisation/webhooks"))
}

#[get("/organisation/webhooks/{id}")]
async fn deliveries_page(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let (reader, organisation_id, id) = (
        signed_in.user.reader(),
        signed_in.user.organisation.id,
        id.into_inner(),
    );
    let webhook = service::get(&state.db, &reader, organisation_id, id)
        .await
        .map_err(page_failure)?;
    let (deliveries, _) =
        service::deliveries(&state.db, &reader, organisation_id, id, None, None, 100)
            .await
            .map_err(page_failure)?;
    Page::new(
        "webhook_deliveries",
        context! { webhook => webhook, deliveries => deliveries },
    )
    .render(&state, &signed_in.visitor)
}

#[post("/organisation/webhooks/{id}/deliveries/{delivery_id}/retry")]
async fn retry(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<(Uuid, Uuid)>,
    CheckedForm(_): CheckedForm<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    let (id, delivery_id) = path.into_inner();
    service::retry(
        &state.db,
        &signed_in.user.reader(),
        signed_in.user.organisation.id,
        id,
        delivery_id,
    )
    .await
    .map_err(page_failure)?;
    Ok(see_other(&format!("/organisation/webhooks/{id}")))
}
