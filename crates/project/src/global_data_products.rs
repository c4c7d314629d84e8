//! `global_data_products.yaml` at the project root, read as Mage 0.9.80 reads it (`GlobalDataProduct.load_all`):
//! one entry per product uuid, each checked into a `model::GlobalDataProduct` or a diagnostic naming its line.
//! It only reads files: whether a product is fresh is `model`'s rule, over the run history the caller has.

use std::path::Path;

use model::{
    GlobalDataProduct, OUTDATED_AFTER_KEYS, OUTDATED_STARTING_AT_KEYS, OutdatedAfter, ProductBlock,
};
use serde_json::{Map, Value};

use crate::{Diagnostic, PipelineFile, Severity};

/// The file's name, at the project root.
pub const GLOBAL_DATA_PRODUCTS_FILE: &str = "global_data_products.yaml";

/// The products a project declares, and what was wrong with the others (or is ignored in the valid ones).
#[derive(Debug, Clone, Default)]
pub struct GlobalDataProducts {
    pub products: Vec<GlobalDataProduct>,
    pub diagnostics: Vec<Diagnostic>,
}

impl GlobalDataProducts {
    /// Reads `<root>/global_data_products.yaml`; no file means no products.
    pub fn read(root: &Path) -> GlobalDataProducts {
        let path = root.join(GLOBAL_DATA_PRODUCTS_FILE);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return GlobalDataProducts::default();
        };
        let mut reader = Reader {
            root,
            path: &path,
            text: &text,
            found: GlobalDataProducts::default(),
        };
        reader.read_all();
        reader.found
    }

    /// The product `uuid` as a block of a pipeline uses it: the block's `configuration.global_data_product` may
    /// override `outdated_after`, `outdated_starting_at` and `settings` (each only when not empty, as in Mage).
    pub fn for_block(&self, configuration: &Value) -> Result<GlobalDataProduct, String> {
        let own = configuration.get("global_data_product");
        let uuid = own
            .and_then(|own| own.get("uuid"))
            .and_then(Value::as_str)
            .ok_or("a global_data_product block needs `configuration.global_data_product.uuid`")?;
        let Some(product) = self.products.iter().find(|product| product.uuid == uuid) else {
            let known: Vec<&str> = self.products.iter().map(|p| p.uuid.as_str()).collect();
            let problem = self
                .diagnostics
                .iter()
                .find(|d| d.severity == Severity::Error && d.block.as_deref() == Some(uuid))
                .map(|d| format!(": {}", d.message))
                .unwrap_or_default();
            return Err(if problem.is_empty() {
                format!(
                    "there is no global data product `{uuid}` in {GLOBAL_DATA_PRODUCTS_FILE}; known: {}",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                )
            } else {
                format!(
                    "global data product `{uuid}` in {GLOBAL_DATA_PRODUCTS_FILE} is invalid{problem}"
                )
            });
        };
        let mut product = product.clone();
        let overrides = |key: &str| {
            own.and_then(|own| own.get(key))
                .and_then(Value::as_object)
                .filter(|map| !map.is_empty())
        };
        if let Some(map) = overrides("outdated_after") {
            product.outdated_after = OutdatedAfter::from_map(map)?;
        }
        if let Some(map) = overrides("outdated_starting_at") {
            product.outdated_starting_at = starting_at(map).0?;
        }
        if let Some(map) = overrides("settings") {
            product.blocks = blocks(map).0?;
        }
        Ok(product)
    }
}

struct Reader<'a> {
    root: &'a Path,
    path: &'a Path,
    text: &'a str,
    found: GlobalDataProducts,
}

