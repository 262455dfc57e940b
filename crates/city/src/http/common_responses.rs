//! The answers an operation may give whatever its handler does, added to every operation of the
//! OpenAPI document so that no status the server sends goes undocumented: the JSON body's and the
//! query's refusals (axum's extractors, answered as problems by [`super::extract`]), a stale
//! session's, the call center's acting for an unknown clinic, and the database's. An operation
//! that documents a status itself keeps its own words.

use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::security::SecurityRequirement;

use super::auth::ON_BEHALF_OF;
use super::refusals::problem_responses;

/// `openapi` with every operation's common answers added.
pub(super) fn add_to(mut openapi: OpenApi) -> OpenApi {
    for (path, item) in &mut openapi.paths.paths {
        // This document is built in memory: nothing that can fail stands behind it.
        let touches_database = path != "/openapi.json";
        for operation in operations(item) {
            add(operation, touches_database);
        }
    }
    openapi
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

fn add(operation: &mut Operation, touches_database: bool) {
    let (json, parameters) = (takes_json(operation), takes_parameters(operation));
    let mut common = Vec::new();
    match (json, parameters) {
        (true, false) => common.push((
            "400",
            "`request.malformed`: the body is not JSON, or a field fails its parser",
        )),
        (true, true) => common.push((
            "400",
            "`request.malformed`: the body is not JSON, a field fails its parser, or a path or query parameter cannot be read",
        )),
        (false, true) => common.push((
            "400",
            "`request.malformed`: a path or query parameter cannot be read",
        )),
        (false, false) => {}
    }
    if json {
        common.extend([
            (
                "413",
                "`request.too_large`: the body is larger than the server takes",
            ),
            (
                "415",
                "`request.unsupported_media_type`: the body is not sent as `application/json`",
            ),
            (
                "422",
                "`request.malformed`: the JSON does not have the documented shape (a field missing or of another type)",
            ),
        ]);
    }
    if takes_a_session(operation) {
        common.push((
            "401",
            "`auth.session_invalid`: no token, or one that names no live session",
        ));
    }
    if acts_on_behalf(operation) {
        common.extend([
            (
                "403",
                "`auth.forbidden`: `X-Yoyaku-On-Behalf-Of` from a role other than the call center",
            ),
            (
                "404",
                "`auth.unknown_clinic`: `X-Yoyaku-On-Behalf-Of` names no clinic of the municipality",
            ),
        ]);
    }
    if touches_database {
        common.push((
            "503",
            "`server.database_unavailable`: the database cannot be reached; try again shortly",
        ));
    }
    let responses = &mut operation.responses.responses;
    for (status, response) in problem_responses(&common) {
        responses.entry(status).or_insert(response);
    }
}

fn takes_json(operation: &Operation) -> bool {
    operation
        .request_body
        .as_ref()
        .is_some_and(|body| body.content.contains_key("application/json"))
}

fn takes_parameters(operation: &Operation) -> bool {
    operation.parameters.iter().flatten().any(|parameter| {
        matches!(
            parameter.parameter_in,
            ParameterIn::Path | ParameterIn::Query
        )
    })
}

/// Whether the call center may send `X-Yoyaku-On-Behalf-Of` to act for a clinic.
fn acts_on_behalf(operation: &Operation) -> bool {
    operation.parameters.iter().flatten().any(|parameter| {
        parameter.parameter_in == ParameterIn::Header
            && parameter.name.eq_ignore_ascii_case(ON_BEHALF_OF.as_str())
    })
}

/// Whether some way in is a staff session (an empty requirement is the web's way in, with none).
fn takes_a_session(operation: &Operation) -> bool {
    operation
        .security
        .iter()
        .flatten()
        .any(|requirement| *requirement != SecurityRequirement::default())
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::path::OperationBuilder;
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::{ContentBuilder, RefOr, Response, ResponseBuilder};

    use super::*;

    fn statuses(operation: &Operation) -> Vec<&str> {
        operation
            .responses
            .responses
            .keys()
            .map(String::as_str)
            .collect()
    }

    #[test]
    fn a_json_write_with_a_session_gets_every_common_answer_and_keeps_its_own_words() {
        let mut operation = OperationBuilder::new()
            .request_body(Some(
                RequestBodyBuilder::new()
                    .content("application/json", ContentBuilder::new().build())
                    .build(),
            ))
            .response("400", ResponseBuilder::new().description("its own"))
            .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
            .build();
        add(&mut operation, true);
        assert_eq!(
            statuses(&operation),
            ["400", "401", "413", "415", "422", "503"]
        );
        let RefOr::T(Response { description, .. }) = &operation.responses.responses["400"] else {
            panic!("a response, not a reference");
        };
        assert_eq!(description, "its own");
    }

    #[test]
    fn an_open_read_without_input_gets_only_the_databases_answer() {
        let mut operation = OperationBuilder::new()
            .security(SecurityRequirement::default())
            .build();
        add(&mut operation, true);
        assert_eq!(statuses(&operation), ["503"]);
        let mut document_itself = OperationBuilder::new().build();
        add(&mut document_itself, false);
        assert!(statuses(&document_itself).is_empty());
    }
}
