"""Environments as the base branch declares them, and what a pull request lowers.

The gate must not believe the pull request about itself: a head config that renames prod's tier to
`dev` would otherwise review a prod change as a dev one. So tier, protection and access are read
from both configs, the stricter tier wins, and lowering any of them is a high risk on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from infra.config import PlatformConfig
from infra.config.model import TIERS
from lakestack.terraform_json import environment_of_stack
from review.highlights import HIGH, MEDIUM, Risk, TierOf
from review.synth_diff import resources

TIER_RANK = {"dev": 0, "staging": 1, "prod": 2}
ROLE_RANK = {"reader": 1, "writer": 2}
RECLASSIFIED, PROTECTION, ACCESS = "reclassification", "protection removed", "access widened"


@dataclass(frozen=True)
class ReadPath:
    """A deploy-model step seen from its source: the receiving deployer reads one registered model here."""

    receiver: str  # the environment whose deployer copies the versions
    securable: str  # the source registered model's full name
    model: str
    step: str  # `staging -> prod`

    def phrase(self, verb: str) -> str:
        return (f"{self.receiver} deployer {verb} read of {self.securable} "
                f"(deploy-model {self.model}: {self.step})")


@dataclass(frozen=True)
class Posture:
    """What the review needs to know about one environment, from one config."""

    name: str
    tier: str
    catalog: str
    host: str
    workspace_id: int | None
    access: dict[str, str]  # role name -> reader | writer
    groups: dict[str, str]  # role name -> account group
    read_only_from: tuple[str, ...]
    read_paths: tuple[ReadPath, ...] = ()  # deploy-model steps out of this environment

    @property
    def protected(self) -> bool:
        return self.tier == "prod"


Postures = dict[str, Posture]


def postures(config: PlatformConfig | None) -> Postures:
    if config is None:
        return {}
    found = {}
    for env in config.envs():
        found[env.name] = Posture(
            name=env.name, tier=env.tier, catalog=env.catalog, host=env.host.rstrip("/"),
            workspace_id=env.config.workspace.workspace_id, access=dict(env.config.access), groups=dict(config.groups),
            read_only_from=tuple(env.config.read_only_from),
            read_paths=tuple(
                ReadPath(receiver=receiver, securable=env.model_full_name(model), model=model.name,
                         step=f"{env.name} -> {receiver}")
                for receiver, models in env.promoted_models.items() for model in models
            ),
        )
    return found


def stricter(*tiers: str | None) -> str:
    known = [t for t in tiers if t in TIER_RANK]
    return max(known, key=TIER_RANK.__getitem__) if known else "unknown"


def tier_judge(base: Postures, head: Postures) -> TierOf:
    """Environment -> the stricter of its base and head tier; one neither declares keeps its name as tier
    when that is a tier name (a removed `prod` stays prod), else `unknown`."""

    @cache  # asked for every change of a large review, about a handful of environments
    def tier_of(environment: str) -> str:
        declared = [p[environment].tier for p in (base, head) if environment in p]
        return stricter(*declared) if declared else stricter(environment if environment in TIERS else None)

    return tier_of


def judged_config(config: PlatformConfig, tier_of: TierOf) -> PlatformConfig:
    """The head config with each environment at its judged tier, so the audit applies prod's rules
    (the unwaivable prod-destroy rule among them) to an environment the head calls dev."""
    environments = {name: env.model_copy(update={"tier": tier_of(name)}) if tier_of(name) in TIER_RANK else env
                    for name, env in config.environments.items()}
    return config.model_copy(update={"environments": environments})


def posture_risks(base: Postures, head: Postures) -> list[Risk]:
    """Tier lowered, prod protection removed, access to prod data widened: high, whatever the head says."""
    found: list[Risk] = []
    for name, before in base.items():
        after = head.get(name)
        if after is None:
            continue
        if TIER_RANK.get(after.tier, -1) < TIER_RANK.get(before.tier, -1):
            lost = "; it loses prod protection (prevent_destroy, no force_destroy)" if before.protected else ""
            found.append(Risk(HIGH, RECLASSIFIED, name, f"environments.{name}.tier",
                              f"{name} is reclassified from {before.tier} to {after.tier}: it is still judged "
                              f"as {before.tier} until this merges{lost}"))
        if before.tier == "prod":
            found.extend(_widened(before, after))
    return found


def _widened(before: Posture, after: Posture) -> Iterable[Risk]:
    for role, level in after.access.items():
        old = before.access.get(role)
        if ROLE_RANK.get(level, 0) > ROLE_RANK.get(old or "", 0):
            yield Risk(HIGH, ACCESS, before.name, f"environments.{before.name}.access.{role}",
                       f"{role} become {level}s in {before.name}" + (f" (were {old}s)" if old else ""))
    for env in after.read_only_from:
        if env not in before.read_only_from:
            yield Risk(HIGH, ACCESS, before.name, f"environments.{before.name}.read_only_from",
                       f"the {env} workspace gains read access to {before.name}'s catalog {after.catalog}")
    if after.catalog != before.catalog:
        yield Risk(HIGH, ACCESS, before.name, f"environments.{before.name}.catalog",
                   f"{before.name}'s catalog changes from {before.catalog} to {after.catalog}")


def access_causes(base: Postures, head: Postures) -> dict[str, list[str]]:
    """Environment -> access changes in config words (`data_scientists become writers`)."""
    causes: dict[str, list[str]] = {}
    for name, after in head.items():
        before = base.get(name)
        if before is None:
            continue
        for role in sorted(set(before.access) | set(after.access)):
            old, new = before.access.get(role), after.access.get(role)
            if old == new:
                continue
            text = f"{role} become {new}s in {name}" if new else f"{role} lose access to {name}"
            causes.setdefault(name, []).append(text)
        if after.tier != before.tier:
            causes.setdefault(name, []).append(f"tier {before.tier} -> {after.tier}")
        causes.setdefault(name, []).extend(read_path_causes(before, after))
    return {name: phrases for name, phrases in causes.items() if phrases}


def read_path_causes(before: Posture, after: Posture) -> list[str]:
    """Which deployer gains or loses read of which source model: the grants a deploy-model strategy implies."""
    gained = [p.phrase("gains") for p in after.read_paths if p not in before.read_paths]
    return gained + [p.phrase("loses") for p in before.read_paths if p not in after.read_paths]


def protection_risks(base_docs: dict[str, dict[str, Any]], head_docs: dict[str, dict[str, Any]],
                     tier_of: TierOf) -> list[Risk]:
    """A resource that keeps existing but loses `prevent_destroy`: the next PR can destroy it unnoticed."""
    found = []
    for stack, base_doc in base_docs.items():
        head = resources(head_docs.get(stack, {}))
        for address, (_, body) in resources(base_doc).items():
            if address not in head or not (body.get("lifecycle") or {}).get("prevent_destroy"):
                continue
            if not (head[address][1].get("lifecycle") or {}).get("prevent_destroy"):
                environment = environment_of_stack(stack)
                level = HIGH if tier_of(environment) == "prod" else MEDIUM
                found.append(Risk(level, PROTECTION, environment, address,
                                  "loses prevent_destroy: a later change could destroy it without this warning"))
    return found
