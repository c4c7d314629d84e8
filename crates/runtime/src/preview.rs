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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
    use arrow_ipc::writer::FileWriter;
    use serde_json::json;

    use super::*;

    #[test]
    fn previews_schema_and_first_rows_across_batches() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output_0.arrow");
        let batch = |ids: Vec<i64>, names: Vec<Option<&str>>, fares: Vec<f64>| {
            RecordBatch::try_from_iter([
                ("id", Arc::new(Int64Array::from(ids)) as ArrayRef),
                ("name", Arc::new(StringArray::from(names)) as ArrayRef),
                (
                    "__index_level_0__",
                    Arc::new(Float64Array::from(fares)) as ArrayRef,
                ),
            ])
            .unwrap()
        };
        let first = batch(vec![1, 2], vec![Some("Ada"), None], vec![0.0, 1.0]);
        let second = batch(vec![3], vec![Some("Linus")], vec![2.0]);
        let mut writer =
            FileWriter::try_new(File::create(&path).unwrap(), &first.schema()).unwrap();
        writer.write(&first).unwrap();
        writer.write(&second).unwrap();
        writer.finish().unwrap();

        let preview = preview_table(&path, 2).unwrap();
        assert_eq!(
            preview.columns,
            [
                ("id".to_owned(), "Int64".to_owned()),
                ("name".to_owned(), "Utf8".to_owned())
            ]
        );
        assert_eq!(
            preview.rows,
            [
                vec![json!("1"), json!("Ada")],
                vec![json!("2"), Value::Null]
            ]
        );
        assert_eq!(preview.total_rows, 3);
    }

    #[test]
    fn a_file_that_is_not_arrow_names_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.arrow");
        std::fs::write(&path, b"not arrow").unwrap();
        let error = preview_table(&path, 5).unwrap_err().to_string();
        assert!(error.contains("bad.arrow"), "{error}");
    }
}
