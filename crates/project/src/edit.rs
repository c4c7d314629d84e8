//! Editing a project as the UI does: create, rename, clone and delete pipelines; add, link, move and remove
//! blocks. Each edit is validated before it is written, so a cycle or an unknown parent never reaches the disk.

use std::path::Path;

use indexmap::IndexMap;
use model::{BlockType, Language};
use serde_json::{Map, Value, json};

use crate::templates::{block_template, generic_template, sql_template};
use crate::{LoadedPipeline, PipelineFile, Project, ProjectError};

/// Where a new block's code comes from.
#[derive(Debug, Clone)]
pub enum BlockSource {
    /// A new file from a template (`data_loader/api`...); `None` takes the type's generic template.
    Template(Option<String>),
    /// A file already in the project ("Add to current pipeline"), relative to the project.
    ExistingFile(String),
}

/// A block to add to a pipeline.
#[derive(Debug, Clone)]
pub struct NewBlock {
    pub name: String,
    pub block_type: BlockType,
    pub language: Language,
    pub upstream: Vec<String>,
    pub source: BlockSource,
}

impl Project {
    /// Creates a standard (batch) pipeline; its uuid is made from the name. Returns the uuid.
    pub fn create_pipeline(&self, name: &str) -> Result<String, ProjectError> {
        let uuid = self.unused_pipeline_uuid(name)?;
        let folder = self.resolve(&format!("pipelines/{uuid}"))?;
        std::fs::create_dir_all(&folder).map_err(ProjectError::io(&folder))?;
        for (file, contents) in [("__init__.py", ""), ("triggers.yaml", "triggers: []\n")] {
            let path = folder.join(file);
            crate::disk::write_atomically(&path, contents)?;
        }
        let mut doc = IndexMap::new();
        for (key, value) in [
            ("blocks", json!([])),
            ("cache_block_output_in_memory", json!(false)),
            ("callbacks", json!([])),
            ("concurrency_config", json!({})),
            ("conditionals", json!([])),
            ("description", Value::Null),
            ("executor_count", json!(1)),
            ("name", json!(name.trim())),
            ("retry_config", json!({})),
            ("run_pipeline_in_one_process", json!(false)),
            ("settings", json!({"triggers": null})),
            ("spark_config", json!({})),
            ("tags", json!([])),
            ("type", json!("python")),
            ("uuid", json!(uuid)),
            ("variables", json!({})),
            ("widgets", json!([])),
        ] {
            doc.insert(key.to_owned(), value);
        }
        PipelineFile::new(&folder.join("metadata.yaml"), doc).write()?;
        Ok(uuid)
    }

    /// Renames a pipeline; like Mage, its uuid and folder follow the new name. Returns the new uuid.
    pub fn rename_pipeline(&self, uuid: &str, name: &str) -> Result<String, ProjectError> {
        let mut file = self.load_pipeline(uuid)?.file;
        let new_uuid = slug(name);
        let new_uuid = if new_uuid == uuid {
            new_uuid
        } else {
            self.unused_pipeline_uuid(name)?
        };
        let pipelines = self.root().join("pipelines");
        if new_uuid != uuid {
            let (from, to) = (
                pipelines.join(uuid),
                self.resolve(&format!("pipelines/{new_uuid}"))?,
            );
            std::fs::rename(&from, &to).map_err(ProjectError::io(&from))?;
            file.relocate(&to.join("metadata.yaml"));
        }
        file.set("name", json!(name.trim()));
        file.set("uuid", json!(new_uuid));
        file.write()?;
        Ok(new_uuid)
    }

    /// Copies a pipeline (its definition, not its triggers or runs) under a new name. Returns the new uuid.
    pub fn clone_pipeline(&self, uuid: &str, name: &str) -> Result<String, ProjectError> {
        let mut file = self.load_pipeline(uuid)?.file;
        let new_uuid = self.create_pipeline(name)?;
        file.relocate(
            &self
                .root()
                .join("pipelines")
                .join(&new_uuid)
                .join("metadata.yaml"),
        );
        file.set("name", json!(name.trim()));
        file.set("uuid", json!(new_uuid));
        file.write()?;
        Ok(new_uuid)
    }

