"""Wand's stand-in for the `mage_ai` package, so that block code written for Mage imports without Mage installed."""

# A real `mage-ai` installed in the environment supplies the modules Wand does not (`mage_ai.io.bigquery`...):
# the installed package's folder joins this one's search path, after it.
from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)

from .data_preparation.decorators import *  # noqa: F401,F403 (the decorators, re-exported)
from .data_preparation.decorators import __all__
