//! `pipelines/<uuid>/triggers.yaml`, Mage's triggers-in-code: read into trigger specs, and written back from them
//! keeping each entry's unknown keys. Wand's own settings (time zone, catch-up) live under `settings`, which Mage
//! ignores, so Mage still reads the file.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use indexmap::IndexMap;
use model::{ScheduleType, TriggerSettings, TriggerSpec, TriggerStatus};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::mage_keys::{self, Finding, TRIGGER_KEYS, TRIGGER_SETTINGS_KEYS, Unknown};
use crate::{Diagnostic, Project, ProjectError, Severity};

/// The triggers a pipeline's file declares, with problems in individual entries reported, not fatal.
#[derive(Debug, Clone, Default)]
pub struct DeclaredTriggers {
    pub specs: Vec<TriggerSpec>,
    /// The `token:` written for an API trigger, by trigger name: its URL's secret, as in Mage.
    pub tokens: std::collections::HashMap<String, String>,
    /// Entries that cannot be applied as written (the trigger is left as it was).
    pub problems: Vec<Diagnostic>,
    /// Keys applied without effect, said so the user knows.
    pub warnings: Vec<Diagnostic>,
}

impl Project {
    fn triggers_path(&self, pipeline_uuid: &str) -> PathBuf {
        self.root()
            .join("pipelines")
            .join(pipeline_uuid)
            .join("triggers.yaml")
    }

    /// A digest of the triggers file's bytes (`None` when there is none), to notice edits.
    pub fn triggers_digest(&self, pipeline_uuid: &str) -> Option<String> {
        let bytes = std::fs::read(self.triggers_path(pipeline_uuid)).ok()?;
        Some(
            Sha256::digest(&bytes)
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect(),
        )
    }

    /// Reads `triggers.yaml`; a missing file declares no triggers.
    pub fn read_triggers(&self, pipeline_uuid: &str) -> Result<DeclaredTriggers, ProjectError> {
        let path = self.triggers_path(pipeline_uuid);
        let mut document: Map<String, Value> = crate::disk::read_yaml(&path)?;
        let entries = match document.remove("triggers") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(entries)) => entries,
            // Read as "no triggers", this would delete them all.
            Some(_) => {
                return Err(ProjectError::Invalid(vec![Diagnostic {
                    file: path.clone(),
                    line: None,
                    block: None,
                    message: "`triggers` must be a list of triggers (`- name: ...` entries)"
                        .to_owned(),
                    severity: Severity::Error,
                }]));
            }
        };
        let mut declared = DeclaredTriggers::default();
        for (position, entry) in entries.iter().enumerate() {
            let diagnostic = |message: String| Diagnostic {
                file: path.clone(),
                line: None,
                block: None,
                message: format!("trigger number {}: {message}", position + 1),
                severity: Severity::Error,
            };
            match spec(pipeline_uuid, entry) {
                Ok(read) => {
                    if let Some(token) = read.token {
                        declared.tokens.insert(read.spec.name.clone(), token);
                    }
                    declared
                        .warnings
                        .extend(read.warnings.into_iter().map(|message| Diagnostic {
                            severity: Severity::Warning,
                            ..diagnostic(message)
                        }));
                    declared.specs.push(read.spec);
                }
                Err(message) => declared.problems.push(diagnostic(message)),
            }
        }
        Ok(declared)
    }

    /// Writes `triggers.yaml` from `specs`, keeping the keys Wand does not know of entries with the same name.
    pub fn write_triggers(
        &self,
        pipeline_uuid: &str,
        specs: &[TriggerSpec],
    ) -> Result<(), ProjectError> {
        let path = self.triggers_path(pipeline_uuid);
        let existing: Vec<IndexMap<String, Value>> = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| {
                serde_saphyr::from_str::<Option<IndexMap<String, Vec<IndexMap<String, Value>>>>>(
                    &text,
                )
                .ok()
            })
            .flatten()
            .and_then(|mut document| document.shift_remove("triggers"))
            .unwrap_or_default();
        let entries: Vec<IndexMap<String, Value>> = specs
            .iter()
            .map(|spec| {
                let mut entry = existing
                    .iter()
                    .find(|old| old.get("name").and_then(Value::as_str) == Some(spec.name.as_str()))
                    .cloned()
                    .unwrap_or_default();
                for (key, value) in entry_fields(spec) {
                    entry.insert(key.to_owned(), value);
                }
                entry
            })
            .collect();
        let mut document = IndexMap::new();
        document.insert("triggers".to_owned(), entries);
        crate::disk::write_yaml(&path, &document)
    }
}

