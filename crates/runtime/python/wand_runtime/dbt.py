"""dbt blocks (`type: dbt`) as Mage 0.9.80 runs them, with dbt-core's programmatic API (`dbtRunner`).

A model block (`language: sql`): the dbt project (the nearest folder above the model holding `dbt_project.yml`) is
copied to a scratch folder, so that dbt's `target/`, `logs/` and the seeds below never touch the run's code; its
`profiles.yml` is rendered as a Jinja template (`env_var`, `variables`, `mage_secret_var`, ...) into a scratch
profiles folder; each upstream block whose output the model reads as `{{ source('mage_<dbt project folder>',
'<pipeline>_<block>') }}` is declared in `models/mage_sources.yml` (when it is not yet) and loaded as Mage loads it:
a CSV seed `mage_<pipeline>_<block>` (`dbt seed --full-refresh`); then `dbt build --select <model>` (`run`, or
`snapshot`, with `dbt: {disable_tests: true}`), and `dbt show --limit -1` gives the rows handed to the blocks below
as a DataFrame. A command block (`language: yaml`) runs `configuration.dbt.command` (default `run`) with the block
file's arguments. `--vars` carries the variables and Mage's kwargs; `--target` is `configuration.dbt_profile_target`.
dbt's own output goes to the block's log line by line; a failed dbt command fails the block with dbt's messages.

The editor's "Compile & preview" runs a model block with the variable `_wand_dbt_preview` (a row limit): the seeds,
then `dbt compile` (the compiled SQL in the log) and `dbt show --limit N` instead of building anything; the compile's
`target/manifest.json` is written into the dbt project, as `dbt compile` run there writes it, for the lineage view.
"""

import csv
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

PROJECT_FILES = ("dbt_project.yml", "dbt_project.yaml")
SOURCES_FILE = "mage_sources.yml"
# Mage's pattern for the sources a model reads (block/dbt/block_sql.py, `__extract_sources`).
_SOURCE = re.compile(r"\{\{[ ]*source\(['\"]+([\w]+)['\"]+[,]+[ ]*['\"]+([\w]+)['\"]+\)[ ]*\}\}")
# Scratch and output folders dbt writes into a project, left out of the copy.
_NOT_COPIED = ("target", "logs", ".user.yml")
# The run-time key Mage keeps its own per-block settings under (`--vars` leaves it out).
_MAGE_VARIABLES = "__mage_variables"
# The variable the editor's "Compile & preview" sets: how many rows `dbt show` previews.
PREVIEW_VARIABLE = "_wand_dbt_preview"


class DbtFailure(Exception):
    """A dbt block that cannot run, or a dbt command that failed: the message says which and why."""


def run(request, kwargs, load_input):
    """Runs the block; returns the model's rows as a DataFrame (an empty list for a command block, as in Mage)."""
    runner_class = _runner_class()
    repo = Path(request["repo_path"])
    configuration = request.get("configuration") or {}
    variables = dict(kwargs)  # Mage's `--vars`: the variables and its kwargs (the logger is left out by type)
    preview = variables.pop(PREVIEW_VARIABLE, None)
    if request.get("language") == "yaml":
        project = _named_project(repo, configuration)
    else:
        project = project_above(repo / request["file"], repo)
        if project is None:
            raise DbtFailure(f"dbt model `{request['file']}` is in no dbt project: no folder above it holds dbt_project.yml")
    # dbt's lines go to the block's log as plain text (this is the block's own process).
    os.environ["DBT_USE_COLORS"] = "false"
    scratch = Path(tempfile.mkdtemp(prefix="wand-dbt-"))
    try:
        work = scratch / project.name
        shutil.copytree(project, work, ignore=shutil.ignore_patterns(*_NOT_COPIED))
        profiles_dir = scratch / "profiles"
        profiles = write_profiles(project, profiles_dir, variables)
        dbt = Dbt(runner_class, work, profiles_dir, variables, _target(configuration, variables))
        _check_adapter(profiles, _project_settings(work), dbt.target)
        if request.get("language") == "yaml":
            return _run_command(request, dbt, repo)
        if preview is not None:
            return _preview_model(request, dbt, work, profiles, load_input, project, int(preview))
        return _run_model(request, dbt, work, profiles, load_input)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _runner_class():
    try:
        from dbt.cli.main import dbtRunner
    except ImportError as error:
        raise DbtFailure(
            f"dbt-core cannot be imported in the project's Python environment ({error}); add `dbt-core` and the "
            "adapter of your dbt profile (such as `dbt-duckdb` or `dbt-postgres`) to the project's requirements.txt"
        ) from None
    return dbtRunner


