"""What the product offers the deployment files, asked of the product itself: its commands and their options,
its settings' environment names and defaults. When the code renames one, the deployment tests fail here.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path
from typing import Any

from django.core.management import get_commands, load_command_class
from django.core.management.base import BaseCommand, CommandError

from synclead.config import Settings
from tests.deploy.artifacts import ROOT

# Prefixes of the names the service reads from its environment; other names in a container's environment
# (PATH, PYTHONUNBUFFERED, a database image's POSTGRES_*) are not the service's settings.
SETTING_PREFIXES = ("SYNCLEAD_", "TWILIO_", "NGROK_", "MISTRAL_", "OPENAI_", "ASSEMBLYAI_")


def setting_names() -> set[str]:
    """Every environment name `synclead.config.Settings` reads."""
    names: set[str] = set()
    for info in Settings.model_fields.values():
        for alias in (info.alias, info.validation_alias):
            if isinstance(alias, str):
                names.add(alias)
            elif alias is not None:  # AliasChoices
                names.update(choice for choice in alias.choices if isinstance(choice, str))
    return names


def setting_default(name: str) -> Any:
    """The default of the setting read from environment name `name`."""
    for info in Settings.model_fields.values():
        if name in (info.alias, info.validation_alias):
            return info.default
    raise AssertionError(f"{name} is not a setting of synclead.config.Settings")


def settings_for(env: dict[str, str]) -> Settings:
    """The settings a process gets from exactly the environment a deployment file gives it."""
    # A Twilio token, so that validation never makes up a local one in a data directory that is not here.
    return Settings(_env_file=None, **{"TWILIO_AUTH_TOKEN": "placeholder", **env})  # type: ignore[call-arg]


def recordings_dir(data_dir: str) -> Path:
    """Where the service writes recordings for that data directory (without validating anything else)."""
    return Settings.model_construct(data_dir=Path(data_dir)).recordings_dir


def models_dir(data_dir: str, models: str | None) -> Path:
    return Settings.model_construct(data_dir=Path(data_dir), models_path=Path(models) if models else None).models_dir


def unknown_settings(names: set[str]) -> list[str]:
    """Those of `names` that look like the service's settings but are not."""
    known = setting_names()
    return sorted(name for name in names if name.startswith(SETTING_PREFIXES) and name not in known)


def command_names() -> set[str]:
    return set(get_commands())


def command(argv: list[str]) -> tuple[str, dict[str, Any]]:
    """Parse `synclead <argv>` with the command's own parser: its name and options, or an AssertionError."""
    assert argv, "an empty command"
    name, *rest = argv
    commands = get_commands()
    assert name in commands, f"`synclead {name}` is not a command; there are: {', '.join(sorted(commands))}"
    app = commands[name]
    loaded = app if isinstance(app, BaseCommand) else load_command_class(app, name)
    parser = loaded.create_parser("synclead", name)
    try:
        options = vars(parser.parse_args(rest))
    except CommandError as error:
        raise AssertionError(f"`synclead {' '.join(argv)}`: {error}") from None
    return name, options


def console_script(name: str) -> object:
    """The function a `[project.scripts]` entry of pyproject.toml points at."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("scripts", {})
    assert name in scripts, f"pyproject.toml has no `{name}` script"
    module, _, attribute = scripts[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def project_readme() -> str:
    """The file pyproject.toml names as the package's readme (building the package needs it)."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["readme"]
