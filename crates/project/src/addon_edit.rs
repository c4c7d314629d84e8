//! Attaching Mage's add-on blocks (conditionals and callbacks) to a pipeline's blocks, as the editor's add-ons do:
//! create one from Mage's template, attach it to one more block, detach it. It writes files and metadata.yaml only;
//! running add-ons is the runtime's job.

use serde_json::{Value, json};

use crate::edit::slug;
use crate::{Project, ProjectError};
use model::BlockType;

/// What a new conditional's file holds: Mage 0.9.80's `templates/conditionals/base.jinja`, rendered.
const CONDITIONAL_TEMPLATE: &str = "if 'condition' not in globals():
    from mage_ai.data_preparation.decorators import condition


@condition
def evaluate_condition(*args, **kwargs) -> bool:
    return True
";

/// What a new callback's file holds: Mage 0.9.80's `templates/callbacks/base.jinja`, rendered (its `success` and
/// `failure` functions; Mage's `Block.create` writes the older `@on_success` / `@on_failure` form, which Wand also
/// runs, but without imports that file only works inside Mage).
const CALLBACK_TEMPLATE: &str = "if 'callback' not in globals():
    from mage_ai.data_preparation.decorators import callback


@callback('success')
def success_callback(parent_block_data, **kwargs):
    pass


@callback('failure')
def failure_callback(parent_block_data, **kwargs):
    \"\"\"
    The error that caused the block to fail is passed in as keyword
    argument __error.
    \"\"\"
    pass
";

/// The pipeline-file list of an add-on kind.
fn list_key(kind: BlockType) -> Option<&'static str> {
    match kind {
        BlockType::Conditional => Some("conditionals"),
        BlockType::Callback => Some("callbacks"),
        _ => None,
    }
}

impl Project {
    /// Creates a conditional or callback named `name` attached to `block`: the entry in the pipeline's
    /// `conditionals:` or `callbacks:` list as Mage 0.9.80's `Block.create` writes it (checked by running it on a copy
    /// of fixtures/mage_dynamic), and `conditionals/<uuid>.py` or `callbacks/<uuid>.py` from Mage's template. A file
    /// of that name already in the project is kept and attached, as Mage does: that is how an add-on one pipeline
    /// has is attached in another. Returns the add-on's uuid.
    pub fn add_addon(
        &self,
        pipeline: &str,
        block: &str,
        kind: BlockType,
        name: &str,
    ) -> Result<String, ProjectError> {
        let mut file = self.raw_pipeline(pipeline)?;
        let Some(key) = list_key(kind) else {
            return Err(self.invalid(
                &file,
                Some(block),
                format!(
                    "a `{}` block is not an add-on; use `conditional` or `callback`",
                    kind.as_str()
                ),
            ));
        };
        self.runnable_block(&file, block)?;
        if let Err(error) = model::check_name(name.trim()) {
            return Err(self.invalid(&file, None, format!("{} name: {error}", kind.as_str())));
        }
        let uuid = slug(name);
        if uuid.is_empty() {
            return Err(self.invalid(
                &file,
                None,
                format!("a {} needs a name with letters or digits", kind.as_str()),
            ));
        }
        let taken = ["blocks", "conditionals", "callbacks"].iter().any(|list| {
            entries(&file, list)
                .iter()
                .any(|entry| entry.get("uuid").and_then(Value::as_str) == Some(uuid.as_str()))
        });
        if taken {
            return Err(self.invalid(
                &file,
                Some(&uuid),
                "the pipeline already has a block or add-on with this uuid; choose another name, or attach \
                 that add-on to the block"
                    .to_owned(),
            ));
        }
        let path = format!("{}/{uuid}.py", kind.folder());
        let created = !self.resolve(&path)?.exists();
        let mut list = entries(&file, key);
        list.push(json!({
            "all_upstream_blocks_executed": false,
            "color": null,
            "configuration": {},
            "downstream_blocks": [],
            "executor_config": null,
            "executor_type": "local_python",
            "has_callback": false,
            "language": "python",
            "name": name.trim(),
            "retry_config": null,
            "status": "not_executed",
            "timeout": null,
            "type": kind.as_str(),
            "upstream_blocks": [block],
            "uuid": uuid,
        }));
        file.set(key, Value::Array(list));
        if created {
            let template = if kind == BlockType::Conditional {
                CONDITIONAL_TEMPLATE
            } else {
                CALLBACK_TEMPLATE
            };
            self.write_file(&path, template, None)?;
        }
        match self.validate(pipeline, file) {
            Ok(loaded) => {
                loaded.file.write()?;
                Ok(uuid)
            }
            Err(error) => {
                if created {
                    let _ = std::fs::remove_file(self.root().join(&path));
                }
                Err(error)
            }
        }
    }