def _check_adapter(profiles, settings, target):
    """The adapter package of the profile's target is importable, or the block fails naming the one to add."""
    profile = (profiles or {}).get(settings.get("profile")) or {}
    outputs = profile.get("outputs") or {}
    output = outputs.get(target or profile.get("target")) or {}
    kind = output.get("type")
    if not kind:
        return
    try:
        __import__(f"dbt.adapters.{kind}")
    except ImportError:
        raise DbtFailure(
            f"the dbt adapter for `type: {kind}` cannot be imported in the project's Python environment; add "
            f"`dbt-{kind}` to the project's requirements.txt"
        ) from None


def project_above(file, repo):
    """The nearest folder above `file`, inside `repo`, holding `dbt_project.yml` (Mage's rule), or None."""
    for folder in Path(file).parents:
        if folder == repo or repo not in folder.parents:
            return None
        if any((folder / name).is_file() for name in PROJECT_FILES):
            return folder
    return None


def _named_project(repo, configuration):
    name = configuration.get("dbt_project_name") or ""
    for candidate in (repo / name, repo / "dbt" / name):
        if name and any((candidate / file).is_file() for file in PROJECT_FILES):
            return candidate
    raise DbtFailure(f"`configuration.dbt_project_name: {name}` names no dbt project (no dbt_project.yml found)")


def _project_settings(project):
    import yaml

    for name in PROJECT_FILES:
        path = Path(project) / name
        if path.is_file():
            return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {}


def _template_globals(variables):
    from wand_runtime.sql.render import python_helpers

    helpers = python_helpers()
    helpers["variables"] = lambda name: variables.get(name) if variables else None
    return helpers


def render_profiles(text, variables):
    """`profiles.yml` rendered as Mage renders it (a Jinja template with io_config.yaml's functions and
    `variables`), parsed."""
    import yaml
    from jinja2 import Template

    return yaml.safe_load(Template(text).render(**_template_globals(variables))) or {}


def write_profiles(project, profiles_dir, variables):
    """Renders the dbt project's `profiles.yml` into `profiles_dir`; returns the profiles."""
    import yaml

    source = Path(project) / "profiles.yml"
    if not source.is_file():
        raise DbtFailure(f"the dbt project `{Path(project).name}` has no profiles.yml; add one beside dbt_project.yml")
    try:
        profiles = render_profiles(source.read_text(encoding="utf-8"), variables)
    except Exception as error:  # noqa: BLE001  (a template or YAML error of the user's file)
        raise DbtFailure(f"profiles.yml of dbt project `{Path(project).name}` cannot be rendered: {error}") from None
    Path(profiles_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(profiles_dir) / "profiles.yml", "w", encoding="utf-8") as file:
        yaml.safe_dump(profiles, file)
    return profiles


def _target(configuration, variables):
    target = configuration.get("dbt_profile_target")
    if not target:
        return None
    from jinja2 import Template

    return Template(target).render(**_template_globals(variables)) or None


def variables_json(variables):
    """`--vars` as Mage builds it: the values of simple types (datetimes as ISO text), without Mage's own key."""
    kept = {
        key: value
        for key, value in variables.items()
        if key != _MAGE_VARIABLES and type(value) in (str, int, bool, float, dict, list, datetime)
    }

    def encode(value):
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        return str(value)

    return json.dumps(kept, default=encode)


class Dbt:
    """dbt commands on one copied project, with the rendered profiles, the variables and the target."""

    def __init__(self, runner_class, project, profiles_dir, variables, target):
        self.runner_class = runner_class
        self.project = Path(project)
        self.profiles_dir = profiles_dir
        self.variables = variables
        self.target = target

    def arguments(self, extra=()):
        args = ["--project-dir", str(self.project), "--profiles-dir", str(self.profiles_dir)]
        args += list(extra)
        if "--vars" not in args:
            args += ["--vars", variables_json(self.variables)]
        if self.target and "--target" not in args and "-t" not in args:
            args += ["--target", self.target]
        return args

    def invoke(self, command, extra=()):
        """Runs `dbt <command> ...` and returns dbt's result; a failure raises `DbtFailure` with dbt's messages."""
        args = [*command, *self.arguments(extra)]
        print("dbt " + " ".join(shlex.quote(arg) for arg in _shown(args)), flush=True)
        result = self.runner_class().invoke(args)
        sys.stdout.flush()
        if not result.success:
            raise DbtFailure(f"dbt {command[0]} failed: {failure_message(result)}")
        return result


