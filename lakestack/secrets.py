"""What a credential looks like, by name and by value: one definition for every layer that must not
leak one (the config refuses secret backend options and credential-shaped values anywhere, the audit's
LS-SEC-003 finds them in any attribute, the review and plan redaction mask them)."""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

# A key naming a credential: `client_secret`, `token_value`, `password`, `sas_token`, `access_key`, ...
SECRET_NAME = re.compile(
    r"token|secret|passw(or)?d|private_?key|api_?key|access_?key|plaintext|string_value|bytes_value|"
    r"credential_value|sas_?|client_certificate",
    re.IGNORECASE,
)

# A value shaped like a credential, whatever its key: Databricks and GitHub tokens, AWS keys, PEM keys, JWTs.
CREDENTIAL_VALUE = re.compile(
    r"dapi[0-9a-f]{32}|dose[0-9a-f]{32}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|"
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|AKIA[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}",
)
# How the shapes above begin, as plain text: a text in which none is found holds no credential. Found with `in`,
# Python's substring search, which reads a 1,000-model environment's strings many times faster than a pattern.
CREDENTIAL_STARTS = ("dapi", "dose", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "-----BEGIN ", "AKIA",
                     "eyJ")


@lru_cache(maxsize=1 << 16)
def secret_name(key: str) -> bool:
    """Whether an attribute or option name names a credential. Remembered per name: a platform has a few hundred
    distinct names, asked about hundreds of thousands of times by the review's masking at 1,000 models."""
    return SECRET_NAME.search(key) is not None


@lru_cache(maxsize=1 << 18)
def credential_shaped(text: str) -> bool:
    """Whether a text holds a credential-shaped value. Remembered per text: the review's masking and the audit's
    LS-SEC-003 ask about the same resolved names and references many times over, and the search costs more than
    the lookup."""
    return CREDENTIAL_VALUE.search(text) is not None


def credential_shaped_among(texts: Collection[str]) -> set[str]:
    """The texts holding a credential-shaped value. One search per start over all of them answers the common case
    (none does: a few milliseconds for a 1,000-model environment); each text is judged on its own only when a
    start is found."""
    joined = "\n".join(texts)  # no shape holds a line break, so none spans two texts
    if not any(start in joined for start in CREDENTIAL_STARTS):
        return set()
    return {text for text in texts if credential_shaped(text)}
