"""A scripted model that answers as real models do: it reads the schema it was asked for and has one habit.

:class:`HabitModel` is a ``ProviderServer.responder`` (``tests/provider_server.py``). For each request it:

1. reads the JSON schema it was asked for: the native field (``response_format.json_schema.schema`` on Chat,
   ``output_config.format.schema`` on Messages) or, for a model without native structured output, the schema
   written at the end of the system prompt ("... matches this JSON Schema:" followed by the schema);
2. builds an answer of that shape from the schema and the prompt, the way a model would (:func:`build`): every
   property filled, ids numbered from 1 (from the start id the prompt gives), ``dependencies`` on the item before,
   enums and bounded numbers inside their range, as many list items as the prompt asks for ("exactly 4", "about 5"),
   and one score per task of a ``<tasks>`` block for an ``...Id`` field;
3. writes it with its habit (:data:`HABITS`): the ways real models deviate from "only a JSON object", from
   ``provider-realities.md`` and Task Master's issues. A *benign* habit changes how the answer is written, not what
   it says; a *wrong* one is a real error (a missing field, a truncated answer, no JSON), made on the first answer
   only: the re-ask (a request that carries the first answer back) gets a clean one.

A request without a schema (plain text) gets None, so the server's scripted replies answer it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from provider_server import Recorded, Reply

Json = dict[str, Any]
SCHEMA_MARK = "JSON Schema:"
WORDS = (
    "Scaffold repository layout",
    "Design storage schema",
    "Implement account signup",
    "Build bookmark import",
    "Add tag filtering",
    "Write search indexing",
    "Expose public API",
    "Harden session security",
    "Package release builds",
    "Document operator setup",
    "Measure page performance",
    "Automate nightly backups",
)


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(str(b.get("text", "")) for b in cast(list[Any], content) if isinstance(b, dict))
    return "" if content is None else str(content)


def request_parts(body: Any) -> tuple[str, str, bool]:
    """(system prompt, user text, is a re-ask) of a Messages or Chat request body."""
    if not isinstance(body, dict):
        return "", "", False
    data = cast(Json, body)
    messages = cast(list[Json], data.get("messages") or [])
    system = _text(data.get("system")) + "".join(_text(m.get("content")) for m in messages if m["role"] == "system")
    user = "\n".join(_text(m.get("content")) for m in messages if m["role"] == "user")
    return system, user, any(m["role"] == "assistant" for m in messages)


def asked_schema(body: Any) -> tuple[Json | None, bool]:
    """The JSON schema a request asks for and whether it was asked natively."""
    if not isinstance(body, dict):
        return None, False
    data = cast(Json, body)
    native = cast(Json, data.get("response_format") or {}).get("json_schema") or {}
    if "schema" in native:
        return cast(Json, native["schema"]), True
    config = cast(Json, cast(Json, data.get("output_config") or {}).get("format") or {})
    if "schema" in config:
        return cast(Json, config["schema"]), True
    system = request_parts(body)[0]
    at = system.rfind(SCHEMA_MARK)
    if at < 0:
        return None, False
    start = system.index("{", at)
    schema, _ = json.JSONDecoder().raw_decode(system, start)
    return cast(Json, schema), False


@dataclass
class _Reading:
    """What the model took from the prompt."""

    count: int = 3
    start_id: int = 1
    task_ids: list[int] = field(default_factory=lambda: [])


def _read_prompt(user: str) -> _Reading:
    reading = _Reading()
    counted = re.search(r"\b(?:exactly|about)\s+(\d+)\s+(?:sub)?tasks", user)
    if counted:
        reading.count = max(1, int(counted.group(1)))
    start = re.search(r"starting at id (\d+)", user)
    if start:
        reading.start_id = int(start.group(1))
    block = re.search(r"<tasks>\n(.*?)\n</tasks>", user, re.DOTALL)
    if block:
        for line in block.group(1).splitlines():
            found = re.match(r'\{"id":\s*"?(\d+)', line.strip())
            if found:
                reading.task_ids.append(int(found.group(1)))
    return reading


class _Builder:
    def __init__(self, schema: Json, reading: _Reading) -> None:
        self.defs = cast(Json, schema.get("$defs") or schema.get("definitions") or {})
        self.reading = reading

    def resolve(self, node: Json) -> Json:
        ref = node.get("$ref")
        if isinstance(ref, str):
            return cast(Json, self.defs[ref.rsplit("/", 1)[-1]])
        branches = cast(list[Json], node.get("anyOf") or [])
        if branches:
            return self.resolve(next(b for b in branches if b.get("type") != "null"))
        return node

    def value(self, node: Json, name: str, index: int) -> Any:
        node = self.resolve(node)
        kind = node.get("type")
        if "enum" in node:
            options = cast(list[Any], node["enum"])
            return options[index % len(options)]
        if kind == "object":
            properties = cast(dict[str, Json], node.get("properties") or {})
            return {key: self.value(sub, key, index) for key, sub in properties.items()}
        if kind == "array":
            return self.array(node, name, index)
        if kind == "integer":
            return self.integer(node, name, index)
        if kind == "number":
            low, high = node.get("minimum", 0), node.get("maximum")
            return 0.8 if high == 1 else float(low) + 1
        if kind == "boolean":
            return False
        if name == "title":
            return WORDS[index % len(WORDS)] + (f" {index // len(WORDS) + 1}" if index >= len(WORDS) else "")
        return f"{name} of item {index + 1}: done as the prompt asks."

    def integer(self, node: Json, name: str, index: int) -> int:
        if name == "id":
            return self.reading.start_id + index
        if name.endswith("Id") and index < len(self.reading.task_ids):
            return self.reading.task_ids[index]
        low, high = int(node.get("minimum", 1)), int(node.get("maximum", 8))
        return min(high, max(low, low + 2 + index % 4))

    def array(self, node: Json, name: str, index: int) -> list[Any]:
        items = self.resolve(cast(Json, node.get("items") or {}))
        if name == "dependencies":
            return [self.reading.start_id + index - 1] if index else []
        if items.get("type") != "object":
            return ["first point", "second point"] if items.get("type") == "string" else []
        keyed = any(k.endswith("Id") for k in cast(Json, items.get("properties") or {}))
        count = len(self.reading.task_ids) if keyed and self.reading.task_ids else self.reading.count
        return [self.value(items, name, i) for i in range(count)]


def build(schema: Json, user: str) -> Any:
    """An answer of ``schema``'s shape for the prompt ``user``."""
    return _Builder(schema, _read_prompt(user)).value(schema, "", 0)


