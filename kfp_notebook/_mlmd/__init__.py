"""ML Metadata (MLMD), as a KFP deployment keeps it: a minimal gRPC-Web client of its
MetadataStoreService (client.py, reader.py), an MLMD SQLite store in MLMD's own schema
(schema.py, sqlstore.py), filled from a run's records as KFP's launcher fills it (fill.py) and
answered by `kfp-notebook serve` (answer.py). Neither the engine nor the executors use it."""
