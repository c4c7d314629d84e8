//! The load-time checks of a dbt block (`type: dbt`): a model (`language: sql`) whose file exists inside a dbt
//! project (a folder holding `dbt_project.yml` and `profiles.yml`), or a dbt command (`language: yaml`) naming its
//! project in `configuration.dbt_project_name`, as Mage 0.9.80 lays them out (`dbt/<project>/models/...`).

use std::path::{Component, Path, PathBuf};

use model::Language;
use serde_json::Value;

/// The files that mark a dbt project's folder (dbt reads either).
const PROJECT_FILES: &[&str] = &["dbt_project.yml", "dbt_project.yaml"];

/// What is wrong with a dbt block, one message per problem; empty when it can run.
pub(crate) fn dbt_block_problems(
    project_root: &Path,
    uuid: &str,
    language: Language,
    configuration: &Value,
) -> Vec<String> {
    let text = |pointer: &str| {
        configuration
            .pointer(pointer)
            .and_then(Value::as_str)
            .filter(|value| !value.is_empty())
    };
    let folder = match language {
        Language::Sql => {
            let file = text("/file_source/path")
                .or_else(|| text("/file_path"))
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{uuid}.sql"));
            let Some(path) = inside(project_root, &file) else {
                return vec![format!(
                    "dbt model file `{file}` is outside the project; keep dbt projects under `dbt/`"
                )];
            };
            if !path.is_file() {
                return vec![format!(
                    "dbt model file `{file}` not found; create it, or point `configuration.file_path` at the \
                     model (`dbt/<dbt project>/models/<model>.sql`)"
                )];
            }
            match project_above(project_root, &path) {
                Some(folder) => folder,
                None => {
                    return vec![format!(
                        "dbt model `{file}` is in no dbt project: no folder above it holds `dbt_project.yml`; \
                         put the model under `dbt/<dbt project>/models/`"
                    )];
                }
            }
        }
        Language::Yaml => {
            let Some(name) = text("/dbt_project_name") else {
                return vec![
                    "a dbt command block needs `configuration.dbt_project_name`, the dbt project it runs in \
                     (e.g. `dbt/shop`)"
                        .to_owned(),
                ];
            };
            let candidates = [name.to_owned(), format!("dbt/{name}")];
            let found = candidates.iter().find_map(|candidate| {
                inside(project_root, candidate).filter(|folder| is_project(folder))
            });
            match found {
                Some(folder) => folder,
                None => {
                    return vec![format!(
                        "`configuration.dbt_project_name: {name}` names no dbt project: neither `{name}` nor \
                         `dbt/{name}` holds `dbt_project.yml`"
                    )];
                }
            }
        }
        other => {
            return vec![format!(
                "a dbt block is a model (`language: sql`) or a dbt command (`language: yaml`), not `{}`",
                other.as_str()
            )];
        }
    };
    let mut problems = Vec::new();
    if !folder.join("profiles.yml").is_file() {
        let shown = folder.strip_prefix(project_root).unwrap_or(&folder);
        problems.push(format!(
            "dbt project `{}` has no `profiles.yml`; Mage and Wand read the dbt profiles from the dbt project's \
             folder: add `{}/profiles.yml`",
            shown.display(),
            shown.display()
        ));
    }
    if let Some(Value::Object(dbt)) = configuration.get("dbt") {
        if let Some(flag) = dbt
            .get("disable_tests")
            .filter(|flag| !flag.is_boolean() && !flag.is_null())
        {
            problems.push(format!(
                "`configuration.dbt.disable_tests` must be true or false, not {flag}"
            ));
        }
        if let Some(command) = dbt
            .get("command")
            .filter(|command| !command.is_string() && !command.is_null())
        {
            problems.push(format!(
                "`configuration.dbt.command` must be a dbt command such as `run`, not {command}"
            ));
        }
    }
    problems
}

/// `relative` under the project root, or `None` if it would leave it.
fn inside(root: &Path, relative: &str) -> Option<PathBuf> {
    let path = Path::new(relative);
    path.components()
        .all(|part| matches!(part, Component::Normal(_) | Component::CurDir))
        .then(|| root.join(path))
}

pub(crate) fn is_project(folder: &Path) -> bool {
    PROJECT_FILES.iter().any(|name| folder.join(name).is_file())
}

/// The nearest folder above `file` (inside the project root) holding `dbt_project.yml`, as Mage finds it.
pub(crate) fn project_above(root: &Path, file: &Path) -> Option<PathBuf> {
    file.ancestors()
        .skip(1)
        .take_while(|folder| folder.starts_with(root) && *folder != root)
        .find(|folder| is_project(folder))
        .map(Path::to_owned)
}
