//! What a completed block run leaves behind: where each part of its return value was stored, and the side effects it
//! asked for (applied once its run completes). The Python runtime writes it; storage keeps it as it is.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A completed block's stored return value and side effects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockOutputs {
    pub container: Container,
    /// One per stored value: `output_0`, `output_1`, ...
    pub outputs: Vec<StoredOutput>,
    #[serde(default, skip_serializing_if = "Effects::is_empty")]
    pub effects: Effects,
    /// For a dynamic block: how many items its output fans out to, and their names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamic: Option<crate::DynamicItems>,
}

/// How the return value was split into outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Container {
    /// One value, `output_0`.
    Single,
    /// A tuple, each element its own output; downstream blocks get the tuple back.
    Tuple,
}

/// One stored value: a file, or a small JSON value kept here (`wand_runtime.outputs.INLINE_MAX_BYTES`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredOutput {
    pub name: String,
    pub kind: OutputKind,
    /// The file, absolute, in the data folder of the process that wrote it; none for a value kept inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The value's JSON text as Python wrote it, when it is kept here instead of in a file (as text, so no database
    /// reorders its keys or turns a float such as `1e16` into an integer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Its key in the shared output store, once published there (workers on several machines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// What the runtime says of the value besides (Python `type`, table `frame`, `rows`, `columns`).
    #[serde(flatten)]
    pub details: Map<String, Value>,
}

impl StoredOutput {
    /// Drops a value kept inline (a run's outputs pruned by retention); a file is the caller's to delete.
    pub fn forget_value(&mut self) -> bool {
        self.text.take().is_some()
    }

    /// The value kept inline, parsed (for showing it; a block gets the text).
    pub fn inline_value(&self) -> Option<Value> {
        self.text
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
    }
}

/// The format of a stored value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    /// A table (pandas, polars or pyarrow) as an Arrow IPC file.
    Arrow,
    Json,
    Pickle,
}

impl OutputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutputKind::Arrow => "arrow",
            OutputKind::Json => "json",
            OutputKind::Pickle => "pickle",
        }
    }
}

/// Side effects a block asked for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Effects {
    /// Mage's `set_global_variable`: pipeline variables to write once the run completes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set_global_variable: Vec<GlobalVariable>,
}

impl Effects {
    pub fn is_empty(&self) -> bool {
        self.set_global_variable.is_empty()
    }
}

/// A pipeline variable a block sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalVariable {
    pub pipeline_uuid: String,
    pub key: String,
    pub value: Value,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The shape `wand_runtime.outputs.save` and `set_global_variable` write reads and writes back unchanged.
    #[test]
    fn the_runtime_shape_round_trips() {
        let stored = json!({
            "container": "tuple",
            "outputs": [
                {"name": "output_0", "kind": "arrow", "frame": "pandas", "path": "/d/o0.arrow",
                 "type": "DataFrame", "rows": 3, "columns": 2, "key": "runs/p/1/b/o0.arrow"},
                {"name": "output_1", "kind": "json", "path": "/d/o1.json", "type": "dict"}
            ],
            "effects": {"set_global_variable": [{"pipeline_uuid": "p", "key": "k", "value": [1]}]}
        });
        let outputs: BlockOutputs = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(outputs.container, Container::Tuple);
        assert_eq!(outputs.outputs[0].kind, OutputKind::Arrow);
        assert_eq!(outputs.outputs[0].details["rows"], 3);
        assert_eq!(outputs.effects.set_global_variable[0].value, json!([1]));
        assert_eq!(serde_json::to_value(&outputs).unwrap(), stored);
    }

    /// A small JSON value comes inline as its text, and goes back out the same.
    #[test]
    fn an_inline_value_round_trips_as_its_text() {
        let stored = json!({
            "container": "tuple",
            "outputs": [
                {"name": "output_0", "kind": "json", "text": "null", "type": "NoneType"},
                {"name": "output_1", "kind": "json", "text": "{\"z\": 1e16, \"a\": [1]}", "type": "dict"}
            ]
        });
        let mut outputs: BlockOutputs = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(outputs.outputs[0].inline_value(), Some(Value::Null));
        assert_eq!(outputs.outputs[0].path, None);
        assert_eq!(
            outputs.outputs[1].text.as_deref(),
            Some("{\"z\": 1e16, \"a\": [1]}")
        );
        assert!(!outputs.outputs[1].details.contains_key("text"));
        assert_eq!(serde_json::to_value(&outputs).unwrap(), stored);
        assert!(outputs.outputs[1].forget_value());
        assert!(!outputs.outputs[1].forget_value());
        assert_eq!(outputs.outputs[1].inline_value(), None);
    }
}
