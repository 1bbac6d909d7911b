"""Results as tables, JSON, CSV and HXL."""
