//! Where block outputs live when workers are on several machines: each process writes outputs into its own data
//! folder, and with a shared store (`file:///shared/path`, `s3://bucket/prefix`, S3-compatible through `AWS_*`
//! settings) a finished block's outputs are copied there too, so a block on another machine (or the server's
//! preview) fetches its inputs into its own data folder before reading them. It reads no environment variables:
//! the caller passes the settings in.
//!
//! Stored outputs name their file by `path` (absolute, in the writer's data folder); a published output also has a
//! `key` (that path relative to the data folder), which is what other processes look up.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use model::BlockOutputs;
use object_store::buffered::{BufReader, BufWriter};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};
use tokio::io::AsyncWriteExt;

/// A process's view of block outputs: its data folder, and the shared store if there is one.
#[derive(Debug, Clone)]
pub struct OutputStore {
    data_dir: PathBuf,
    shared: Option<(Arc<dyn ObjectStore>, ObjectPath)>,
}

#[derive(Debug, thiserror::Error)]
pub enum OutputStoreError {
    #[error(
        "`{url}` is not a usable output store ({reason}); use file:///shared/path or s3://bucket/prefix (with \
         AWS_* settings in the environment)"
    )]
    Url { url: String, reason: String },
    #[error("cannot copy output `{key}` {direction} the shared store: {reason}")]
    Copy {
        key: String,
        direction: &'static str,
        reason: String,
    },
}

impl OutputStore {
    /// Outputs only in `data_dir` (one machine, or a data folder on shared storage).
    pub fn local(data_dir: &Path) -> OutputStore {
        OutputStore {
            data_dir: data_dir.to_owned(),
            shared: None,
        }
    }

    /// Outputs in `data_dir` and, when `url` is given, in the shared store it names. `settings` are the store's
    /// options by their environment names (for S3 the `AWS_*` variables: `AWS_ACCESS_KEY_ID`, `AWS_ENDPOINT` and
    /// `AWS_ALLOW_HTTP` for S3-compatible servers, ...), read by the caller.
    pub fn open(
        data_dir: &Path,
        url: Option<&str>,
        settings: &[(String, String)],
    ) -> Result<OutputStore, OutputStoreError> {
        let Some(url) = url else {
            return Ok(OutputStore::local(data_dir));
        };
        let invalid = |reason: String| OutputStoreError::Url {
            url: url.to_owned(),
            reason,
        };
        let parsed = url::Url::parse(url).map_err(|error| invalid(error.to_string()))?;
        let settings = settings
            .iter()
            .map(|(key, value)| (key.to_lowercase(), value.clone()));
        let (store, prefix) = object_store::parse_url_opts(&parsed, settings)
            .map_err(|error| invalid(error.to_string()))?;
        Ok(OutputStore {
            data_dir: data_dir.to_owned(),
            shared: Some((Arc::from(store), prefix)),
        })
    }

    /// Copies the files of a finished block's stored outputs to the shared store and notes each one's `key`.
    pub async fn publish(&self, stored: &mut BlockOutputs) -> Result<(), OutputStoreError> {
        let Some((store, prefix)) = &self.shared else {
            return Ok(());
        };
        for output in &mut stored.outputs {
            // A value kept inline travels with the block run's record: nothing to copy.
            let Some(path) = output.path.as_deref().map(PathBuf::from) else {
                continue;
            };
            let Some(key) = key_of(&self.data_dir, &path) else {
                continue;
            };
            put(store, prefix, &key, &path).await?;
            output.key = Some(key);
        }
        Ok(())
    }

    /// Copies the file at `key` in this data folder to the shared store, if there is one and the file is there (a
    /// block that printed nothing has no log file).
    pub async fn publish_key(&self, key: &str) -> Result<(), OutputStoreError> {
        let path = self.data_dir.join(key);
        match &self.shared {
            Some((store, prefix)) if path.exists() => put(store, prefix, key, &path).await,
            _ => Ok(()),
        }
    }

    /// The file at `key` in this data folder, fetched from the shared store first when it is not here.
    pub async fn fetch_key(&self, key: &str) -> Result<PathBuf, OutputStoreError> {
        let local = self.data_dir.join(key);
        if !local.exists() && self.shared.is_some() {
            self.fetch(key, &local).await?;
        }
        Ok(local)
    }

    /// Makes every output file of `stored` readable here: a published output missing from this data folder is
    /// fetched from the shared store, and its `path` then names the local copy.
    pub async fn localize(&self, stored: &mut BlockOutputs) -> Result<(), OutputStoreError> {
        for output in &mut stored.outputs {
            let Some(key) = &output.key else {
                continue;
            };
            if output
                .path
                .as_deref()
                .is_some_and(|path| Path::new(path).exists())
            {
                continue;
            }
            let local = self.data_dir.join(key);
            if !local.exists() {
                self.fetch(key, &local).await?;
            }
            output.path = Some(local.display().to_string());
        }
        Ok(())
    }

