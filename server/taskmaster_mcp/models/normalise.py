"""Benign deviations of a model's JSON answer, mended against the JSON schema it was asked for.

Models that are asked for JSON in the prompt (and some that are asked natively: Anthropic's structured output cannot
carry ``minimum``/``maximum``) answer with small deviations that do not change what they mean. Each is mended here
and reported as a note, so nothing changes silently:

- an enum value in another case or with other separators (``"High"``, ``"In Progress"``) becomes the schema's value;
- a number written as a string (``"5"``, ``"0.8"``) becomes the number; an id written as ``"task 5"``, ``"#5"`` or
  ``"subtask 5"`` becomes 5 where the schema wants an integer id (``id``, ``...Id``, ``dependencies``); a list of
  ids written as one string (``"1, 2"``, ``"none"``) becomes the list;
- ``null`` for an optional value is left out (the default applies); ``null`` for required text that may be empty
  becomes ``""``; a list of lines for a text field becomes the lines joined, a number the number's text;
- a key in another case or spelling (``test_strategy`` for ``testStrategy``) takes the schema's name, and keys the
  schema does not know are dropped;
- advisory numbers (:data:`ADVISORY`, or a property marked ``"x-advisory"`` in its schema) never fail an answer:
  a ``confidence`` on a 0-100 scale is divided by 100 (85 -> 0.85) and one still out of range is left out; a
  ``complexityScore`` or ``recommendedSubtasks`` out of range is clamped to it.

Everything else (a missing required field, a value that fits no enum, an id that is not a number, a bound that
matters such as ``id >= 1``) is left as it is, so validation fails and the model is asked again.
"""

from __future__ import annotations

import re
from typing import Any, Literal, cast

Json = dict[str, Any]
Advice = Literal["fraction", "clamp"]

# Fields whose bounds are advice to the model, not a rule our data depends on.
ADVISORY: dict[str, Advice] = {"confidence": "fraction", "complexityScore": "clamp", "recommendedSubtasks": "clamp"}
MAX_NOTES = 20
_VALUES = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\[[^\]]*\]|-?\d+(?:\.\d+)?(?:e-?\d+)?")  # a note's values

_ID_TEXT = re.compile(r"^\s*(?:(?:sub)?task|id|item|step)?\s*[#:]?\s*(\d+)\s*$", re.IGNORECASE)
_NUMBER_TEXT = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*%?\s*$")
_ID_LIST_TEXT = re.compile(r"^(?:\s*(?:(?:sub)?tasks?|ids?|steps?|items?|and|#|[,;:&])\s*|\s*\d+\s*)+$", re.IGNORECASE)
_NONE_TEXT = frozenset({"", "none", "n/a", "-", "null", "[]"})


class _Drop:
    """Marks a value to leave out (its default applies)."""


DROP = _Drop()


def _canon(text: str) -> str:
    return re.sub(r"[\s_\-./]+", "", text).lower()


def _is_id(name: str) -> bool:
    return name == "id" or name.endswith(("Id", "_id", "Ids", "_ids")) or name in ("dependencies", "ids")


