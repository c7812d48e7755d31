//! The OpenAPI 3.1 document: the paths collected from the routes themselves (`http::configure`),
//! the problem responses every operation may give (declared here once), the security scheme,
//! and the table of methods per path that answers `405` with `Allow`.

use std::collections::BTreeMap;

use actix_web::dev::ResourceDef;
use utoipa::openapi::path::{Operation, Paths};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Schema};
use utoipa::{Modify, OpenApi};

use super::problem::PROBLEM_JSON;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Planning Sandbox API",
        description = "Case management for planning regulatory sandboxes. Errors are application/problem+json (RFC 9457); lists are JSON arrays with X-Total-Count (capped) and Link headers.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0")
    ),
    components(schemas(super::problem::Problem, crate::domain::FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Registration, login and tokens"),
        (name = "users", description = "User administration"),
        (name = "admin", description = "Operations for administrators"),
        (name = "catalogue", description = "Sandbox zones and the provisions (derogation) catalogue"),
        (name = "applications", description = "Applications: drafts, the inspectors' queue, the full record and its history"),
        (name = "lifecycle", description = "Transitions of an application, from submission to the end of its trial"),
        (name = "monitoring", description = "Trials in operation: conditions, evidence, milestones"),
        (name = "community", description = "Following trials and zones, observations, attestations"),
        (name = "register", description = "The public register: decisions, trials, open data"),
        (name = "operations", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// The whole document from the routes' paths and the schemas they name.
pub fn document(paths: Paths, schemas: Vec<(String, RefOr<Schema>)>) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.paths = paths;
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.extend(schemas);
    for schema in components.schemas.values_mut() {
        text_patterns(schema);
    }
    for (status, description) in PROBLEMS {
        components.responses.insert(format!("Problem{status}"), RefOr::T(problem_response(description)));
    }
    for item in doc.paths.paths.values_mut() {
        for op in operations(item) {
            describe_if_match(op.1);
            describe_query_values(op.1);
            add_problems(op);
        }
    }
    unique_operation_ids(&mut doc);
    describe_csv_columns(&mut doc);

    // Paths are absolute on whichever host serves the document.
    doc.servers = Some(vec![utoipa::openapi::Server::new("/")]);
    doc
}

/// Request fields declare the text rule they are parsed with as a format of this service's own
/// (`format = "text"`, `"text-or-blank"`, `"line"`, `"line-or-blank"`, `"name"`, `"postcode"`, `"code"`); the document gives each as the
/// `pattern` that says the same ([`crate::domain::text_patterns`]), which any client can check.
fn text_patterns(schema: &mut RefOr<Schema>) {
    use crate::domain::text_patterns::{
        CODE, LINE, LINE_OR_BLANK, NAME, POSTCODE, QUEUE_INSPECTOR, TEXT, TEXT_OR_BLANK,
    };
    use utoipa::openapi::schema::{ArrayItems, SchemaFormat};
    let RefOr::T(schema) = schema else { return };
    match schema {
        Schema::Object(o) => {
            let pattern = match &o.format {
                Some(SchemaFormat::Custom(f)) if f == "text" => Some(TEXT),
                Some(SchemaFormat::Custom(f)) if f == "text-or-blank" => Some(TEXT_OR_BLANK),
                Some(SchemaFormat::Custom(f)) if f == "line" => Some(LINE),
                Some(SchemaFormat::Custom(f)) if f == "line-or-blank" => Some(LINE_OR_BLANK),
                Some(SchemaFormat::Custom(f)) if f == "name" => Some(NAME),
                Some(SchemaFormat::Custom(f)) if f == "postcode" => Some(POSTCODE),
                Some(SchemaFormat::Custom(f)) if f == "code" => Some(CODE),
                Some(SchemaFormat::Custom(f)) if f == "queue-inspector" => Some(QUEUE_INSPECTOR),
                _ => None,
            };
            if let Some(p) = pattern {
                o.format = None;
                o.pattern = Some(p.to_string());
            }
            o.properties.values_mut().for_each(text_patterns);
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                text_patterns(items);
            }
        }
        Schema::OneOf(x) => x.items.iter_mut().for_each(text_patterns),
        Schema::AllOf(x) => x.items.iter_mut().for_each(text_patterns),
        Schema::AnyOf(x) => x.items.iter_mut().for_each(text_patterns),
        _ => {}
    }
}

/// The CSV export's description lists its columns, from the list the export writes its header
/// row from (`CSV_COLUMNS`), so the two cannot drift apart.
fn describe_csv_columns(doc: &mut utoipa::openapi::OpenApi) {
    let Some(item) = doc.paths.paths.get_mut("/api/v1/register.csv") else { return };
    let Some(op) = item.get.as_mut() else { return };
    let columns: String =
        super::register::CSV_COLUMNS.iter().map(|(name, meaning)| format!("| `{name}` | {meaning} |\n")).collect();
    let before = op.description.take().unwrap_or_default();
    op.description = Some(format!("{before}\n\n| column | meaning |\n|---|---|\n{columns}"));
}

/// Handlers are named after what they do (`list`, `get`); where two resources share a name, the
/// operation id is prefixed with the resource's tag (`users_list`).
fn unique_operation_ids(doc: &mut utoipa::openapi::OpenApi) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for item in doc.paths.paths.values_mut() {
        for (_, op) in operations(item) {
            *seen.entry(op.operation_id.clone().unwrap_or_default()).or_default() += 1;
        }
    }
    for item in doc.paths.paths.values_mut() {
        for (_, op) in operations(item) {
            let id = op.operation_id.clone().unwrap_or_default();
            if seen.get(&id).is_some_and(|n| *n > 1) {
                let tag = op.tags.as_ref().and_then(|t| t.first()).cloned().unwrap_or_default();
                op.operation_id = Some(format!("{tag}_{id}"));
            }
        }
    }
}

