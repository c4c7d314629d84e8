"""Column types as Mage's data cleaner names them, and how it infers them from a DataFrame."""
