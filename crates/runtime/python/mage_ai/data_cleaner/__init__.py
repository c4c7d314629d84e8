"""Wand's stand-in for Mage's `mage_ai.data_cleaner`: the parts its transformer-action templates use."""
