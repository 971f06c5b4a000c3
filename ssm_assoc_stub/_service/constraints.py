"""Server-side constraint checks on a request, worded as AWS words them (pure core).

botocore checks only required members, types and minimums; the service also
rejects pattern, maximum length, enum and range violations with a
``ValidationException``.  :func:`check_constraints` walks an input shape (duck
typed: ``type_name``, ``members``, ``member``, ``key``, ``value``, ``metadata``,
``serialization``; botocore is not imported here) with the wire parameters and
returns one clause per problem, in the stub's reading of AWS's Coral validator:

* Path: member names with the first character lower-cased, joined by ``.``; a
  structure in a list is ``targets.1.member.key`` (1-based), in a map value
  ``<map>.<key>``.  Clauses come depth-first in the shape's member order.
* Scalars: one clause per broken constraint, in the order length (or value) max,
  min, pattern, enum.  Lengths count code points.  A pattern must match the
  whole value (Java ``matches()``).
* Lists and maps of scalars are reported once, at the container, listing every
  constraint of the element shape: ``Member must satisfy constraint: [...]``,
  ``Map keys must satisfy constraint: [...]``, ``Map value must satisfy
  constraint: [...]`` (nested alike).  Their own size gives ``Member must have
  length ...``.
* Values print as sent: strings bare, ``true``/``false``, ``null``, lists
  ``[a, b]``, maps and structures ``{Key=a, Values=[b]}`` (Java ``toString``).
  A ``sensitive`` member, and all inside it, is never printed: its clause reads
  ``Value at 'path' failed ...`` (Coral's form) and it shows as ``***`` inside
  an enclosing value.
* Wrong types, ``None`` and unknown keys are skipped; nothing raises.

Java patterns are translated once (:func:`compile_java_pattern`): ``\\p{..}``
general categories and POSIX classes become explicit ranges, ``.`` stops at
Java's line terminators, ``\\w``/``\\d``/``\\s`` stay ASCII; a pattern Python
cannot express is not checked.  Each input shape's compiled plan is cached.
"""

from __future__ import annotations

import contextlib
import re
import sys
import unicodedata
import warnings
import weakref
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

__all__ = ["check_constraints", "compile_java_pattern"]

# --------------------------------------------------------------------------- patterns

_POSIX_SPEC = (  # Java's US-ASCII POSIX classes, as hex code-point ranges
    "Lower=61-7a Upper=41-5a ASCII=0-7f Alpha=41-5a,61-7a Digit=30-39 Alnum=30-39,41-5a,61-7a "
    "Punct=21-2f,3a-40,5b-60,7b-7e Graph=21-7e Print=20-7e Blank=9-9,20-20 Cntrl=0-1f,7f-7f "
    "XDigit=30-39,41-46,61-66 Space=9-d,20-20 all=0-10ffff"
)
_POSIX = {
    name: [(int(lo, 16), int(hi, 16)) for lo, _, hi in (r.partition("-") for r in spec.split(","))]
    for name, _, spec in (item.partition("=") for item in _POSIX_SPEC.split())
}
_DOT = "[^\\n\\r\\x85\\u2028\\u2029]"  # Java's '.' stops at every line terminator


class _Unsupported(Exception):
    """A Java construct this translator does not render in Python."""


@cache
def _categories() -> dict[str, list[tuple[int, int]]]:
    """Runs of code points per two-letter Unicode general category (built once)."""
    runs: dict[str, list[tuple[int, int]]] = {}
    category = unicodedata.category
    prev, start = category("\x00"), 0
    for cp in range(1, sys.maxunicode + 1):
        cat = category(chr(cp))
        if cat != prev:
            runs.setdefault(prev, []).append((start, cp - 1))
            prev, start = cat, cp
    runs.setdefault(prev, []).append((start, sys.maxunicode))
    return runs


@cache
def _property_class(name: str) -> str:
    """The inside of a character class for Java's ``\\p{name}``."""
    if name in _POSIX:
        ranges = _POSIX[name]
    else:
        cat = name[2:] if name.startswith("Is") and len(name) in (3, 4) else name
        picked = [r for k, runs in _categories().items() if k.startswith(cat) for r in runs]
        if len(cat) not in (1, 2) or not picked:
            raise _Unsupported(name)
        ranges = sorted(picked)
    merged: list[tuple[int, int]] = []
    for lo, hi in ranges:
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    esc = [(f"\\U{lo:08x}" if lo > 0xFFFF else f"\\u{lo:04x}") for pair in merged for lo in pair]
    return "".join(a if a == b else f"{a}-{b}" for a, b in zip(esc[::2], esc[1::2], strict=True))


