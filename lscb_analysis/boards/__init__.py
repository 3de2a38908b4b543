"""The boards' quarterly packs: the Operational Board's view across sub-group cards and the
Leadership Board's Core Data Set."""
