//! The project's code as one content-addressed archive: a run pins its hash, and a worker on another machine
//! unpacks exactly that version into its cache.
//!
//! The snapshot holds the project's code and configuration: files whose extension is in [`CODE_EXTENSIONS`] (Python,
//! SQL, R, YAML, JSON, TOML, requirements, ...) and a dbt project's seeds (`dbt/**/seeds/*.csv`). The walk honours `.gitignore` and `.wandignore`, skips hidden
//! folders (`.venv`, `.git`) and `__pycache__`, and leaves out files larger than [`MAX_FILE_BYTES`]. Other files
//! (data, and what blocks write into the project folder) are not code: they neither change the hash nor travel;
//! workers on other machines reach data through shared storage.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::ProjectError;

/// Files above this size are data, not code, and stay out of the snapshot.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// The extensions of the files that make up the code.
pub const CODE_EXTENSIONS: &[&str] = &[
    "py", "sql", "r", "yaml", "yml", "json", "toml", "txt", "cfg", "ini", "md", "sh", "jinja", "j2",
];

/// One version of the project's code.
#[derive(Debug, Clone)]
pub struct CodeSnapshot {
    /// SHA-256 (hex) over every file's relative path and content.
    pub hash: String,
    /// The files as a gzipped tar under one folder named like the project's (so `import <project>.utils` works).
    pub archive: Vec<u8>,
}

/// The files of the snapshot, relative to `root`, sorted; with the ones left out for their size. A folder that
/// cannot be read is an error, never a silently smaller snapshot (whose hash would name other code).
fn code_files(root: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), ProjectError> {
    let walk = ignore::WalkBuilder::new(root)
        .add_custom_ignore_filename(".wandignore")
        .require_git(false)
        .filter_entry(|entry| entry.file_name() != "__pycache__")
        .build();
    let (mut files, mut too_large) = (Vec::new(), Vec::new());
    for entry in walk {
        let entry = entry.map_err(|error| ProjectError::Io {
            path: root.to_owned(),
            source: std::io::Error::other(error.to_string()),
        })?;
        let is_code = entry.path().extension().is_some_and(|extension| {
            CODE_EXTENSIONS.contains(&extension.to_string_lossy().to_lowercase().as_str())
        }) || is_dbt_seed(root, entry.path());
        if !is_code || !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(root) else {
            continue;
        };
        let large = entry
            .metadata()
            .is_ok_and(|metadata| metadata.len() > MAX_FILE_BYTES);
        if large {
            too_large.push(relative.to_owned());
        } else {
            files.push(relative.to_owned());
        }
    }
    files.sort();
    Ok((files, too_large))
}

/// A dbt project's seed (`dbt/<project>/seeds/....csv`): data that dbt loads as a table, part of the dbt project's
/// code (a `dbt seed` command block reads it).
fn is_dbt_seed(root: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(root) else {
        return false;
    };
    let mut parts = relative.components().map(|part| part.as_os_str());
    path.extension().is_some_and(|extension| extension == "csv")
        && parts.next().is_some_and(|first| first == "dbt")
        && parts.any(|part| part == "seeds")
}

fn read(root: &Path, relative: &Path) -> Result<Vec<u8>, ProjectError> {
    let path = root.join(relative);
    std::fs::read(&path).map_err(|source| ProjectError::Io { path, source })
}

/// The folder name the snapshot keeps the files under.
fn folder_name(root: &Path) -> PathBuf {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_owned());
    PathBuf::from(root.file_name().unwrap_or("project".as_ref()))
}

/// What a snapshot of the project at `root` holds: the project folder, or for a sub-project of Mage's platform the
/// whole platform root (a block may run a sibling project's file and import `<root>.<project>.utils`), with the
/// project's place in it recorded in [`SUB_PROJECT_MARKER`] (and in the hash, so each sub-project pins its own
/// version).
struct CodeRoot {
    walk: PathBuf,
    folder: PathBuf,
    sub_project: Option<String>,
}

/// The archive entry (inside the top folder) naming the sub-project a platform snapshot was taken for.
const SUB_PROJECT_MARKER: &str = ".wand-project";

fn code_root(root: &Path) -> CodeRoot {
    let canonical = root.canonicalize().unwrap_or_else(|_| root.to_owned());
    match crate::platform::platform_root(&canonical) {
        Some(platform) => CodeRoot {
            folder: folder_name(&platform),
            sub_project: canonical
                .strip_prefix(&platform)
                .ok()
                .map(|sub| sub.to_string_lossy().into_owned()),
            walk: platform,
        },
        None => CodeRoot {
            walk: root.to_owned(),
            folder: folder_name(root),
            sub_project: None,
        },
    }
}

impl CodeRoot {
    /// The marker's part of the hash, after the files.
    fn digest_marker(&self, hasher: &mut Sha256) {
        if let Some(sub) = &self.sub_project {
            digest_entry(
                hasher,
                &self.folder.join(SUB_PROJECT_MARKER),
                &Sha256::digest(sub.as_bytes()),
            );
        }
    }
}