def _shown(args):
    """The arguments as logged: `--vars` holds the variables, which may be secret, so it is left out."""
    shown, hide = [], False
    for arg in args:
        shown.append("<variables>" if hide else arg)
        hide = arg == "--vars"
    return shown


def failure_message(result):
    """dbt's own words for a failed command: its exception, or each failed node's message."""
    if result.exception is not None:
        return str(result.exception)
    messages = []
    for node in getattr(result.result, "results", None) or []:
        status = str(getattr(node, "status", "")).lower()
        if status.endswith(("error", "fail")):
            name = getattr(getattr(node, "node", None), "unique_id", None) or "a node"
            messages.append(f"{name}: {node.message}")
    return "; ".join(messages) or "dbt reported a failure (see the block's log)"


def _run_command(request, dbt, repo):
    """A dbt command block: the block file's text (Jinja-rendered) holds the arguments of `configuration.dbt.command`."""
    from jinja2 import Template

    command = ((request.get("configuration") or {}).get("dbt") or {}).get("command") or "run"
    path = repo / request["file"]
    # No file: Mage runs the command without arguments (the loader warned about it).
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    text = Template(text).render(**_template_globals(dbt.variables))
    args = shlex.split(text)
    if "--vars" in args:
        index = args.index("--vars") + 1
        if index < len(args):
            merged = dict(dbt.variables)
            merged.update(json.loads(args[index]))
            args[index] = variables_json(merged)
    if _has_packages(dbt.project):
        dbt.invoke(["deps"])
    dbt.invoke([command], args)
    # Mage hands the block below a command block an empty list (on its server: fixtures/mage_dbt/ORACLE.md).
    return []


def _has_packages(project):
    return any((Path(project) / name).is_file() for name in ("packages.yml", "dependencies.yml"))


def _run_model(request, dbt, work, profiles, load_input):
    model = _prepare_model(request, dbt, work, profiles, load_input)
    settings = _project_settings(work)
    model_path = Path(request["repo_path"]) / request["file"]
    disable_tests = ((request.get("configuration") or {}).get("dbt") or {}).get("disable_tests")
    if disable_tests:
        task = "snapshot" if _is_snapshot(work, settings, model_path, request["repo_path"]) else "run"
    else:
        task = "build"
    dbt.invoke([task], ["--select", model])
    shown = dbt.invoke(["show"], ["--select", model, "--limit", "-1"])
    return show_frame(shown)


def _preview_model(request, dbt, work, profiles, load_input, project, limit):
    """The editor's "Compile & preview": the model compiled (its SQL in the log) and its first `limit` rows shown,
    nothing built; the manifest goes to the dbt project's target/ for the lineage view."""
    model = _prepare_model(request, dbt, work, profiles, load_input)
    dbt.invoke(["compile"], ["--select", model])
    manifest = work / "target" / "manifest.json"
    if manifest.is_file():
        (project / "target").mkdir(exist_ok=True)
        shutil.copyfile(manifest, project / "target" / "manifest.json")
    # As Mage's editor does on save: the model's upstream (non-dbt) blocks declared in the dbt project itself, so a
    # `dbt compile` run there by hand knows the `mage_<project>` sources too.
    parents = [parent["uuid"] for parent in request.get("upstream") or [] if parent.get("block_type") != "dbt"]
    if parents:
        settings = _project_settings(project)
        schema = _target_schema(profiles, settings, dbt.target)
        add_sources(project, settings, project.name, request["pipeline_uuid"], parents, schema)
    shown = dbt.invoke(["show"], ["--select", model, "--limit", str(max(limit, 1))])
    return show_frame(shown)


