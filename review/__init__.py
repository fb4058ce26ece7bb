"""Plan review: what a change does to each environment, as one pull-request comment or JSON."""

from review.run import run_review

__all__ = ["run_review"]
