"""Writes the Mage-format project both tools run in the benchmarks: `one` (1 block), `chain20` and `chain100`
(blocks in a chain), `fan20` (a root and 20 children), `fan10` (a root and 9 children, for bench/throughput.py),
`frame3` (3 blocks passing a 100,000-row x 5-column pandas DataFrame) and `frame1m` (the same with 1,000,000 rows
x 10 columns), and `sql200` and `sql1m`: a Python loader (200 or 1,000,000 rows x 5 columns), a DuckDB SQL transformer
(`SELECT ... FROM {{ df_1 }} WHERE ...`) and a Python exporter, and `dyn1000`: a dynamic loader of 1,000 items and a
trivial child that runs once per item (Mage's dynamic blocks). Every other block is trivial Python. Usage:
make_project.py PROJECT_FOLDER."""

import os
import sys

LOADER = """if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader


@data_loader
def load(*args, **kwargs):
    return 1
"""

TRANSFORMER = """if 'transformer' not in globals():
    from mage_ai.data_preparation.decorators import transformer


@transformer
def step(value, *args, **kwargs):
    return value + 1
"""


FRAME_LOADER = """import numpy as np
import pandas as pd

if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader


@data_loader
def load(*args, **kwargs):
    rng = np.random.default_rng(7)
    return pd.DataFrame(rng.random((ROWS, COLUMNS)), columns=[f'c{i}' for i in range(COLUMNS)])
"""

FRAME_TRANSFORMER = """if 'transformer' not in globals():
    from mage_ai.data_preparation.decorators import transformer


@transformer
def transform(df, *args, **kwargs):
    df['total'] = df.sum(axis=1)
    return df
"""

FRAME_EXPORTER = """if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export(df, *args, **kwargs):
    return float(df['total'].mean())
"""


SQL_TRANSFORMER = """-- The rows whose first value is above one half, with a computed column.
SELECT c0, c1, c2, c3, c4, c0 + c1 AS c01
FROM {{ df_1 }}
WHERE c0 > 0.5
"""

# A DuckDB file in the folder both tools run in (bench/suite.py runs them with the same working directory).
SQL_CONFIGURATION = (
    "{data_provider: duckdb, data_provider_profile: default, data_provider_schema: main, "
    "export_write_policy: replace, use_raw_sql: false}"
)


SQL_EXPORTER = """if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export(df, *args, **kwargs):
    return float(df['c01'].mean())
"""

DYNAMIC_LOADER = """if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader


@data_loader
def fan_out(*args, **kwargs):
    return [list(range(1000))]
"""


def block_entry(uuid, kind, upstream, downstream, language="python", configuration="{}"):
    lines = [
        f"- uuid: {uuid}",
        f"  name: {uuid}",
        f"  type: {kind}",
        f"  language: {language}",
        "  executor_type: local_python",
        f"  configuration: {configuration}",
        f"  upstream_blocks: [{', '.join(upstream)}]",
        f"  downstream_blocks: [{', '.join(downstream)}]",
    ]
    return "\n".join(lines)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as file:
        file.write(text)


def pipeline(root, uuid, length, names=None, kinds=None):
    names = names or ["load"] + [f"step_{i}" for i in range(1, length)]
    kinds = kinds or ["data_loader"] + ["transformer"] * (length - 1)
    entries = []
    for index, name in enumerate(names):
        upstream = [names[index - 1]] if index else []
        downstream = [names[index + 1]] if index + 1 < len(names) else []
        entries.append(block_entry(name, kinds[index], upstream, downstream))
    body = "blocks:\n" + "\n".join(entries) + f"\nname: {uuid}\nuuid: {uuid}\ntype: python\nvariables: {{}}\n"
    write(os.path.join(root, "pipelines", uuid, "metadata.yaml"), body)
    write(os.path.join(root, "pipelines", uuid, "__init__.py"), "")