/// The problems an operation can answer with, each once for the whole API.
const PROBLEMS: [(u16, &str); 14] = [
    (400, "The request is malformed: not JSON, an unknown query parameter, or a bad `If-Match`"),
    (401, "No valid access token"),
    (403, "You may not do this"),
    (404, "No such record, or not one you may see"),
    (409, "The record is not in a state that allows this; `current_status` and `allowed_actions` say what is"),
    (412, "The record has changed since you read it (`current_version`)"),
    (413, "The body is too large"),
    (415, "The body has the wrong content type"),
    (422, "Some fields are not valid; `errors` names each"),
    (428, "Send `If-Match` with the ETag you read"),
    (429, "Too many requests; see `Retry-After`"),
    (431, "The request's headers are too large (more than 16 KiB in all, or more than 64)"),
    (500, "Something went wrong on our side; quote the `request_id`"),
    (503, "The service is temporarily unavailable"),
];

fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
        .build()
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("GET", item.get.as_mut()),
        ("PUT", item.put.as_mut()),
        ("POST", item.post.as_mut()),
        ("DELETE", item.delete.as_mut()),
        ("PATCH", item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
}

/// `If-Match` is the ETag as the service gives it, a version number in quotes (`"3"`): anything
/// else is a `400`, and the document says so.
fn describe_if_match(op: &mut Operation) {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    for p in op.parameters.iter_mut().flatten() {
        if p.name.eq_ignore_ascii_case("if-match") {
            let schema = ObjectBuilder::new().schema_type(Type::String).pattern(Some(r#"^"[0-9]+"$"#)).build();
            p.schema = Some(RefOr::T(Schema::Object(schema)));
        }
    }
}

/// Query parameters follow the text rules of request fields (their formats become patterns), and
/// each may be sent empty, which is the same as leaving it out (`?status=&page=` from a form whose
/// fields were left blank): the schema says so with `anyOf` an empty string.
fn describe_query_values(op: &mut Operation) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Type};
    use utoipa::openapi::Required;
    for p in op.parameters.iter_mut().flatten() {
        let Some(schema) = p.schema.as_mut() else { continue };
        text_patterns(schema);
        if p.parameter_in == ParameterIn::Query && p.required == Required::False {
            let empty = ObjectBuilder::new().schema_type(Type::String).max_length(Some(0)).build();
            let given = std::mem::replace(schema, RefOr::T(Schema::Object(ObjectBuilder::new().build())));
            *schema = RefOr::T(Schema::AnyOf(AnyOfBuilder::new().item(given).item(Schema::Object(empty)).build()));
        }
    }
}

/// Adds the problems that apply to an operation, unless it documents that status itself.
fn add_problems((method, op): (&'static str, &mut Operation)) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    if op.security.is_none() {
        // Said outright: this operation needs no token.
        op.security = Some(Vec::new());
    }
    let has_body = op.request_body.is_some();
    let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let if_match = op.parameters.as_ref().is_some_and(|p| p.iter().any(|p| p.name.eq_ignore_ascii_case("if-match")));
    let writes = method != "GET";
    for (status, _) in PROBLEMS {
        let applies = match status {
            400 => has_body || has_params || if_match,
            401 | 403 => secured,
            404 => has_params || secured,
            409 => writes && secured,
            412 | 428 => if_match,
            413 | 415 => has_body,
            422 => has_body || has_params,
            429 => method == "POST",
            _ => true,
        };
        let key = status.to_string();
        if applies && !op.responses.responses.contains_key(&key) {
            op.responses.responses.insert(key, RefOr::Ref(Ref::new(format!("#/components/responses/Problem{status}"))));
        }
    }
}

/// The methods each documented path accepts, to answer a wrong method with `405` and `Allow`.
pub struct MethodTable {
    routes: Vec<(ResourceDef, Vec<&'static str>)>,
}

impl MethodTable {
    pub fn new(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods: Vec<&'static str> = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                methods.sort_unstable();
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        MethodTable { routes }
    }

    /// The methods allowed on `path`, when it is a route of the API.
    pub fn allowed(&self, path: &str) -> Option<Vec<&'static str>> {
        self.routes.iter().find(|(def, _)| def.is_match(path)).map(|(_, m)| m.clone())
    }
}
