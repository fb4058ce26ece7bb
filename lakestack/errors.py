"""The one error type the command line turns into a clear message and exit code 2.

Every layer (config, audit inputs, bootstrap, promotion) raises `InputError` for problems the
user can fix; anything else is a bug and may surface as a traceback.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2


class InputError(Exception):
    """Bad input: a file, key or value the user has to fix. Carries one message per problem."""

    def __init__(self, problems: str | list[str], *, hint: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"error: {p}" for p in self.problems]
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


def key_path(loc: tuple[str | int, ...]) -> str:
    """`("models", 0, "name")` -> `models[0].name`: how every message spells where in a file a problem is."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"
