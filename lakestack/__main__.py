import sys

from lakestack.cli import main

sys.exit(main())
