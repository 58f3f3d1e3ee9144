"""Reading the product's data files (form definitions, rule sets), which are YAML.

libyaml's parser (PyYAML's C loader) reads them about ten times faster than the pure-Python one:
every `kiemdiem check` process loads all form definitions once, and with the Python parser that
was a fifth of a Word file's whole check. Both loaders build the same plain data; the Python
one stands in where PyYAML was built without libyaml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path) -> Any:
    """The file's data, as `yaml.safe_load` gives it."""
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)
