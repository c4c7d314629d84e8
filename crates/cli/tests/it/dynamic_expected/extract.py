"""Writes crates/cli/tests/it/dynamic_expected/<case>/ from fixtures/mage_dynamic/ORACLE.md: case.json (pipeline,
vars, settings, run status, block-run statuses) and one JSON file per recorded call."""
import json, re, shlex, sys, os
root = sys.argv[1]
text = open(os.path.join(root, "fixtures/mage_dynamic/ORACLE.md")).read()
out = os.path.join(root, "crates/cli/tests/it/dynamic_expected")
sections = re.split(r"^### ", text, flags=re.M)
for sec in sections:
    m = re.match(r"\d+[a-z]?'?\. .*\(`([a-z0-9_]+)`\)\n", sec)
    if not m:
        continue
    case = m.group(1)
    cmd = re.search(r"```\n(/tmp/notes\S+ .*)\n", sec)
    if not cmd:
        continue
    argv = shlex.split(cmd.group(1))
    pipeline = argv[2]
    opts = {}
    for i, a in enumerate(argv):
        if a in ("--vars", "--settings"):
            opts[a[2:]] = json.loads(argv[i + 1])
    status = re.search(r"Run: \*\*(\w+)\*\*", sec)
    runs = {}
    for row in re.finditer(r"^\| \d+ \| `([^`]+)` \| (\w+) \|", sec, flags=re.M):
        runs[row.group(1)] = row.group(2)
    files = {}
    block = re.search(r"Files the blocks wrote.*?```\n(.*?)```", sec, flags=re.S)
    if block:
        for line in block.group(1).splitlines():
            if not line.strip():
                continue
            name, doc = line.split(": ", 1)
            files[name] = json.loads(doc)
    if not runs:
        continue
    vars_ = opts.get("vars", {})
    vars_.pop("out_dir", None)
    d = os.path.join(out, case)
    os.makedirs(d, exist_ok=True)
    json.dump({"pipeline": pipeline, "vars": vars_, "settings": opts.get("settings", {}),
               "run": status.group(1) if status else None, "block_runs": runs, "files": files},
              open(os.path.join(d, "case.json"), "w"), indent=1, sort_keys=True)
    print(case, pipeline, status and status.group(1), len(runs), len(files))
