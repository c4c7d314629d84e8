"""Mage's trigger constants (mage_ai/orchestration/triggers/constants.py, Mage 0.9.80)."""

DEFAULT_POLL_INTERVAL = 60
TRIGGER_NAME_FOR_TRIGGER_CREATED_FROM_CODE = "API_TRIGGER_CREATED_FROM_CODE"
