"""Mage's `mage_ai.data_preparation` package: block decorators, variables and secrets for Wand's block runs."""

from .decorators import *  # noqa: F401,F403 (the decorators, re-exported)
from .decorators import __all__
