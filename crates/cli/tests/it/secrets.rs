//! Secrets end to end (fixtures/secrets_demo): a Python block reads secrets through `get_secret_value`, prints them
//! and raises with one in its message; io_config.yaml's PostgreSQL password is `{{ mage_secret_var('pg_password') }}`
//! for a Python loader (`mage_ai.io.postgres`) and a SQL block, whose query holds `mage_secret_var` too. The values
//! appear in none of the run's logs (files and API), block-run errors, API answers or the server's own log.

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use sha2::Digest;

use crate::scale_out::fresh_database;
use crate::server::{RunningServer, finished};
use crate::sql_blocks::parse_pg_url;
use crate::support::{Outcome, Sandbox, path_str, read_text, run_python, wand_with_env};

const TOKEN: &str = "tok-e2e-7Hq2Zx9Lm";
const PASSWORD: &str = "pg-Secret/pass 42";
const CERTIFICATE: &str =
    "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQx7\n-----END CERTIFICATE-----";

/// Every text a value (or a line of one) must not appear in.
fn assert_hidden(what: &str, text: &str) {
    for value in [TOKEN, PASSWORD].into_iter().chain(CERTIFICATE.lines()) {
        assert!(!text.contains(value), "{what} shows {value:?}:\n{text}");
    }
}