    /// Deletes a pipeline's folder. Block files stay: other pipelines may use them.
    pub fn delete_pipeline(&self, uuid: &str) -> Result<(), ProjectError> {
        self.load_pipeline(uuid)
            .map(|_| ())
            .or_else(|error| match error {
                ProjectError::PipelineNotFound { .. } => Err(error),
                _ => Ok(()),
            })?;
        let folder = self.root().join("pipelines").join(uuid);
        std::fs::remove_dir_all(&folder).map_err(ProjectError::io(&folder))
    }

    /// Adds a block at the end of a pipeline. Returns its uuid.
    pub fn add_block(&self, pipeline: &str, block: NewBlock) -> Result<String, ProjectError> {
        if block.block_type == BlockType::Dbt {
            return self.add_dbt_block(pipeline, block);
        }
        let mut file = self.raw_pipeline(pipeline)?;
        if let Err(error) = model::check_name(block.name.trim()) {
            return Err(self.invalid(&file, None, format!("block name: {error}")));
        }
        let uuid = slug(&block.name);
        if uuid.is_empty() {
            return Err(self.invalid(
                &file,
                None,
                "a block needs a name with letters or digits".to_owned(),
            ));
        }
        if file
            .blocks()
            .iter()
            .any(|entry| entry.get("uuid").and_then(Value::as_str) == Some(uuid.as_str()))
        {
            return Err(self.invalid(
                &file,
                Some(&uuid),
                "the pipeline already has a block with this uuid; choose another name".to_owned(),
            ));
        }
        let (path, code) = match &block.source {
            BlockSource::ExistingFile(path) => {
                if !self.resolve(path)?.is_file() {
                    return Err(ProjectError::FileNotFound { path: path.clone() });
                }
                (path.clone(), None)
            }
            BlockSource::Template(key) => {
                let template = match key {
                    Some(key) => block_template(key)
                        .filter(|t| t.block_type == block.block_type)
                        .ok_or_else(|| {
                            self.invalid(
                                &file,
                                Some(&uuid),
                                format!(
                                    "there is no `{key}` template for a {} block",
                                    block.block_type.as_str()
                                ),
                            )
                        })?,
                    None if block.language == Language::Sql => sql_template(block.block_type)
                        .ok_or_else(|| {
                            self.invalid(
                                &file,
                                Some(&uuid),
                                format!(
                                    "a {} block cannot be written in SQL; SQL blocks are data loaders, \
                                     transformers, data exporters and custom blocks",
                                    block.block_type.as_str()
                                ),
                            )
                        })?,
                    None => generic_template(block.block_type).ok_or_else(|| {
                        self.invalid(
                            &file,
                            Some(&uuid),
                            format!("{} blocks have no template", block.block_type.as_str()),
                        )
                    })?,
                };
                let path = format!(
                    "{}/{uuid}.{}",
                    block.block_type.folder(),
                    template.language.extension()
                );
                if self.resolve(&path)?.exists() {
                    return Err(ProjectError::AlreadyExists {
                        path: self.root().join(&path),
                    });
                }
                (path, Some(template.code))
            }
        };
        let template = match &block.source {
            BlockSource::Template(Some(key)) => block_template(key),
            _ => None,
        };
        let language = template.map_or(block.language, |t| t.language);
        let mut configuration = Map::new();
        if language == Language::Sql {
            configuration.extend(self.sql_configuration(template.and_then(|t| t.data_provider)));
        }
        configuration.insert("file_source".to_owned(), json!({"path": path}));
        // Mage writes metadata.yaml with its keys sorted.
        configuration.sort_keys();
        let entry = json!({
            "all_upstream_blocks_executed": true,
            "color": null,
            "configuration": configuration,
            "downstream_blocks": [],
            "executor_config": null,
            "executor_type": "local_python",
            "has_callback": false,
            "language": language.as_str(),
            "name": block.name.trim(),
            "retry_config": null,
            "timeout": null,
            "type": block.block_type.as_str(),
            "upstream_blocks": block.upstream,
            "uuid": uuid,
        });
        file.blocks_mut().push(entry);
        sync_downstream(file.blocks_mut());
        // Validate with the new file present, then write both; nothing is left behind if the pipeline is invalid.
        let created = match code {
            Some(code) => Some(self.write_file(&path, code, None)?),
            None => None,
        };
        match self.validate(pipeline, file) {
            Ok(loaded) => {
                loaded.file.write()?;
                Ok(uuid)
            }
            Err(error) => {
                if created.is_some() {
                    let _ = std::fs::remove_file(self.root().join(&path));
                }
                Err(error)
            }
        }
    }

