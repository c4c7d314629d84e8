"""Mage's `mage_ai.data_preparation.shared` package; Wand provides only `secrets`."""