# --- habits: (clean answer, schema) -> the text the model writes ---


def _walk(value: Any, schema: Json, visit: Callable[[Any, Json, str, bool], Any], defs: Json | None = None) -> Any:
    """``value`` rebuilt with ``visit(value, node, name, required)`` applied to every property value, depth first."""
    defs = defs if defs is not None else cast(Json, schema.get("$defs") or {})

    def resolve(node: Json) -> Json:
        ref = node.get("$ref")
        if isinstance(ref, str):
            return cast(Json, defs[ref.rsplit("/", 1)[-1]])
        branches = cast(list[Json], node.get("anyOf") or [])
        return resolve(next(b for b in branches if b.get("type") != "null")) if branches else node

    def go(item: Any, node: Json, name: str, required: bool) -> Any:
        node = resolve(node)
        if isinstance(item, dict) and node.get("type") == "object":
            properties = cast(dict[str, Json], node.get("properties") or {})
            needed = set(cast(list[str], node.get("required") or []))
            out: Json = {}
            for key, sub in cast(Json, item).items():
                out[key] = go(sub, properties.get(key, {}), key, key in needed) if key in properties else sub
            return visit(out, node, name, required)
        if isinstance(item, list) and node.get("type") == "array":
            items = cast(Json, node.get("items") or {})
            return visit([go(sub, items, name, True) for sub in cast(list[Any], item)], node, name, required)
        return visit(item, node, name, required)

    return go(value, schema, "", True)


def _ids(name: str) -> bool:
    return name in ("id", "dependencies") or name.endswith("Id")


def _enum_case(value: Any, node: Json, name: str, required: bool) -> Any:
    if isinstance(value, str) and value in node.get("enum", []):
        return value.replace("-", " ").title().replace(" ", "-") if "-" in value else value.capitalize()
    return value


def _numbers_as_strings(value: Any, node: Json, name: str, required: bool) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _ids_as_text(value: Any, node: Json, name: str, required: bool) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and _ids(name):
        return f"task {value}"
    return value


def _null_text(value: Any, node: Json, name: str, required: bool) -> Any:
    optional = not required or not node.get("minLength")
    return None if isinstance(value, str) and "enum" not in node and optional and name != "title" else value


def _extra_keys(value: Any, node: Json, name: str, required: bool) -> Any:
    if isinstance(value, dict):
        return {**cast(Json, value), "notes": "Generated with care {v2}.", "status": "pending"}
    return value


def _snake_keys(value: Any, node: Json, name: str, required: bool) -> Any:
    if isinstance(value, dict):
        return {re.sub(r"(?<!^)([A-Z])", r"_\1", k).lower(): v for k, v in cast(Json, value).items()}
    return value


def _advisory_out_of_range(scale: float, scores: bool) -> Callable[[Any, Json, str, bool], Any]:
    """``confidence`` times ``scale``; with ``scores``, scores and counts past their maximum too."""

    def visit(value: Any, node: Json, name: str, required: bool) -> Any:
        if name == "confidence" and isinstance(value, float):
            return round(value * scale)
        if scores and name in ("complexityScore", "recommendedSubtasks") and isinstance(value, int):
            return int(node.get("maximum", 10)) + 2
        return value

    return visit


def _text_as_lines(value: Any, node: Json, name: str, required: bool) -> Any:
    return ["Write the tests.", "Run them in CI."] if name in ("testStrategy", "details") else value