impl Reader<'_> {
    fn read_all(&mut self) {
        let document: Value = match serde_saphyr::from_str::<Option<Value>>(self.text) {
            Ok(document) => document.unwrap_or(Value::Null),
            Err(error) => {
                self.say(
                    None,
                    None,
                    Severity::Error,
                    format!("not valid YAML: {error}"),
                );
                return;
            }
        };
        let entries = match document {
            Value::Null => return,
            Value::Object(entries) => entries,
            other => {
                self.say(None, Some(1), Severity::Error, format!(
                    "must map each product's uuid to its settings (as Mage writes it), not {other}"
                ));
                return;
            }
        };
        for (uuid, entry) in entries {
            match self.product(&uuid, &entry) {
                Ok(product) => self.found.products.push(product),
                Err(message) => {
                    let line = self.line_of(&uuid);
                    self.say(Some(&uuid), line, Severity::Error, message);
                }
            }
        }
    }

    fn product(&mut self, uuid: &str, entry: &Value) -> Result<GlobalDataProduct, String> {
        let empty = Map::new();
        let entry = match entry {
            Value::Object(entry) => entry,
            Value::Null => &empty,
            other => return Err(format!("must be a mapping of its settings, not {other}")),
        };
        let line = self.line_of(uuid);
        for key in entry.keys() {
            if !matches!(
                key.as_str(),
                "object_type"
                    | "object_uuid"
                    | "outdated_after"
                    | "outdated_starting_at"
                    | "settings"
                    | "repo_path"
                    | "project"
                    | "uuid"
            ) {
                self.say(Some(uuid), line, Severity::Warning, format!(
                    "`{key}` is not a key Mage 0.9.80 reads in a global data product, and Wand ignores it; remove it"
                ));
            }
        }
        match entry.get("object_type").and_then(Value::as_str) {
            Some("pipeline") => {}
            Some("block") => {
                return Err("`object_type: block` gives no outputs in Mage 0.9.80 (it reads only pipelines' \
                            blocks) and Wand does not run it; make the product a pipeline"
                    .to_owned());
            }
            other => {
                return Err(format!(
                    "`object_type` must be `pipeline`, not {}",
                    other.map_or("missing".to_owned(), |kind| format!("`{kind}`"))
                ));
            }
        }
        let object_uuid = entry
            .get("object_uuid")
            .and_then(Value::as_str)
            .filter(|name| plain_name(name))
            .ok_or("`object_uuid` must name the product's pipeline")?;
        let metadata = self
            .root
            .join("pipelines")
            .join(object_uuid)
            .join("metadata.yaml");
        let file = PipelineFile::read(&metadata).map_err(|_| {
            format!("its pipeline `{object_uuid}` does not exist (no pipelines/{object_uuid}/metadata.yaml)")
        })?;
        let outdated_after = match entry.get("outdated_after") {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => {
                let ignored: Vec<&str> = map
                    .keys()
                    .map(String::as_str)
                    .filter(|key| !OUTDATED_AFTER_KEYS.contains(key))
                    .collect();
                if !ignored.is_empty() {
                    self.say(Some(uuid), line, Severity::Warning, format!(
                        "`outdated_after` counts only months, seconds, weeks and years in Mage 0.9.80, so `{}` \
                         changes nothing there nor in Wand; say it in seconds (e.g. `seconds: 3600` for an hour)",
                        ignored.join("`, `")
                    ));
                }
                OutdatedAfter::from_map(map)?
            }
            Some(other) => return Err(format!("`outdated_after` must be a mapping, not {other}")),
        };
        let outdated_starting_at = match entry.get("outdated_starting_at") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(map)) => {
                let (parts, ignored) = starting_at(map);
                if !ignored.is_empty() {
                    self.say(Some(uuid), line, Severity::Warning, format!(
                        "`outdated_starting_at` has no `{}` in Mage 0.9.80, which ignores it, as Wand does; use {}",
                        ignored.join("`, `"),
                        OUTDATED_STARTING_AT_KEYS.join(", ")
                    ));
                }
                parts?
            }
            Some(other) => {
                return Err(format!(
                    "`outdated_starting_at` must be a mapping, not {other}"
                ));
            }
        };
        let blocks = match entry.get("settings") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(map)) => {
                let (blocks, ignored) = blocks(map);
                if !ignored.is_empty() {
                    self.say(Some(uuid), line, Severity::Warning, format!(
                        "a block's settings have only `partitions` in Mage 0.9.80, so `{}` changes nothing there \
                         nor in Wand; remove it",
                        ignored.join("`, `")
                    ));
                }
                blocks?
            }
            Some(other) => {
                return Err(format!(
                    "`settings` must map block uuids to settings, not {other}"
                ));
            }
        };
        let known: Vec<&str> = file
            .blocks()
            .iter()
            .filter_map(|block| block.get("uuid").and_then(Value::as_str))
            .collect();
        for block in &blocks {
            if !known.contains(&block.uuid.as_str()) {
                return Err(format!(
                    "`settings` names block `{}`, which pipeline `{object_uuid}` does not have; its blocks: {}",
                    block.uuid,
                    known.join(", ")
                ));
            }
        }
        Ok(GlobalDataProduct {
            uuid: uuid.to_owned(),
            object_type: "pipeline".to_owned(),
            object_uuid: object_uuid.to_owned(),
            outdated_after,
            outdated_starting_at,
            blocks,
        })
    }

    /// The line of `uuid:` at the start of a line (the entry's key), if it is there.
    fn line_of(&self, uuid: &str) -> Option<u64> {
        let key = format!("{uuid}:");
        self.text
            .lines()
            .position(|line| line.starts_with(&key) || line.starts_with(&format!("'{uuid}':")))
            .map(|index| index as u64 + 1)
    }

    fn say(
        &mut self,
        product: Option<&str>,
        line: Option<u64>,
        severity: Severity,
        message: String,
    ) {
        self.found.diagnostics.push(Diagnostic {
            file: self.path.to_path_buf(),
            line,
            block: product.map(str::to_owned),
            message,
            severity,
        });
    }
}

