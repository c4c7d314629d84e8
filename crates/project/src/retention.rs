//! The project's retention periods, from Mage's keys in `metadata.yaml`: `variables_retention_period` (block
//! outputs) and `logging_config.retention_period` (logs). Reading only; `scheduler::retention` applies them.

use model::RetentionPeriod;
use serde_json::Value;

use crate::{Diagnostic, Project, ProjectError};

/// How long outputs and logs are kept; `None` keeps them for ever (Mage's default when a key is missing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionSettings {
    /// `variables_retention_period`: block outputs (Mage's "cached variables").
    pub outputs: Option<RetentionPeriod>,
    /// `logging_config.retention_period`: block logs.
    pub logs: Option<RetentionPeriod>,
}

impl Project {
    /// The retention periods as `metadata.yaml` says now. A period Mage could not read either is an error naming
    /// the key, its line-free file and what to write.
    pub fn retention(&self) -> Result<RetentionSettings, ProjectError> {
        let file = self.root().join("metadata.yaml");
        let document: indexmap::IndexMap<String, Value> = if file.exists() {
            crate::disk::read_yaml(&file)?
        } else {
            indexmap::IndexMap::new()
        };
        let read =
            |key: &str, value: Option<&Value>| -> Result<Option<RetentionPeriod>, ProjectError> {
                let text = match value {
                    None | Some(Value::Null) => return Ok(None),
                    Some(Value::String(text)) if text.trim().is_empty() => return Ok(None),
                    Some(Value::String(text)) => text.clone(),
                    Some(other) => other.to_string(),
                };
                RetentionPeriod::parse(&text).map(Some).map_err(|error| {
                    ProjectError::Invalid(vec![Diagnostic {
                        file: file.clone(),
                        line: None,
                        block: None,
                        message: format!("`{key}`: {error}"),
                        severity: crate::Severity::Error,
                    }])
                })
            };
        Ok(RetentionSettings {
            outputs: read(
                "variables_retention_period",
                document.get("variables_retention_period"),
            )?,
            logs: read(
                "logging_config.retention_period",
                document
                    .get("logging_config")
                    .and_then(|logging| logging.get("retention_period")),
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(metadata: &str, expected: Result<(Option<&str>, Option<&str>), &str>) {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("metadata.yaml"), metadata).unwrap();
        std::fs::create_dir(folder.path().join("pipelines")).unwrap();
        let project = Project::open(folder.path()).unwrap();
        let got = project
            .retention()
            .map(|settings| {
                (
                    settings.outputs.map(|p| p.to_string()),
                    settings.logs.map(|p| p.to_string()),
                )
            })
            .map_err(|error| error.to_string());
        match expected {
            Ok((outputs, logs)) => assert_eq!(
                got.unwrap(),
                (outputs.map(str::to_owned), logs.map(str::to_owned))
            ),
            Err(part) => {
                let error = got.unwrap_err();
                assert!(error.contains(part), "{error}");
            }
        }
    }

    #[test]
    fn periods_come_from_mages_keys() {
        check(
            "variables_retention_period: 90d\nlogging_config:\n  retention_period: 15d\n",
            Ok((Some("90d"), Some("15d"))),
        );
        check("project_type: standalone\n", Ok((None, None)));
        check(
            "variables_retention_period: null\nlogging_config: {}\n",
            Ok((None, None)),
        );
        check(
            "variables_retention_period: 3 months\n",
            Err("`variables_retention_period`: `3 months` is not a retention period"),
        );
        check(
            "logging_config:\n  retention_period: 7\n",
            Err("`logging_config.retention_period`: `7` is not"),
        );
    }
}