def _translate(java: str) -> str:
    """Rewrite a Java regular expression in Python ``re`` syntax."""
    out: list[str] = []
    i, n = 0, len(java)
    in_class = class_start = False
    after_set = False  # inside a class, just after \w, \d, \s or \p{..}: a "-" is literal
    while i < n:
        c = java[i]
        if c == "\\":
            d = java[i + 1 : i + 2]
            i += 2
            if d in ("p", "P"):
                end = java.find("}", i) if java[i : i + 1] == "{" else i
                if end < 0 or (d == "P" and in_class):
                    raise _Unsupported("\\" + d)
                name, i = (java[i + 1 : end], end + 1) if end > i else (java[i : i + 1], i + 1)
                body = _property_class(name)
                out.append(body if in_class else f"[{'^' if d == 'P' else ''}{body}]")
                after_set = in_class
                class_start = False
                continue
            elif d == "Q":
                end = java.find("\\E", i)
                literal, i = (java[i:], n) if end < 0 else (java[i:end], end + 2)
                out.append(re.escape(literal))
            elif not d or d in "vhHRXGkecZ":
                raise _Unsupported("\\" + d)
            else:
                out.append("\\Z" if d == "z" and not in_class else "\\" + d)
            after_set = in_class and d in "wdsWDS"
            class_start = False
            continue
        if in_class:
            if c == "]" and not class_start:
                in_class = False
                out.append("]")
            elif c == "[" or java.startswith("&&", i):
                raise _Unsupported("nested class or intersection")
            elif c == "-" and after_set:
                out.append("\\-")  # Java: a range cannot start at a set
            else:
                out.append("\\" + c if c in "]|&~" else c)
            class_start = after_set = False
        elif c == "[":
            in_class = class_start = True
            out.append("[^" if java.startswith("^", i + 1) else "[")
            i += 1 if java.startswith("^", i + 1) else 0
        elif c == ".":
            out.append(_DOT)
        else:
            flags = re.match(r"\(\?([a-zA-Z-]*)[:)]", java[i:]) if c == "(" else None
            if flags and "s" in flags.group(1):
                raise _Unsupported("DOTALL flag")
            out.append(c)
        i += 1
    if in_class:
        raise _Unsupported("unclosed class")
    return "".join(out)


@cache
def compile_java_pattern(pattern: str) -> re.Pattern[str] | None:
    """Compile a Java (Coral) pattern for ``fullmatch``; ``None`` if not expressible."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return re.compile(_translate(pattern), re.ASCII)
    except (_Unsupported, re.error, FutureWarning, DeprecationWarning):
        return None


# --------------------------------------------------------------------------- wording


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_plain(k)}={_plain(v)}" for k, v in value.items()) + "}"
    return str(value)


def _clause(shown: str | None, path: str, phrase: str) -> str:
    value = "Value" if shown is None else f"Value '{shown}'"
    return f"{value} at '{path}' failed to satisfy constraint: {phrase}"


def _bracket(head: str, phrases: list[str]) -> str:
    return f"{head} must satisfy constraint: [{', '.join(phrases)}]"


def _limits(meta: Mapping[str, Any], unit: str) -> list[tuple[bool, float, str]]:
    """``(is_max, bound, phrase)`` for the shape's ``max``, then its ``min``."""
    found = []
    for key, is_max, word in (("max", True, "less"), ("min", False, "greater")):
        bound = meta.get(key)
        if isinstance(bound, int | float) and not isinstance(bound, bool):
            shown = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
            found.append(
                (is_max, bound, f"Member must have {unit} {word} than or equal to {shown}")
            )
    return found


def _breaks(limits: list[tuple[bool, float, str]], size: float) -> list[str]:
    return [phrase for is_max, b, phrase in limits if (size > b if is_max else size < b)]


# --------------------------------------------------------------------------- plan nodes


