"""Wand's block engine on the Python side: the warm supervisor, the block contract and output storage."""
