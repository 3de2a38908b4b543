"""Phase I: the data-collection survey of the boards, its template, ingest and mapping."""
