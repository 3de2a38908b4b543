"""Phase III: the pilot template, the ingest of returned pilots and the feasibility report."""
