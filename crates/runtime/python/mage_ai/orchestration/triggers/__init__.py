"""Mage's `mage_ai.orchestration.triggers`: starting pipeline runs from block code (`api.trigger_pipeline`)."""

# A real `mage-ai` installed in the environment supplies the modules Wand does not (e.g. `triggers.utils`): the
# installed package's folder joins this one's search path, after it.
from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)