def _prepare_model(request, dbt, work, profiles, load_input):
    """Declares and seeds the upstream outputs the model reads, installs the project's packages; the model's name."""
    settings = _project_settings(work)
    model = Path(request["file"]).stem
    model_path = Path(request["repo_path"]) / request["file"]
    text = model_path.read_text(encoding="utf-8")
    source_name = f"mage_{work.name}"
    referenced = {table for name, table in _SOURCE.findall(text) if name == source_name}
    pipeline = request["pipeline_uuid"]
    upstream = request.get("upstream") or []
    sources = []
    for position, parent in enumerate(upstream):
        table = f"{pipeline}_{parent['uuid']}"
        if parent.get("block_type") != "dbt" and table in referenced:
            sources.append((position, parent["uuid"]))
    if sources:
        schema = _target_schema(profiles, settings, dbt.target)
        add_sources(work, settings, work.name, pipeline, [uuid for _, uuid in sources], schema)
    for position, uuid in sources:
        _seed(dbt, work, settings, pipeline, uuid, load_input(position))
    if _has_packages(work):
        dbt.invoke(["deps"])
    return model


def _is_snapshot(work, settings, model_path, repo):
    del work
    paths = settings.get("snapshot-paths") or ["snapshots"]
    project = project_above(model_path, Path(repo))
    if project is None:
        return False
    first = model_path.relative_to(project).parts[0]
    return first in paths


def _target_schema(profiles, settings, target):
    """The schema dbt writes to with this target (Mage declares the sources there; DuckDB's default is `main`)."""
    profile = (profiles or {}).get(settings.get("profile")) or {}
    output = (profile.get("outputs") or {}).get(target or profile.get("target")) or {}
    if output.get("schema"):
        return output["schema"]
    return "main" if output.get("type") == "duckdb" else None


def add_sources(project, settings, project_name, pipeline, block_uuids, schema):
    """Declares the blocks' outputs in `<model path>/mage_sources.yml` as Mage's editor does when it saves a
    pipeline (source `mage_<dbt project folder>`, table `<pipeline>_<block>`, identifier
    `mage_<pipeline>_<block>`); declarations already there are kept, and a file that needs nothing new is left as
    it is."""
    import yaml

    models = Path(project) / (settings.get("model-paths") or ["models"])[0]
    models.mkdir(parents=True, exist_ok=True)
    path = models / SOURCES_FILE
    document = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None) or {}
    document.setdefault("version", 2)
    if not document.get("sources"):
        document["sources"] = []
    name = f"mage_{project_name}"
    source = next((entry for entry in document["sources"] if entry.get("name") == name), None)
    if source is None:
        source = {"name": name, "description": "Dataframes Mage upstream blocks", "loader": "mage", "tables": []}
        if schema:
            source["schema"] = schema
        document["sources"].append(source)
    tables = source.setdefault("tables", []) or []
    source["tables"] = tables
    missing = [uuid for uuid in block_uuids if not any(entry.get("name") == f"{pipeline}_{uuid}" for entry in tables)]
    if not missing and path.is_file():
        return document
    for uuid in missing:
        table = f"{pipeline}_{uuid}"
        tables.append({
            "name": table,
            "identifier": f"mage_{pipeline}_{uuid}",
            "meta": {"pipeline_uuid": pipeline, "block_uuid": uuid},
            "description": f"Dataframe for block `{uuid}` of the `{pipeline}` mage pipeline.",
        })
    with open(path, "w", encoding="utf-8") as file:
        yaml.safe_dump(document, file)
    return document


def as_frame(output):
    """An upstream output as the table Mage loads: a DataFrame as it is, a dict as one row, a list as rows."""
    import pandas as pd

    if isinstance(output, pd.DataFrame):
        return output
    if hasattr(output, "to_pandas"):
        return output.to_pandas()
    if isinstance(output, dict):
        return pd.DataFrame([output])
    if isinstance(output, list):
        return pd.DataFrame(output)
    return pd.DataFrame()


def _seed(dbt, work, settings, pipeline, uuid, output):
    frame = as_frame(output)
    if frame.empty:
        print("No data for dbt to materialize.", flush=True)
        return
    name = f"mage_{pipeline}_{uuid}"
    folder = work / (settings.get("seed-paths") or ["seeds"])[0] / f"mage_{pipeline}"
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / f"{name}.csv", quoting=csv.QUOTE_NONNUMERIC, index=False)
    dbt.invoke(["seed"], ["--select", name, "--full-refresh"])
    os.remove(folder / f"{name}.csv")


def show_frame(result):
    """The rows of `dbt show` as a DataFrame, as Mage builds it (one dict per agate row)."""
    import pandas as pd

    results = getattr(result.result, "results", None) or []
    if not results:
        return pd.DataFrame()
    table = results[0].agate_table
    return pd.DataFrame([row.dict() for row in table.rows])