/// One file's part of the hash: its name in the archive and the digest of its content.
fn digest_entry(hasher: &mut Sha256, name: &Path, content_digest: &[u8]) {
    hasher.update(name.to_string_lossy().as_bytes());
    hasher.update([0]);
    hasher.update(content_digest);
}

/// Hashes a project's code as [`snapshot`] names it, reading again only the files whose size or modification time
/// changed since it last looked (runs are created far more often than code changes).
#[derive(Debug, Default)]
pub struct CodeHasher {
    seen: std::sync::Mutex<HashMap<PathBuf, SeenFile>>,
}

/// A file as the hasher last read it: modified, size, content digest.
type SeenFile = (SystemTime, u64, Vec<u8>);

impl CodeHasher {
    /// The hash of the project's code as it is on disk now.
    pub fn hash(&self, project: &Path) -> Result<String, ProjectError> {
        let code = code_root(project);
        let (mut hasher, folder, root) = (Sha256::new(), &code.folder, code.walk.as_path());
        for relative in code_files(root)?.0 {
            let path = root.join(&relative);
            let metadata = std::fs::metadata(&path).map_err(|source| ProjectError::Io {
                path: path.clone(),
                source,
            })?;
            let stamp = (
                metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                metadata.len(),
            );
            let known = self
                .seen
                .lock()
                .expect("code hasher lock")
                .get(&path)
                .and_then(|(modified, size, digest)| {
                    ((*modified, *size) == stamp).then(|| digest.clone())
                });
            let digest = match known {
                Some(digest) => digest,
                None => {
                    let digest = Sha256::digest(read(root, &relative)?).to_vec();
                    self.seen
                        .lock()
                        .expect("code hasher lock")
                        .insert(path, (stamp.0, stamp.1, digest.clone()));
                    digest
                }
            };
            digest_entry(&mut hasher, &folder.join(&relative), &digest);
        }
        code.digest_marker(&mut hasher);
        Ok(hex(&hasher.finalize()))
    }
}

/// The hash of the project's code as it is on disk now (what [`snapshot`] would name it).
pub fn code_hash(root: &Path) -> Result<String, ProjectError> {
    CodeHasher::default().hash(root)
}

/// The project's code now, hashed and archived. Files too large to ship are logged and left out.
pub fn snapshot(project: &Path) -> Result<CodeSnapshot, ProjectError> {
    let code = code_root(project);
    let root = code.walk.as_path();
    let (files, too_large) = code_files(root)?;
    for path in too_large {
        tracing::warn!(file = %path.display(), "left out of the code shipped to workers: larger than 10 MB");
    }
    let (mut hasher, folder) = (Sha256::new(), &code.folder);
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut archive = tar::Builder::new(encoder);
    let io = |source| ProjectError::Io {
        path: root.to_owned(),
        source,
    };
    let marker = code
        .sub_project
        .as_ref()
        .map(|sub| (PathBuf::from(SUB_PROJECT_MARKER), sub.clone().into_bytes()));
    for relative in files.into_iter().map(Ok).chain(marker.map(Err)) {
        // The files, then the marker (whose entry was hashed last, by `digest_marker`).
        let (name, content) = match relative {
            Ok(relative) => {
                let content = read(root, &relative)?;
                let name = folder.join(&relative);
                digest_entry(&mut hasher, &name, &Sha256::digest(&content));
                (name, content)
            }
            Err((marker, content)) => (folder.join(marker), content),
        };
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        archive
            .append_data(&mut header, &name, content.as_slice())
            .map_err(io)?;
    }
    code.digest_marker(&mut hasher);
    let archive = archive.into_inner().and_then(|e| e.finish()).map_err(io)?;
    Ok(CodeSnapshot {
        hash: hex(&hasher.finalize()),
        archive,
    })
}

/// Unpacks a snapshot into `dest` (created unless it exists: a version is unpacked once) and returns the project
/// folder in it. The archive is unpacked beside `dest` first and renamed into place, so a half-unpacked folder is
/// never seen; entries cannot leave it.
pub fn unpack(archive: &[u8], dest: &Path) -> Result<PathBuf, ProjectError> {
    if !dest.is_dir() {
        unpack_new(archive, dest)?;
    }
    let io = |source| ProjectError::Io {
        path: dest.to_owned(),
        source,
    };
    let mut folders = std::fs::read_dir(dest).map_err(io)?;
    let folder = match folders.next() {
        Some(entry) => entry.map_err(io)?.path(),
        None => return Err(io(std::io::Error::other("the code archive is empty"))),
    };
    // A platform snapshot: the project is the sub-project it was taken for.
    match std::fs::read_to_string(folder.join(SUB_PROJECT_MARKER)) {
        Ok(sub) => {
            let inside = Path::new(&sub)
                .components()
                .all(|part| matches!(part, std::path::Component::Normal(_)));
            if !inside {
                return Err(io(std::io::Error::other(format!(
                    "the code archive names the sub-project `{sub}`, which is not a folder inside it"
                ))));
            }
            Ok(folder.join(sub))
        }
        Err(_) => Ok(folder),
    }
}

