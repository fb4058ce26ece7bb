"""Waivers: a reviewed, owned, expiring exception to one rule for one resource.

`policies/waivers.yaml` lists them. A waiver needs a real reason (no "todo", no "n/a"), an owner
and an expiry date; after that date it no longer waives anything and is itself reported. The
secrets and prod-destroy rules cannot be waived: fixing them is always possible and always owed.
A waiver file with a mistake is bad input (file:line, exit 2), so a typo never waives silently.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from infra.config.yaml_source import YamlSource, load_yaml
from lakestack.errors import InputError
from policies.findings import Finding
from policies.rules.base import AnyRule, Rule, Scope, Severity

FIELDS = ("rule", "resource", "environment", "reason", "owner", "expires")
REQUIRED = ("rule", "resource", "reason", "owner", "expires")
PLACEHOLDERS = frozenset({
    "todo", "tbd", "tbc", "fixme", "n/a", "na", "none", "null", "nil", "-", "?", "...", "x", "xxx", "wip", "temp",
    "temporary", "later", "placeholder", "reason", "waived", "waiver", "test", "ok", "fine", "because", "needed",
    "required", "whatever", "ignore", "skip", "known issue",
})
MIN_REASON_WORDS = 3
DEFAULT_WAIVERS = Path("policies/waivers.yaml")


def default_waivers_path() -> Path | None:
    """The project's waiver file when it exists (relative to the working directory, like --config)."""
    return DEFAULT_WAIVERS if DEFAULT_WAIVERS.is_file() else None


def _no_check(_: object) -> Iterable[Any]:
    return ()


EXPIRED = Rule(
    id="LS-WAIVER-001", title="Expired waiver", severity=Severity.MEDIUM, resource_types=(), scope=Scope.ALL,
    rationale="A waiver is a dated promise to fix; once past its date the finding it covered is reported again.",
    remediation="Fix the finding and delete the waiver, or renew it with a new reason and expiry date.",
    check=_no_check, waivable=False, sources=(),
)
UNUSED = Rule(
    id="LS-WAIVER-002", title="Waiver matches no finding", severity=Severity.LOW, resource_types=(),
    scope=Scope.ALL,
    rationale="A waiver that matches nothing is stale (the finding was fixed or the resource renamed) and may "
              "silently waive a future finding.",
    remediation="Delete the waiver.",
    check=_no_check, waivable=False, sources=(),
)
META_RULES = (EXPIRED, UNUSED)


@dataclass(frozen=True)
class Waiver:
    rule: str
    resource: str  # a Terraform address; `*` and `?` match like shell patterns
    environment: str | None
    reason: str
    owner: str
    expires: dt.date
    path: str
    line: int | None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def matches(self, finding: Finding) -> bool:
        return (finding.rule_id == self.rule and fnmatchcase(finding.resource, self.resource)
                and self.environment in (None, finding.environment))

    def expired(self, today: dt.date) -> bool:
        return self.expires < today


def load_waivers(path: Path, rules: Mapping[str, AnyRule], environments: Iterable[str]) -> list[Waiver]:
    """Read and check the waiver file; every problem is reported at once as file:line: message."""
    source = load_yaml(Path(path))
    data = source.data
    if data is None:
        return []
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"waivers"})
        if unknown:
            raise InputError(f"{source.where((unknown[0],))}: unknown key '{unknown[0]}'; the file holds `waivers:`")
        data = data.get("waivers") or []
    if not isinstance(data, list):
        raise InputError(f"{source.where(('waivers',))}: `waivers` must be a list of entries")
    problems: list[str] = []
    waivers = []
    for i, entry in enumerate(data):
        found = _check_entry(source, i, entry, rules, list(environments))
        if isinstance(found, Waiver):
            waivers.append(found)
        else:
            problems += found
    if problems:
        raise InputError(problems, hint="each waiver needs rule, resource, reason, owner and expires (YYYY-MM-DD)")
    return waivers


