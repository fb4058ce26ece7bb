"""Command-line options shared by every subcommand that reads the platform config."""

from __future__ import annotations

import argparse

from infra.config import DEFAULT_CONFIG, PlatformConfig, load_config
from lakestack.errors import InputError


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", default=str(DEFAULT_CONFIG), metavar="PATH",
        help=f"platform config (default: {DEFAULT_CONFIG})",
    )


def add_env_option(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument("--env", required=required, metavar="ENV", help="environment name from the config")


def config_from(args: argparse.Namespace) -> PlatformConfig:
    return load_config(args.config)


def check_env(config: PlatformConfig, name: str) -> None:
    """Unknown environment names are bad input, with the known ones listed."""
    if name not in config.environments:
        known = ", ".join(config.environments)
        raise InputError(f"unknown environment '{name}'; the config declares: {known}")
