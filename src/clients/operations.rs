//! Which scope each operation requires of an API client's token: the one table. The OpenAPI
//! document's `security` is written from it (`document_scopes`), and the route table read
//! from that document is what the request middleware consults (`auth::extract`), so no
//! handler can forget the check and the document cannot say otherwise than the server does.
//!
//! An operation that is not listed refuses client tokens (403 `not-for-api-clients`): a
//! person's account, org-admin work (members, invitations, the API clients themselves),
//! and the coordinators' operations. New operations are closed to clients until listed.

use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::OpenApi;

use crate::clients::model::Scope;

/// (method, path template as the document spells it, the scope it requires).
pub const OPERATION_SCOPES: &[(&str, &str, Scope)] = &[
    ("GET", "/api/v1/needs", Scope::NeedsRead),
    ("GET", "/api/v1/needs/{id}", Scope::NeedsRead),
    ("GET", "/api/v1/needs/{id}/candidates", Scope::NeedsRead),
    ("POST", "/api/v1/needs", Scope::NeedsWrite),
    ("PATCH", "/api/v1/needs/{id}", Scope::NeedsWrite),
    ("POST", "/api/v1/needs/{id}/publish", Scope::NeedsWrite),
    ("POST", "/api/v1/needs/{id}/withdraw", Scope::NeedsWrite),
    ("POST", "/api/v1/needs/{id}/close", Scope::NeedsWrite),
    ("POST", "/api/v1/needs/{id}/reconfirm", Scope::NeedsWrite),
    ("GET", "/api/v1/offers", Scope::OffersRead),
    ("GET", "/api/v1/offers/{id}", Scope::OffersRead),
    ("GET", "/api/v1/offers/{id}/candidates", Scope::OffersRead),
    ("POST", "/api/v1/offers", Scope::OffersWrite),
    ("PATCH", "/api/v1/offers/{id}", Scope::OffersWrite),
    ("POST", "/api/v1/offers/{id}/publish", Scope::OffersWrite),
    ("POST", "/api/v1/offers/{id}/withdraw", Scope::OffersWrite),
    ("POST", "/api/v1/offers/{id}/close", Scope::OffersWrite),
    ("GET", "/api/v1/matches", Scope::MatchesRead),
    ("GET", "/api/v1/matches/{id}", Scope::MatchesRead),
    ("GET", "/api/v1/matches/{id}/reports", Scope::MatchesRead),
    ("POST", "/api/v1/matches", Scope::MatchesWrite),
    // approve and reject are coordinators' actions: the workflow refuses them to a client,
    // which is never a coordinator, exactly as it refuses them to any member.
    ("POST", "/api/v1/matches/{id}/approve", Scope::MatchesWrite),
    ("POST", "/api/v1/matches/{id}/reject", Scope::MatchesWrite),
    ("POST", "/api/v1/matches/{id}/accept", Scope::MatchesWrite),
    ("POST", "/api/v1/matches/{id}/decline", Scope::MatchesWrite),
    ("POST", "/api/v1/matches/{id}/complete", Scope::MatchesWrite),
    ("POST", "/api/v1/matches/{id}/cancel", Scope::MatchesWrite),
    ("POST", "/api/v1/matches/{id}/reports", Scope::MatchesWrite),
    // The organisation's own webhooks (`webhooks::service::may_manage_webhooks` admits a
    // client of that organisation; this scope is what it needs).
    (
        "POST",
        "/api/v1/organisations/{id}/webhooks",
        Scope::WebhooksManage,
    ),
    (
        "GET",
        "/api/v1/organisations/{id}/webhooks",
        Scope::WebhooksManage,
    ),
    (
        "GET",
        "/api/v1/organisations/{id}/webhooks/{webhook_id}",
        Scope::WebhooksManage,
    ),
    (
        "PATCH",
        "/api/v1/organisations/{id}/webhooks/{webhook_id}",
        Scope::WebhooksManage,
    ),
    (
        "DELETE",
        "/api/v1/organisations/{id}/webhooks/{webhook_id}",
        Scope::WebhooksManage,
    ),
    (
        "POST",
        "/api/v1/organisations/{id}/webhooks/{webhook_id}/rotate-secret",
        Scope::WebhooksManage,
    ),
    (
        "GET",
        "/api/v1/organisations/{id}/webhooks/{webhook_id}/deliveries",
        Scope::WebhooksManage,
    ),
    (
        "POST",
        "/api/v1/organisations/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
        Scope::WebhooksManage,
    ),
];

/// The scope `method template` requires of a client token; `None`: clients are refused.
pub fn required_scope(method: &str, template: &str) -> Option<Scope> {
    OPERATION_SCOPES
        .iter()
        .find(|(m, t, _)| *m == method && *t == template)
        .map(|(_, _, scope)| *scope)
}

/// The name of the OAuth 2.0 security scheme in the document.
pub const OAUTH2: &str = "oauth2";

/// Adds `{oauth2: [scope]}` beside the bearer requirement of every operation of the table,
/// so each such operation reads "a user's bearer token, or a client token with this scope".
pub fn document_scopes(openapi: &mut OpenApi) {
    for (template, item) in openapi.paths.paths.iter_mut() {
        let operations = [
            ("GET", &mut item.get),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("PATCH", &mut item.patch),
            ("DELETE", &mut item.delete),
        ];
        for (method, operation) in operations {
            let (Some(operation), Some(scope)) = (operation, required_scope(method, template))
            else {
                continue;
            };
            operation
                .security
                .get_or_insert_with(Vec::new)
                .push(SecurityRequirement::new(OAUTH2, [scope.as_str()]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_operation_is_documented_and_listed_once() {
        let document = crate::routes::api_document();
        for (index, (method, template, _)) in OPERATION_SCOPES.iter().enumerate() {
            let item = document
                .paths
                .paths
                .get(*template)
                .unwrap_or_else(|| panic!("{template} is not in the document"));
            let operation = match *method {
                "GET" => &item.get,
                "POST" => &item.post,
                "PATCH" => &item.patch,
                "PUT" => &item.put,
                "DELETE" => &item.delete,
                other => panic!("unexpected method {other}"),
            };
            assert!(operation.is_some(), "{method} {template} is not documented");
            assert!(
                !OPERATION_SCOPES[..index]
                    .iter()
                    .any(|(m, t, _)| m == method && t == template),
                "{method} {template} is listed twice"
            );
        }
    }

    #[test]
    fn account_and_administration_operations_are_closed_to_clients() {
        for (method, template) in [
            ("GET", "/api/v1/me"),
            ("POST", "/api/v1/organisations/{id}/invitations"),
            ("POST", "/api/v1/organisations/{id}/api-clients"),
            ("GET", "/api/v1/audit"),
            ("GET", "/api/v1/allocation"),
        ] {
            assert_eq!(
                required_scope(method, template),
                None,
                "{method} {template}"
            );
        }
    }
}
