"""pytest plugin (``pytest11`` entry point ``ssm_assoc_stub``): fixture, marker and settings.

``def test_x(ssm_assoc_stub):`` gets a started ``AssociationStub``.  Its options come from,
highest first: the closest ``@pytest.mark.ssm_assoc_stub(**options)`` marker, a command-line
flag (``--ssm-assoc-stub-progression=manual``), an ini setting (``ssm_assoc_stub_progression =
manual`` in ``pytest.ini``, or ``[tool.pytest.ini_options]`` of ``pyproject.toml``), the
stub's own default.  ``pytest --help`` lists the flags and settings, ``pytest --markers`` the
marker's options.  The package is imported only when a setting is given (to check it at
start-up) or the fixture runs, so loading the plugin costs next to nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

if TYPE_CHECKING:
    from ssm_assoc_stub import AssociationStub

__all__ = ["SETTINGS", "Setting", "pytest_addoption", "pytest_configure", "ssm_assoc_stub"]


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def _aware(text: str) -> datetime:
    text = text.strip()
    value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    if value.tzinfo is None:
        raise ValueError(f"expected an ISO 8601 time with its offset (e.g. ...Z), got {text!r}")
    return value


def _seed(text: str) -> int | str:
    text = text.strip()
    return int(text) if text.lstrip("-").isdigit() else text


def _choice(*values: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text.strip() not in values:
            raise ValueError(f"expected one of {', '.join(values)}, got {text!r}")
        return text.strip()

    return parse


class Setting(NamedTuple):
    """One ``AssociationStub`` option the plugin can set for every test."""

    option: str  # the AssociationStub keyword
    parse: Callable[[str], Any]  # ini / command-line text -> the option's value
    shown: str  # the values, for the help texts
    default: Any  # AssociationStub's own default (tests/test_plugin.py keeps them equal)
    help: str

    @property
    def ini(self) -> str:
        return f"ssm_assoc_stub_{self.option}"

    @property
    def flag(self) -> str:
        return "--ssm-assoc-stub-" + self.option.replace("_", "-")

    @property
    def dest(self) -> str:
        return f"ssm_assoc_stub_{self.option}"


# Every option of AssociationStub but clients= (which takes client objects).
SETTINGS: tuple[Setting, ...] = (
    Setting("passthrough", _bool, "true|false", False, "send unemulated SSM calls on"),
    Setting("account_id", str, "12 digits", "123456789012", "the account the stub stands for"),
    Setting(
        "update_semantics",
        _choice("replace", "merge"),
        "replace|merge",
        "replace",
        "what UpdateAssociation does with omitted members",
    ),
    Setting(
        "default_max_concurrency",
        str,
        "N|N%",
        "100%",
        "what an unset MaxConcurrency means",
    ),
    Setting("association_limit", int, "int", 2000, "active associations per Region"),
    Setting("version_limit", int, "int", 1000, "versions per association"),
    Setting("strict_fleet", _bool, "true|false", False, "unknown node ids are errors"),
    Setting(
        "progression",
        _choice("immediate", "manual"),
        "immediate|manual",
        "immediate",
        "whether executions finish before the next call",
    ),
    Setting("history_limit", int, "int", 100, "finished executions kept per association"),
    Setting(
        "history_target_limit",
        int,
        "int",
        100_000,
        "per-target rows kept per association's finished executions",
    ),
    Setting(
        "start_time",
        _aware,
        "ISO 8601 time with offset",
        None,
        "where the stub's clock starts (default: the code's now)",
    ),
    Setting("seed", _seed, "int|str", None, "make ids the same on every run"),
    Setting(
        "clock",
        _choice("follow", "pinned"),
        "follow|pinned",
        None,
        "follow the code's clock, or pin the stub's (default: follow, unless start_time or manual)",
    ),
)


_METAVARS = {"start_time": "TIME", "default_max_concurrency": "N|N%", "account_id": "ID"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(
        "ssm_assoc_stub",
        "ssm_assoc_stub: defaults for the ssm_assoc_stub fixture's AssociationStub "
        "(a @pytest.mark.ssm_assoc_stub option wins over a flag, a flag over an ini setting)",
    )
    for setting in SETTINGS:
        group.addoption(
            setting.flag,
            dest=setting.dest,
            default=None,
            metavar=_METAVARS.get(setting.option, setting.shown.upper()),
            help=f"{setting.help} ({setting.shown}; overrides ini {setting.ini})".replace(
                "%", "%%"
            ),
        )
        parser.addini(
            setting.ini,
            f"ssm_assoc_stub: {setting.help} ({setting.shown}; default {setting.default!r})",
            default=None,
        )


def _marker_help() -> str:
    options = ", ".join(f"{s.option}={s.shown}" for s in SETTINGS)
    return (
        "ssm_assoc_stub(**options): keyword options for the ssm_assoc_stub fixture's "
        f"AssociationStub, over the --ssm-assoc-stub-* flags and ssm_assoc_stub_* ini settings: "
        f"{options} (see AssociationStub)."
    )


def _chosen(config: pytest.Config) -> dict[str, Any]:
    """The options the command line and the ini file set, command line first."""
    chosen: dict[str, Any] = {}
    for setting in SETTINGS:
        for where, text in (
            (setting.flag, config.getoption(setting.dest, default=None)),
            (setting.ini, config.getini(setting.ini)),
        ):
            if text is None or text == "":
                continue
            try:
                chosen[setting.option] = setting.parse(str(text))
            except ValueError as error:
                raise pytest.UsageError(f"ssm_assoc_stub: {where}: {error}") from None
            break
    return chosen


_SETTINGS_KEY = pytest.StashKey[dict[str, Any]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", _marker_help())
    chosen = _chosen(config)
    if chosen:  # check them once, at start-up, as the stub would
        from ssm_assoc_stub import AssociationStub

        try:
            AssociationStub(**chosen)
        except (TypeError, ValueError) as error:
            raise pytest.UsageError(f"ssm_assoc_stub settings: {error}") from None
    config.stash[_SETTINGS_KEY] = chosen


@pytest.fixture
def ssm_assoc_stub(request: pytest.FixtureRequest) -> Iterator[AssociationStub]:
    """A started AssociationStub, fresh for each test.

    Options: the closest ``@pytest.mark.ssm_assoc_stub(...)`` marker's, over the plugin
    settings (command line, then ini), over the stub's defaults.
    """
    from ssm_assoc_stub import AssociationStub

    marker = request.node.get_closest_marker("ssm_assoc_stub")
    if marker is not None and marker.args:
        raise TypeError("@pytest.mark.ssm_assoc_stub takes keyword options only")
    configured = request.config.stash.get(_SETTINGS_KEY, None)
    options: dict[str, Any] = dict(configured) if configured is not None else {}
    if marker is not None:
        options.update(marker.kwargs)
    stub = AssociationStub(**options)
    stub._origin = "fixture"  # for the warning when a decorator starts a second stub
    with stub:
        yield stub
