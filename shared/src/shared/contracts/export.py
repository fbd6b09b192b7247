"""`make schemas`: write the standalone JSON Schemas and the AsyncAPI document.

Its own module so that neither generator imports the other: the AsyncAPI document is
built from the schema module's envelopes, and this is the one place that writes both.
"""

from __future__ import annotations

import sys
from pathlib import Path

from shared.contracts import asyncapi, schema


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "contracts/schemas")
    for path in schema.export(folder):
        print(path)
    document = folder.parent / "asyncapi.json"
    asyncapi.export(document)
    print(document)


if __name__ == "__main__":
    main()
