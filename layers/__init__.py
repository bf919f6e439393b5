"""Incident layers: parsers that turn source files into the store's common schema, and the ingest step."""
