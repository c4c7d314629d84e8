"""Mage's `mage_ai.data_preparation` package: block decorators, variables and secrets for Wand's block runs."""

# A real `mage-ai` installed in the environment supplies the modules Wand does not (`mage_ai.io.bigquery`...):
# the installed package's folder joins this one's search path, after it.
from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)

from .decorators import *  # noqa: F401,F403 (the decorators, re-exported)
from .decorators import __all__