def _check_entry(source: YamlSource, i: int, entry: Any, rules: Mapping[str, AnyRule],
                 environments: list[str]) -> Waiver | list[str]:
    base = ("waivers", i) if isinstance(source.data, dict) else (i,)

    def at(key: str | None = None) -> str:
        return f"{source.where((*base, key) if key else base)}: waivers[{i}]{'.' + key if key else ''}"

    if not isinstance(entry, dict):
        return [f"{at()}: expected a mapping with {', '.join(REQUIRED)}"]
    problems = [f"{at(str(key))}: unknown key '{key}'{_guess(str(key), FIELDS)}" for key in entry if key not in FIELDS]
    for key in REQUIRED:
        if key not in entry:
            problems.append(f"{at()}: missing required key '{key}'")
        elif entry[key] in (None, ""):
            problems.append(f"{at(key)}: '{key}' is empty")
    rule_id = str(entry.get("rule") or "")
    if rule_id and rule_id not in rules:
        problems.append(f"{at('rule')}: unknown rule '{rule_id}'{_guess(rule_id, list(rules))}")
    elif rule_id and not rules[rule_id].waivable:
        problems.append(f"{at('rule')}: {rule_id} ({rules[rule_id].title}) cannot be waived; fix the resource")
    environment = entry.get("environment")
    if environment is not None and str(environment) not in environments:
        guess = _guess(str(environment), environments)
        problems.append(f"{at('environment')}: unknown environment '{environment}'{guess}")
    reason = str(entry.get("reason") or "").strip()
    if reason and not meaningful(reason):
        problems.append(f"{at('reason')}: '{reason}' is not a reason; say why the risk is accepted, in at least "
                        f"{MIN_REASON_WORDS} words a reviewer can check")
    expires = entry.get("expires")
    if expires not in (None, "") and not isinstance(expires, dt.date):
        problems.append(f"{at('expires')}: '{expires}' is not a date; write YYYY-MM-DD")
    if problems:
        return problems
    assert isinstance(expires, dt.date)  # required and checked above
    return Waiver(rule=rule_id, resource=str(entry["resource"]), environment=environment and str(environment),
                  reason=reason, owner=str(entry["owner"]), expires=expires, path=str(source.path),
                  line=source.line_of(base))


def meaningful(reason: str) -> bool:
    normalised = re.sub(r"\s+", " ", reason.strip().lower()).strip(" .!:;")
    if normalised in PLACEHOLDERS or re.match(r"^(todo|tbd|fixme|xxx)\b", normalised):
        return False
    return len(re.findall(r"[a-z0-9]+", normalised)) >= MIN_REASON_WORDS


def _guess(value: str, known: Iterable[str]) -> str:
    known = list(known)
    guess = difflib.get_close_matches(value, known, n=1)
    return f" (did you mean '{guess[0]}'?)" if guess else f"; known: {', '.join(known)}"


def apply_waivers(findings: list[Finding], waivers: list[Waiver], today: dt.date) -> list[Finding]:
    """Mark waived findings; report expired waivers and waivers that match nothing."""
    out: list[Finding] = []
    used: set[int] = set()
    for finding in findings:
        for index, waiver in enumerate(waivers):
            if waiver.matches(finding):
                used.add(index)
                if not waiver.expired(today):
                    finding = finding.waive(f"{waiver.reason} (owner {waiver.owner}, until {waiver.expires})")
                    break
        out.append(finding)
    for index, waiver in enumerate(waivers):
        if waiver.expired(today):
            out.append(_meta(EXPIRED, waiver, f"waiver for {waiver.rule} on {waiver.resource} (owner "
                                              f"{waiver.owner}) expired on {waiver.expires}; {waiver.where}"))
        elif index not in used:
            out.append(_meta(UNUSED, waiver, f"waiver for {waiver.rule} on {waiver.resource} matches no finding; "
                                             f"{waiver.where}"))
    return out


def _meta(rule: Rule, waiver: Waiver, message: str) -> Finding:
    return Finding(rule_id=rule.id, title=rule.title, severity=rule.severity, environment=waiver.environment or "*",
                   resource=waiver.resource, message=message, source="waivers", path=waiver.path,
                   line=waiver.line)
