//! A pipeline's `metadata.yaml` as a document: every key kept, in order, so Wand can write it back unchanged.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

use crate::ProjectError;

/// The parsed `pipelines/<uuid>/metadata.yaml`, with unknown keys preserved.
#[derive(Debug, Clone)]
pub struct PipelineFile {
    path: PathBuf,
    doc: IndexMap<String, Value>,
    block_lines: HashMap<String, u64>,
    key_lines: HashMap<String, u64>,
}

impl PipelineFile {
    pub fn read(path: &Path) -> Result<PipelineFile, ProjectError> {
        let text = std::fs::read_to_string(path).map_err(ProjectError::io(path))?;
        let doc: Option<IndexMap<String, Value>> =
            serde_saphyr::from_str(&text).map_err(|error| ProjectError::Yaml {
                path: path.to_owned(),
                message: error.to_string(),
            })?;
        Ok(PipelineFile {
            path: path.to_owned(),
            doc: doc.unwrap_or_default(),
            block_lines: block_lines(&text),
            key_lines: key_lines(&text),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A top-level key, `None` when absent or null.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.doc.get(key).filter(|value| !value.is_null())
    }

    /// Every top-level key and its value, in file order.
    pub(crate) fn document(&self) -> &IndexMap<String, Value> {
        &self.doc
    }

    /// The raw block entries under `blocks:`.
    pub fn blocks(&self) -> &[Value] {
        self.get("blocks")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The line of a block's entry (or a callback's or conditional's) in the file, for error messages.
    pub fn block_line(&self, uuid: &str) -> Option<u64> {
        self.block_lines.get(uuid).copied()
    }

    /// The line of a top-level key in the file, for error messages.
    pub fn key_line(&self, key: &str) -> Option<u64> {
        self.key_lines.get(key).copied()
    }

    /// A document for a new pipeline file at `path`.
    pub(crate) fn new(path: &Path, doc: IndexMap<String, Value>) -> PipelineFile {
        PipelineFile {
            path: path.to_owned(),
            doc,
            block_lines: HashMap::new(),
            key_lines: HashMap::new(),
        }
    }

    /// Sets a top-level key.
    pub fn set(&mut self, key: &str, value: Value) {
        self.doc.insert(key.to_owned(), value);
    }

    /// The block entries, to edit; creates an empty list if there is none.
    pub fn blocks_mut(&mut self) -> &mut Vec<Value> {
        let blocks = self
            .doc
            .entry("blocks".to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        if !blocks.is_array() {
            *blocks = Value::Array(Vec::new());
        }
        match blocks {
            Value::Array(entries) => entries,
            _ => unreachable!("made an array above"),
        }
    }

    /// Moves the document to another file (a renamed or cloned pipeline).
    pub(crate) fn relocate(&mut self, path: &Path) {
        self.path = path.to_owned();
    }

    /// Sets one of the pipeline's global `variables` (what Mage's `set_global_variable` does).
    pub fn set_variable(&mut self, key: &str, value: Value) {
        let variables = self
            .doc
            .entry("variables".to_owned())
            .or_insert_with(|| Value::Object(Default::default()));
        if !variables.is_object() {
            *variables = Value::Object(Default::default());
        }
        if let Value::Object(map) = variables {
            map.insert(key.to_owned(), value);
        }
    }

    /// The document as YAML, keys in their original order.
    pub fn to_yaml(&self) -> Result<String, ProjectError> {
        serde_saphyr::to_string(&self.doc).map_err(|error| ProjectError::Yaml {
            path: self.path.clone(),
            message: error.to_string(),
        })
    }

    /// Writes the document back to its file, through a temporary file so a crash never leaves half a file.
    pub fn write(&self) -> Result<(), ProjectError> {
        crate::disk::write_atomically(&self.path, &self.to_yaml()?)
    }
}

/// Finds the line of each top-level key's value by parsing the file a second time with spans.
fn key_lines(text: &str) -> HashMap<String, u64> {
    let parsed = serde_saphyr::from_str::<
        Option<IndexMap<String, serde_saphyr::Spanned<serde::de::IgnoredAny>>>,
    >(text);
    let Ok(Some(keys)) = parsed else {
        return HashMap::new();
    };
    keys.into_iter()
        .map(|(key, value)| (key, value.referenced.line()))
        .collect()
}

/// Finds the line of each block entry (and of each `callbacks:` and `conditionals:` entry; a block's own uuid
/// wins over an add-on's of the same name) by parsing the file a second time with spans.
fn block_lines(text: &str) -> HashMap<String, u64> {
    #[derive(Deserialize)]
    struct Entry {
        uuid: Option<String>,
    }
    type Entries = Option<Vec<serde_saphyr::Spanned<Entry>>>;
    #[derive(Deserialize)]
    struct Blocks {
        blocks: Entries,
        callbacks: Entries,
        conditionals: Entries,
    }
    let Ok(Some(parsed)) = serde_saphyr::from_str::<Option<Blocks>>(text) else {
        return HashMap::new();
    };
    [parsed.callbacks, parsed.conditionals, parsed.blocks]
        .into_iter()
        .flat_map(Option::unwrap_or_default)
        .filter_map(|entry| {
            let line = entry.referenced.line();
            entry.value.uuid.map(|uuid| (uuid, line))
        })
        .collect()
}