def main(root):
    for folder in ("", "data_loaders", "transformers", "data_exporters", "utils", "pipelines"):
        write(os.path.join(root, folder, "__init__.py"), "")
    write(os.path.join(root, "metadata.yaml"), "project_type: standalone\nvariables_dir: ~/.mage_data\n")
    write(os.path.join(root, "io_config.yaml"), "version: 0.1.1\ndefault:\n  DUCKDB_DATABASE: bench.duckdb\n")
    write(os.path.join(root, "requirements.txt"), "")
    write(os.path.join(root, "data_loaders", "load.py"), LOADER)
    for i in range(1, 100):
        write(os.path.join(root, "transformers", f"step_{i}.py"), TRANSFORMER)
    for uuid, rows, columns in (("frame3", 100_000, 5), ("frame1m", 1_000_000, 10)):
        loader = FRAME_LOADER.replace("ROWS", f"{rows:_}").replace("COLUMNS", str(columns))
        names = [f"{uuid}_load", f"{uuid}_transform", f"{uuid}_export"]
        write(os.path.join(root, "data_loaders", f"{names[0]}.py"), loader)
        write(os.path.join(root, "transformers", f"{names[1]}.py"), FRAME_TRANSFORMER)
        write(os.path.join(root, "data_exporters", f"{names[2]}.py"), FRAME_EXPORTER)
        pipeline(root, uuid, 3, names=names, kinds=["data_loader", "transformer", "data_exporter"])
    for uuid, rows in (("sql200", 200), ("sql1m", 1_000_000)):
        loader = FRAME_LOADER.replace("ROWS", f"{rows:_}").replace("COLUMNS", "5")
        names = [f"{uuid}_load", f"{uuid}_select", f"{uuid}_export"]
        write(os.path.join(root, "data_loaders", f"{names[0]}.py"), loader)
        write(os.path.join(root, "transformers", f"{names[1]}.sql"), SQL_TRANSFORMER)
        write(os.path.join(root, "data_exporters", f"{names[2]}.py"), SQL_EXPORTER)
        entries = [
            block_entry(names[0], "data_loader", [], [names[1]]),
            block_entry(names[1], "transformer", [names[0]], [names[2]], "sql", SQL_CONFIGURATION),
            block_entry(names[2], "data_exporter", [names[1]], []),
        ]
        write(os.path.join(root, "pipelines", uuid, "metadata.yaml"),
              "blocks:\n" + "\n".join(entries) + f"\nname: {uuid}\nuuid: {uuid}\ntype: python\nvariables: {{}}\n")
        write(os.path.join(root, "pipelines", uuid, "__init__.py"), "")
    for uuid, children in (("fan10", 9), ("fan20", 20)):
        fan = ["load"] + [f"step_{i}" for i in range(1, children + 1)]
        entries = [block_entry(name, "data_loader" if i == 0 else "transformer", [] if i == 0 else ["load"],
                               fan[1:] if i == 0 else []) for i, name in enumerate(fan)]
        write(os.path.join(root, "pipelines", uuid, "metadata.yaml"),
              "blocks:\n" + "\n".join(entries) + f"\nname: {uuid}\nuuid: {uuid}\ntype: python\nvariables: {{}}\n")
        write(os.path.join(root, "pipelines", uuid, "__init__.py"), "")
    write(os.path.join(root, "data_loaders", "dyn1000_load.py"), DYNAMIC_LOADER)
    entries = [
        block_entry("dyn1000_load", "data_loader", [], ["step_1"], configuration="{dynamic: true}"),
        block_entry("step_1", "transformer", ["dyn1000_load"], []),
    ]
    write(os.path.join(root, "pipelines", "dyn1000", "metadata.yaml"),
          "blocks:\n" + "\n".join(entries) + "\nname: dyn1000\nuuid: dyn1000\ntype: python\nvariables: {}\n")
    write(os.path.join(root, "pipelines", "dyn1000", "__init__.py"), "")
    pipeline(root, "one", 1)
    pipeline(root, "chain20", 20)
    pipeline(root, "chain100", 100)


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.exit(__doc__)
    main(sys.argv[1])