/// The keys Wand writes for a trigger, in Mage's names.
fn entry_fields(spec: &TriggerSpec) -> Vec<(&'static str, Value)> {
    let mut settings = serde_json::to_value(spec.settings).unwrap_or_default();
    if let Value::Object(map) = &mut settings {
        map.retain(|_, value| !value.is_null());
        if spec.timezone != "UTC" {
            map.insert("timezone".to_owned(), Value::String(spec.timezone.clone()));
        }
    }
    // Mage keeps `sla` at the top of the entry, not under `settings`.
    let sla = match &mut settings {
        Value::Object(map) => map.remove("sla").unwrap_or(Value::Null),
        _ => Value::Null,
    };
    let time =
        |time: Option<DateTime<Utc>>| time.map_or(Value::Null, |t| Value::String(t.to_rfc3339()));
    vec![
        ("name", Value::String(spec.name.clone())),
        (
            "description",
            spec.description.clone().map_or(Value::Null, Value::String),
        ),
        ("schedule_type", Value::String(text(&spec.schedule_type))),
        (
            "schedule_interval",
            spec.schedule_interval
                .clone()
                .map_or(Value::Null, Value::String),
        ),
        ("start_time", time(spec.start_time)),
        ("end_time", time(spec.end_time)),
        ("status", Value::String(text(&spec.status))),
        ("variables", Value::Object(spec.variables.clone())),
        ("sla", sla),
        ("settings", settings),
    ]
}

/// One entry of the file, as Wand applies it.
struct Entry {
    spec: TriggerSpec,
    token: Option<String>,
    warnings: Vec<String>,
}

/// One entry of the file as a spec, or what is wrong with it.
fn spec(pipeline_uuid: &str, entry: &Value) -> Result<Entry, String> {
    let name = entry
        .get("name")
        .and_then(Value::as_str)
        .filter(|name| !name.trim().is_empty())
        .ok_or("it has no `name`")?;
    let schedule_type = match entry
        .get("schedule_type")
        .and_then(Value::as_str)
        .unwrap_or("time")
    {
        "time" => ScheduleType::Time,
        "api" => ScheduleType::Api,
        other => {
            return Err(format!(
                "`{name}`: schedule_type `{other}` is not supported; use time or api"
            ));
        }
    };
    let status = match entry
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("inactive")
    {
        "active" => TriggerStatus::Active,
        "inactive" => TriggerStatus::Inactive,
        other => {
            return Err(format!(
                "`{name}`: status `{other}` is unknown; use active or inactive"
            ));
        }
    };
    let mut settings_map = entry
        .get("settings")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let timezone = settings_map
        .remove("timezone")
        .and_then(|zone| zone.as_str().map(str::to_owned))
        .unwrap_or_else(|| "UTC".to_owned());
    let mut warnings = Vec::new();
    if settings_map
        .remove("landing_time_enabled")
        .is_some_and(|value| value == Value::Bool(true))
    {
        return Err(format!(
            "`{name}`: settings.landing_time_enabled is not supported yet (Wand would start runs at the slot, not so \
             that they land by it); remove it or set it to false"
        ));
    }
    // Mage adds this flag for its UI; Wand refuses an invalid interval itself. A null setting is Mage's default
    // (`SettingsConfig` writes `timeout_status: null`).
    settings_map.remove("invalid_schedule_interval");
    settings_map.retain(|_, value| !value.is_null());
    settings_map.retain(|key, _| {
        let known = mage_keys::rule(TRIGGER_SETTINGS_KEYS, key).is_some();
        if !known {
            let names: Vec<&str> = TRIGGER_SETTINGS_KEYS.iter().map(|rule| rule.key).collect();
            warnings.push(format!(
                "`{name}`: settings.{key} is not a setting Wand knows; it has no effect (known: {})",
                names.join(", ")
            ));
        }
        known
    });
    // The other keys of the entry; `envs` and `sla` are diagnosed below, in their own words.
    if let Some(entry) = entry.as_object() {
        for (key, value) in entry {
            if key == "envs" || key == "sla" {
                continue;
            }
            match mage_keys::check_one(TRIGGER_KEYS, key, value, "", Unknown::Warn("a trigger")) {
                Some(Finding::Error(message)) => return Err(format!("`{name}`: {message}")),
                Some(Finding::Warning(message)) => warnings.push(format!("`{name}`: {message}")),
                None => {}
            }
        }
    }
    if entry
        .get("envs")
        .and_then(Value::as_array)
        .is_some_and(|envs| !envs.is_empty())
    {
        return Err(format!(
            "`{name}`: `envs` is not supported yet (the trigger would fire in every environment); remove it to \
             run the trigger everywhere"
        ));
    }
    match entry.get("sla") {
        None | Some(Value::Null) => {}
        Some(sla) => match sla
            .as_u64()
            .or_else(|| sla.as_f64().filter(|s| *s >= 0.0).map(|s| s as u64))
        {
            Some(0) => {}
            Some(seconds) => {
                settings_map.insert("sla".to_owned(), Value::from(seconds));
            }
            None => {
                return Err(format!(
                    "`{name}`: `sla` must be a number of seconds, not {sla}"
                ));
            }
        },
    }
    let token = match entry.get("token") {
        None | Some(Value::Null) => None,
        Some(Value::String(token)) if schedule_type == ScheduleType::Api => {
            let token = token.trim();
            if token.is_empty()
                || !token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(format!(
                    "`{name}`: `token` must be letters, digits, `-` or `_` (it is part of the trigger's URL)"
                ));
            }
            Some(token.to_owned())
        }
        Some(Value::String(_)) => {
            warnings.push(format!(
                "`{name}`: `token` has no effect on a time trigger; only API triggers have a URL"
            ));
            None
        }
        Some(_) => return Err(format!("`{name}`: `token` must be a string")),
    };
    let settings: TriggerSettings = serde_json::from_value(Value::Object(settings_map))
        .map_err(|error| format!("`{name}`: settings: {error}"))?;
    let spec = TriggerSpec {
        pipeline_uuid: pipeline_uuid.to_owned(),
        name: name.trim().to_owned(),
        description: entry
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned),
        schedule_type,
        schedule_interval: entry
            .get("schedule_interval")
            .and_then(Value::as_str)
            .map(str::to_owned),
        timezone,
        start_time: time(entry.get("start_time"))
            .map_err(|error| format!("`{name}`: start_time: {error}"))?,
        end_time: time(entry.get("end_time"))
            .map_err(|error| format!("`{name}`: end_time: {error}"))?,
        status,
        variables: entry
            .get("variables")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        settings,
    };
    spec.validate()
        .map_err(|error| format!("`{name}`: {error}"))?;
    Ok(Entry {
        spec,
        token,
        warnings,
    })
}

