"""Synthetic demonstration data (marked SYNTHETIC). Imports the product; never imported by it
(the `lscb demo-data` command loads it by name)."""
