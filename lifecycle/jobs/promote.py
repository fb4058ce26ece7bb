"""Job entry point: copy the previous environment's champion here and promote it (deploy-model).

A Databricks job task runs this file (`spark_python_task`) from the Git checkout; the code lives in
`lifecycle.deployment.cross_env`.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout root, so the packages import

from lifecycle.deployment.cross_env import build_parser, main  # noqa: F401  (build_parser: parsed by the job-contract test)

if __name__ == "__main__":
    sys.exit(main())
