//! Attaching conditionals and callbacks from the editor: what is written to metadata.yaml and to the add-on's file,
//! compared with what Mage 0.9.80 writes.

use project::{PipelineFile, Project};
use serde_json::{Value, json};

/// A copy of fixtures/mage_dynamic, opened.
fn dynamic_project() -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/mage_dynamic");
    copy_dir(std::path::Path::new(fixture), &root);
    let project = Project::open(&root).unwrap();
    (dir, project)
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn metadata(project: &Project) -> PipelineFile {
    PipelineFile::read(&project.root().join("pipelines/dyn_basic/metadata.yaml")).unwrap()
}

/// The entry Mage 0.9.80 wrote for `Block.create('<name>', '<kind>', repo, pipeline=dyn_basic,
/// upstream_block_uuids=['square'])` (the call behind its `POST /api/pipelines/<uuid>/blocks`), run on a copy of
/// fixtures/mage_dynamic with /tmp/magevenv's Python.
fn mages_entry(kind: &str, name: &str, uuid: &str) -> Value {
    json!({
        "all_upstream_blocks_executed": false,
        "color": null,
        "configuration": {},
        "downstream_blocks": [],
        "executor_config": null,
        "executor_type": "local_python",
        "has_callback": false,
        "language": "python",
        "name": name,
        "retry_config": null,
        "status": "not_executed",
        "timeout": null,
        "type": kind,
        "upstream_blocks": ["square"],
        "uuid": uuid,
    })
}

#[test]
fn a_new_conditional_and_callback_are_written_as_mage_writes_them() {
    let (_dir, project) = dynamic_project();
    let before = metadata(&project);
    let uuid = project
        .add_addon(
            "dyn_basic",
            "square",
            model::BlockType::Conditional,
            "check square",
        )
        .unwrap();
    assert_eq!(uuid, "check_square");
    project
        .add_addon(
            "dyn_basic",
            "square",
            model::BlockType::Callback,
            "notify square",
        )
        .unwrap();

    let after = metadata(&project);
    assert_eq!(
        after.get("conditionals"),
        Some(&json!([mages_entry(
            "conditional",
            "check square",
            "check_square"
        )]))
    );
    assert_eq!(
        after.get("callbacks"),
        Some(&json!([mages_entry(
            "callback",
            "notify square",
            "notify_square"
        )]))
    );
    // Everything else is kept: the blocks (dynamic, reduce_output), the description, the other keys.
    assert_eq!(after.blocks(), before.blocks());
    for key in ["description", "created_at", "name", "settings", "widgets"] {
        assert_eq!(after.get(key), before.get(key), "{key}");
    }

    let code = |path: &str| std::fs::read_to_string(project.root().join(path)).unwrap();
    let conditional = code("conditionals/check_square.py");
    assert!(
        conditional.contains(
            "@condition\ndef evaluate_condition(*args, **kwargs) -> bool:\n    return True"
        ),
        "{conditional}"
    );
    let callback = code("callbacks/notify_square.py");
    assert!(
        callback.contains("@callback('success')") && callback.contains("@callback('failure')"),
        "{callback}"
    );

    let pipeline = project.load_pipeline("dyn_basic").unwrap().pipeline;
    let square = pipeline
        .dag
        .blocks()
        .iter()
        .find(|b| b.uuid == "square")
        .unwrap();
    let names = |addons: &[model::AddonBlock]| -> Vec<(String, String)> {
        addons
            .iter()
            .map(|a| (a.uuid.clone(), a.file.clone()))
            .collect()
    };
    assert_eq!(
        names(&square.conditionals),
        [(
            "check_square".to_owned(),
            "conditionals/check_square.py".to_owned()
        )]
    );
    assert_eq!(
        names(&square.callbacks),
        [(
            "notify_square".to_owned(),
            "callbacks/notify_square.py".to_owned()
        )]
    );
}

#[test]
fn an_addon_is_attached_to_more_blocks_and_detached_until_it_leaves_the_pipeline() {
    let (_dir, project) = dynamic_project();
    let kind = model::BlockType::Callback;
    project
        .add_addon("dyn_basic", "square", kind, "notify")
        .unwrap();
    project
        .attach_addon("dyn_basic", "collect", "notify")
        .unwrap();
    project
        .attach_addon("dyn_basic", "collect", "notify")
        .unwrap();
    let attached = |project: &Project| metadata(project).get("callbacks").cloned();
    assert_eq!(
        attached(&project).unwrap()[0]["upstream_blocks"],
        json!(["square", "collect"])
    );

    assert!(
        !project
            .detach_addon("dyn_basic", "square", "notify")
            .unwrap()
    );
    assert_eq!(
        attached(&project).unwrap()[0]["upstream_blocks"],
        json!(["collect"])
    );
    assert!(
        project
            .detach_addon("dyn_basic", "collect", "notify")
            .unwrap()
    );
    assert_eq!(attached(&project), Some(json!([])));
    assert!(
        project.root().join("callbacks/notify.py").is_file(),
        "the file stays"
    );

    // Adding it again finds its file and keeps the code there, as Mage does.
    std::fs::write(project.root().join("callbacks/notify.py"), "# edited\n").unwrap();
    project
        .add_addon("dyn_basic", "collect", kind, "notify")
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(project.root().join("callbacks/notify.py")).unwrap(),
        "# edited\n"
    );
}

#[test]
fn what_cannot_be_attached_is_refused_with_the_reason() {
    let (_dir, project) = dynamic_project();
    let message = |error: project::ProjectError| error.to_string();
    let error = project
        .add_addon("dyn_basic", "nope", model::BlockType::Conditional, "gate")
        .unwrap_err();
    assert!(message(error).contains("no such block"));
    let error = project
        .add_addon(
            "dyn_basic",
            "square",
            model::BlockType::Conditional,
            "collect",
        )
        .unwrap_err();
    assert!(message(error).contains("already has a block or add-on"));
    let error = project
        .add_addon("dyn_basic", "square", model::BlockType::Transformer, "gate")
        .unwrap_err();
    assert!(message(error).contains("not an add-on"));
    let error = project
        .detach_addon("dyn_basic", "square", "gate")
        .unwrap_err();
    assert!(message(error).contains("no conditional or callback"));
    assert!(!project.root().join("conditionals/gate.py").exists());
}
