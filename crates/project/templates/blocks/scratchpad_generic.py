"""
A scratchpad for trying things out; it is not part of pipeline runs.
"""
