"""Mage's `mage_ai.orchestration` package; Wand provides `run_status_checker` and `triggers.api`."""

# A real `mage-ai` installed in the environment supplies the modules Wand does not (`mage_ai.io.bigquery`...):
# the installed package's folder joins this one's search path, after it.
from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)
