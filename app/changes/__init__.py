"""The change log: every write to domain data, for sync clients."""
