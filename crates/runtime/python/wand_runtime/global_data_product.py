"""A `global_data_product` block, whose code is Wand's own (it has no file), and what its children receive.

The block asks Wand (`context.call`) whether the product's pipeline must run (Mage 0.9.80's freshness rule, decided
by the worker from the run history), waits for that run if one was started or is going, and stores what Mage hands
on: a tuple of the outputs by product block (`{block: [values of its newest runs]}`, a child's positional argument)
and the outputs of each product block in the run used (a child's `kwargs['remote_blocks']`).
"""

from wand_runtime import context, outputs

BLOCK_TYPE = "global_data_product"


class ProductFailed(Exception):
    """The product could not be had (its run failed, or it is misconfigured): Wand's reason, without a traceback."""


def run_block(request):
    """The block's output: (outputs by product block, remote blocks' outputs)."""
    configuration = request.get("configuration") or {}
    try:
        decision = context.call({"op": "global_data_product", "configuration": configuration})
        print(decision["message"], flush=True)
        call = {"op": "global_data_product_outputs", "configuration": configuration}
        if decision["action"] != "reuse":
            print(f"Waiting for pipeline run {decision['run_id']}.", flush=True)
            call["run_id"] = decision["run_id"]
        reply = context.call(call)
    except context.CallFailed as failure:
        raise ProductFailed(str(failure)) from None
    print(f"Using the outputs of pipeline run {reply['run_id']}.", flush=True)
    return (load_outputs(reply["outputs"]), [_values(stored) for stored in reply["remote_blocks"]])


def load_outputs(by_block):
    """{block: [stored outputs of each run]} → {block: [every output variable of those runs, newest run first]}."""
    return {block: [value for stored in runs for value in _values(stored)] for block, runs in by_block.items()}


def _values(stored):
    return [outputs.load_one(meta) for meta in stored["outputs"]]


def positional(request, inputs):
    """A child's positional arguments: a product block's tuple gives its first element (the outputs by block)."""
    return [
        value[0] if _is_product(upstream) and isinstance(value, tuple) and len(value) == 2 else value
        for upstream, value in zip(_upstream(request), inputs)
    ] + list(inputs[len(_upstream(request)) :])


def kwargs(request):
    """`remote_blocks` for a child of product blocks (their run's outputs, block by block), as Mage passes it."""
    remote = []
    found = False
    for upstream, stored in zip(_upstream(request), request.get("inputs") or []):
        if not _is_product(upstream) or not stored or len(stored.get("outputs") or []) != 2:
            continue
        found = True
        remote.extend(outputs.load_one(stored["outputs"][1]))
    return {"remote_blocks": remote} if found else {}


def _upstream(request):
    return request.get("upstream") or []


def _is_product(upstream):
    return (upstream or {}).get("block_type") == BLOCK_TYPE
