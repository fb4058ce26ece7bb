"""SCIM group lookups for `FakeDatabricks`: what the provider's `databricks_group` data source reads at plan.

Every group name resolves to a stable id derived from the name, in the shape of the SCIM 2.0
`ListResponse` the workspace and account APIs answer.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

from tests.fakes.server import FakeDatabricks, Request

DISPLAY_NAME_FILTER = re.compile(r'displayName eq "([^"]+)"')


def group_id(name: str) -> str:
    return str(10_000 + zlib.crc32(name.encode()) % 90_000)


def _groups(request: Request) -> tuple[int, Any]:
    match = DISPLAY_NAME_FILTER.search(request.arg("filter") or "")
    resources = [{"id": group_id(match.group(1)), "displayName": match.group(1)}] if match else []
    return 200, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                 "totalResults": len(resources), "startIndex": 1, "itemsPerPage": len(resources),
                 "Resources": resources}


def install(server: FakeDatabricks) -> None:
    server.route("GET", r"/api/2\.0/preview/scim/v2/Groups", _groups)
    server.route("GET", r"/api/2\.0/accounts/[^/]+/scim/v2/Groups", _groups)
