//! Mage's multi-project platform: a root folder with a `settings.yaml` (`projects:`) whose sub-folders are projects.
//! It finds a project's platform root, a root's active project, and resolves block paths as Mage does, relative to
//! the root and confined to it; it must not read a project's pipelines.
//!
//! How Mage 0.9.80 does it (its source: `mage_ai/settings/platform/`, `settings/repo.py`, `shared/path_fixer.py`
//! `add_absolute_path`): the platform is on when the folder Mage serves holds `settings.yaml`; the active project is
//! the one marked `active: true` under `projects:`, else the first; a block's `configuration.file_source.path` is
//! relative to the root (a leading root name is dropped), so `shared/data_loaders/x.py` in a pipeline of `sales` is
//! the sibling project's file; `set_repo_path` puts the root's parent on `sys.path`, so blocks import
//! `<root>.<project>.utils...` (checked on Mage's server: fixtures/mage_platform).

use std::path::{Component, Path, PathBuf};

use serde_json::Value;

/// The file that makes a folder a platform root.
pub(crate) const PLATFORM_SETTINGS: &str = "settings.yaml";

/// The platform root `project` belongs to: its parent folder, when that holds Mage's `settings.yaml` listing the
/// project's folder under `projects:` (by name, or by a `path:` override). Another `settings.yaml` that happens to
/// sit in the parent folder does not make a standalone project a sub-project.
pub fn platform_root(project: &Path) -> Option<PathBuf> {
    let parent = project.parent()?;
    let folder = project.file_name()?.to_str()?;
    projects(parent)?
        .iter()
        .any(|(_, path)| path == folder)
        .then(|| parent.to_owned())
}

/// The projects a platform root's `settings.yaml` lists, in order: whether each is marked `active: true`, and its
/// folder (its `path:`, else its name).
fn projects(root: &Path) -> Option<Vec<(bool, String)>> {
    let text = std::fs::read_to_string(root.join(PLATFORM_SETTINGS)).ok()?;
    let settings: Value = serde_saphyr::from_str(&text).ok()?;
    let listed = settings.get("projects")?.as_object()?;
    Some(
        listed
            .iter()
            .map(|(name, project)| {
                let active = project.get("active").and_then(Value::as_bool) == Some(true);
                let path = project.get("path").and_then(Value::as_str).unwrap_or(name);
                (active, path.to_owned())
            })
            .collect(),
    )
}

/// The project folder Mage serves for a platform root: the project marked `active: true` under `projects:` in its
/// `settings.yaml` (a project's `path:` overrides its folder), else the first listed. `None` when `root` is not a
/// platform root or lists no project.
pub(crate) fn active_project(root: &Path) -> Option<PathBuf> {
    let projects = projects(root)?;
    let active = projects
        .iter()
        .find(|(active, _)| *active)
        .or_else(|| projects.first())
        .map(|(_, path)| path.clone())?;
    let path = Path::new(&active);
    let inside = path
        .components()
        .all(|part| matches!(part, Component::Normal(_)));
    (inside && root.join(path).is_dir()).then(|| root.join(path))
}

/// Where `declared` (a block's `file_source.path` or `file_path`) points for a project of the platform `root`, as
/// Mage's `add_absolute_path` resolves it: an absolute path as it is; a path starting with the root's name below the
/// root; a path whose first folder exists under the root below the root; anything else below the project itself.
/// The result is normalized but not yet confined.
pub(crate) fn resolve(root: &Path, project: &Path, declared: &str) -> PathBuf {
    let path = Path::new(declared);
    let root_name = root.file_name().map(Path::new);
    let full = if path.is_absolute() {
        path.to_owned()
    } else if let Some(rest) = root_name.and_then(|name| path.strip_prefix(name).ok()) {
        root.join(rest)
    } else if path
        .components()
        .next()
        .is_some_and(|first| root.join(first).exists())
    {
        root.join(path)
    } else {
        project.join(path)
    };
    normalize(&full)
}

/// `path` relative to `project`, climbing out of it with `..` when it lies elsewhere under `root`; `None` when it is
/// outside `root` (also after following symbolic links).
pub(crate) fn relative_within(root: &Path, project: &Path, path: &Path) -> Option<String> {
    let path = normalize(path);
    path.strip_prefix(root).ok()?;
    if let Ok(real) = path.canonicalize()
        && !real.starts_with(root.canonicalize().ok()?)
    {
        return None;
    }
    if let Ok(inside) = path.strip_prefix(project) {
        return Some(inside.to_string_lossy().into_owned());
    }
    let depth = project.strip_prefix(root).ok()?.components().count();
    let mut relative = PathBuf::new();
    for _ in 0..depth {
        relative.push("..");
    }
    relative.push(path.strip_prefix(root).ok()?);
    Some(relative.to_string_lossy().into_owned())
}

/// `path` with `.` and `..` worked out lexically (a `..` above the filesystem's root stays there).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(declared: &str, expected: Option<&str>) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("plat");
        for folder in ["sales/data_loaders", "shared/data_loaders"] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
        }
        let project = root.join("sales");
        let full = resolve(&root, &project, declared);
        assert_eq!(
            relative_within(&root, &project, &full).as_deref(),
            expected,
            "{declared}"
        );
    }

    #[test]
    fn block_paths_resolve_against_the_platform_root_as_in_mage() {
        check("sales/data_loaders/x.py", Some("data_loaders/x.py"));
        check("plat/sales/data_loaders/x.py", Some("data_loaders/x.py"));
        check(
            "shared/data_loaders/x.py",
            Some("../shared/data_loaders/x.py"),
        );
        check(
            "plat/shared/data_loaders/x.py",
            Some("../shared/data_loaders/x.py"),
        );
        // A path whose first folder is not under the root is the project's own (Mage searches the root for it).
        check("transformers/t.py", Some("transformers/t.py"));
        check("shared/../../outside.py", None);
        check("/etc/passwd", None);
    }
}
