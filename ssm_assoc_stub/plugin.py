"""pytest plugin (``pytest11`` entry point ``ssm_assoc_stub``): fixtures, markers and settings.

``def test_x(ssm_assoc_stub):`` gets a started ``AssociationStub``.  Its options come from,
highest first: the closest ``@pytest.mark.ssm_assoc_stub(**options)`` marker, a command-line
flag (``--ssm-assoc-stub-progression=manual``), an ini setting (``ssm_assoc_stub_progression =
manual`` in ``pytest.ini``, or ``[tool.pytest.ini_options]`` of ``pyproject.toml``), the
stub's own default.  ``pytest --help`` lists the flags and settings, ``pytest --markers`` the
marker's options.

``def test_x(ssm_assoc_server):`` gets an ``SSMEndpoint``: by default the server mode started
in the test process on a free loopback port (stopped after the test, also when it fails), with
``controls``, under the same options.  ``--ssm-assoc-endpoint URL`` (ini ``ssm_assoc_endpoint``)
runs the same tests against another endpoint instead, and ``--ssm-assoc-against-real-aws``
against real AWS; there, tests marked ``@pytest.mark.ssm_assoc_stub_only`` are skipped.

The package is imported only when a setting is given (to check it at start-up) or a fixture
runs, so loading the plugin costs next to nothing.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

if TYPE_CHECKING:
    from ssm_assoc_stub import AssociationStub, SSMEndpoint

__all__ = [
    "SETTINGS",
    "Setting",
    "pytest_addoption",
    "pytest_configure",
    "ssm_assoc_server",
    "ssm_assoc_stub",
]


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


def _limit(text: str) -> int | None:
    text = text.strip()
    if text.lower() == "none":
        return None
    if not text.isdigit():
        raise ValueError(f"expected a whole number >= 0 or none, got {text!r}")
    return int(text)


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
        "calls_limit",
        _limit,
        "int|none",
        None,
        "the newest calls kept in stub.calls (default: every call)",
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
    _add_endpoint_options(parser, group)


def _add_endpoint_options(parser: pytest.Parser, group: Any) -> None:
    """Where ssm_assoc_server runs its tests (docs/real-endpoint.md)."""
    group.addoption(
        "--ssm-assoc-endpoint",
        dest="ssm_assoc_endpoint",
        metavar="URL",
        default=None,
        help="run ssm_assoc_server tests against this SSM endpoint (a loopback URL, e.g. a "
        "server started with `python -m ssm_assoc_stub serve`) instead of emulating.",
    )
    group.addoption(
        "--ssm-assoc-against-real-aws",
        dest="ssm_assoc_against_real_aws",
        action="store_true",
        default=None,
        help="DANGER: run ssm_assoc_server tests against REAL AWS with the credentials in "
        "the environment (creates real associations, may cost money).",
    )
    group.addoption(
        "--ssm-assoc-region",
        dest="ssm_assoc_region",
        metavar="REGION",
        default=None,
        help="the Region the ssm_assoc_server clients use (default us-east-1).",
    )
    parser.addini("ssm_assoc_endpoint", "default for --ssm-assoc-endpoint", default="")
    parser.addini(
        "ssm_assoc_against_real_aws",
        "default for --ssm-assoc-against-real-aws (DANGER: real AWS)",
        type="bool",
        default=False,
    )
    parser.addini("ssm_assoc_region", "default for --ssm-assoc-region", default="")


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
    config.addinivalue_line(
        "markers",
        "ssm_assoc_stub_only: the test uses test-side controls only the emulation has; "
        "skipped when ssm_assoc_server runs against a real endpoint.",
    )
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
        raise TypeError(
            "@pytest.mark.ssm_assoc_stub takes keyword options only, e.g. "
            "@pytest.mark.ssm_assoc_stub(strict_fleet=True)"
        )
    configured = request.config.stash.get(_SETTINGS_KEY, None)
    options: dict[str, Any] = dict(configured) if configured is not None else {}
    if marker is not None:
        options.update(marker.kwargs)
    stub = AssociationStub(**options)
    stub._origin = "fixture"  # for the warning when a decorator starts a second stub
    with stub:
        yield stub


def _setting(config: pytest.Config, name: str) -> Any:
    value = config.getoption(name)
    return value if value is not None else config.getini(name)


_LOOPBACK = ("localhost", "127.0.0.1", "::1")


@pytest.fixture
def ssm_assoc_server(request: pytest.FixtureRequest) -> Iterator[SSMEndpoint]:
    """An SSM endpoint for the test: the emulated server, or the one the options name.

    Emulated, its options are the ssm_assoc_stub fixture's (marker over settings),
    without ``passthrough`` (the server's ``--upstream`` plays that part).
    """
    from ssm_assoc_stub import SSMEndpoint

    config = request.config
    endpoint = _setting(config, "ssm_assoc_endpoint") or None
    real_aws = bool(_setting(config, "ssm_assoc_against_real_aws"))
    region = _setting(config, "ssm_assoc_region") or "us-east-1"
    if endpoint is not None or real_aws:
        where = endpoint or "real AWS"
        if request.node.get_closest_marker("ssm_assoc_stub_only") is not None:
            pytest.skip(f"ssm_assoc_stub_only: uses test-side controls; running against {where}")
        if endpoint is not None and not real_aws:
            host = urllib.parse.urlsplit(endpoint).hostname
            if host not in _LOOPBACK:
                raise pytest.UsageError(
                    f"--ssm-assoc-endpoint {endpoint}: only loopback endpoints are allowed; "
                    "to run against AWS, say so with --ssm-assoc-against-real-aws."
                )
        yield SSMEndpoint(endpoint, mode="aws" if real_aws else "endpoint", region=region)
        return
    from ssm_assoc_stub._server.testing import started_server

    marker = request.node.get_closest_marker("ssm_assoc_stub")
    if marker is not None and marker.args:
        raise TypeError(
            "@pytest.mark.ssm_assoc_stub takes keyword options only, e.g. "
            "@pytest.mark.ssm_assoc_stub(strict_fleet=True)"
        )
    configured = request.config.stash.get(_SETTINGS_KEY, None) or {}
    options = {k: v for k, v in configured.items() if k != "passthrough"}
    if marker is not None:
        options.update(marker.kwargs)
    with started_server(options) as (url, controls):
        yield SSMEndpoint(url, mode="server", region=region, controls=controls)