class Mender:
    """One answer's normalisation against one schema; :attr:`notes` says what was changed."""

    def __init__(self, schema: Json) -> None:
        self.schema = schema
        self._defs = cast("Json", schema.get("$defs") or {})
        self._changes: list[tuple[str, str]] = []

    @property
    def notes(self) -> list[str]:
        """The changes made, one line per kind of change at one place: the first example, and how many more."""
        groups: dict[tuple[str, str], list[str]] = {}
        for path, text in self._changes:
            groups.setdefault((path, _VALUES.sub("_", text)), []).append(text)
        lines: list[str] = []
        for (path, _), texts in groups.items():
            more = len(texts) - 1
            same = all(t == texts[0] for t in texts)
            suffix = "" if not more else f" (x{more + 1})" if same else f" (and {more} more like it)"
            lines.append(f"{path or '(answer)'}: {texts[0]}{suffix}")
        if len(lines) > MAX_NOTES:
            lines = [*lines[: MAX_NOTES - 1], f"and {len(lines) - MAX_NOTES + 1} more changes"]
        return lines

    def mend(self, value: Any) -> Any:
        """``value`` with the benign deviations mended (a new value; the input is not changed)."""
        mended = self._fix(value, self.schema, "", "", True)
        return None if mended is DROP else mended

    def _note(self, path: str, text: str) -> None:
        self._changes.append((path, text))

    def _resolve(self, node: Json) -> Json:
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return cast("Json", self._defs.get(ref[len("#/$defs/") :], {}))
        return node

    def _fix(self, value: Any, node: Json, path: str, name: str, required: bool) -> Any:
        node = self._resolve(node)
        branches = cast("list[Json]", node.get("anyOf") or node.get("oneOf") or [])
        if branches:
            nullable = any(self._resolve(b).get("type") == "null" for b in branches)
            if value is None and nullable:
                return None
            others = [b for b in branches if self._resolve(b).get("type") != "null"]
            if len(others) != 1:
                return value
            return self._fix(value, others[0], path, name, required and not nullable)
        kind = node.get("type")
        if kind == "string" and type(value) is str and "enum" not in node:
            return value  # the common case, first: most of an answer is text that fits
        if value is None and kind != "null":
            return self._null(path, node, required)
        if "enum" in node:
            return self._enum(value, cast("list[Any]", node["enum"]), path)
        if kind in ("integer", "number"):
            return self._number(value, node, path, name, _advice(node, name), required)
        if kind == "string":
            return self._string(value, path)
        if kind == "array":
            return self._array(value, node, path, name)
        if kind == "object" and isinstance(value, dict):
            return self._object(cast("Json", value), node, path)
        return value

    def _null(self, path: str, node: Json, required: bool) -> Any:
        if not required:
            self._note(path, "null left out")
            return DROP
        if node.get("type") == "string" and not node.get("minLength"):
            self._note(path, 'null read as ""')
            return ""
        return None  # a required value is missing: validation says so and the model is asked again

    def _enum(self, value: Any, allowed: list[Any], path: str) -> Any:
        if not isinstance(value, str) or value in allowed:
            return value
        matches = [a for a in allowed if isinstance(a, str) and _canon(a) == _canon(value)]
        if len(matches) != 1:
            return value
        self._note(path, f"{value!r} read as {matches[0]!r}")
        return matches[0]

    def _number(self, value: Any, node: Json, path: str, name: str, advice: Advice | None, required: bool) -> Any:
        integer = node.get("type") == "integer"
        if isinstance(value, str):
            parsed = _parse_number(value, integer, _is_id(name))
            if parsed is None:
                return value
            self._note(path, f"{value!r} read as {parsed!r}")
            value = parsed
        if isinstance(value, bool) or not isinstance(value, int | float) or advice is None:
            return value
        low, high = node.get("minimum"), node.get("maximum")
        if (low is None or value >= low) and (high is None or value <= high):
            return value
        if advice == "fraction" and high == 1 and 1 < value <= 100:
            self._note(path, f"{value:g} read as {value / 100:g} (a 0-100 scale where 0-1 was asked for)")
            return value / 100
        if advice == "fraction" and not required:
            self._note(path, f"{value:g} is out of range ({low:g} to {high:g}): left out")
            return DROP
        clamped = min(max(value, low if low is not None else value), high if high is not None else value)
        clamped = int(clamped) if integer else clamped
        self._note(path, f"{value:g} clamped to {clamped:g}")
        return clamped

    def _string(self, value: Any, path: str) -> Any:
        lines = cast("list[Any]", value) if isinstance(value, list) else []
        if lines and all(isinstance(v, str) for v in lines):
            self._note(path, "a list of lines joined into text")
            return "\n".join(str(v) for v in lines)
        if isinstance(value, int | float) and not isinstance(value, bool):
            self._note(path, f"{value!r} read as text")
            return str(value)
        return cast("object", value)

    def _array(self, value: Any, node: Json, path: str, name: str) -> Any:
        items = self._resolve(cast("Json", node.get("items") or {}))
        if isinstance(value, str) and items.get("type") == "integer" and _is_id(name):
            text = value.strip()
            if text.lower() in _NONE_TEXT:
                self._note(path, f"{value!r} read as []")
                return []
            if not _ID_LIST_TEXT.match(text):
                return value
            ids = [int(n) for n in re.findall(r"\d+", text)]
            self._note(path, f"{value!r} read as {ids}")
            return ids
        if isinstance(value, int | str) and not isinstance(value, bool) and items.get("type") == "integer":
            self._note(path, f"{value!r} read as a list of one")
            value = [value]
        if not isinstance(value, list):
            return value
        fixed = [self._fix(v, items, f"{path}[]", name, True) for v in cast("list[Any]", value)]
        return [v for v in fixed if v is not DROP]

    def _object(self, value: Json, node: Json, path: str) -> Json:
        properties = cast("dict[str, Json]", node.get("properties") or {})
        if not properties:
            return value
        required = cast("list[str]", node.get("required") or [])
        out: Json = {}
        prefix = f"{path}." if path else ""
        for key, item in value.items():
            name = key if key in properties else next((p for p in properties if _canon(p) == _canon(key)), None)
            if name is None:
                self._note(prefix + key, "unknown key dropped")
                continue
            if name != key:
                if name in value:
                    self._note(prefix + key, f"dropped (the answer also has {name})")
                    continue
                self._note(prefix + key, f"key read as {name}")
            fixed = self._fix(item, properties[name], prefix + name, name, name in required)
            if fixed is not DROP:
                out[name] = fixed
        return out


def _advice(node: Json, name: str) -> Advice | None:
    marked = node.get("x-advisory")
    return marked if marked in ("fraction", "clamp") else ADVISORY.get(name)


def _parse_number(text: str, integer: bool, id_like: bool) -> int | float | None:
    """``text`` as a number (an integer where one is wanted); ``task 5`` / ``#5`` only where an id is wanted."""
    if _NUMBER_TEXT.match(text):
        raw = text.strip().rstrip("%").strip()
        number = float(raw)
        if integer:
            return int(number) if number.is_integer() else None
        return int(number) if number.is_integer() and "." not in raw and "e" not in raw.lower() else number
    if integer and id_like:
        match = _ID_TEXT.match(text)
        if match:
            return int(match.group(1))
    return None
