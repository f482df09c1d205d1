import sys
from pathlib import Path

# Share the upload helpers (tests/uploads/tuskit.py) with the asset tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "uploads"))
