//! A project folder: its settings, its pipelines, and the checks that turn a `metadata.yaml` into a `Pipeline`.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use model::{
    AddonBlock, Block, BlockType, ConcurrencyConfig, Dag, DagError, Language, Pipeline, RetryConfig,
};
use serde_json::{Map, Value};

use crate::dbt_block::dbt_block_problems;
use crate::mage_keys::{self, Finding, Rule, Unknown};
use crate::sql_block::sql_block_problems;
use crate::{Diagnostic, PipelineFile, ProjectError, Severity};

/// An opened Mage or Wand project.
#[derive(Debug, Clone)]
pub struct Project {
    root: PathBuf,
    name: String,
    /// The root of Mage's multi-project platform the project belongs to (its parent folder, with `settings.yaml`).
    platform: Option<PathBuf>,
}

/// A pipeline that passed validation, with the file it came from and the problems that were repaired.
#[derive(Debug, Clone)]
pub struct LoadedPipeline {
    pub pipeline: Pipeline,
    pub file: PipelineFile,
    pub warnings: Vec<Diagnostic>,
}

impl Project {
    /// Opens the project at `root`: a folder with a `metadata.yaml` or a `pipelines/` folder, or the root of Mage's
    /// multi-project platform (a `settings.yaml` listing its projects), which opens its active project as Mage does.
    pub fn open(root: &Path) -> Result<Project, ProjectError> {
        let mut root = std::fs::canonicalize(root).map_err(ProjectError::io(root))?;
        let is_project =
            |root: &Path| root.join("metadata.yaml").is_file() || root.join("pipelines").is_dir();
        if !is_project(&root)
            && let Some(active) = crate::platform::active_project(&root)
        {
            root = active;
        }
        if !is_project(&root) {
            return Err(ProjectError::NotAProject { path: root });
        }
        let name = root
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "project".to_owned());
        let platform = crate::platform::platform_root(&root);
        let project = Project {
            root,
            name,
            platform,
        };
        // A broken metadata.yaml is reported now rather than at the first run.
        project.settings()?;
        Ok(project)
    }

    /// The project folder, absolute.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The project's name: its folder name, which is also the Python package blocks import from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The uuids of the project's pipelines, sorted.
    pub fn pipeline_uuids(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.root.join("pipelines")) else {
            return Vec::new();
        };
        let mut uuids: Vec<String> = entries
            .flatten()
            .filter(|entry| entry.path().join("metadata.yaml").is_file())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        uuids.sort();
        uuids
    }

    /// The root of the Mage multi-project platform this project is a sub-project of, if it is one.
    pub fn platform_root(&self) -> Option<&Path> {
        self.platform.as_deref()
    }

    /// The path of a block's file given relative to the project, or `None` if it would leave the project (or, for
    /// a sub-project of Mage's platform, the platform root: a block may run a sibling project's file).
    pub fn confine_block_file(&self, relative: &str) -> Option<PathBuf> {
        match &self.platform {
            None => self.confine(relative),
            Some(platform) => {
                let full = crate::platform::normalize(&self.root.join(relative));
                crate::platform::relative_within(platform, &self.root, &full)?;
                Some(full)
            }
        }
    }

    /// The path of a file given relative to the project, or `None` if it would leave the project.
    pub fn confine(&self, relative: &str) -> Option<PathBuf> {
        let path = Path::new(relative);
        let inside = path
            .components()
            .all(|part| matches!(part, Component::Normal(_) | Component::CurDir));
        inside.then(|| self.root.join(path))
    }

    /// Loads and validates `pipelines/<uuid>/metadata.yaml`; every problem found is reported at once.
    pub fn load_pipeline(&self, uuid: &str) -> Result<LoadedPipeline, ProjectError> {
        let available = self.pipeline_uuids();
        if !available.iter().any(|known| known == uuid) {
            return Err(ProjectError::PipelineNotFound {
                uuid: uuid.to_owned(),
                root: self.root.clone(),
                available,
            });
        }
        let file =
            PipelineFile::read(&self.root.join("pipelines").join(uuid).join("metadata.yaml"))?;
        self.validate(uuid, file)
    }

    /// Checks a pipeline document (read from disk, or edited in memory before it is written).
    pub fn validate(&self, uuid: &str, file: PipelineFile) -> Result<LoadedPipeline, ProjectError> {
        let mut checker = Checker {
            project: self,
            file: &file,
            errors: Vec::new(),
            warnings: Vec::new(),
        };
        let pipeline = checker.pipeline(uuid);
        if !checker.errors.is_empty() {
            // Every problem at once: the errors, then the warnings.
            let mut problems = checker.errors;
            problems.extend(checker.warnings);
            return Err(ProjectError::Invalid(problems));
        }
        let warnings = checker.warnings;
        Ok(LoadedPipeline {
            pipeline: pipeline.expect("a pipeline is built when there are no errors"),
            file,
            warnings,
        })
    }
}

