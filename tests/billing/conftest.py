"""The billing tests' fixture lives in billing_helpers (the web app's tests use it too)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from billing_helpers import billing

__all__ = ["billing"]