class _Node:
    """A compiled shape; this base class has no constraints (boolean, timestamp, ...).

    ``active``: a constraint applies at or below it.  ``has_struct``: a structure
    lies at or below it, so problems are reported by path rather than in brackets.
    """

    has_struct = False

    def __init__(self, meta: Mapping[str, Any], unit: str = "") -> None:
        self.sensitive = bool(meta.get("sensitive"))
        self.limits = _limits(meta, unit) if unit else []
        self.phrases = [phrase for _, _, phrase in self.limits]
        self.active = bool(self.phrases)
        self.kids: list[_Node] = []

    def failures(self, value: Any) -> list[str]:
        """The shape's own constraints that ``value`` breaks."""
        return []

    def inner(self, value: Any, path: str, masked: bool, out: list[str]) -> None:
        """Append the clauses for what ``value`` contains."""

    def inner_violates(self, value: Any) -> bool:
        return False

    def check(self, value: Any, path: str, masked: bool, out: list[str]) -> None:
        found = self.failures(value)
        if found:
            shown = None if masked else self.render(value)
            out.extend(_clause(shown, path, phrase) for phrase in found)
        if self.kids:
            self.inner(value, path, masked, out)

    def violates(self, value: Any) -> bool:
        return bool(self.failures(value)) or self.inner_violates(value)

    def describe(self) -> list[str]:
        """Every constraint of this shape, as Coral lists them inside ``[...]``."""
        return self.phrases

    def render(self, value: Any) -> str:
        return "***" if self.sensitive else _plain(value)


class _Scalar(_Node):
    def __init__(self, meta: Mapping[str, Any], kind: str) -> None:
        is_string = self.is_string = kind == "string"
        super().__init__(meta, "length" if is_string else "value")
        self.numbers = (int,) if kind in ("integer", "long") else (int, float)
        pattern, enum = meta.get("pattern"), meta.get("enum")
        self.regex: re.Pattern[str] | None = None
        self.enum: frozenset[Any] | None = None
        self.pattern_text = self.enum_text = ""
        if is_string and isinstance(pattern, str):
            self.regex = compile_java_pattern(pattern)
            self.pattern_text = f"Member must satisfy regular expression pattern: {pattern}"
            self.phrases.append(self.pattern_text)
        if is_string and isinstance(enum, list | tuple) and enum:
            self.enum = frozenset(enum)
            self.enum_text = f"Member must satisfy enum value set: [{', '.join(map(str, enum))}]"
            self.phrases.append(self.enum_text)
        self.active = bool(self.phrases)

    def failures(self, value: Any) -> list[str]:
        if not self.is_string:
            if isinstance(value, bool) or not isinstance(value, self.numbers):
                return []
            return _breaks(self.limits, value)
        if not isinstance(value, str):
            return []
        found = _breaks(self.limits, len(value))
        if self.regex is not None and self.regex.fullmatch(value) is None:
            found.append(self.pattern_text)
        if self.enum is not None and value not in self.enum:
            found.append(self.enum_text)
        return found


class _Box(_Node):
    """A list (``kids``: member) or a map (``kids``: key, value)."""

    def __init__(self, meta: Mapping[str, Any], is_map: bool) -> None:
        super().__init__(meta, "length")
        self.is_map = is_map
        self.heads = ("Map keys", "Map value") if is_map else ("Member",)

    def _fits(self, value: Any) -> bool:
        return isinstance(value, Mapping) if self.is_map else isinstance(value, list | tuple)

    def _groups(self, value: Any) -> list[tuple[str, _Node, str, Iterable[tuple[Any, Any]]]]:
        """``(bracket head, element node, path format, (label, item) pairs)``."""
        if self.is_map:
            keys = ((k, k) for k in value)
            return [("Map keys", self.kids[0], "{}.{}", keys)] + [
                ("Map value", self.kids[1], "{}.{}", value.items())
            ]
        return [("Member", self.kids[0], "{}.{}.member", enumerate(value, 1))]

    def failures(self, value: Any) -> list[str]:
        return _breaks(self.limits, len(value)) if self._fits(value) else []

    def inner(self, value: Any, path: str, masked: bool, out: list[str]) -> None:
        if not self._fits(value):
            return
        for head, node, fmt, pairs in self._groups(value):
            if not node.active:
                continue
            if node.has_struct:
                for label, item in pairs:
                    if item is not None:
                        node.check(item, fmt.format(path, label), masked or node.sensitive, out)
            elif any(node.violates(item) for _, item in pairs):
                shown = None if masked else self.render(value)
                out.append(_clause(shown, path, _bracket(head, node.describe())))

    def inner_violates(self, value: Any) -> bool:
        groups = self._groups(value) if self._fits(value) else []
        return any(node.violates(item) for _, node, _, pairs in groups for _, item in pairs)

    def describe(self) -> list[str]:
        pairs = zip(self.heads, self.kids, strict=True)
        return self.phrases + [_bracket(h, d) for h, k in pairs if (d := k.describe())]

    def render(self, value: Any) -> str:
        if self.sensitive or not self._fits(value):
            return super().render(value)
        if self.is_map:
            key, val = self.kids
            return (
                "{" + ", ".join(f"{key.render(k)}={val.render(v)}" for k, v in value.items()) + "}"
            )
        return "[" + ", ".join(self.kids[0].render(v) for v in value) + "]"