/// `wand secrets <args>` with `stdin` as its standard input.
fn secrets_command(sandbox: &Sandbox, args: &[&str], stdin: &str) -> Outcome {
    use std::io::Write;
    let mut command = vec!["secrets"];
    command.extend_from_slice(args);
    let mut child = Command::new(env!("CARGO_BIN_EXE_wand"))
        .args(&command)
        .args(["--data-dir", path_str(&sandbox.data_dir)])
        .env_remove("WAND_DATABASE_URL")
        .env_remove("WAND_SECRETS_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the wand binary starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    Outcome {
        command: format!("wand {}", command.join(" ")),
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A login role with `PASSWORD` that owns the database at `url` (the test server trusts every connection, so the
/// loader's hash of the password it rendered shows it was the secret).
fn create_role(url: &str, role: &str) {
    let script = r#"
import sys
import psycopg2
connection = psycopg2.connect(sys.argv[1])
connection.autocommit = True
with connection.cursor() as cursor:
    cursor.execute(f'CREATE ROLE {sys.argv[2]} LOGIN PASSWORD %s', (sys.argv[3],))
    cursor.execute(f'ALTER DATABASE {sys.argv[4]} OWNER TO {sys.argv[2]}')
"#;
    let database = parse_pg_url(url).database;
    run_python(script, &[url, role, PASSWORD, &database]);
}

#[test]
fn blocks_read_secrets_and_no_log_answer_or_error_shows_them() {
    let database = fresh_database();
    let pg = parse_pg_url(&database);
    let role = format!(
        "wand_secret_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    create_role(&database, &role);
    let env = [
        ("DEMO_PG_DBNAME", pg.database.as_str()),
        ("DEMO_PG_HOST", pg.host.as_str()),
        ("DEMO_PG_PORT", pg.port.as_str()),
        ("DEMO_PG_USER", role.as_str()),
        ("WAND_LOG", "debug"),
    ];
    let sandbox = Sandbox::fixture("secrets_demo");
    let project = path_str(&sandbox.project);

    // From the command line: the value on standard input, never an argument.
    secrets_command(
        &sandbox,
        &["set", project, "pg_password"],
        &format!("{PASSWORD}\n"),
    )
    .assert_code(0)
    .assert_stdout_contains("Set secret pg_password")
    .assert_stderr_contains("Created the secrets key");
    let key_file = sandbox.data_dir.join("secrets.key");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let server_log = sandbox.path("server.log");
    let server = RunningServer::start_logging(
        &sandbox,
        &[],
        &env,
        Stdio::from(std::fs::File::create(&server_log).unwrap()),
    );
    let put = |name: &str, value: &str| {
        let mut response = server
            .agent
            .put(format!("{}/api/v1/secrets/{name}", server.base))
            .send_json(json!({"value": value}))
            .expect("PUT answers");
        assert_eq!(response.status().as_u16(), 200);
        response.body_mut().read_json::<Value>().unwrap()
    };
    let mut answers = vec![put("api_token", TOKEN), put("certificate", CERTIFICATE)];

    let run = |pipeline: &str| {
        let (status, run) = server.post(&format!("/api/v1/pipelines/{pipeline}/runs"), json!({}));
        assert_eq!(status, 201, "{run}");
        let id = run["id"].as_i64().unwrap();
        (
            id,
            server.wait_for_run(id, Duration::from_secs(120), finished),
        )
    };
    let (run_id, done) = run("secret_blocks");
    let (_, block_runs) = server.get(&format!("/api/v1/runs/{run_id}/block_runs"));
    assert_eq!(done["status"], "completed", "{block_runs}");
    let log = |block: &str| {
        let (status, page) = server.get(&format!("/api/v1/runs/{run_id}/logs/{block}"));
        assert_eq!(status, 200, "{page}");
        let lines: Vec<String> = page["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|line| line["text"].as_str().unwrap().to_owned())
            .collect();
        (page, lines)
    };
    let outputs = |block: &str| {
        server
            .get(&format!("/api/v1/runs/{run_id}/outputs/{block}"))
            .1
    };

    // get_secret_value: every form the block printed is hidden, the multi-line certificate line by line.
    let (page, lines) = log("read_token");
    for expected in [
        "the token is ******",
        "{'token': '******'}",
        r#"{"token": "******"}"#,
        "******",
    ] {
        assert!(
            lines.iter().any(|line| line == expected),
            "{expected:?} in {lines:#?}"
        );
    }
    let read_token = outputs("read_token");
    assert_eq!(
        read_token[0]["value"],
        json!({"token": "******", "length": TOKEN.len()})
    );
    answers.extend([page, read_token]);

    // io_config.yaml's mage_secret_var: the loader connected as the role with the secret as its password.
    let (page, lines) = log("load_with_secret");
    assert!(
        lines
            .iter()
            .any(|line| line == "connecting with password ******"),
        "{lines:#?}"
    );
    let loaded = outputs("load_with_secret");
    let table = &loaded[0]["table"];
    let hash = format!("{:x}", sha2::Sha256::digest(PASSWORD.as_bytes()));
    assert_eq!(table["rows"], json!([[role, hash]]), "{loaded}");
    answers.extend([page, loaded]);

    // A SQL block on the same profile, with mage_secret_var in its query: the rendered SQL in its log and the row it
    // returned are hidden.
    let (page, _) = log("token_query");
    let queried = outputs("token_query");
    assert_eq!(
        queried[0]["table"]["rows"],
        json!([["******", role]]),
        "{queried}"
    );
    answers.extend([page, queried, block_runs, done]);

    // A block that raises with the token: its error and traceback hide it.
    let (failed_id, failed) = run("secret_failure");
    assert_eq!(failed["status"], "failed");
    let (_, failed_runs) = server.get(&format!("/api/v1/runs/{failed_id}/block_runs"));
    let error = failed_runs[0]["error"].as_str().unwrap();
    assert!(
        error.contains("ValueError: the service refused the token ******"),
        "{error}"
    );
    answers.push(failed_runs.clone());
    answers.push(
        server
            .get(&format!("/api/v1/runs/{failed_id}/logs/raise_token"))
            .1,
    );

    // The list names the secrets and who set them, never a value.
    let (_, listed) = server.get("/api/v1/secrets");
    let names: Vec<&str> = listed["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|secret| secret["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["api_token", "certificate", "pg_password"]);
    assert_eq!(listed["secrets"][2]["updated_by"], "wand secrets");
    answers.push(listed);
    for answer in &answers {
        assert_hidden("an API answer", &answer.to_string());
    }
    drop(server);

    // Nothing on disk but the outputs (data, as the blocks returned it) shows a value: not a log, not the database.
    for entry in walk(&sandbox.data_dir) {
        let name = entry.display().to_string();
        if name.ends_with(".log") || name.contains("wand.db") {
            assert_hidden(
                &name,
                &String::from_utf8_lossy(&std::fs::read(&entry).unwrap()),
            );
        }
    }
    assert_hidden("the server's log", &read_text(&server_log));
    assert!(
        read_text(&server_log).contains("DEBUG"),
        "the log was at debug level"
    );

    // `wand run` prints a failed block's error and log: hidden there too.
    let failed = sandbox.run_with_env("secret_failure", &[], &env);
    failed
        .assert_code(1)
        .assert_stderr_contains("the service refused the token ******");
    assert_hidden("wand run's output", &failed.dump());

    // An unknown secret is an error naming it; listing shows names only.
    secrets_command(&sandbox, &["remove", project, "certificate"], "")
        .assert_code(0)
        .assert_stdout_contains("Removed secret certificate");
    let unknown = sandbox.run_with_env("secret_blocks", &["--block-uuid", "read_token"], &env);
    unknown
        .assert_code(1)
        .assert_stderr_contains("there is no secret `certificate`");
    let listed = secrets_command(&sandbox, &["list", project], "");
    listed
        .assert_code(0)
        .assert_stdout_contains("api_token")
        .assert_stdout_contains("pg_password");
    assert_hidden("wand secrets list", &listed.dump());
}

#[test]
fn another_key_is_refused_at_start_with_what_to_do() {
    let sandbox = Sandbox::fixture("secrets_demo");
    let project = path_str(&sandbox.project);
    secrets_command(&sandbox, &["set", project, "api_token"], TOKEN).assert_code(0);
    let other = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let refused = wand_with_env(
        sandbox.root(),
        &[
            "run",
            project,
            "secret_failure",
            "--data-dir",
            path_str(&sandbox.data_dir),
        ],
        &[("WAND_SECRETS_KEY", other)],
    );
    refused
        .assert_code(2)
        .assert_stderr_contains("stored with another key than the one from WAND_SECRETS_KEY")
        .assert_stderr_contains("give every Wand process the key they were stored with");
    let short = wand_with_env(
        sandbox.root(),
        &[
            "run",
            project,
            "secret_failure",
            "--data-dir",
            path_str(&sandbox.data_dir),
        ],
        &[("WAND_SECRETS_KEY", "c2hvcnQ=")],
    );
    short
        .assert_code(2)
        .assert_stderr_contains("WAND_SECRETS_KEY: the secrets key holds 5 bytes, not 32");
    // The key file's own value works as WAND_SECRETS_KEY (what other machines are given).
    let key = read_text(&sandbox.data_dir.join("secrets.key"));
    let same = wand_with_env(
        sandbox.root(),
        &[
            "run",
            project,
            "secret_failure",
            "--data-dir",
            path_str(&sandbox.data_dir),
        ],
        &[("WAND_SECRETS_KEY", key.trim())],
    );
    same.assert_code(1)
        .assert_stderr_contains("the service refused the token ******");
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