/// Mage writes times as dates, naive datetimes (UTC) or RFC 3339.
fn time(value: Option<&Value>) -> Result<Option<DateTime<Utc>>, String> {
    let Some(text) = value.and_then(Value::as_str) else {
        return Ok(None);
    };
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(time.with_timezone(&Utc)));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(Some(naive.and_utc()));
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_hms_opt(0, 0, 0).map(|naive| naive.and_utc()));
    }
    Err(format!(
        "`{text}` is not a date or time; write it like 2024-01-31 or 2024-01-31T08:00:00Z"
    ))
}

fn text<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(text)) => text,
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::mage_keys::{Inert, Rule, Verdict};

    /// A trigger as Mage 0.9.80 writes it (`Trigger.to_dict`), every key at its default.
    fn mage_trigger() -> Value {
        json!({
            "name": "daily",
            "pipeline_uuid": "p",
            "schedule_type": "time",
            "schedule_interval": "@daily",
            "start_time": "2024-01-01 00:00:00",
            "status": "active",
            "last_enabled_at": "2024-01-01 00:00:00",
            "variables": {},
            "sla": null,
            "settings": {
                "skip_if_previous_running": false,
                "allow_blocks_to_fail": false,
                "create_initial_pipeline_run": false,
                "landing_time_enabled": false,
                "pipeline_run_limit": null,
                "timeout": null,
                "timeout_status": null,
                "invalid_schedule_interval": false,
            },
            "envs": [],
            "repo_path": null,
            "description": null,
            "token": null,
        })
    }

    fn sample(rule: &Rule) -> Value {
        match rule.inert {
            Inert::NotTrue => json!(true),
            Inert::Empty if rule.key == "sla" => json!(3600),
            Inert::Empty => json!(["prod"]),
            other => panic!("give `{}` ({other:?}) a sample value", rule.key),
        }
    }

    #[test]
    fn a_mage_written_trigger_with_every_key_at_its_default_is_silent() {
        let read = spec("p", &mage_trigger()).unwrap();
        assert!(read.warnings.is_empty(), "{:?}", read.warnings);
    }

    #[test]
    fn every_warned_or_refused_trigger_key_is_diagnosed_by_name() {
        let places: [(&[Rule], bool); 2] = [(TRIGGER_KEYS, false), (TRIGGER_SETTINGS_KEYS, true)];
        for (rules, in_settings) in places {
            for rule in rules.iter().filter(|rule| rule.verdict != Verdict::Handled) {
                let mut entry = mage_trigger();
                let target = if in_settings {
                    &mut entry["settings"]
                } else {
                    &mut entry
                };
                target[rule.key] = sample(rule);
                let outcome = spec("p", &entry);
                match (rule.verdict, outcome) {
                    (Verdict::Refused, Err(message)) => {
                        assert!(message.contains(rule.key), "{message}")
                    }
                    (Verdict::Warned, Ok(read)) => assert!(
                        read.warnings.iter().any(|w| w.contains(rule.key)),
                        "{}: {:?}",
                        rule.key,
                        read.warnings
                    ),
                    (verdict, Err(message)) => panic!("{} ({verdict:?}): {message}", rule.key),
                    (verdict, Ok(read)) => {
                        panic!("{} ({verdict:?}): {:?}", rule.key, read.warnings)
                    }
                }
            }
        }
    }

    #[test]
    fn unknown_trigger_keys_are_warned_about() {
        let mut entry = mage_trigger();
        entry["schedule"] = json!("@daily");
        let read = spec("p", &entry).unwrap();
        assert_eq!(read.warnings.len(), 1, "{:?}", read.warnings);
        assert!(
            read.warnings[0].contains("`schedule`"),
            "{:?}",
            read.warnings
        );
    }
}
