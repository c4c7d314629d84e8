"""Wand's block engine on the Python side: the warm worker, the block contract and output storage."""