/// A pipeline uuid that is one plain folder name (no path, not hidden).
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && Path::new(name).components().count() == 1
        && !name.contains(['/', '\\'])
}

/// `outdated_starting_at` as `model::GlobalDataProduct` holds it: (part, value) pairs.
type StartingAt = Vec<(String, i64)>;

/// The `outdated_starting_at` parts Mage checks (null ones are not set), and the keys it ignores.
fn starting_at(map: &Map<String, Value>) -> (Result<StartingAt, String>, Vec<String>) {
    let ignored = map
        .keys()
        .filter(|key| !OUTDATED_STARTING_AT_KEYS.contains(&key.as_str()))
        .cloned()
        .collect();
    let parts = OUTDATED_STARTING_AT_KEYS
        .iter()
        .filter_map(|key| Some((*key, map.get(*key).filter(|value| !value.is_null())?)))
        .map(|(key, value)| {
            value
                .as_i64()
                .map(|number| (key.to_owned(), number))
                .ok_or_else(|| {
                    format!("`outdated_starting_at.{key}` must be a whole number, not {value}")
                })
        })
        .collect();
    (parts, ignored)
}

/// The blocks of `settings` with their `partitions` (Mage's default 1), and the setting keys Mage ignores.
fn blocks(map: &Map<String, Value>) -> (Result<Vec<ProductBlock>, String>, Vec<String>) {
    let mut ignored = Vec::new();
    let mut blocks = Vec::new();
    for (uuid, settings) in map {
        let partitions = match settings {
            Value::Null => Ok(1),
            Value::Object(settings) => {
                ignored.extend(settings.keys().filter(|key| *key != "partitions").cloned());
                match settings.get("partitions") {
                    None => Ok(1),
                    Some(value) => value.as_i64().ok_or_else(|| {
                        format!("`settings.{uuid}.partitions` must be a whole number, not {value}")
                    }),
                }
            }
            other => Err(format!("`settings.{uuid}` must be a mapping, not {other}")),
        };
        match partitions {
            Ok(partitions) => blocks.push(ProductBlock {
                uuid: uuid.clone(),
                partitions,
            }),
            Err(message) => return (Err(message), ignored),
        }
    }
    (Ok(blocks), ignored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(products: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let pipeline = dir.path().join("pipelines/make");
        std::fs::create_dir_all(&pipeline).unwrap();
        std::fs::write(
            pipeline.join("metadata.yaml"),
            "blocks:\n- uuid: load\n  type: data_loader\n- uuid: clean\n  type: transformer\n",
        )
        .unwrap();
        std::fs::write(dir.path().join(GLOBAL_DATA_PRODUCTS_FILE), products).unwrap();
        dir
    }

    fn messages(found: &GlobalDataProducts) -> Vec<String> {
        found
            .diagnostics
            .iter()
            .map(|d| format!("{:?} {:?} {:?}: {}", d.severity, d.line, d.block, d.message))
            .collect()
    }

    #[test]
    fn a_product_as_mage_writes_it_is_read_with_its_blocks_in_order() {
        let dir = project(
            "numbers:\n  object_type: pipeline\n  object_uuid: make\n  outdated_after:\n    seconds: 60\n  \
             outdated_starting_at:\n    hour_of_day: 6\n    minute_of_hour: null\n  repo_path: /home/src/x\n  \
             settings:\n    load: {}\n    clean:\n      partitions: 3\n",
        );
        let found = GlobalDataProducts::read(dir.path());
        assert_eq!(messages(&found), Vec::<String>::new());
        let product = &found.products[0];
        assert_eq!(product.object_uuid, "make");
        assert_eq!(product.outdated_after.unwrap().seconds, 60.0);
        assert_eq!(
            product.outdated_starting_at,
            [("hour_of_day".to_owned(), 6)]
        );
        assert_eq!(
            product.blocks,
            [
                ProductBlock {
                    uuid: "load".to_owned(),
                    partitions: 1
                },
                ProductBlock {
                    uuid: "clean".to_owned(),
                    partitions: 3
                },
            ]
        );
    }

    #[test]
    fn keys_mage_ignores_are_warnings_and_broken_products_errors_on_their_line() {
        let dir = project(
            "hourly:\n  object_type: pipeline\n  object_uuid: make\n  outdated_after:\n    hours: 1\n  settings:\n    \
             load:\n      skip: true\nmissing:\n  object_type: pipeline\n  object_uuid: nowhere\nblocky:\n  \
             object_type: block\n  object_uuid: make\nwrong_block:\n  object_type: pipeline\n  object_uuid: make\n  \
             settings:\n    nope: {}\n",
        );
        let found = GlobalDataProducts::read(dir.path());
        assert_eq!(found.products.len(), 1);
        assert_eq!(found.products[0].outdated_after, None);
        let messages = messages(&found);
        let expected = [
            "Error Some(12) Some(\"blocky\"): `object_type: block` gives no outputs",
            "Warning Some(1) Some(\"hourly\"): `outdated_after` counts only months, seconds, weeks and years in \
             Mage 0.9.80, so `hours` changes nothing",
            "Warning Some(1) Some(\"hourly\"): a block's settings have only `partitions` in Mage 0.9.80, so `skip`",
            "Error Some(9) Some(\"missing\"): its pipeline `nowhere` does not exist",
            "Error Some(15) Some(\"wrong_block\"): `settings` names block `nope`, which pipeline `make` does not \
             have; its blocks: load, clean",
        ];
        for start in expected {
            assert!(
                messages.iter().any(|m| m.starts_with(start)),
                "{start}\nin {messages:#?}"
            );
        }
        assert_eq!(messages.len(), expected.len(), "{messages:#?}");
    }

    #[test]
    fn a_block_overrides_only_what_it_sets_and_names_an_unknown_product() {
        let dir = project(
            "numbers:\n  object_type: pipeline\n  object_uuid: make\n  outdated_after:\n    seconds: 60\n  \
             settings:\n    load: {}\n",
        );
        let found = GlobalDataProducts::read(dir.path());
        let product = found
            .for_block(&serde_json::json!({"global_data_product": {
                "uuid": "numbers", "outdated_after": {}, "settings": {"clean": {"partitions": 2}}}}))
            .unwrap();
        assert_eq!(product.outdated_after.unwrap().seconds, 60.0);
        assert_eq!(
            product.blocks,
            [ProductBlock {
                uuid: "clean".to_owned(),
                partitions: 2
            }]
        );
        assert_eq!(
            found.for_block(&serde_json::json!({"global_data_product": {"uuid": "other"}})),
            Err("there is no global data product `other` in global_data_products.yaml; known: numbers".to_owned())
        );
    }
}
