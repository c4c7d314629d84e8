"""Writes a Mage-format project for benchmarks: pipeline `one` (1 block) and `chain20` (20 blocks in a chain)."""

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


def pipeline(root, uuid, length):
    names = ["load"] + [f"step_{i}" for i in range(1, length)]
    entries = []
    for index, name in enumerate(names):
        upstream = [names[index - 1]] if index else []
        downstream = [names[index + 1]] if index + 1 < len(names) else []
        kind = "transformer" if index else "data_loader"
        entries.append(block_entry(name, kind, upstream, downstream))
    body = "blocks:\n" + "\n".join(entries) + f"\nname: {uuid}\nuuid: {uuid}\ntype: python\nvariables: {{}}\n"
    write(os.path.join(root, "pipelines", uuid, "metadata.yaml"), body)
    write(os.path.join(root, "pipelines", uuid, "__init__.py"), "")


def main(root):
    for folder in ("", "data_loaders", "transformers", "utils", "pipelines"):
        write(os.path.join(root, folder, "__init__.py"), "")
    write(os.path.join(root, "metadata.yaml"), "project_type: standalone\nvariables_dir: ~/.mage_data\n")
    write(os.path.join(root, "io_config.yaml"), "version: 0.1.1\ndefault: {}\n")
    write(os.path.join(root, "requirements.txt"), "")
    write(os.path.join(root, "data_loaders", "load.py"), LOADER)
    for i in range(1, 20):
        write(os.path.join(root, "transformers", f"step_{i}.py"), TRANSFORMER)
    pipeline(root, "one", 1)
    pipeline(root, "chain20", 20)


if __name__ == "__main__":
    main(sys.argv[1])
