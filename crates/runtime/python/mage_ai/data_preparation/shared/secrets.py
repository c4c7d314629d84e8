"""Mage's secrets lookup: `get_secret_value('x')` (and `{{ mage_secret_var('x') }}`, which calls it) asks the Wand
worker running the block for the value of the secret `x` stored in Wand (Settings → Secrets, `wand secrets set`).
The worker hides the value in the block's log and error from then on; the value is kept in this block process only.
"""

from wand_runtime import context


class SecretNotFound(KeyError):
    """Wand stores no secret of that name."""

    def __str__(self):
        return str(self.args[0])


# The values this block process was given, by name: a block asks the worker once per secret.
_values = {}


def get_secret_value(name, *_args, **_kwargs):
    """The value of the secret `name` stored in Wand. Mage's other arguments (entity, repo name, `suppress_warning`)
    are accepted and ignored: a Wand project has one set of secrets. An unknown secret raises `SecretNotFound` (a
    KeyError) naming it, where Mage printed a warning and returned None."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"get_secret_value needs a secret's name, not {name!r}")
    if name in _values:
        return _values[name]
    if context._channel is None:
        raise RuntimeError(
            f"get_secret_value({name!r}) works only inside a block run by Wand, which asks its worker for the value"
        )
    reply = context.call({"op": "get_secret", "name": name})
    value = reply.get("value")
    if value is None:
        raise SecretNotFound(reply.get("error") or f"there is no secret {name!r}")
    _values[name] = value
    return value
