//! The router: every API route with its OpenAPI description, Mage's API-trigger URL, and the front page.

mod addons;
mod audit;
mod backfills;
mod blocks;
mod dbt;
mod files;
mod global_data_products;
mod io_config;
mod logs;
mod mage;
mod meta;
mod notifications;
pub(crate) mod outputs;
pub(crate) mod pipelines;
mod python;
mod retention;
mod runs;
mod secrets;
mod sessions;
mod stats;
mod stream;
mod terminal;
mod tokens;
mod triggers;
mod ui;
mod users;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// Requests larger than this are refused (block code and trigger payloads are small).
const BODY_LIMIT: usize = 8 * 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Wand API",
        description = "Runs, triggers and pipelines of a Wand (Mage-compatible) project."
    ),
    servers((url = "/api/v1"))
)]
struct ApiDoc;

/// The whole HTTP surface of the server, ready to serve.
pub fn app(state: AppState) -> Router {
    crate::metrics::install_metrics();
    let (api, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(meta::health))
        .routes(routes!(sessions::sign_in, sessions::sign_out))
        .routes(routes!(sessions::me))
        .routes(routes!(sessions::change_password))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::remove))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::update, users::remove))
        .routes(routes!(secrets::list))
        .routes(routes!(secrets::set, secrets::remove))
        .routes(routes!(meta::project))
        .routes(routes!(meta::settings, meta::update_settings))
        .routes(routes!(python::describe))
        .routes(routes!(python::install))
        .routes(routes!(pipelines::list, pipelines::create))
        .routes(routes!(
            pipelines::detail,
            pipelines::rename,
            pipelines::remove
        ))
        .routes(routes!(pipelines::clone))
        .routes(routes!(blocks::templates))
        .routes(routes!(blocks::list, blocks::add))
        .routes(routes!(blocks::update, blocks::remove))
        .routes(routes!(blocks::read_code, blocks::write_code))
        .routes(routes!(blocks::execute))
        .routes(routes!(addons::attach))
        .routes(routes!(addons::detach))
        .routes(routes!(io_config::profiles))
        .routes(routes!(dbt::models))
        .routes(routes!(dbt::lineage))
        .routes(routes!(global_data_products::list))
        .routes(routes!(pipelines::run_now))
        .routes(routes!(triggers::list, triggers::create))
        .routes(routes!(triggers::all))
        .routes(routes!(
            triggers::detail,
            triggers::replace,
            triggers::remove
        ))
        .routes(routes!(triggers::run_now))
        .routes(routes!(runs::list))
        .routes(routes!(runs::detail, retention::delete_run))
        .routes(routes!(retention::delete_runs))
        .routes(routes!(retention::disk_usage))
        .routes(routes!(runs::block_runs))
        .routes(routes!(runs::block_groups))
        .routes(routes!(stats::timeline))
        .routes(routes!(stream::stream_counters))
        .routes(routes!(stream::stream_state, stream::control_stream))
        .routes(routes!(stats::overview))
        .routes(routes!(stats::pipeline))
        .routes(routes!(logs::log))
        .routes(routes!(logs::stream))
        .routes(routes!(outputs::outputs))
        .routes(routes!(runs::cancel))
        .routes(routes!(backfills::list, backfills::create))
        .routes(routes!(backfills::preview))
        .routes(routes!(backfills::detail, backfills::remove))
        .routes(routes!(backfills::runs))
        .routes(routes!(backfills::cancel))
        .routes(routes!(backfills::retry))
        .routes(routes!(runs::retry))
        .routes(routes!(files::tree, files::create, files::remove))
        .routes(routes!(files::read, files::write))
        .routes(routes!(files::rename))
        .routes(routes!(audit::list))
        .routes(routes!(audit::pipeline))
        .routes(routes!(audit::run))
        .routes(routes!(notifications::run_deliveries))
        .routes(routes!(notifications::channels))
        .routes(routes!(notifications::send_test))
        .split_for_parts();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    unique_operation_ids(&mut doc);
    crate::json_errors::document(&mut doc);
    crate::policy::document(&mut doc);
    crate::audit::document(&mut doc);
    let doc = std::sync::Arc::new(doc);
    let api = api.route_layer(axum::middleware::from_fn_with_state(
        operations(&doc),
        crate::guard::require_json,
    ));
    Router::new()
        .nest("/api/v1", api)
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .route(
            "/api/pipeline_schedules/{id}/pipeline_runs/{token}",
            axum::routing::post(mage::api_trigger),
        )
        .route("/api/v1/terminal", axum::routing::get(terminal::terminal))
        .route("/metrics", axum::routing::get(crate::metrics::scrape))
        // Inside `authorize` (which names the caller): each change that succeeds goes into the audit trail.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::audit::record,
        ))
        // Every route, after routing (so the route is known): who asks, and whether its policy lets them.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::policy::authorize,
        ))
        // Outside `authorize`, so that refused requests are counted under their route too.
        .route_layer(axum::middleware::from_fn(crate::metrics::mark_route))
        .fallback(ui::serve)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // Every error under /api in the JSON error shape, axum's own rejections included.
        .layer(axum::middleware::from_fn(
            crate::json_errors::errors_as_json,
        ))
        // Compresses the UI's scripts and large JSON answers (event streams are left as they are).
        .layer(tower_http::compression::CompressionLayer::new())
        // Outermost: a forged request is refused before anything else reads it.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::guard::check,
        ))
        // Outermost of all: every request is counted and timed, refused ones included.
        .layer(axum::middleware::from_fn(crate::metrics::observe_requests))
        .with_state(state)
}

/// Every (path template, method) the API document describes.
fn operations(doc: &utoipa::openapi::OpenApi) -> crate::guard::Operations {
    use axum::http::Method;
    crate::guard::Operations::new(doc.paths.paths.iter().flat_map(|(path, item)| {
        [
            (item.get.is_some(), Method::GET),
            (item.post.is_some(), Method::POST),
            (item.put.is_some(), Method::PUT),
            (item.delete.is_some(), Method::DELETE),
            (item.patch.is_some(), Method::PATCH),
        ]
        .into_iter()
        .filter(|(present, _)| *present)
        .map(move |(_, method)| (path.clone(), method))
    }))
}

/// Handlers in different modules share names (`list`, `create`...); OpenAPI wants unique operation ids, so each
/// gets its tag as a prefix: `pipelines_list`, `triggers_create`...
fn unique_operation_ids(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let tag = operation
                .tags
                .as_ref()
                .and_then(|tags| tags.first())
                .cloned();
            if let (Some(tag), Some(id)) = (tag, operation.operation_id.as_mut())
                && !id.starts_with(&format!("{tag}_"))
            {
                *id = format!("{tag}_{id}");
            }
        }
    }
}
