"""The `lscb` command line."""