    async fn fetch(&self, key: &str, local: &Path) -> Result<(), OutputStoreError> {
        let failed = |reason: String| OutputStoreError::Copy {
            key: key.to_owned(),
            direction: "from",
            reason,
        };
        let Some((store, prefix)) = &self.shared else {
            return Err(failed(
                "this process has no shared output store: give it the same --output-store as the worker that \
                 wrote the output"
                    .to_owned(),
            ));
        };
        let meta = store
            .head(&location(prefix, key))
            .await
            .map_err(|error| failed(error.to_string()))?;
        let mut reader = BufReader::new(store.clone(), &meta);
        let folder = local.parent().unwrap_or(&self.data_dir);
        tokio::fs::create_dir_all(folder)
            .await
            .map_err(|error| failed(error.to_string()))?;
        // Written beside its place and renamed, so a reader never sees half a file.
        let partial = folder.join(format!(
            ".{}.partial-{}",
            local.file_name().unwrap_or_default().to_string_lossy(),
            std::process::id()
        ));
        let mut file = tokio::fs::File::create(&partial)
            .await
            .map_err(|error| failed(error.to_string()))?;
        tokio::io::copy(&mut reader, &mut file)
            .await
            .map_err(|error| failed(error.to_string()))?;
        file.flush()
            .await
            .map_err(|error| failed(error.to_string()))?;
        tokio::fs::rename(&partial, local)
            .await
            .map_err(|error| failed(error.to_string()))
    }
}

/// Where a block run's log lives, relative to any data folder.
pub fn log_key(pipeline_uuid: &str, run_id: i64, block_uuid: &str) -> String {
    format!("runs/{pipeline_uuid}/{run_id}/logs/{block_uuid}.log")
}

async fn put(
    store: &Arc<dyn ObjectStore>,
    prefix: &ObjectPath,
    key: &str,
    path: &Path,
) -> Result<(), OutputStoreError> {
    let failed = |reason: String| OutputStoreError::Copy {
        key: key.to_owned(),
        direction: "to",
        reason,
    };
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|error| failed(error.to_string()))?;
    let mut writer = BufWriter::new(store.clone(), location(prefix, key));
    tokio::io::copy(&mut file, &mut writer)
        .await
        .map_err(|error| failed(error.to_string()))?;
    writer
        .shutdown()
        .await
        .map_err(|error| failed(error.to_string()))
}

/// A file's key: its path inside the data folder, with `/` separators; none for files elsewhere.
fn key_of(data_dir: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(data_dir).ok()?;
    let parts: Vec<String> = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn location(prefix: &ObjectPath, key: &str) -> ObjectPath {
    key.split('/')
        .fold(prefix.clone(), |path, part| path.clone().join(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn outputs_travel_between_data_folders_through_the_shared_store() {
        let shared = tempfile::tempdir().unwrap();
        let url = format!("file://{}", shared.path().display());
        let (writer_dir, reader_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let writer = OutputStore::open(writer_dir.path(), Some(&url), &[]).unwrap();
        let reader = OutputStore::open(reader_dir.path(), Some(&url), &[]).unwrap();
        let file = writer_dir.path().join("runs/p/1/load/output_0.json");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, "[1, 2, 3]").unwrap();
        let mut stored: BlockOutputs = serde_json::from_value(serde_json::json!({
            "container": "single",
            "outputs": [{"name": "output_0", "kind": "json", "path": file.display().to_string()}]
        }))
        .unwrap();

        writer.publish(&mut stored).await.unwrap();
        assert_eq!(
            stored.outputs[0].key.as_deref(),
            Some("runs/p/1/load/output_0.json")
        );
        // The writer's folder is another machine's: gone from here.
        std::fs::remove_file(&file).unwrap();
        reader.localize(&mut stored).await.unwrap();
        let local = reader_dir.path().join("runs/p/1/load/output_0.json");
        assert_eq!(stored.outputs[0].path, Some(local.display().to_string()));
        assert_eq!(std::fs::read_to_string(&local).unwrap(), "[1, 2, 3]");

        let alone = OutputStore::local(tempfile::tempdir().unwrap().path());
        let error = alone.localize(&mut stored.clone()).await;
        assert!(error.is_ok(), "the local copy at `path` is found first");
        stored.outputs[0].path = Some("/nowhere/output_0.json".to_owned());
        let error = alone.localize(&mut stored).await.unwrap_err().to_string();
        assert!(error.contains("--output-store"), "{error}");
    }

    #[test]
    fn a_bad_url_says_which_forms_work() {
        let error = OutputStore::open(Path::new("/tmp"), Some("ftp://host/x"), &[])
            .unwrap_err()
            .to_string();
        assert!(error.contains("s3://bucket/prefix"), "{error}");
    }
}
