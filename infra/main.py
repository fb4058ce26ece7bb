"""The CDKTF app entry named in `cdktf.json` (`cdktf synth|diff|deploy <stack>`).

The cdktf CLI sets the output folder through the environment; the platform config comes from
`LAKESTACK_CONFIG` (default `infra/platform.yaml`). Bad config exits 2 with the same messages
as `lakestack synth`.
"""

from __future__ import annotations

import os
import sys

from infra.config import DEFAULT_CONFIG, load_config
from lakestack.errors import EXIT_BAD_INPUT, InputError


def main() -> int:
    try:
        config = load_config(os.environ.get("LAKESTACK_CONFIG", str(DEFAULT_CONFIG)))
    except InputError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
    from infra.app import build_app

    build_app(config).synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
