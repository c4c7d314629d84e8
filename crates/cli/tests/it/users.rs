//! `wand users add`: the password from standard input (never an argument), checked and stored hashed; a second
//! user with the same email is refused.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::{Sandbox, path_str};

/// Runs `wand users add` with `password` on standard input; returns the exit code, stdout and stderr.
fn add(
    project: &str,
    data: &str,
    email: &str,
    role: &str,
    password: &str,
) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wand"))
        .args([
            "users",
            "add",
            project,
            "--email",
            email,
            "--role",
            role,
            "--data-dir",
            data,
        ])
        .env_remove("WAND_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the wand binary starts");
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn users_add_reads_the_password_from_stdin_and_refuses_duplicates_and_short_passwords() {
    let sandbox = Sandbox::empty();
    let project = sandbox.path("proj");
    sandbox.wand(&["init", path_str(&project)]).assert_code(0);
    let data = sandbox.path("data");
    let (project, data) = (path_str(&project), path_str(&data));
    let (code, stdout, stderr) = add(
        project,
        data,
        "Ada@Example.com",
        "owner",
        "a long enough password",
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("Added ada@example.com (owner)"), "{stdout}");
    let (code, _, stderr) = add(
        project,
        data,
        "ada@example.com",
        "viewer",
        "another long password",
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("exists already"), "{stderr}");
    let (code, _, stderr) = add(project, data, "bob@example.com", "viewer", "admin");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("at least 8"), "{stderr}");
    let (code, _, stderr) = add(
        project,
        data,
        "bob@example.com",
        "root",
        "a long enough password",
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("owner, admin, editor or viewer"),
        "{stderr}"
    );
    // SQLite keeps recent writes in its write-ahead log until a checkpoint: read both files.
    let mut database = std::fs::read(format!("{data}/wand.db")).unwrap();
    database.extend(std::fs::read(format!("{data}/wand.db-wal")).unwrap_or_default());
    let text = String::from_utf8_lossy(&database);
    assert!(
        !text.contains("a long enough password"),
        "the password is stored hashed"
    );
    assert!(text.contains("$argon2id$"));
}
