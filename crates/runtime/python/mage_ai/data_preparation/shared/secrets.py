"""Mage's secrets lookup; under Wand a secret is an environment variable of the same name."""

import os


class SecretNotFound(KeyError):
    """No environment variable holds the asked-for secret."""

    def __str__(self):
        return str(self.args[0])


def get_secret_value(name, *_args, **_kwargs):
    """The secret `name`, read from the environment; Mage's extra arguments (repo name, warnings) are ignored."""
    value = os.environ.get(name)
    if value is None:
        raise SecretNotFound(
            f"secret {name!r} is not set; Wand reads secrets from environment variables, "
            f"so set the environment variable {name} for the Wand server or worker"
        )
    return value