class _Struct(_Node):
    has_struct = True

    def __init__(self, meta: Mapping[str, Any]) -> None:
        super().__init__(meta)
        self.members: list[tuple[str, str, _Node]] = []  # (wire key, path name, node)
        self.checked: list[tuple[str, str, _Node]] = []  # the active ones
        self.by_key: dict[str, tuple[str, _Node]] = {}  # the active ones by wire key

    def inner(self, value: Any, path: str, masked: bool, out: list[str]) -> None:
        if not isinstance(value, Mapping):
            return
        checked = self.checked
        if type(value) is dict and len(value) < len(checked):
            # A body names a few of the members: walk its keys.  Problems are rare;
            # when there is one, walk again in member order, AWS's order.
            mark = len(out)
            by_key = self.by_key
            for key, item in value.items():
                entry = by_key.get(key)
                if entry is not None and item is not None:
                    name, node = entry
                    where = f"{path}.{name}" if path else name
                    node.check(item, where, masked or node.sensitive, out)
            if len(out) == mark:
                return
            del out[mark:]
        for key, name, node in checked:
            item = value.get(key)
            if item is not None:
                node.check(item, f"{path}.{name}" if path else name, masked or node.sensitive, out)

    def render(self, value: Any) -> str:
        if self.sensitive or not isinstance(value, Mapping):
            return super().render(value)
        nodes = {key: node for key, _, node in self.members}
        parts = (f"{_plain(k)}={nodes.get(k, _Node({})).render(v)}" for k, v in value.items())
        return "{" + ", ".join(parts) + "}"


# --------------------------------------------------------------------------- plans

_PLANS: weakref.WeakKeyDictionary[Any, _Node] = weakref.WeakKeyDictionary()
_NUMBERS = frozenset({"integer", "long", "float", "double"})


def _build(shape: Any, memo: dict[tuple[Any, ...], _Node]) -> _Node:
    meta = getattr(shape, "metadata", None)
    meta = meta if isinstance(meta, Mapping) else {}
    kind = getattr(shape, "type_name", None)
    key = (getattr(shape, "name", None), kind, tuple(sorted((k, repr(v)) for k, v in meta.items())))
    if key in memo:  # shapes may recurse: reuse the node already being built
        return memo[key]
    node: _Node
    if kind == "structure":
        node = memo[key] = struct = _Struct(meta)
        members = getattr(shape, "members", None)
        for name, sub in members.items() if isinstance(members, Mapping) else ():
            ser = getattr(sub, "serialization", None)
            wire = ser.get("name", name) if isinstance(ser, Mapping) else name
            child = _build(sub, memo)
            struct.members.append((wire, str(name)[:1].lower() + str(name)[1:], child))
            struct.kids.append(child)
    elif kind in ("list", "map"):
        node = memo[key] = _Box(meta, kind == "map")
        parts = ("key", "value") if kind == "map" else ("member",)
        node.kids = [_build(getattr(shape, part, None), memo) for part in parts]
    elif kind == "string" or kind in _NUMBERS:
        node = memo[key] = _Scalar(meta, kind)
    else:
        node = memo[key] = _Node(meta)
    return node


def _plan(shape: Any) -> _Node:
    try:
        return _PLANS[shape]
    except (KeyError, TypeError):
        pass
    memo: dict[tuple[Any, ...], _Node] = {}
    root = _build(shape, memo)
    nodes, changed = list(memo.values()), True
    while changed:  # propagate upwards until stable (recursive shapes need several passes)
        changed = False
        for node in nodes:
            active = bool(node.phrases) or any(k.active for k in node.kids)
            has_struct = isinstance(node, _Struct) or any(k.has_struct for k in node.kids)
            if (active, has_struct) != (node.active, node.has_struct):
                node.active, node.has_struct, changed = active, has_struct, True
    for node in nodes:
        if isinstance(node, _Struct):
            node.checked = [m for m in node.members if m[2].active]
            node.by_key = {key: (name, child) for key, name, child in node.checked}
    with contextlib.suppress(TypeError):  # not weakly referenceable: rebuilt next time
        _PLANS[shape] = root
    return root


def check_constraints(shape: Any, params: Mapping[str, Any]) -> list[str]:
    """The constraint problems of ``params`` against input ``shape``, in AWS's wording.

    An empty list means the request passes; otherwise hand the list to
    ``validation_message`` for the ``ValidationException`` text.
    """
    if not isinstance(params, Mapping):
        return []
    out: list[str] = []
    _plan(shape).check(params, "", False, out)
    return out