fn unpack_new(archive: &[u8], dest: &Path) -> Result<(), ProjectError> {
    let parent = dest.parent().unwrap_or(Path::new("."));
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ProjectError::Io { path, source }
    };
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let staging = tempfile::Builder::new()
        .prefix(".unpacking-")
        .tempdir_in(parent)
        .map_err(io(parent))?;
    let mut decoder = flate2::read::GzDecoder::new(archive);
    let mut bytes = Vec::new();
    decoder.read_to_end(&mut bytes).map_err(io(dest))?;
    tar::Archive::new(bytes.as_slice())
        .unpack(staging.path())
        .map_err(io(dest))?;
    match std::fs::rename(staging.path(), dest) {
        Ok(()) => {
            // The folder now lives at `dest`; nothing is left for the guard to remove.
            let _ = staging.keep();
            Ok(())
        }
        // Another process unpacked the same version first: theirs is identical.
        Err(_) if dest.is_dir() => Ok(()),
        Err(source) => Err(ProjectError::Io {
            path: dest.to_owned(),
            source,
        }),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, relative: &str, content: &str) {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    #[test]
    fn a_snapshot_round_trips_and_its_hash_follows_the_code() {
        let project = tempfile::tempdir().unwrap();
        let root = project.path();
        write(root, "metadata.yaml", "project_uuid: x\n");
        write(root, "transformers/t.py", "def f():\n    return 1\n");
        write(
            root,
            "transformers/__pycache__/t.cpython-311.pyc",
            "bytecode",
        );
        write(root, ".venv/lib/site.py", "not code of the project");
        write(root, "scratch.py", "ignored");
        write(root, ".wandignore", "scratch.py\n");
        write(
            root,
            "journal/journal.log",
            "written by a block: data, not code",
        );

        let first = snapshot(root).unwrap();
        assert_eq!(first.hash, code_hash(root).unwrap());
        let copy = tempfile::tempdir().unwrap();
        let dest = copy.path().join("code").join(&first.hash);
        let unpacked = unpack(&first.archive, &dest).unwrap();
        assert_eq!(
            unpacked.file_name(),
            root.canonicalize().unwrap().file_name()
        );
        let dest = unpacked;
        assert_eq!(
            std::fs::read_to_string(dest.join("transformers/t.py")).unwrap(),
            "def f():\n    return 1\n"
        );
        for left_out in [
            "transformers/__pycache__",
            ".venv",
            "scratch.py",
            ".wandignore",
            "journal",
        ] {
            assert!(!dest.join(left_out).exists(), "{left_out} was shipped");
        }
        assert_eq!(
            code_hash(&dest).unwrap(),
            first.hash,
            "the copy is the same code"
        );

        write(root, "transformers/t.py", "def f():\n    return 2\n");
        assert_ne!(code_hash(root).unwrap(), first.hash);
        write(root, "transformers/t.py", "def f():\n    return 1\n");
        write(root, "journal/journal.log", "more data");
        assert_eq!(
            code_hash(root).unwrap(),
            first.hash,
            "data does not change the code"
        );
        // A hasher that remembers files sees the same hashes, and sees a file change.
        let hasher = CodeHasher::default();
        assert_eq!(hasher.hash(root).unwrap(), first.hash);
        write(root, "transformers/t.py", "def f():\n    return 10\n");
        let changed = hasher.hash(root).unwrap();
        assert_ne!(changed, first.hash);
        assert_eq!(changed, code_hash(root).unwrap());
        write(root, "transformers/t.py", "def f():\n    return 1\n");
        assert_eq!(hasher.hash(root).unwrap(), first.hash);
        // Unpacking a version that is already there keeps it.
        assert_eq!(
            unpack(&first.archive, dest.parent().unwrap()).unwrap(),
            dest
        );
        assert_eq!(code_hash(&dest).unwrap(), first.hash);
    }

    #[test]
    fn a_sub_project_of_mages_platform_ships_the_whole_platform_and_unpacks_as_itself() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("plat");
        write(
            &root,
            "settings.yaml",
            "projects:\n  sales: {active: true}\n  shared: {}\n",
        );
        write(&root, "sales/metadata.yaml", "project_type: standalone\n");
        write(&root, "shared/metadata.yaml", "project_type: standalone\n");
        write(&root, "shared/data_loaders/x.py", "X = 1\n");
        let sales = snapshot(&root.join("sales")).unwrap();
        let shared = snapshot(&root.join("shared")).unwrap();
        assert_ne!(
            sales.hash, shared.hash,
            "each sub-project pins its own version"
        );
        assert_eq!(sales.hash, code_hash(&root.join("sales")).unwrap());
        let copy = tempfile::tempdir().unwrap();
        let unpacked = unpack(&sales.archive, &copy.path().join(&sales.hash)).unwrap();
        assert_eq!(
            unpacked,
            copy.path().join(&sales.hash).join("plat").join("sales")
        );
        assert_eq!(
            std::fs::read_to_string(unpacked.join("../shared/data_loaders/x.py")).unwrap(),
            "X = 1\n",
            "the sibling project travels with it"
        );
        assert_eq!(
            code_hash(&unpacked).unwrap(),
            sales.hash,
            "the copy is the same code"
        );
    }
}
