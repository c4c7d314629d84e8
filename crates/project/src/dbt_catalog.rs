//! What the editor shows of the project's dbt projects: their models (to add one as a block) and a model's lineage
//! (parents and children) read from dbt's `target/manifest.json`, which `dbt compile` writes (the editor's "Compile &
//! preview" does, and so does dbt run by hand in the project).

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::dbt_block::{is_project, project_above};
use crate::{Project, ProjectError};

/// A model of one of the project's dbt projects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbtModel {
    /// The dbt project's folder, relative to the project (`dbt/shop`): Mage's `dbt_project_name`.
    pub project: String,
    /// The model's file, relative to the project (`dbt/shop/models/orders.sql`).
    pub path: String,
    /// The model's name (its file name without `.sql`), as `ref()` names it.
    pub name: String,
}

/// A node next to a model in dbt's graph: another model, a source, a seed, a snapshot or a test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbtNode {
    /// dbt's id (`model.shop.orders`, `source.shop.mage_shop.orders_load`).
    pub unique_id: String,
    pub name: String,
    /// `model`, `source`, `seed`, `snapshot`, `test`, ...
    pub resource_type: String,
    /// Its file relative to the project, when it is one of the project's files (a source's is its YAML file).
    pub path: Option<String>,
}

/// A model's parents and children in dbt's manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbtLineage {
    pub unique_id: String,
    pub parents: Vec<DbtNode>,
    pub children: Vec<DbtNode>,
    /// When dbt wrote the manifest (its `metadata.generated_at`): a lineage is as fresh as the last compile.
    pub generated_at: Option<String>,
}

/// Folders a dbt project never keeps models in, left out of the search for projects.
const SKIPPED: &[&str] = &[
    ".venv",
    "venv",
    "node_modules",
    "target",
    "dbt_packages",
    "logs",
    "__pycache__",
    ".git",
];

impl Project {
    /// Every model (`.sql` file under a dbt project's model paths) of every dbt project in the project, by path.
    pub fn dbt_models(&self) -> Result<Vec<DbtModel>, ProjectError> {
        let root = self.root();
        let mut models = Vec::new();
        for project in dbt_projects(root)? {
            let relative = relative_to(root, &project);
            for folder in model_paths(&project) {
                let walk = ignore::WalkBuilder::new(project.join(&folder))
                    .standard_filters(false)
                    .filter_entry(|entry| {
                        !SKIPPED.contains(&entry.file_name().to_str().unwrap_or(""))
                    })
                    .build();
                for entry in walk.flatten() {
                    let path = entry.path();
                    if path.extension().is_some_and(|ext| ext == "sql") && path.is_file() {
                        models.push(DbtModel {
                            project: relative.clone(),
                            path: relative_to(root, path),
                            name: path
                                .file_stem()
                                .unwrap_or_default()
                                .to_string_lossy()
                                .into_owned(),
                        });
                    }
                }
            }
        }
        models.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(models)
    }

    /// The parents and children of the model at `path` (relative to the project), from its dbt project's
    /// `target/manifest.json`. `Ok(None)`: there is no manifest yet.
    pub fn dbt_lineage(&self, path: &str) -> Result<Option<DbtLineage>, ProjectError> {
        let file = self.resolve(path)?;
        if !file.is_file() {
            return Err(ProjectError::FileNotFound {
                path: path.to_owned(),
            });
        }
        let Some(project) = project_above(self.root(), &file) else {
            return Err(ProjectError::InvalidPath {
                path: path.to_owned(),
                reason: "it is in no dbt project: no folder above it holds `dbt_project.yml`"
                    .to_owned(),
            });
        };
        let manifest_path = project.join("target").join("manifest.json");
        let text = match std::fs::read_to_string(&manifest_path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(ProjectError::io(&manifest_path)(error)),
        };
        let manifest: Value =
            serde_json::from_str(&text).map_err(|error| ProjectError::InvalidPath {
                path: relative_to(self.root(), &manifest_path),
                reason: format!("it is not dbt's JSON manifest: {error}"),
            })?;
        let in_project = relative_to(&project, &file);
        Ok(lineage(
            &manifest,
            &in_project,
            &relative_to(self.root(), &project),
        ))
    }
}

