"""localtrace: a locally-run test, trace and isolate service for public health teams."""

__version__ = "0.1.0"