    /// Changes keys of a block's `configuration` (the SQL cell's provider, profile, schema, table, write policy...):
    /// each given key is set, a `null` removes it, the others stay. The block's file is not changed here (rename
    /// the block instead), so `file_source` and `file_path` are refused.
    pub fn update_block_configuration(
        &self,
        pipeline: &str,
        block: &str,
        changes: Map<String, Value>,
    ) -> Result<LoadedPipeline, ProjectError> {
        if let Some(key) = changes
            .keys()
            .find(|key| matches!(key.as_str(), "file_source" | "file_path"))
        {
            let file = self.raw_pipeline(pipeline)?;
            return Err(self.invalid(
                &file,
                Some(block),
                format!("`configuration.{key}` is the block's file; rename the block to move it"),
            ));
        }
        self.edit_block(pipeline, block, |entries, index| {
            let entry = &mut entries[index];
            if !entry.get("configuration").is_some_and(Value::is_object) {
                entry["configuration"] = json!({});
            }
            if let Some(configuration) = entry["configuration"].as_object_mut() {
                for (key, value) in changes {
                    if value.is_null() {
                        configuration.shift_remove(&key);
                    } else {
                        configuration.insert(key, value);
                    }
                }
                configuration.sort_keys();
            }
        })
    }

    /// The `configuration` Mage gives a new SQL block: the template's provider, else the provider the profile has
    /// settings for (DuckDB when it names none), the `default` profile (or the first one of io_config.yaml when it
    /// has no `default`), the provider's usual schema, `append` and no raw SQL.
    fn sql_configuration(&self, provider: Option<&'static str>) -> Map<String, Value> {
        let text = std::fs::read_to_string(self.root().join("io_config.yaml")).unwrap_or_default();
        let profiles = crate::io_config_profiles(&text);
        let profile = if profiles.iter().any(|name| name == "default") || profiles.is_empty() {
            "default".to_owned()
        } else {
            profiles[0].clone()
        };
        let provider = provider
            .or_else(|| io_config_providers(&text, &profile).into_iter().next())
            .unwrap_or("duckdb");
        // The schema Mage starts a provider's SQL blocks with (DuckDB's `main`, PostgreSQL's and Redshift's
        // `public`, SQL Server's `dbo`; the others name none, their profile does). BigQuery's dataset has no default
        // anywhere, and a block without one is refused: a new block names a placeholder the cell shows, as the
        // Python template's `your_dataset.your_table_name` does.
        let schema = match provider {
            "duckdb" => "main",
            "postgres" | "redshift" => "public",
            "mssql" => "dbo",
            "bigquery" => "your_dataset",
            _ => "",
        };
        let mut configuration = Map::new();
        for (key, value) in [
            ("data_provider", json!(provider)),
            ("data_provider_profile", json!(profile)),
            ("data_provider_schema", json!(schema)),
            ("export_write_policy", json!("append")),
            ("use_raw_sql", json!(false)),
        ] {
            configuration.insert(key.to_owned(), value);
        }
        configuration
    }

