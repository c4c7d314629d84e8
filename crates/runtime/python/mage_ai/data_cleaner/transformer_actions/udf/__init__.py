"""The functions an `add` column action can compute (`action_options['udf']`), one module per function."""
