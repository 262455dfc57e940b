"""Schemathesis hooks for the city API (SCHEMATHESIS_HOOKS=hooks, run from this directory)."""

import schemathesis

# The 予約枠報告様式 upload is a file's bytes, sent as they are.
schemathesis.serializer.alias(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/octet-stream",
)
