//! Mage's variable precedence: pipeline globals < trigger variables < run variables.

use serde_json::{Map, Value};

/// Merges variable layers, least specific first; a later layer's key wins.
pub fn merge_variables<'a>(
    layers: impl IntoIterator<Item = &'a Map<String, Value>>,
) -> Map<String, Value> {
    let mut merged = Map::new();
    for layer in layers {
        for (key, value) in layer {
            merged.insert(key.clone(), value.clone());
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn later_layers_win() {
        let pipeline = json!({"a": 1, "b": 1, "c": 1});
        let trigger = json!({"b": 2, "c": 2});
        let run = json!({"c": 3});
        let merged = merge_variables([&pipeline, &trigger, &run].map(|v| v.as_object().unwrap()));
        assert_eq!(Value::Object(merged), json!({"a": 1, "b": 2, "c": 3}));
    }
}
