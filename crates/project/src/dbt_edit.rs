//! Adding a dbt model block through the editor's API, as Mage's editor writes it: a model file of one of the
//! project's dbt projects (`dbt/<project>/models/....sql`) becomes a block whose uuid and name are the model's path
//! without `.sql`, with `dbt_project_name`, `file_path` and `file_source: {path, project_path}`.

use serde_json::{Value, json};

use crate::dbt_block::project_above;
use crate::edit::sync_downstream;
use crate::{BlockSource, NewBlock, Project, ProjectError};
use model::Language;

impl Project {
    pub(crate) fn add_dbt_block(
        &self,
        pipeline: &str,
        block: NewBlock,
    ) -> Result<String, ProjectError> {
        let mut file = self.raw_pipeline(pipeline)?;
        let path = match (&block.language, &block.source) {
            (Language::Sql, BlockSource::ExistingFile(path)) => {
                path.trim_start_matches("./").to_owned()
            }
            _ => {
                return Err(self.invalid(
                    &file,
                    None,
                    "a dbt block is added from a model of the project's dbt projects: give its file \
                     (`existing_file`, such as `dbt/shop/models/orders.sql`) with `language: sql`; a dbt command \
                     block is written into metadata.yaml"
                        .to_owned(),
                ));
            }
        };
        let Some(uuid) = path.strip_suffix(".sql").map(str::to_owned) else {
            return Err(self.invalid(
                &file,
                None,
                format!("`{path}` is not a dbt model: a model is a `.sql` file"),
            ));
        };
        let resolved = self.resolve(&path)?;
        if !resolved.is_file() {
            return Err(ProjectError::FileNotFound { path });
        }
        let Some(project) = project_above(self.root(), &resolved) else {
            return Err(self.invalid(
                &file,
                None,
                format!(
                    "`{path}` is in no dbt project: no folder above it holds `dbt_project.yml`"
                ),
            ));
        };
        let project = project
            .strip_prefix(self.root())
            .unwrap_or(&project)
            .to_string_lossy()
            .into_owned();
        if file
            .blocks()
            .iter()
            .any(|entry| entry.get("uuid").and_then(Value::as_str) == Some(uuid.as_str()))
        {
            return Err(self.invalid(
                &file,
                Some(&uuid),
                "the pipeline already has this dbt model as a block".to_owned(),
            ));
        }
        let entry = json!({
            "all_upstream_blocks_executed": true,
            "color": null,
            "configuration": {
                "dbt_project_name": project,
                "file_path": path,
                "file_source": {"path": path, "project_path": project},
            },
            "downstream_blocks": [],
            "executor_config": null,
            "executor_type": "local_python",
            "has_callback": false,
            "language": "sql",
            "name": uuid,
            "retry_config": null,
            "timeout": null,
            "type": "dbt",
            "upstream_blocks": block.upstream,
            "uuid": uuid,
        });
        file.blocks_mut().push(entry);
        sync_downstream(file.blocks_mut());
        let loaded = self.validate(pipeline, file)?;
        loaded.file.write()?;
        Ok(uuid)
    }
}
