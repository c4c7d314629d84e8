"""Mage's transformer actions: column and row operations described as a dictionary and run by `BaseAction`."""
