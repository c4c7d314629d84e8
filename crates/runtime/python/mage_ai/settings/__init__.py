"""Mage's `mage_ai.settings` package; Wand provides only `repo`."""