    /// Attaches the pipeline's conditional or callback `addon` to `block` as well (it joins the add-on's
    /// `upstream_blocks`, where Mage keeps the blocks an add-on is attached to).
    pub fn attach_addon(
        &self,
        pipeline: &str,
        block: &str,
        addon: &str,
    ) -> Result<(), ProjectError> {
        let file = self.raw_pipeline(pipeline)?;
        self.runnable_block(&file, block)?;
        self.edit_addon(file, pipeline, addon, |attached| {
            if !attached.iter().any(|name| name == block) {
                attached.push(block.to_owned());
            }
        })
        .map(|_| ())
    }

    /// Detaches the conditional or callback `addon` from `block`. An add-on then attached to no block leaves the
    /// pipeline's list (its file stays in the project: other pipelines may use it). Returns whether it left.
    pub fn detach_addon(
        &self,
        pipeline: &str,
        block: &str,
        addon: &str,
    ) -> Result<bool, ProjectError> {
        let file = self.raw_pipeline(pipeline)?;
        self.edit_addon(file, pipeline, addon, |attached| {
            attached.retain(|name| name != block);
        })
    }

    /// Changes the list of blocks `addon` is attached to; removes its entry when none is left. Returns whether it
    /// was removed.
    fn edit_addon(
        &self,
        mut file: crate::PipelineFile,
        pipeline: &str,
        addon: &str,
        change: impl FnOnce(&mut Vec<String>),
    ) -> Result<bool, ProjectError> {
        let found = ["conditionals", "callbacks"].into_iter().find_map(|key| {
            let list = entries(&file, key);
            list.iter()
                .position(|entry| entry.get("uuid").and_then(Value::as_str) == Some(addon))
                .map(|index| (key, list, index))
        });
        let Some((key, mut list, index)) = found else {
            return Err(self.invalid(
                &file,
                Some(addon),
                "the pipeline has no conditional or callback with this uuid".to_owned(),
            ));
        };
        let mut attached: Vec<String> = list[index]
            .get("upstream_blocks")
            .and_then(Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(|name| name.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        change(&mut attached);
        let removed = attached.is_empty();
        if removed {
            list.remove(index);
        } else {
            list[index]["upstream_blocks"] = json!(attached);
        }
        file.set(key, Value::Array(list));
        let loaded = self.validate(pipeline, file)?;
        loaded.file.write()?;
        Ok(removed)
    }

    /// Refuses `block` unless it is one of the pipeline's `blocks:` (add-ons attach to those only).
    fn runnable_block(&self, file: &crate::PipelineFile, block: &str) -> Result<(), ProjectError> {
        if entries(file, "blocks")
            .iter()
            .any(|entry| entry.get("uuid").and_then(Value::as_str) == Some(block))
        {
            Ok(())
        } else {
            Err(self.invalid(
                file,
                Some(block),
                "the pipeline has no such block".to_owned(),
            ))
        }
    }
}

/// The entries of a list of the pipeline file (`blocks`, `conditionals`, `callbacks`); none when it is missing.
fn entries(file: &crate::PipelineFile, key: &str) -> Vec<Value> {
    file.get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}
