"""Plan review: what a change does to each environment, as one pull-request comment or JSON.

`run_review` is imported when first asked for: every `lakestack` command registers the review's
subcommands (`review.cli`), and only the review needs the rest of the package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from review.run import run_review

__all__ = ["run_review"]


def __getattr__(name: str) -> Any:
    if name == "run_review":
        from review.run import run_review

        return run_review
    raise AttributeError(f"module 'review' has no attribute {name!r}")