    /// Sets a block's parents ("Edit parent blocks", or a drag in the dependency tree).
    pub fn set_upstream(
        &self,
        pipeline: &str,
        block: &str,
        upstream: Vec<String>,
    ) -> Result<LoadedPipeline, ProjectError> {
        self.edit_block(pipeline, block, |entries, index| {
            entries[index]["upstream_blocks"] = json!(upstream);
        })
    }

    /// Renames a block; its uuid follows the name (as in Mage), and so do its children's `upstream_blocks`. Its file
    /// is renamed too when it has the conventional name and no other pipeline uses it. Returns the new uuid.
    pub fn rename_block(
        &self,
        pipeline: &str,
        block: &str,
        name: &str,
    ) -> Result<String, ProjectError> {
        let new_uuid = slug(name);
        let mut file = self.raw_pipeline(pipeline)?;
        if let Err(error) = model::check_name(name.trim()) {
            return Err(self.invalid(&file, Some(block), format!("block name: {error}")));
        }
        if new_uuid.is_empty() {
            return Err(self.invalid(
                &file,
                Some(block),
                "a block needs a name with letters or digits".to_owned(),
            ));
        }
        let entries = file.blocks();
        let Some(index) = entries
            .iter()
            .position(|e| e.get("uuid").and_then(Value::as_str) == Some(block))
        else {
            return Err(self.invalid(
                &file,
                Some(block),
                "the pipeline has no such block".to_owned(),
            ));
        };
        if new_uuid != block
            && entries
                .iter()
                .any(|e| e.get("uuid").and_then(Value::as_str) == Some(new_uuid.as_str()))
        {
            return Err(self.invalid(
                &file,
                Some(&new_uuid),
                "the pipeline already has a block with this uuid; choose another name".to_owned(),
            ));
        }
        let current = self
            .validate(pipeline, file.clone())
            .ok()
            .and_then(|loaded| {
                let p = loaded.pipeline;
                p.dag
                    .get(block)
                    .cloned()
                    .or_else(|| p.notebook_blocks.into_iter().find(|b| b.uuid == block))
            });
        let mut move_file = None;
        if let Some(current) = &current
            && new_uuid != block
        {
            let conventional = format!(
                "{}/{block}.{}",
                current.block_type.folder(),
                current.language.extension()
            );
            let target = format!(
                "{}/{new_uuid}.{}",
                current.block_type.folder(),
                current.language.extension()
            );
            if current.file == conventional && !self.used_elsewhere(pipeline, &current.file) {
                if self.resolve(&target)?.exists() {
                    return Err(ProjectError::AlreadyExists {
                        path: self.root().join(&target),
                    });
                }
                move_file = Some((conventional, target));
            }
        }
        let entries = file.blocks_mut();
        entries[index]["name"] = json!(name.trim());
        entries[index]["uuid"] = json!(new_uuid);
        if let Some((_, target)) = &move_file {
            entries[index]["configuration"]["file_source"] = json!({"path": target});
        }
        for entry in entries.iter_mut() {
            if let Some(Value::Array(parents)) = entry.get_mut("upstream_blocks") {
                for parent in parents.iter_mut().filter(|p| p.as_str() == Some(block)) {
                    *parent = json!(new_uuid);
                }
            }
        }
        sync_downstream(file.blocks_mut());
        if let Some((from, to)) = &move_file {
            self.rename_file(from, to)?;
        }
        match self.validate(pipeline, file) {
            Ok(loaded) => {
                loaded.file.write()?;
                Ok(new_uuid)
            }
            Err(error) => {
                if let Some((from, to)) = &move_file {
                    let _ = self.rename_file(to, from);
                }
                Err(error)
            }
        }
    }

