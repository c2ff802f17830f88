"""The shipped fit model: `data/matching_model.json`, read by the matching input, written by `registry fit`.

Why a file and not a fit at every cache build: the coefficients are reviewed like code (a changed
file shows in a diff, with the cases it was fitted on in its provenance), every process ranks with
the same coefficients, and an edit through the API does not silently shift every ranking. Fitting
takes about a second, so `registry fit` refreshes the file after a new data edition, and a test
holds the shipped file to what fitting the bundled data gives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from registry.matching import FitModel

MODEL_FILE: Final = "matching_model.json"


def model_path(data_dir: Path) -> Path:
    """Return where the model file lives in a data directory."""
    return data_dir / MODEL_FILE


def read_model(data_dir: Path) -> FitModel | None:
    """Read the shipped model; None when the data directory has none (then unit coefficients count)."""
    path = model_path(data_dir)
    if not path.is_file():
        return None
    return FitModel.from_json(json.loads(path.read_text(encoding="utf-8")))


def write_model(data_dir: Path, model: FitModel) -> Path:
    """Write the model file (sorted keys, one criterion per line) and return its path."""
    path = model_path(data_dir)
    partial = path.with_suffix(".json.partial")
    partial.write_text(
        json.dumps(model.as_json(), indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    partial.replace(path)
    return path
