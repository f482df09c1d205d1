"""Loaded by `schemathesis run` (SCHEMATHESIS_HOOKS): tus chunks are raw bytes."""

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
