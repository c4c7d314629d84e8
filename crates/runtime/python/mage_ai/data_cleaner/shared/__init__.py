"""Small DataFrame helpers of Mage's data cleaner (`mage_ai.data_cleaner.shared`)."""