/// The model whose `original_file_path` is `in_project` in `manifest`, with its neighbours; `None` when the
/// manifest does not know it (compiled before the model existed).
fn lineage(manifest: &Value, in_project: &str, project: &str) -> Option<DbtLineage> {
    let nodes = manifest.get("nodes")?.as_object()?;
    let (unique_id, _) = nodes.iter().find(|(_, node)| {
        node.get("resource_type").and_then(Value::as_str) != Some("test")
            && node.get("original_file_path").and_then(Value::as_str) == Some(in_project)
    })?;
    let neighbours = |map: &str| -> Vec<DbtNode> {
        let ids = manifest
            .get(map)
            .and_then(|m| m.get(unique_id))
            .and_then(Value::as_array);
        let mut found: Vec<DbtNode> = ids
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|id| describe(manifest, id, project))
            .collect();
        found.sort_by(|a, b| {
            (a.resource_type == "test", &a.unique_id)
                .cmp(&(b.resource_type == "test", &b.unique_id))
        });
        found
    };
    Some(DbtLineage {
        unique_id: unique_id.clone(),
        parents: neighbours("parent_map"),
        children: neighbours("child_map"),
        generated_at: manifest
            .pointer("/metadata/generated_at")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

fn describe(manifest: &Value, id: &str, project: &str) -> DbtNode {
    let node = [
        "nodes",
        "sources",
        "snapshots",
        "seeds",
        "exposures",
        "metrics",
    ]
    .iter()
    .find_map(|section| manifest.get(section).and_then(|s| s.get(id)));
    let text = |key: &str| node.and_then(|n| n.get(key)).and_then(Value::as_str);
    DbtNode {
        unique_id: id.to_owned(),
        name: text("name").unwrap_or(id).to_owned(),
        resource_type: text("resource_type")
            .unwrap_or_else(|| id.split('.').next().unwrap_or(""))
            .to_owned(),
        path: text("original_file_path").map(|file| format!("{project}/{file}")),
    }
}

/// Every folder under `root` holding `dbt_project.yml`, outside the folders dbt and Python write.
fn dbt_projects(root: &Path) -> Result<Vec<PathBuf>, ProjectError> {
    let mut found = Vec::new();
    let walk = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .max_depth(Some(4))
        .filter_entry(|entry| !SKIPPED.contains(&entry.file_name().to_str().unwrap_or("")))
        .build();
    for entry in walk {
        let entry = entry.map_err(|error| ProjectError::Io {
            path: root.to_owned(),
            source: std::io::Error::other(error.to_string()),
        })?;
        if entry.file_type().is_some_and(|kind| kind.is_dir()) && is_project(entry.path()) {
            found.push(entry.into_path());
        }
    }
    Ok(found)
}

/// A dbt project's `model-paths` (dbt's default: `models`), each inside the project.
fn model_paths(project: &Path) -> Vec<String> {
    let settings = ["dbt_project.yml", "dbt_project.yaml"]
        .iter()
        .find_map(|name| std::fs::read_to_string(project.join(name)).ok())
        .and_then(|text| serde_saphyr::from_str::<Value>(&text).ok());
    let declared: Vec<String> = settings
        .as_ref()
        .and_then(|s| s.get("model-paths").or_else(|| s.get("source-paths")))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|path| {
            !Path::new(path)
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        })
        .map(str::to_owned)
        .collect();
    if declared.is_empty() {
        vec!["models".to_owned()]
    } else {
        declared
    }
}

fn relative_to(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_models_neighbours_come_from_the_parent_and_child_maps() {
        let manifest = json!({
            "metadata": {"generated_at": "2026-12-03T10:00:00Z"},
            "nodes": {
                "model.shop.totals": {"name": "totals", "resource_type": "model", "original_file_path": "models/totals.sql"},
                "model.shop.report": {"name": "report", "resource_type": "model", "original_file_path": "models/report.sql"},
                "test.shop.unique_totals": {"name": "unique_totals", "resource_type": "test", "original_file_path": "models/totals.sql"},
            },
            "sources": {
                "source.shop.mage_shop.orders_load": {"name": "orders_load", "resource_type": "source", "original_file_path": "models/mage_sources.yml"},
            },
            "parent_map": {"model.shop.totals": ["source.shop.mage_shop.orders_load"]},
            "child_map": {"model.shop.totals": ["test.shop.unique_totals", "model.shop.report"]},
        });
        let found = lineage(&manifest, "models/totals.sql", "dbt/shop").unwrap();
        assert_eq!(found.unique_id, "model.shop.totals");
        assert_eq!(found.generated_at.as_deref(), Some("2026-12-03T10:00:00Z"));
        assert_eq!(
            found.parents,
            [DbtNode {
                unique_id: "source.shop.mage_shop.orders_load".into(),
                name: "orders_load".into(),
                resource_type: "source".into(),
                path: Some("dbt/shop/models/mage_sources.yml".into()),
            }]
        );
        // Models first, tests after.
        let children: Vec<&str> = found
            .children
            .iter()
            .map(|n| n.unique_id.as_str())
            .collect();
        assert_eq!(children, ["model.shop.report", "test.shop.unique_totals"]);
        assert!(lineage(&manifest, "models/new.sql", "dbt/shop").is_none());
    }
}