/// A top-level key, the test its value must pass, and what it should be.
type Shape = (&'static str, fn(&Value) -> bool, &'static str);

/// Collects the diagnostics of one pipeline file while building its `Pipeline`.
struct Checker<'a> {
    project: &'a Project,
    file: &'a PipelineFile,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn diagnostic(&self, block: Option<&str>, message: String) -> Diagnostic {
        Diagnostic {
            file: self.file.path().to_owned(),
            line: block.and_then(|uuid| self.file.block_line(uuid)),
            block: block.map(str::to_owned),
            message,
            severity: Severity::Error,
        }
    }

    fn error(&mut self, block: Option<&str>, message: String) {
        let diagnostic = self.diagnostic(block, message);
        self.errors.push(diagnostic);
    }

    /// An error about a top-level key, at its line.
    fn error_at_key(&mut self, key: &str, message: String) {
        let mut diagnostic = self.diagnostic(None, message);
        diagnostic.line = self.file.key_line(key);
        self.errors.push(diagnostic);
    }

    /// Wrong shapes of the top-level keys Wand reads: a string where a list of blocks belongs would otherwise read
    /// as an empty pipeline.
    fn check_shapes(&mut self) {
        let shapes: [Shape; 7] = [
            (
                "blocks",
                Value::is_array,
                "a list of blocks (`- uuid: ...` entries)",
            ),
            (
                "variables",
                Value::is_object,
                "a mapping of names to values",
            ),
            (
                "retry_config",
                Value::is_object,
                "a mapping (`retries`, `delay`, ...)",
            ),
            (
                "concurrency_config",
                Value::is_object,
                "a mapping (`block_run_limit`, ...)",
            ),
            ("name", Value::is_string, "a string"),
            ("uuid", Value::is_string, "a string"),
            ("type", Value::is_string, "a string such as `python`"),
        ];
        for (key, fits, expected) in shapes {
            if let Some(value) = self.file.get(key)
                && !fits(value)
            {
                self.error_at_key(
                    key,
                    format!("`{key}` must be {expected}, not {}", describe(value)),
                );
            }
        }
        for (position, entry) in self.file.blocks().iter().enumerate() {
            if !entry.is_object() {
                self.error_at_key(
                    "blocks",
                    format!(
                        "block number {} must be a mapping with `uuid`, `type` and `upstream_blocks`, not {}",
                        position + 1,
                        describe(entry)
                    ),
                );
            }
        }
    }

    fn warn(&mut self, block: Option<&str>, message: String) {
        let mut diagnostic = self.diagnostic(block, message);
        diagnostic.severity = Severity::Warning;
        self.warnings.push(diagnostic);
    }

    /// Reports what `mage_keys` found: at the block's line for a block, else at the top-level key's line.
    /// Returns whether anything was refused.
    fn report(
        &mut self,
        findings: impl IntoIterator<Item = Finding>,
        block: Option<&str>,
        line_of: &str,
    ) -> bool {
        let mut refused = false;
        for finding in findings {
            let (message, is_error) = match finding {
                Finding::Error(message) => (message, true),
                Finding::Warning(message) => (message, false),
            };
            let mut diagnostic = self.diagnostic(block, message);
            if block.is_none() {
                diagnostic.line = self.file.key_line(line_of);
            }
            if is_error {
                refused = true;
                self.errors.push(diagnostic);
            } else {
                diagnostic.severity = Severity::Warning;
                self.warnings.push(diagnostic);
            }
        }
        refused
    }

    /// The nested mapping `value` (a `retry_config`, a `concurrency_config`) checked against `rules`.
    fn check_nested(
        &mut self,
        rules: &[Rule],
        value: Option<&Value>,
        key: &str,
        block: Option<&str>,
    ) {
        if let Some(Value::Object(map)) = value {
            let findings = mage_keys::check(
                rules,
                map,
                &format!("{key}."),
                Unknown::Warn(&format!("Mage's `{key}`")),
            );
            self.report(findings, block, key);
        }
    }

    /// Every top-level key of the file: what Wand does not run is refused or warned about, never dropped.
    /// Returns whether anything was refused.
    fn check_pipeline_keys(&mut self) -> bool {
        let mut refused = false;
        let document = self.file.document().clone();
        for (key, value) in &document {
            let findings = mage_keys::check_one(
                mage_keys::PIPELINE_KEYS,
                key,
                value,
                "",
                Unknown::Warn("a pipeline's metadata.yaml"),
            );
            refused |= self.report(findings, None, key);
        }
        self.check_nested(
            mage_keys::RETRY_KEYS,
            self.file.get("retry_config"),
            "retry_config",
            None,
        );
        self.check_nested(
            mage_keys::CONCURRENCY_KEYS,
            self.file.get("concurrency_config"),
            "concurrency_config",
            None,
        );
        refused
    }

    /// Every key of a block entry and of its `configuration`. Returns whether the block's type or language is
    /// refused (the block is then not built further).
    fn check_block_keys(&mut self, uuid: &str, entry: &Value) -> bool {
        let Some(map) = entry.as_object() else {
            return false;
        };
        let notebook_only = map
            .get("type")
            .and_then(Value::as_str)
            .and_then(BlockType::parse)
            .is_some_and(|kind| !kind.runs_in_pipeline());
        let type_refused = map.get("type").is_some_and(|kind| {
            mage_keys::rule(mage_keys::BLOCK_KEYS, "type")
                .is_some_and(|rule| !rule.inert.holds(kind))
        });
        let mut unrunnable = false;
        for (key, value) in map.clone() {
            let key = key.as_str();
            // A notebook cell does not run, whatever its language; nor does a block whose type is refused.
            // A dbt block's language (SQL or YAML) is checked with the rest of it (`dbt_block`).
            let dbt = map.get("type").and_then(Value::as_str) == Some("dbt");
            // A streaming pipeline's blocks are YAML or Python, checked by `streaming`.
            let streaming = self.file.get("type").and_then(Value::as_str) == Some("streaming");
            if (notebook_only || type_refused || dbt || streaming) && key == "language" {
                continue;
            }
            let findings = mage_keys::check_one(
                mage_keys::BLOCK_KEYS,
                key,
                &value,
                "",
                Unknown::Warn("a block in metadata.yaml"),
            );
            let refused = self.report(findings, Some(uuid), key);
            unrunnable |= refused && (key == "type" || key == "language");
        }
        if let Some(Value::Object(configuration)) = map.get("configuration") {
            let findings = mage_keys::check(
                mage_keys::CONFIGURATION_KEYS,
                configuration,
                "configuration.",
                Unknown::Silent,
            );
            self.report(findings, Some(uuid), "blocks");
        }
        self.check_nested(
            mage_keys::RETRY_KEYS,
            map.get("retry_config"),
            "retry_config",
            Some(uuid),
        );
        unrunnable
    }

    fn pipeline(&mut self, uuid: &str) -> Option<Pipeline> {
        self.check_shapes();
        if !self.errors.is_empty() {
            return None;
        }
        let type_refused = self.check_pipeline_keys()
            && self
                .file
                .get("type")
                .is_some_and(|kind| !matches!(kind.as_str(), Some("python" | "streaming")));
        if type_refused {
            return None;
        }
        let streaming = self.file.get("type").and_then(Value::as_str) == Some("streaming");
        let mut retry = self.retry_config(None, self.file.get("retry_config")).over(
            self.project
                .settings()
                .map(|settings| settings.retry)
                .unwrap_or_default(),
        );
        // Mage retries a streaming pipeline forever when its `retry_config` is missing or empty
        // (StreamingPipelineExecutor.execute: `infinite_retries = False if retry_config else True`).
        let empty_retry = self.file.get("retry_config").is_none_or(|value| {
            value.is_null() || value.as_object().is_some_and(|map| map.is_empty())
        });
        if streaming && empty_retry {
            retry.retries = Some(u32::MAX);
        }
        let variables = match self.file.get("variables") {
            None => Map::new(),
            Some(Value::Object(map)) => map.clone(),
            Some(_) => Map::new(),
        };
        let mut runnable = Vec::new();
        let mut notebook_blocks = Vec::new();
        let entries = self.file.blocks().to_vec();
        for (position, entry) in entries.iter().enumerate() {
            if let Some(block) = self.block(position, entry, retry) {
                if block.block_type.runs_in_pipeline() {
                    runnable.push(block);
                } else {
                    notebook_blocks.push(block);
                }
            }
        }
        self.check_downstream_lists(&entries, &runnable);
        if streaming {
            for (block, message) in
                crate::streaming::streaming_problems(&self.project.root, &runnable)
            {
                self.error(block.as_deref(), message);
            }
        }
        self.attach_addons("callbacks", BlockType::Callback, &mut runnable);
        self.attach_addons("conditionals", BlockType::Conditional, &mut runnable);
        self.check_dynamic(&runnable);
        let dag = match Dag::new(runnable) {
            Ok(dag) => dag,
            Err(problems) => {
                // A parent listed in the file but not loadable (its file is missing, ...) has its own error.
                let listed = |uuid: &str| {
                    entries
                        .iter()
                        .any(|entry| entry.get("uuid").and_then(Value::as_str) == Some(uuid))
                };
                for problem in problems {
                    let block = match &problem {
                        DagError::DuplicateBlock(uuid) => Some(uuid.clone()),
                        DagError::UnknownUpstream { upstream, .. } if listed(upstream) => continue,
                        DagError::UnknownUpstream { block, .. } => Some(block.clone()),
                        DagError::Cycle(_) => None,
                    };
                    self.error(block.as_deref(), problem.to_string());
                }
                return None;
            }
        };
        Some(Pipeline {
            uuid: uuid.to_owned(),
            name: self
                .file
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(uuid)
                .to_owned(),
            variables,
            retry,
            concurrency: self.concurrency(),
            notebook_blocks,
            dag,
            streaming,
        })
    }

    /// `dynamic` and `reduce_output` other than true or false (a mapping is the format of Mage's
    /// DYNAMIC_BLOCKS_VERSION=2, which Mage 0.9.80 does not run by default: it reads only booleans, so the block runs
    /// once) are named. A SQL block cannot be an instance of a dynamic child or read a reduced list: its parents
    /// become tables, and an item or a gathered list is not one (Mage fails such a block at run time, looking for a
    /// table it never wrote: fixtures/mage_dynamic/ORACLE.md, dyn_sql).
    fn check_dynamic(&mut self, blocks: &[Block]) {
        for block in blocks {
            for key in ["dynamic", "reduce_output"] {
                match block.configuration.get(key) {
                    None | Some(Value::Null | Value::Bool(_)) => {}
                    Some(other) => {
                        let warning = self.diagnostic(
                            Some(&block.uuid),
                            format!(
                                "`configuration.{key}` is {other}: Mage 0.9.80 reads only true or false here (a \
                                 mapping is the format of its DYNAMIC_BLOCKS_VERSION=2, off by default), so this block \
                                 runs as if it were false, in Mage and in Wand; set it to true or false"
                            ),
                        );
                        self.warnings.push(warning);
                    }
                }
            }
        }
        let children = model::dynamic_children(blocks);
        for block in blocks
            .iter()
            .filter(|block| block.language == Language::Sql)
        {
            let reads_reduce = block.upstream.iter().any(|parent| {
                children.contains(parent)
                    && blocks
                        .iter()
                        .any(|b| &b.uuid == parent && b.reduces_output())
            });
            if children.contains(&block.uuid) || reads_reduce {
                self.error(
                    Some(&block.uuid),
                    "a SQL block cannot run below a dynamic block (once per item) or read a reduced list: its \
                     parents' outputs become tables; make it a Python block, or reduce the dynamic child's output \
                     in a Python block first"
                        .to_owned(),
                );
            }
        }
    }

    fn concurrency(&mut self) -> ConcurrencyConfig {
        match self.file.get("concurrency_config") {
            None => ConcurrencyConfig::default(),
            Some(value) => serde_json::from_value(value.clone()).unwrap_or_else(|error| {
                self.error(None, format!("invalid `concurrency_config` ({error}); expected block_run_limit, pipeline_run_limit, pipeline_run_limit_all_triggers as numbers"));
                ConcurrencyConfig::default()
            }),
        }
    }

    fn block(
        &mut self,
        position: usize,
        entry: &Value,
        pipeline_retry: RetryConfig,
    ) -> Option<Block> {
        let Some(uuid) = entry.get("uuid").and_then(Value::as_str) else {
            self.error(
                None,
                format!("block number {} has no `uuid`; give it one (the name of its file without extension)", position + 1),
            );
            return None;
        };
        let uuid = uuid.to_owned();
        if self.check_block_keys(&uuid, entry) {
            return None;
        }
        let type_name = entry
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(block_type) = BlockType::parse(type_name) else {
            let known: Vec<&str> = BlockType::ALL.iter().map(|kind| kind.as_str()).collect();
            self.error(
                Some(&uuid),
                format!(
                    "unknown block type `{type_name}`; use one of: {}",
                    known.join(", ")
                ),
            );
            return None;
        };
        if matches!(block_type, BlockType::Callback | BlockType::Conditional) {
            let list = format!("{}s", block_type.as_str());
            self.error(
                Some(&uuid),
                format!(
                    "a {} block belongs under `{list}:`, with the blocks it is attached to in its \
                     `upstream_blocks`, not under `blocks:`; move its entry there",
                    block_type.as_str()
                ),
            );
            return None;
        }
        let language_name = entry
            .get("language")
            .and_then(Value::as_str)
            .unwrap_or("python");
        let Some(language) = Language::parse(language_name) else {
            self.error(
                Some(&uuid),
                format!("unknown language `{language_name}`; use python, sql, r, yaml or markdown"),
            );
            return None;
        };
        let upstream = self.uuid_list(&uuid, entry, "upstream_blocks");
        let configuration = match entry.get("configuration") {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(value) => value.clone(),
        };
        if block_type == BlockType::Dbt {
            let problems = dbt_block_problems(&self.project.root, &uuid, language, &configuration);
            if !problems.is_empty() {
                for problem in problems {
                    self.error(Some(&uuid), problem);
                }
                return None;
            }
        } else if language == Language::Sql && block_type.runs_in_pipeline() {
            for problem in sql_block_problems(&self.project.root, block_type, &configuration) {
                self.error(Some(&uuid), problem);
            }
        }
        let timeout = match entry.get("timeout") {
            None | Some(Value::Null) => None,
            Some(value) => match value.as_f64() {
                Some(seconds) if seconds > 0.0 => Some(seconds),
                _ => {
                    self.error(
                        Some(&uuid),
                        format!("`timeout` must be a positive number of seconds, not {value}"),
                    );
                    None
                }
            },
        };
        let retry = self
            .retry_config(Some(&uuid), entry.get("retry_config"))
            .over(pipeline_retry);
        let worker_tag = match entry.get("worker_tag") {
            None | Some(Value::Null) => None,
            Some(Value::String(tag))
                if !tag.is_empty()
                    && tag
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
            {
                Some(tag.clone())
            }
            Some(value) => {
                self.error(
                    Some(&uuid),
                    format!(
                        "`worker_tag` must be a name of letters, digits, `_` or `-` (the tag given to \
                         `wand worker --tags`), not {value}"
                    ),
                );
                None
            }
        };
        let file = match entry.get("replicated_block") {
            _ if block_type == BlockType::GlobalDataProduct => {
                self.global_data_product(&uuid, &configuration)?
            }
            None | Some(Value::Null)
                if block_type == BlockType::Dbt && language == Language::Yaml =>
            {
                self.dbt_command_file(&uuid, &configuration)?
            }
            None | Some(Value::Null) => {
                self.block_file(&uuid, block_type, language, &configuration)?
            }
            Some(Value::String(original)) if original.is_empty() => {
                self.block_file(&uuid, block_type, language, &configuration)?
            }
            Some(Value::String(original)) => self.replicated_file(&uuid, original)?,
            Some(other) => {
                self.error(
                    Some(&uuid),
                    format!(
                        "`replicated_block` must be the uuid of the block whose file this block runs, not {}",
                        describe(other)
                    ),
                );
                return None;
            }
        };
        let callbacks = self.own_callback(&uuid, entry).into_iter().collect();
        Some(Block {
            name: entry
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(&uuid)
                .to_owned(),
            uuid,
            block_type,
            language,
            upstream,
            file,
            timeout,
            retry,
            configuration,
            worker_tag,
            conditionals: Vec::new(),
            callbacks,
        })
    }

    /// The callback of `has_callback: true`: Mage runs `callbacks/<uuid>_callback.py` after the block (and nothing
    /// when that file does not exist, which is worth a warning).
    fn own_callback(&mut self, uuid: &str, entry: &Value) -> Option<AddonBlock> {
        if entry.get("has_callback").and_then(Value::as_bool) != Some(true) {
            return None;
        }
        let callback = format!("{uuid}_callback");
        let file = format!("{}/{callback}.py", BlockType::Callback.folder());
        if !self
            .project
            .confine(&file)
            .is_some_and(|path| path.is_file())
        {
            self.warn(
                Some(uuid),
                format!(
                    "`has_callback` is true but `{file}` does not exist, so nothing runs after this block (as in \
                     Mage); create the file, or set `has_callback: false`"
                ),
            );
            return None;
        }
        Some(AddonBlock {
            uuid: callback,
            file,
        })
    }

    /// The entries of `callbacks:` or `conditionals:` (`kind`), each attached to the blocks it lists in
    /// `upstream_blocks`, in the order of the list (Mage's `Pipeline.load_config`).
    fn attach_addons(&mut self, key: &str, kind: BlockType, blocks: &mut [Block]) {
        let entries = match self.file.get(key) {
            None => return,
            Some(Value::Array(entries)) => entries.clone(),
            Some(other) => {
                self.error_at_key(
                    key,
                    format!(
                        "`{key}` must be a list of {} blocks, not {}",
                        kind.as_str(),
                        describe(other)
                    ),
                );
                return;
            }
        };
        for (position, entry) in entries.iter().enumerate() {
            let Some(uuid) = entry.get("uuid").and_then(Value::as_str) else {
                self.error_at_key(
                    key,
                    format!(
                        "entry number {} of `{key}` has no `uuid`; give it one (the name of its file without \
                         extension)",
                        position + 1
                    ),
                );
                continue;
            };
            if self.check_block_keys(uuid, entry) {
                continue;
            }
            let type_name = entry
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or(kind.as_str());
            if type_name != kind.as_str() {
                self.error(
                    Some(uuid),
                    format!(
                        "`{key}` lists `{uuid}` of type `{type_name}`; only {} blocks belong there",
                        kind.as_str()
                    ),
                );
                continue;
            }
            let language = entry
                .get("language")
                .and_then(Value::as_str)
                .unwrap_or("python");
            if language != "python" {
                self.error(
                    Some(uuid),
                    format!(
                        "a {} block is Python (Mage runs no other language for it), not `{language}`",
                        kind.as_str()
                    ),
                );
                continue;
            }
            if entry
                .get("replicated_block")
                .and_then(Value::as_str)
                .is_some_and(|original| !original.is_empty())
            {
                self.error(
                    Some(uuid),
                    format!(
                        "a {} block cannot be a replica (`replicated_block`); point its \
                         `configuration.file_source.path` at the file it should run",
                        kind.as_str()
                    ),
                );
                continue;
            }
            let configuration = entry.get("configuration").cloned().unwrap_or(Value::Null);
            let Some(file) = self.block_file(uuid, kind, Language::Python, &configuration) else {
                continue;
            };
            let watched = self.uuid_list(uuid, entry, "upstream_blocks");
            if watched.is_empty() {
                self.warn(
                    Some(uuid),
                    format!(
                        "the {} `{uuid}` lists no block in `upstream_blocks`, so it never runs (as in Mage); list \
                         the blocks it is attached to",
                        kind.as_str()
                    ),
                );
            }
            let addon = AddonBlock {
                uuid: uuid.to_owned(),
                file,
            };
            for name in watched {
                let Some(block) = blocks.iter_mut().find(|block| block.uuid == name) else {
                    self.error(
                        Some(uuid),
                        format!(
                            "the {} `{uuid}` is attached to `{name}` (in its `upstream_blocks`), which is not a \
                             block of this pipeline that runs; attach it to one of `blocks:`",
                            kind.as_str()
                        ),
                    );
                    continue;
                };
                let list = if kind == BlockType::Callback {
                    &mut block.callbacks
                } else {
                    &mut block.conditionals
                };
                list.push(addon.clone());
            }
        }
    }
    fn uuid_list(&mut self, uuid: &str, entry: &Value, key: &str) -> Vec<String> {
        match entry.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => {
                let names: Vec<String> = items
                    .iter()
                    .filter_map(|item| item.as_str().map(str::to_owned))
                    .collect();
                if names.len() != items.len() {
                    self.error(
                        Some(uuid),
                        format!("`{key}` must list block uuids as strings"),
                    );
                }
                names
            }
            Some(_) => {
                self.error(Some(uuid), format!("`{key}` must be a list of block uuids"));
                Vec::new()
            }
        }
    }

    fn retry_config(&mut self, block: Option<&str>, value: Option<&Value>) -> RetryConfig {
        match value {
            None | Some(Value::Null) => RetryConfig::default(),
            Some(value) => serde_json::from_value(value.clone()).unwrap_or_else(|error| {
                self.error(block, format!("invalid `retry_config` ({error}); expected retries, delay, max_delay, exponential_backoff"));
                RetryConfig::default()
            }),
        }
    }

    /// A `global_data_product` block has no file: its product must be in `global_data_products.yaml` (whose
    /// warnings about that product are the pipeline's too). Its "file" is that one.
    fn global_data_product(&mut self, uuid: &str, configuration: &Value) -> Option<String> {
        if let Some(other) = configuration
            .pointer("/global_data_product/project")
            .and_then(Value::as_str)
            .filter(|project| !project.is_empty())
        {
            self.error(
                Some(uuid),
                format!(
                    "`configuration.global_data_product.project` is `{other}`: Wand reads the global data products \
                     of this project only; remove the key and declare the product here, or run this pipeline with \
                     Mage"
                ),
            );
            return None;
        }
        let products = crate::GlobalDataProducts::read(&self.project.root);
        match products.for_block(configuration) {
            Ok(product) => {
                for diagnostic in products.diagnostics {
                    if diagnostic.block.as_deref() == Some(product.uuid.as_str()) {
                        self.warnings.push(diagnostic);
                    }
                }
                Some(crate::GLOBAL_DATA_PRODUCTS_FILE.to_owned())
            }
            Err(message) => {
                self.error(Some(uuid), message);
                None
            }
        }
    }

    /// Resolves the block's file: `file_source.path`, then `file_path`, then `<type folder>/<uuid>.<ext>`.
    fn block_file(
        &mut self,
        uuid: &str,
        block_type: BlockType,
        language: Language,
        configuration: &Value,
    ) -> Option<String> {
        let relative = self.declared_file(uuid, block_type, language, configuration);
        let Some(path) = self.project.confine_block_file(&relative) else {
            let (what, inside) = match &self.project.platform {
                Some(platform) => ("the platform", platform),
                None => ("the project", &self.project.root),
            };
            self.error(
                Some(uuid),
                format!(
                    "block file `{relative}` is outside {what}; keep block files inside {}",
                    inside.display()
                ),
            );
            return None;
        };
        if !path.is_file() && block_type.runs_in_pipeline() {
            self.error(
                Some(uuid),
                format!("block file `{relative}` not found; create it, or point `configuration.file_source.path` at the right file"),
            );
            return None;
        }
        Some(relative)
    }

    /// A dbt command block's file, which holds the command's arguments: when it does not exist Mage runs the command
    /// without arguments, and so does Wand, saying so.
    fn dbt_command_file(&mut self, uuid: &str, configuration: &Value) -> Option<String> {
        let relative = self.declared_file(uuid, BlockType::Dbt, Language::Yaml, configuration);
        let Some(path) = self.project.confine_block_file(&relative) else {
            self.error(
                Some(uuid),
                format!(
                    "block file `{relative}` is outside the project; keep block files inside it"
                ),
            );
            return None;
        };
        if !path.is_file() {
            let command = configuration
                .pointer("/dbt/command")
                .and_then(Value::as_str)
                .unwrap_or("run");
            self.warn(
                Some(uuid),
                format!(
                    "dbt command block file `{relative}` not found, so `dbt {command}` runs without arguments (as \
                     in Mage); create the file with the arguments (such as `--select my_model`), or point \
                     `configuration.file_source.path` at it"
                ),
            );
        }
        Some(relative)
    }

    /// Where a block's file is, relative to the project, whether it exists or not.
    fn declared_file(
        &self,
        uuid: &str,
        block_type: BlockType,
        language: Language,
        configuration: &Value,
    ) -> String {
        let declared = configuration
            .pointer("/file_source/path")
            .and_then(Value::as_str)
            .or_else(|| configuration.get("file_path").and_then(Value::as_str))
            .filter(|path| !path.is_empty());
        match declared {
            Some(path) => self.relative_to_project(path),
            // A dbt model's uuid is its path from the project (`dbt/shop/models/orders`), as Mage names it.
            None if block_type == BlockType::Dbt && uuid.starts_with("dbt/") => {
                format!("{uuid}.{}", language.extension())
            }
            // Mage 0.9.80 keeps a dbt command block's file in `dbts/` (its `<type>s` rule).
            None if block_type == BlockType::Dbt && language == Language::Yaml => {
                format!("dbts/{uuid}.yaml")
            }
            None => format!("{}/{uuid}.{}", block_type.folder(), language.extension()),
        }
    }

    /// The file a replica runs (`replicated_block: <original>`): its original's, followed through replicas of
    /// replicas, as Mage's `Block.file_path` does. The replica keeps its own uuid, upstream blocks and
    /// configuration (on Mage 0.9.80's server its `configuration` kwarg was its own: fixtures/mage09 `replicas`).
    fn replicated_file(&mut self, uuid: &str, original: &str) -> Option<String> {
        let mut chain = vec![uuid.to_owned()];
        let mut current = original.to_owned();
        loop {
            if chain.contains(&current) {
                chain.push(current);
                self.error(
                    Some(uuid),
                    format!(
                        "`replicated_block` goes round in a circle ({}); point it at the block whose file runs",
                        chain.join(" -> ")
                    ),
                );
                return None;
            }
            let entries = self.file.blocks();
            let Some(entry) = entries
                .iter()
                .find(|entry| entry.get("uuid").and_then(Value::as_str) == Some(current.as_str()))
                .cloned()
            else {
                self.error(
                    Some(uuid),
                    format!(
                        "`replicated_block` is `{current}`, which is not a block of this pipeline (Mage replicates \
                         blocks of the same pipeline only); name one of its `blocks:`, or remove the key"
                    ),
                );
                return None;
            };
            match entry.get("replicated_block").and_then(Value::as_str) {
                Some(next) if !next.is_empty() => {
                    chain.push(current);
                    current = next.to_owned();
                    continue;
                }
                _ => {}
            }
            let block_type = entry
                .get("type")
                .and_then(Value::as_str)
                .and_then(BlockType::parse);
            let language = Language::parse(
                entry
                    .get("language")
                    .and_then(Value::as_str)
                    .unwrap_or("python"),
            );
            let (Some(block_type), Some(language)) = (block_type, language) else {
                // The original's own entry reports its unknown type or language.
                return None;
            };
            let configuration = entry.get("configuration").cloned().unwrap_or(Value::Null);
            let relative = self.declared_file(&current, block_type, language, &configuration);
            if !self
                .project
                .confine_block_file(&relative)
                .is_some_and(|path| path.is_file())
            {
                self.error(
                    Some(uuid),
                    format!(
                        "`replicated_block` is `{current}`, whose file `{relative}` is missing or outside the \
                         project; fix `{current}` first"
                    ),
                );
                return None;
            }
            return Some(relative);
        }
    }

    /// Mage writes block paths relative to the project, prefixed with the project name, or absolute; in a
    /// sub-project of its platform, relative to the platform root (see `platform::resolve`). A path that leaves
    /// the platform is kept as written, and refused by `confine_block_file`.
    fn relative_to_project(&self, declared: &str) -> String {
        if let Some(platform) = &self.project.platform {
            let full = crate::platform::resolve(platform, &self.project.root, declared);
            return crate::platform::relative_within(platform, &self.project.root, &full)
                .unwrap_or_else(|| declared.to_owned());
        }
        let path = Path::new(declared);
        if let Ok(inside) = path.strip_prefix(&self.project.root) {
            return inside.to_string_lossy().into_owned();
        }
        if let Ok(inside) = path.strip_prefix(&self.project.name)
            && !self.project.root.join(path).exists()
        {
            return inside.to_string_lossy().into_owned();
        }
        declared.to_owned()
    }

    /// `downstream_blocks` is redundant with `upstream_blocks`; the upstream lists win, as in Mage.
    fn check_downstream_lists(&mut self, entries: &[Value], blocks: &[Block]) {
        let parents: HashMap<&str, HashSet<&str>> = blocks
            .iter()
            .map(|block| {
                (
                    block.uuid.as_str(),
                    block.upstream.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        let mut repairs = Vec::new();
        for entry in entries {
            let Some(uuid) = entry.get("uuid").and_then(Value::as_str) else {
                continue;
            };
            let listed: Vec<&str> = entry
                .get("downstream_blocks")
                .and_then(Value::as_array)
                .map(|items| items.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for child in &listed {
                if parents.get(child).is_some_and(|set| !set.contains(uuid)) {
                    repairs.push((uuid.to_owned(), format!("lists `{child}` under `downstream_blocks`, but `{child}` does not list it under `upstream_blocks`; the upstream list wins")));
                }
            }
            for (child, set) in &parents {
                if set.contains(uuid) && !listed.contains(child) {
                    repairs.push((uuid.to_owned(), format!("is upstream of `{child}` but does not list it under `downstream_blocks`; the upstream list wins")));
                }
            }
        }
        repairs.sort();
        for (uuid, message) in repairs {
            self.warn(Some(&uuid), message);
        }
    }
}

/// A YAML value's kind with a glimpse of it, for shape errors.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".to_owned(),
        Value::Bool(flag) => format!("the boolean `{flag}`"),
        Value::Number(number) => format!("the number `{number}`"),
        Value::String(text) => {
            format!("the string {:?}", text.chars().take(40).collect::<String>())
        }
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "a mapping".to_owned(),
    }
}