    /// Whether a pipeline other than `pipeline` has a block whose file is `path`.
    fn used_elsewhere(&self, pipeline: &str, path: &str) -> bool {
        self.pipeline_uuids()
            .iter()
            .filter(|other| *other != pipeline)
            .any(|other| {
                self.load_pipeline(other).is_ok_and(|loaded| {
                    let p = loaded.pipeline;
                    p.dag
                        .blocks()
                        .iter()
                        .chain(&p.notebook_blocks)
                        .any(|b| b.file == path)
                })
            })
    }

    /// Moves a block to `position` in the pipeline's list (the notebook's order).
    pub fn move_block(
        &self,
        pipeline: &str,
        block: &str,
        position: usize,
    ) -> Result<LoadedPipeline, ProjectError> {
        self.edit_block(pipeline, block, |entries, index| {
            let entry = entries.remove(index);
            entries.insert(position.min(entries.len()), entry);
        })
    }

    /// Removes a block from a pipeline (and from its children's parents); its file is deleted when asked.
    pub fn remove_block(
        &self,
        pipeline: &str,
        block: &str,
        delete_file: bool,
    ) -> Result<(), ProjectError> {
        let file = self
            .load_pipeline(pipeline)
            .ok()
            .and_then(|loaded| {
                let pipeline = loaded.pipeline;
                pipeline.dag.get(block).cloned().or_else(|| {
                    pipeline
                        .notebook_blocks
                        .into_iter()
                        .find(|b| b.uuid == block)
                })
            })
            .map(|found| found.file);
        self.edit_block(pipeline, block, |entries, index| {
            entries.remove(index);
            for other in entries.iter_mut() {
                if let Some(Value::Array(parents)) = other.get_mut("upstream_blocks") {
                    parents.retain(|parent| parent.as_str() != Some(block));
                }
            }
        })?;
        if delete_file
            && let Some(path) = file
            && self.resolve(&path)?.is_file()
        {
            self.delete_file(&path)?;
        }
        Ok(())
    }

    /// Applies `change` to the entry list at the block's index, keeps downstream lists in step, validates, writes.
    fn edit_block(
        &self,
        pipeline: &str,
        block: &str,
        change: impl FnOnce(&mut Vec<Value>, usize),
    ) -> Result<LoadedPipeline, ProjectError> {
        let mut file = self.raw_pipeline(pipeline)?;
        let Some(index) = file
            .blocks()
            .iter()
            .position(|entry| entry.get("uuid").and_then(Value::as_str) == Some(block))
        else {
            return Err(self.invalid(
                &file,
                Some(block),
                "the pipeline has no such block".to_owned(),
            ));
        };
        change(file.blocks_mut(), index);
        sync_downstream(file.blocks_mut());
        let loaded = self.validate(pipeline, file)?;
        loaded.file.write()?;
        Ok(loaded)
    }

    /// The pipeline file as it is on disk, even if it does not validate (so it can be repaired).
    pub(crate) fn raw_pipeline(&self, pipeline: &str) -> Result<PipelineFile, ProjectError> {
        if !self.pipeline_uuids().iter().any(|known| known == pipeline) {
            return Err(ProjectError::PipelineNotFound {
                uuid: pipeline.to_owned(),
                root: self.root().to_owned(),
                available: self.pipeline_uuids(),
            });
        }
        PipelineFile::read(
            &self
                .root()
                .join("pipelines")
                .join(pipeline)
                .join("metadata.yaml"),
        )
    }

    pub(crate) fn invalid(
        &self,
        file: &PipelineFile,
        block: Option<&str>,
        message: String,
    ) -> ProjectError {
        ProjectError::Invalid(vec![crate::Diagnostic {
            file: file.path().to_owned(),
            line: None,
            block: block.map(str::to_owned),
            message,
            severity: crate::Severity::Error,
        }])
    }

