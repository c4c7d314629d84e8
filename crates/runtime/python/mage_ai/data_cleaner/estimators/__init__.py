"""Mage's data-cleaner estimators; only the outlier remover that the `remove_outliers` action uses."""
