"""Mage's `mage_ai.data_preparation.models`: the models block code imports (`global_data_product`)."""

# A real `mage-ai` installed in the environment supplies the modules Wand does not (`models.pipeline`...): the
# installed package's folder joins this one's search path, after it.
from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)
