"""Running notebooks: the runner, report packs, executors, warm workers, the report index."""
