"""Phase II: the best-fit model (the indicator catalogue), consultation and gap analysis."""
