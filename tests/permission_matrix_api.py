"""Permission-matrix entries for the results API and the submitter pages (merged into MATRIX)."""

from __future__ import annotations

from typing import Any

API_MATRIX: dict[str, Any] = {}
