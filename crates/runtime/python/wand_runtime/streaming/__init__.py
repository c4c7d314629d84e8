"""Streaming pipelines (Mage's `type: streaming`): one source, transformers and sinks run in one long-lived process.

`engine.py` runs the loop; `connectors.py` names the connectors by Mage's `connector_type`; one module per connector.
"""
