//! Writing pipeline files back: unknown keys and their order survive, variables can be set.

use project::{PipelineFile, Project};

use crate::write_project;

#[test]
fn set_variable_keeps_every_other_key_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    let metadata = "\
blocks:
- uuid: a
  type: data_loader
  my_own_key: keep me
  upstream_blocks: []
name: p
zeta_custom: {nested: [1, 2]}
alpha_custom: true
uuid: p
";
    write_project(
        &root,
        &[
            ("pipelines/p/metadata.yaml", metadata),
            ("data_loaders/a.py", ""),
        ],
    );
    let project = Project::open(&root).unwrap();
    let mut file = project.load_pipeline("p").unwrap().file;
    file.set_variable("threshold", serde_json::json!(3));
    file.write().unwrap();
    let reread = PipelineFile::read(&root.join("pipelines/p/metadata.yaml")).unwrap();
    assert_eq!(
        reread.get("zeta_custom"),
        Some(&serde_json::json!({"nested": [1, 2]}))
    );
    assert_eq!(reread.get("alpha_custom"), Some(&serde_json::json!(true)));
    assert_eq!(
        reread.blocks()[0]["my_own_key"],
        serde_json::json!("keep me")
    );
    assert_eq!(
        reread.get("variables"),
        Some(&serde_json::json!({"threshold": 3}))
    );
    let text = std::fs::read_to_string(root.join("pipelines/p/metadata.yaml")).unwrap();
    let order: Vec<usize> = [
        "blocks:",
        "\nname:",
        "\nzeta_custom:",
        "\nalpha_custom:",
        "\nuuid:",
        "\nvariables:",
    ]
    .iter()
    .map(|key| {
        text.find(key)
            .unwrap_or_else(|| panic!("{key} missing in\n{text}"))
    })
    .collect();
    assert!(
        order.windows(2).all(|pair| pair[0] < pair[1]),
        "keys reordered:\n{text}"
    );
    assert!(project.load_pipeline("p").is_ok());
}
