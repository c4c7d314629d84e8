//! Keeps secrets' values out of the database: a small output value kept inline in the block run's record that shows
//! one (a block that returned a secret it read) is written to the output's file instead, as a larger value would be.

use std::path::Path;

use model::{BlockOutputs, Mask};
use runtime::BlockOutcome;

/// `outcome` with every inline output value that shows a value of `mask` moved to `<folder>/<name>.json`; a value
/// that cannot be written fails the attempt (it must not reach the database).
pub(crate) fn spill(
    outcome: Result<BlockOutcome, String>,
    mask: &Mask,
    folder: &Path,
) -> Result<BlockOutcome, String> {
    match outcome {
        Ok(BlockOutcome::Completed {
            mut outputs,
            tests,
            callback_errors,
        }) if !mask.is_empty() => {
            spill_outputs(&mut outputs, mask, folder)?;
            Ok(BlockOutcome::Completed {
                outputs,
                tests,
                callback_errors,
            })
        }
        other => other,
    }
}

fn spill_outputs(outputs: &mut BlockOutputs, mask: &Mask, folder: &Path) -> Result<(), String> {
    for output in &mut outputs.outputs {
        let Some(text) = &output.text else { continue };
        if matches!(mask.apply(text), std::borrow::Cow::Borrowed(_)) {
            continue;
        }
        // The name comes from the block's process: only Python's own `output_<n>` names a file here.
        let index = output.name.strip_prefix("output_").unwrap_or_default();
        if index.is_empty() || !index.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(format!(
                "its output {:?} shows a secret's value and is not named like an output (output_0, output_1, ...)",
                output.name
            ));
        }
        let path = folder.join(format!("{}.json", output.name));
        std::fs::create_dir_all(folder)
            .and_then(|()| std::fs::write(&path, text))
            .map_err(|error| {
                format!(
                    "its output {} shows a secret's value, so it is kept in a file, which cannot be written ({}): \
                     {error}",
                    output.name,
                    path.display()
                )
            })?;
        output.text = None;
        output.path = Some(path.display().to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn completed(outputs: serde_json::Value) -> Result<BlockOutcome, String> {
        Ok(BlockOutcome::Completed {
            outputs: serde_json::from_value(outputs).unwrap(),
            tests: 0,
            callback_errors: Vec::new(),
        })
    }

    #[test]
    fn a_value_showing_a_secret_goes_to_its_file_and_the_others_stay_inline() {
        let folder = tempfile::tempdir().unwrap();
        let out = folder.path().join("block");
        let outcome = completed(json!({"container": "tuple", "outputs": [
            {"name": "output_0", "kind": "json", "text": "{\"token\": \"tok-12345678\"}", "type": "dict"},
            {"name": "output_1", "kind": "json", "text": "7", "type": "int"}]}));
        let Ok(BlockOutcome::Completed { outputs, .. }) =
            spill(outcome, &Mask::new(["tok-12345678"]), &out)
        else {
            panic!("still completed");
        };
        let file = out.join("output_0.json");
        assert_eq!(
            outputs.outputs[0].path.as_deref(),
            Some(file.to_str().unwrap())
        );
        assert_eq!(outputs.outputs[0].text, None);
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "{\"token\": \"tok-12345678\"}",
            "the text as Python wrote it"
        );
        assert_eq!(outputs.outputs[1].text.as_deref(), Some("7"));
        assert!(!out.join("output_1.json").exists());
    }

    #[test]
    fn a_name_that_is_not_an_outputs_never_names_a_file() {
        let folder = tempfile::tempdir().unwrap();
        let outcome = completed(json!({"container": "single", "outputs": [
            {"name": "../../escape", "kind": "json", "text": "\"tok-12345678\"", "type": "str"}]}));
        let error = spill(
            outcome,
            &Mask::new(["tok-12345678"]),
            &folder.path().join("block"),
        )
        .unwrap_err();
        assert!(error.contains("not named like an output"), "{error}");
        assert!(!folder.path().join("escape.json").exists());
    }

    #[test]
    fn a_value_that_cannot_be_written_fails_the_attempt() {
        let folder = tempfile::tempdir().unwrap();
        let blocked = folder.path().join("a-file");
        std::fs::write(&blocked, "").unwrap();
        let outcome = completed(json!({"container": "single", "outputs": [
            {"name": "output_0", "kind": "json", "text": "\"tok-12345678\"", "type": "str"}]}));
        let error = spill(
            outcome,
            &Mask::new(["tok-12345678"]),
            &blocked.join("block"),
        )
        .unwrap_err();
        assert!(
            error.starts_with("its output output_0 shows a secret's value"),
            "{error}"
        );
    }
}
