"""Writes a Mage-format project for benchmarks: `one` (1 block), `chain20` (20 blocks in a chain) and `frame3`
(3 blocks passing a 100,000-row x 5-column pandas DataFrame)."""

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
    return pd.DataFrame(rng.random((100_000, 5)), columns=list('abcde'))
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


def block_entry(uuid, kind, upstream, downstream):
    lines = [
        f"- uuid: {uuid}",
        f"  name: {uuid}",
        f"  type: {kind}",
        "  language: python",
        "  executor_type: local_python",
        "  configuration: {}",
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
    write(os.path.join(root, "io_config.yaml"), "version: 0.1.1\ndefault: {}\n")
    write(os.path.join(root, "requirements.txt"), "")
    write(os.path.join(root, "data_loaders", "load.py"), LOADER)
    for i in range(1, 20):
        write(os.path.join(root, "transformers", f"step_{i}.py"), TRANSFORMER)
    write(os.path.join(root, "data_loaders", "frame_load.py"), FRAME_LOADER)
    write(os.path.join(root, "transformers", "frame_transform.py"), FRAME_TRANSFORMER)
    write(os.path.join(root, "data_exporters", "frame_export.py"), FRAME_EXPORTER)
    fan = ["load"] + [f"step_{i}" for i in range(1, 10)]
    entries = [block_entry(name, "data_loader" if i == 0 else "transformer", [] if i == 0 else ["load"],
                           fan[1:] if i == 0 else []) for i, name in enumerate(fan)]
    write(os.path.join(root, "pipelines", "fan10", "metadata.yaml"),
          "blocks:\n" + "\n".join(entries) + "\nname: fan10\nuuid: fan10\ntype: python\nvariables: {}\n")
    write(os.path.join(root, "pipelines", "fan10", "__init__.py"), "")
    pipeline(root, "one", 1)
    pipeline(root, "chain20", 20)
    pipeline(
        root,
        "frame3",
        3,
        names=["frame_load", "frame_transform", "frame_export"],
        kinds=["data_loader", "transformer", "data_exporter"],
    )


if __name__ == "__main__":
    main(sys.argv[1])
