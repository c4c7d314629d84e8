"""Mage's dynamic blocks inside a block's process: what a dynamic block's output fans out to, and the arguments and
kwargs an instance of a dynamic child (or the block below a reducing one) gets from its parents.

The rules are Mage 0.9.80's server's, recorded in fixtures/mage_dynamic/ORACLE.md: a dynamic block returns
`[items]`, `[items, metadata]` or a DataFrame; an instance gets `items[i]` (a DataFrame's row as a Series) and every
key of `metadata[i]` as kwargs; an instance below an instance gets that instance's output read as Mage reads a
child's variables; a reduce gathers every instance's output into one list, concatenating list outputs.
"""


class DynamicOutputError(Exception):
    """A dynamic block returned something Mage cannot fan out."""


def describe(output, block_uuid):
    """The count and names of the items a dynamic block's return value fans out to (stored with its output)."""
    items, metadata = split(output, block_uuid)
    count = len(items)
    names = []
    if isinstance(metadata, list):
        for index in range(count):
            entry = metadata[index] if index < len(metadata) else None
            name = entry.get("block_uuid") if isinstance(entry, dict) else None
            names.append(str(name) if name not in (None, "") else None)
        while names and names[-1] is None:
            names.pop()
    return {"count": count, "names": names}


def split(output, block_uuid):
    """`(items, metadata)` of a dynamic block's return value, or a DynamicOutputError saying what to return."""
    if _is_frame(output):
        return output, None
    if isinstance(output, (list, tuple)):
        if len(output) == 0:
            return [], None
        if len(output) <= 2 and _has_items(output[0]):
            metadata = output[1] if len(output) == 2 else None
            if metadata is not None and not isinstance(metadata, (list, tuple, dict)):
                raise DynamicOutputError(
                    f"dynamic block `{block_uuid}` returned metadata of type {type(metadata).__name__}; the second "
                    "value of [items, metadata] is a list with one dict per item (its `block_uuid` names the child)"
                )
            return output[0], list(metadata) if isinstance(metadata, tuple) else metadata
    shown = type(output).__name__
    if isinstance(output, (list, tuple)) and output:
        shown = f"a {shown} of {len(output)} {type(output[0]).__name__} values"
    raise DynamicOutputError(
        f"dynamic block `{block_uuid}` returned {shown}; a dynamic block returns [items] or [items, metadata] "
        "(items a list or a DataFrame, metadata a list of dicts) or a DataFrame, one child per item: "
        "for a plain list, return [the_list]"
    )


def arguments(request, load):
    """The block's positional arguments and the kwargs its parents add, as `(args, extra_kwargs)`, from the request's
    `inputs` and `picks` (`load` reads one stored output)."""
    inputs = request.get("inputs") or []
    picks = request.get("picks") or []
    args, extra = [], {}
    for position, stored in enumerate(inputs):
        pick = picks[position] if position < len(picks) else {"pick": "whole"}
        kind = pick["pick"]
        if kind == "whole":
            args.append(load(stored) if stored is not None else None)
            continue
        if kind == "reduce":
            value, metadata = _reduce(pick["instances"], load)
        elif kind in ("item", "instance_item"):
            value, metadata = _item(load(stored) if stored is not None else None, pick["index"], request["block_uuid"])
        else:
            value, metadata = _child(load(stored) if stored is not None else None)
        args.append(value)
        if isinstance(metadata, dict):
            extra.update(metadata)
    return args, extra


def _item(output, index, block_uuid):
    """Item `index` of a dynamic block's output and its metadata entry (Mage: `items[i]`, a row as a Series)."""
    if output is None:
        return None, None
    items, metadata = split(output, block_uuid)
    if _is_frame(items):
        module = type(items).__module__ or ""
        item = items[index] if module.startswith("polars") else items.iloc[index]
    elif isinstance(items, dict):
        item = items.get(index)
    else:
        item = items[index] if index < len(items) else None
    if isinstance(metadata, list):
        entry = metadata[index] if index < len(metadata) else None
    else:
        entry = metadata
    return item, entry


def _child(output):
    """What Mage reads from one instance's stored output: `(data, metadata)`. A returned list is Mage's list of
    output variables, each unwrapped when it is a one-element list; one variable is the data, two are
    `[data, metadata]` with the second as kwargs."""
    parts = [_unwrap(part) for part in _variables(output)]
    if not parts:
        return None, {}
    if len(parts) == 1:
        return parts[0], {}
    return parts, parts[1] if len(parts) == 2 else {}


def _reduce(instances, load):
    """Mage's reduce_output: every instance's data in index order in one list, a list's elements joined in (when it
    brings no metadata); the metadata dicts merged into the kwargs."""
    gathered, metadata = [], {}
    for stored in instances:
        if not stored:
            gathered.append(None)
            continue
        data, meta = _child(load(stored))
        if isinstance(data, list) and not _truthy(meta):
            gathered += data
            continue
        gathered.append(data)
        if _truthy(meta):
            if not isinstance(meta, dict):
                raise TypeError(
                    f"an instance returned [data, {type(meta).__name__}]: the second value of a reduced output is "
                    "a dict of kwargs (Mage fails the same way)"
                )
            metadata.update(meta)
    return gathered, metadata


def _variables(output):
    if output is None:
        return [None]
    if isinstance(output, (list, tuple)):
        return list(output)
    return [output]


def _unwrap(value):
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return value[0]
    return value


def _truthy(value):
    if _is_frame(value):
        return True
    return bool(value)


def _has_items(value):
    return _is_frame(value) or isinstance(value, (list, tuple, dict))


def _is_frame(value):
    module = type(value).__module__ or ""
    return type(value).__name__ == "DataFrame" and module.startswith(("pandas", "polars"))