    fn unused_pipeline_uuid(&self, name: &str) -> Result<String, ProjectError> {
        let invalid = |reason: String| ProjectError::InvalidName {
            name: name.to_owned(),
            reason,
        };
        model::check_name(name.trim()).map_err(|error| invalid(error.to_string()))?;
        let base = slug(name);
        if base.is_empty() {
            return Err(invalid(
                "use letters, digits, spaces or underscores".to_owned(),
            ));
        }
        let taken = |uuid: &str| Path::new(&self.root().join("pipelines").join(uuid)).exists();
        Ok((1..)
            .map(|n| {
                if n == 1 {
                    base.clone()
                } else {
                    format!("{base}_{n}")
                }
            })
            .find(|uuid| !taken(uuid))
            .expect("some suffix is free"))
    }
}

/// The SQL providers (of `SQL_PROVIDERS`) a profile of an `io_config.yaml` has settings for, in the order its keys
/// come (`DUCKDB_DATABASE` names DuckDB, `POSTGRES_HOST` PostgreSQL...; BigQuery's `GOOGLE_*` keys name none, as
/// Google Cloud Storage and Sheets read them too). Read line by line, as `io_config_profiles` reads the file (Mage
/// renders it as a template before parsing it).
pub fn io_config_providers(text: &str, profile: &str) -> Vec<&'static str> {
    let mut providers = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if trimmed.len() == line.len() {
            inside = line
                .split_once(':')
                .is_some_and(|(name, _)| name.trim().trim_matches(['"', '\'']) == profile);
            continue;
        }
        if !inside {
            continue;
        }
        let key = trimmed
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let provider = crate::SQL_PROVIDERS
            .iter()
            .map(|(name, _)| *name)
            .find(|name| key.starts_with(&format!("{}_", name.to_ascii_uppercase())));
        if let Some(provider) = provider
            && !providers.contains(&provider)
        {
            providers.push(provider);
        }
    }
    providers
}

/// Mage keeps `downstream_blocks` beside `upstream_blocks`; rebuild them from the upstream lists.
pub(crate) fn sync_downstream(entries: &mut [Value]) {
    let mut children: Map<String, Value> = Map::new();
    for entry in entries.iter() {
        let Some(uuid) = entry.get("uuid").and_then(Value::as_str) else {
            continue;
        };
        for parent in entry
            .get("upstream_blocks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(parent) = parent.as_str() {
                let list = children
                    .entry(parent.to_owned())
                    .or_insert_with(|| json!([]));
                if let Value::Array(list) = list {
                    list.push(json!(uuid));
                }
            }
        }
    }
    for entry in entries.iter_mut() {
        let Some(uuid) = entry.get("uuid").and_then(Value::as_str).map(str::to_owned) else {
            continue;
        };
        if let Value::Object(map) = entry {
            map.insert(
                "downstream_blocks".to_owned(),
                children.get(&uuid).cloned().unwrap_or_else(|| json!([])),
            );
        }
    }
}

/// A uuid from a name, as Mage makes them: lower case, runs of other characters turned into `_`.
pub fn slug(name: &str) -> String {
    let mut slug = String::new();
    for character in name.trim().chars() {
        if character.is_ascii_alphanumeric() {
            slug.push(character.to_ascii_lowercase());
        } else if !slug.ends_with('_') {
            slug.push('_');
        }
    }
    slug.trim_matches('_').to_owned()
}

#[cfg(test)]
mod tests {
    use super::io_config_providers;

    #[test]
    fn a_profile_names_the_providers_it_has_settings_for() {
        let text = "version: 0.1.1\ndefault:\n  POSTGRES_HOST: db\n  DUCKDB_DATABASE: x.duckdb\n  \
                    POSTGRES_PORT: 5432\n  # MYSQL_HOST: off\nlocal:\n  mysql_host: localhost\n";
        assert_eq!(io_config_providers(text, "default"), ["postgres", "duckdb"]);
        assert_eq!(io_config_providers(text, "local"), ["mysql"]);
        assert!(io_config_providers(text, "missing").is_empty());
    }
}
