"""Date and number formats per language (FORMAT_MODULE_PATH): how the dashboard writes a moment or an amount."""
