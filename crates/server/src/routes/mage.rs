//! Mage's API-trigger URL, exactly: `POST /api/pipeline_schedules/{id}/pipeline_runs/{token}`, with either body
//! form (`{"pipeline_run": {"variables": {...}}}` or flat keys) and Mage's response shape.

use axum::Json;
use axum::extract::{Path, State};
use model::ScheduleType;
use serde_json::{Map, Value, json};

use crate::audit::Note;
use crate::{ApiError, AppState};

pub(super) async fn api_trigger(
    State(state): State<AppState>,
    Path((id, token)): Path<(i64, String)>,
    body: Option<Json<Value>>,
) -> Result<(Note, Json<Value>), ApiError> {
    let trigger = state
        .store
        .trigger(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("pipeline schedule {id} does not exist")))?;
    if trigger.schedule_type != ScheduleType::Api
        || trigger.token.as_deref() != Some(token.as_str())
    {
        return Err(ApiError::unauthorized(format!(
            "pipeline schedule {id} is not an API trigger with this token"
        )));
    }
    let payload = match body {
        Some(Json(Value::Object(map))) => map,
        Some(Json(Value::Null)) | None => Map::new(),
        Some(_) => return Err(ApiError::invalid("the body must be a JSON object")),
    };
    let (variables, event_variables) = split_payload(&trigger.variables, payload);
    let actor = storage::Actor::Trigger {
        id: trigger.id,
        name: trigger.name.clone(),
    };
    let run = state.scheduler.call_api_trigger(trigger, variables).await?;
    let note = Note::run_started(&run).actor(actor);
    Ok((
        note,
        Json(json!({
            "pipeline_run": {
                "id": run.id,
                "created_at": run.created_at,
                "updated_at": run.created_at,
                "pipeline_schedule_id": id,
                "pipeline_uuid": run.pipeline_uuid,
                "execution_date": run.execution_date,
                "status": run.status.as_str(),
                "completed_at": run.completed_at,
                "variables": run.variables,
                "passed_sla": run.passed_sla,
                "event_variables": event_variables,
                "metrics": null,
                "backfill_id": run.backfill_id,
            }
        })),
    ))
}

/// Mage's precedence: trigger variables < `pipeline_run.variables`; flat keys are event variables, which only fill
/// names not already defined and are also available together as `event`.
fn split_payload(
    trigger: &Map<String, Value>,
    mut payload: Map<String, Value>,
) -> (Map<String, Value>, Map<String, Value>) {
    let mut variables = trigger.clone();
    if let Some(Value::Object(run)) = payload.remove("pipeline_run")
        && let Some(Value::Object(run_variables)) = run.get("variables")
    {
        variables.extend(run_variables.clone());
    }
    let event = payload;
    for (key, value) in &event {
        variables
            .entry(key.clone())
            .or_insert_with(|| value.clone());
    }
    if !event.is_empty() {
        variables
            .entry("event".to_owned())
            .or_insert_with(|| Value::Object(event.clone()));
    }
    (variables, event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_forms_follow_mages_precedence() {
        let trigger = json!({"env": "prod", "region": "eu"})
            .as_object()
            .cloned()
            .unwrap();
        let nested = json!({"pipeline_run": {"variables": {"env": "staging"}}})
            .as_object()
            .cloned()
            .unwrap();
        let (variables, event) = split_payload(&trigger, nested);
        assert_eq!(
            Value::Object(variables),
            json!({"env": "staging", "region": "eu"})
        );
        assert!(event.is_empty());
        let flat = json!({"env": "ignored", "user": "ada"})
            .as_object()
            .cloned()
            .unwrap();
        let (variables, event) = split_payload(&trigger, flat);
        assert_eq!(
            Value::Object(variables),
            json!({"env": "prod", "region": "eu", "user": "ada", "event": {"env": "ignored", "user": "ada"}})
        );
        assert_eq!(
            Value::Object(event),
            json!({"env": "ignored", "user": "ada"})
        );
    }
}
