//! Reads a stored table output (Arrow IPC) without Python: its schema and first rows, for previews.

use std::fs::File;
use std::path::Path;

use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_ipc::reader::FileReader;
use serde::Serialize;
use serde_json::Value;

use crate::RuntimeError;

/// The schema and the first rows of a table, each cell rendered as text (null stays null).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TablePreview {
    /// (column name, Arrow type).
    pub columns: Vec<(String, String)>,
    pub rows: Vec<Vec<Value>>,
    pub total_rows: usize,
}

pub fn preview_table(path: &Path, limit: usize) -> Result<TablePreview, RuntimeError> {
    let failed = |message: String| RuntimeError::Preview {
        path: path.to_owned(),
        message,
    };
    let file = File::open(path).map_err(RuntimeError::io(path))?;
    let reader = FileReader::try_new(file, None).map_err(|error| failed(error.to_string()))?;
    let schema = reader.schema();
    let columns = schema
        .fields()
        .iter()
        .filter(|field| field.name() != "__index_level_0__")
        .map(|field| (field.name().clone(), field.data_type().to_string()))
        .collect();
    let options = FormatOptions::default();
    let mut rows = Vec::new();
    let mut total_rows = 0;
    for batch in reader {
        let batch = batch.map_err(|error| failed(error.to_string()))?;
        total_rows += batch.num_rows();
        if rows.len() >= limit {
            continue;
        }
        let shown: Vec<usize> = (0..batch.num_columns())
            .filter(|&index| schema.field(index).name() != "__index_level_0__")
            .collect();
        let formatters = shown
            .iter()
            .map(|&index| ArrayFormatter::try_new(batch.column(index).as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| failed(error.to_string()))?;
        for row in 0..batch.num_rows().min(limit - rows.len()) {
            let cells = shown
                .iter()
                .zip(&formatters)
                .map(|(&index, formatter)| {
                    if batch.column(index).is_null(row) {
                        Value::Null
                    } else {
                        Value::String(formatter.value(row).to_string())
                    }
                })
                .collect();
            rows.push(cells);
        }
    }
    Ok(TablePreview {
        columns,
        rows,
        total_rows,
    })
}
