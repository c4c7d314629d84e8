"""Wand's stand-in for the `mage_ai` package, so that block code written for Mage imports without Mage installed."""

from .data_preparation.decorators import *  # noqa: F401,F403 (the decorators, re-exported)
from .data_preparation.decorators import __all__
