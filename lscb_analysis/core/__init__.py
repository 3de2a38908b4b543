"""The ground floor: errors, paths, the I/O layer, the LA register, indicator metadata,
the notebook registry and provenance. Imports nothing else of the package."""
