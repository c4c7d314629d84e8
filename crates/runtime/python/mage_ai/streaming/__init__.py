"""Mage's `mage_ai.streaming`: the base classes of streaming sources and sinks written in Python."""