def _drop_first_required(value: Any, schema: Json) -> Any:
    """The first item of the answer's list without its first required text field (a real error)."""
    answer = json.loads(json.dumps(value))
    items = next(v for v in answer.values() if isinstance(v, list))
    defs = cast(Json, schema.get("$defs") or {})
    item_schema = next(iter(defs.values()))
    required = [k for k in item_schema.get("required", []) if item_schema["properties"][k].get("type") == "string"]
    del items[0][required[0]]
    return answer


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2)


def _trailing_commas(text: str) -> str:
    return re.sub(r"(\S)(\n\s*[}\]])", r"\1,\2", text)


FENCE = "```"


@dataclass(frozen=True)
class Habit:
    """How a model writes an answer; ``wrong``: the first answer is a real error and needs the re-ask."""

    name: str
    write: Callable[[Any, Json], str]
    wrong: bool = False


def _visiting(visit: Callable[[Any, Json, str, bool], Any]) -> Callable[[Any, Json], str]:
    return lambda value, schema: _dump(_walk(value, schema, visit))


HABITS: tuple[Habit, ...] = (
    Habit("clean JSON", lambda v, s: json.dumps(v)),
    Habit(
        "<think> block with braces (#818)",
        lambda v, s: '<think>\nThe user wants {"tasks": ...}; I should plan {carefully}. }{\n</think>\n\n' + _dump(v),
    ),
    Habit(
        "reasoning closed by </think> only",
        lambda v, s: "Okay, let me think about {the shape} first.\n</think>\n" + _dump(v),
    ),
    Habit("```json fence (#1174, #750)", lambda v, s: f"{FENCE}json\n{_dump(v)}\n{FENCE}"),
    Habit("bare ``` fence", lambda v, s: f"{FENCE}\n{_dump(v)}\n{FENCE}"),
    Habit(
        "prose before, with braces (#1223)",
        lambda v, s: "I'll analyse the document {carefully} and answer in JSON:\n\n" + _dump(v),
    ),
    Habit(
        "prose after, with JSON of its own",
        lambda v, s: _dump(v) + '\n\nNote: ids are my own numbering, e.g. {"id": 1}. Let me know {anything} else!',
    ),
    Habit('enum case ("High")', _visiting(_enum_case)),
    Habit('numbers as strings ("5")', _visiting(_numbers_as_strings)),
    Habit('ids as "task 5"', _visiting(_ids_as_text)),
    Habit("null for optional text", _visiting(_null_text)),
    Habit("extra keys", _visiting(_extra_keys)),
    Habit("snake_case keys", _visiting(_snake_keys)),
    Habit("text as a list of lines", _visiting(_text_as_lines)),
    Habit("confidence 0-100 (85)", _visiting(_advisory_out_of_range(100, scores=False))),
    Habit("advisory numbers far out (850, score 12)", _visiting(_advisory_out_of_range(1000, scores=True))),
    Habit("trailing commas", lambda v, s: _trailing_commas(_dump(v))),
    Habit("// comments in the JSON", lambda v, s: re.sub(r"(\[|\{)\n", r"\1 // {see below}\n", _dump(v), count=3)),
    Habit('wrapped in {"result": ...}', lambda v, s: _dump({"result": v})),
    Habit("a bare list", lambda v, s: _dump(next(x for x in v.values() if isinstance(x, list)))),
    Habit(
        "all at once",
        lambda v, s: (
            "<think>{draft}</think>\nHere is the plan {v1}:\n"
            + f"{FENCE}json\n"
            + _trailing_commas(_dump(_walk(_walk(_walk(v, s, _enum_case), s, _numbers_as_strings), s, _extra_keys)))
            + f"\n{FENCE}\nDone {{ok}}."
        ),
    ),
    Habit("missing required field", lambda v, s: _dump(_drop_first_required(v, s)), wrong=True),
    Habit("truncated at max_tokens", lambda v, s: _dump(v)[: len(_dump(v)) * 3 // 5], wrong=True),
    Habit("no JSON at all", lambda v, s: "I have read the document and the plan looks good.", wrong=True),
    Habit("wrong shape", lambda v, s: _dump({"answer": "see above", "items": 3}), wrong=True),
)


class HabitModel:
    """A responder that answers every structured request with ``habit`` (the re-ask of a wrong one, cleanly)."""

    def __init__(self, habit: Habit) -> None:
        self.habit = habit
        self.answered = 0
        self.native = 0  # requests that carried the schema natively
        self.applied = False  # the habit changed some answer (an enum habit has nothing to do without an enum)

    def __call__(self, record: Recorded) -> Reply | None:
        schema, native = asked_schema(record.body)
        if schema is None:
            return None
        _, user, reask = request_parts(record.body)
        self.answered += 1
        self.native += native
        clean = build(schema, user)
        if reask and self.habit.wrong:
            return Reply(text=json.dumps(clean))
        text = self.habit.write(clean, schema)
        self.applied = self.applied or text not in (json.dumps(clean), _dump(clean))
        return Reply(text=text)
