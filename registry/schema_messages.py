"""JSON Schema errors in a steward's words, derived from the schema itself.

A validator says '"Unlimited Energy" is not valid under any of the schemas listed in the
'anyOf' keyword'; a steward needs 'symbol: must be empty, or 1-20 characters without
spaces (is "Unlimited Energy")'. The rule is read from the schema node that failed (its
type, lengths, pattern, bounds and alternatives), so a changed schema changes the
message. Patterns are described when they are the simple kinds schemas use (a run of
one character class, literal text, fixed or bounded repeats, alternatives); any other
is quoted.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true/false",
    "null": "null",
    "array": "a list",
    "object": "an object",
}
FORMAT_WORDS = {
    "date-time": "a date and time such as 2024-01-31T12:00:00Z",
    "date": "a date such as 2024-01-31",
    "uri": "a URI such as https://example.org/logo.png",
    "email": "an e-mail address",
}
CLASS_ESCAPES = {
    "w": "letters, digits, underscores",
    "d": "digits",
    "s": "spaces",
    "S": "any character but a space",
}
HEX_DIGITS = {"a-f", "A-F", "0-9"}
BASE58 = {"1-9", "A-H", "J-N", "P-Z", "a-k", "m-z"}
VALUE_SHOWN = 40  # characters of an offending value quoted in a message


# --- the schema's rule for a value -------------------------------------------------


def rule(node: Any, root: dict) -> str:
    """What a value must be under ``node``, after "must be": "1-10 characters made of
    letters, digits, underscores", "a whole number from 0 to 255"."""
    node = _resolve(node, root)
    if not isinstance(node, dict):
        return "valid"
    alternatives = node.get("anyOf") or node.get("oneOf")
    if alternatives:
        base = {key: value for key, value in node.items() if key not in ("anyOf", "oneOf")}
        phrases = []
        for alternative in alternatives:
            phrase = rule({**base, **_resolve(alternative, root)}, root)
            if phrase not in phrases:
                phrases.append(phrase)
        # "empty" reads best last: "1-20 characters without spaces, or empty".
        phrases.sort(key=lambda phrase: phrase == "empty")
        return ", or ".join(phrases)
    if "const" in node:
        return "empty" if node["const"] == "" else json.dumps(node["const"])
    if "enum" in node:
        return "one of " + ", ".join(json.dumps(value) for value in node["enum"])
    kind = node.get("type")
    if isinstance(kind, list):
        return " or ".join(rule({**node, "type": one}, root) for one in kind)
    if kind == "string" or any(key in node for key in ("pattern", "maxLength", "format")):
        return _text_rule(node)
    if kind in ("integer", "number"):
        return _number_rule(node)
    if kind == "array":
        return _count_rule(TYPE_WORDS["array"], node, "minItems", "maxItems", "items")
    if kind == "object":
        return _count_rule("an object", node, "minProperties", "maxProperties", "keys")
    return TYPE_WORDS.get(kind, "valid")


def _text_rule(node: dict) -> str:
    if "format" in node:
        return FORMAT_WORDS.get(node["format"], f"a {node['format']}")
    pattern = describe_pattern(node["pattern"]) if "pattern" in node else Pattern(0, "", False)
    if pattern.whole:
        return pattern.phrase
    low = max(node.get("minLength", 0), pattern.min_length)
    high = node.get("maxLength")
    if high is not None and low:
        length = f"{low} characters" if low == high else f"{low}-{high} characters"
    elif high is not None:
        length = f"at most {high} characters"
    elif low:
        length = f"at least {low} characters"
    else:
        length = "text"
    return f"{length} {pattern.phrase}".strip()


def _number_rule(node: dict) -> str:
    noun = TYPE_WORDS[node.get("type", "number")]
    low, high = node.get("minimum"), node.get("maximum")
    if low is not None and high is not None:
        return f"{noun} from {low} to {high}"
    if low is not None:
        return f"{noun} of at least {low}"
    if high is not None:
        return f"{noun} of at most {high}"
    return noun


def _count_rule(noun: str, node: dict, low_key: str, high_key: str, unit: str) -> str:
    low, high = node.get(low_key), node.get(high_key)
    if low and high is not None:
        return f"{noun} of {low}-{high} {unit}"
    if high is not None:
        return f"{noun} of at most {high} {_plural(unit, high)}"
    if low:
        return f"{noun} of at least {low} {_plural(unit, low)}"
    return noun


def _plural(unit: str, count: int) -> str:
    return unit[:-1] if count == 1 else unit


def _resolve(node: Any, root: dict) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        reference = node["$ref"]
        if not reference.startswith("#/"):
            return node
        node = node_at(root, reference[2:].split("/"))
    return node


def node_at(root: dict, path) -> Any:
    node: Any = root
    for part in path:
        node = node[int(part)] if isinstance(node, list) else node[str(part)]
    return node


# --- patterns ----------------------------------------------------------------------


@dataclass
class Pattern:
    min_length: int  # what the pattern itself requires (^\S+$: at least 1)
    phrase: str  # "without spaces", "made of letters, digits, underscores"
    whole: bool  # the phrase says everything (lengths included): "0x followed by …"


def describe_pattern(pattern: str) -> Pattern:
    """A pattern in words, or quoted when it is not one of the simple kinds."""
    quoted = Pattern(0, f"matching the pattern {pattern}", False)
    if not (pattern.startswith("^") and pattern.endswith("$")):
        return quoted
    body = pattern[1:-1]
    if body.startswith("(") and body.endswith(")") and _closing(body, 0) == len(body) - 1:
        body = body[1:-1]
    try:
        alternatives = [_sequence(part) for part in _split_alternatives(body)]
    except ValueError:
        return quoted
    if len(alternatives) == 1 and len(alternatives[0]) == 1:
        atom, low, high = alternatives[0][0]
        if isinstance(atom, frozenset) and high is None:  # one class, any length
            return Pattern(low, _made_of(atom), False)
    phrases = [
        " followed by ".join(_counted(*part) for part in sequence) for sequence in alternatives
    ]
    return Pattern(0, ", or ".join(phrases), True)


def _made_of(items: frozenset) -> str:
    if "\\S" in items:
        return "" if " " in items else "without spaces"
    return f"made of {_class_words(items)}"


def _counted(atom, low: int, high: int | None) -> str:
    if isinstance(atom, str):
        text = f'"{atom}"'
        return text if (low, high) == (1, 1) else f"{text} repeated {low}-{high or 'any'} times"
    words = _class_words(atom)
    if high is None:
        return f"{'one or more' if low else 'any number of'} {words}"
    return f"{low} {words}" if low == high else f"{low}-{high} {words}"


def _class_words(items: frozenset) -> str:
    if items == HEX_DIGITS:
        return "hexadecimal digits"
    if items == BASE58:
        return "base58 characters"
    named, marks = [], []
    for item in sorted(items):
        if item.startswith("\\"):
            named += CLASS_ESCAPES.get(item[1:], item).split(", ")
        elif item == " ":
            named.append("spaces")
        elif len(item) == 3 and item[1] == "-":
            named.append(item)
        else:
            marks.append(item)
    if marks:
        named.append(" ".join(marks))
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"


def _split_alternatives(body: str) -> list[str]:
    parts, depth, start, index = [], 0, 0, 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index = body.index("]", index + 1) + 1
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(body[start:index])
            start = index + 1
        index += 1
    parts.append(body[start:])
    return parts


def _closing(body: str, start: int) -> int:
    depth = 0
    for index in range(start, len(body)):
        if body[index] == "(" and (index == 0 or body[index - 1] != "\\"):
            depth += 1
        elif body[index] == ")" and body[index - 1] != "\\":
            depth -= 1
            if depth == 0:
                return index
    return -1


_QUANTIFIER = re.compile(r"\+|\*|\?|\{(\d+)(,(\d*))?\}")


def _sequence(text: str) -> list[tuple]:
    """[(atom, min, max)]: atom a literal string or a frozenset of class items."""
    parts: list[tuple] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "[":
            end = text.index("]", index + 1)
            atom: Any = _class_items(text[index + 1 : end])
            index = end + 1
        elif char == "\\":
            escaped = text[index + 1]
            atom = frozenset({f"\\{escaped}"}) if escaped in CLASS_ESCAPES else escaped
            index += 2
        elif char in "()|.^$":
            raise ValueError(text)
        else:
            atom = char
            index += 1
        low, high = 1, 1
        quantifier = _QUANTIFIER.match(text, index)
        if quantifier:
            token = quantifier.group(0)
            if token in "+*?":
                low, high = {"+": (1, None), "*": (0, None), "?": (0, 1)}[token]
            else:
                low = int(quantifier.group(1))
                high = low if quantifier.group(2) is None else int(quantifier.group(3) or 0) or None
            index = quantifier.end()
        if (
            isinstance(atom, str)
            and parts
            and isinstance(parts[-1][0], str)
            and parts[-1][1:] == (1, 1)
            and (low, high) == (1, 1)
        ):
            parts[-1] = (parts[-1][0] + atom, 1, 1)  # literal text: "0x"
        else:
            parts.append((atom, low, high))
    return parts


def _class_items(text: str) -> frozenset:
    if text.startswith("^"):
        raise ValueError(text)
    items, index = set(), 0
    while index < len(text):
        if text[index] == "\\":
            escaped = text[index + 1]
            items.add(f"\\{escaped}" if escaped in CLASS_ESCAPES else escaped)
            index += 2
        elif index + 2 < len(text) and text[index + 1] == "-":
            items.add(text[index : index + 3])
            index += 3
        else:
            items.add(text[index])
            index += 1
    return frozenset(items)


# --- errors ------------------------------------------------------------------------


def where(path) -> str:
    """``tags[3]``, ``extensions.website``; '' for the whole document."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def shown(value: Any) -> str:
    """The offending value, briefly: (is "Unlimited Energy"), (has 12 items)."""
    if isinstance(value, str):
        if len(value) > VALUE_SHOWN:
            return f'(is {len(value)} characters: "{value[:VALUE_SHOWN]}…")'
        return f"(is {json.dumps(value, ensure_ascii=False)})"
    if isinstance(value, list):
        return f"(has {len(value)} items)"
    if isinstance(value, dict):
        return f"(has {len(value)} keys)"
    return f"(is {json.dumps(value)})"


@dataclass
class SchemaProblem:
    """One breach of the schema: the top-level field it is in, the exact place, what is
    required there (in words) and the value found."""

    field: str  # "tags" ("" for the document itself)
    where: str  # "tags[3]"
    requirement: str  # "must be 1-10 characters made of letters, digits, underscores"
    value: str = ""  # '(is "lp-token")'
    subject: str = ""  # "each item", "each value", "each key": what the requirement is of

    def __str__(self) -> str:
        # An item or value is pinned by the place (tags[3]); a key is not (extensions).
        subject = "each key " if self.subject == "each key" else ""
        place = f"{self.where}: " if self.where else ""
        return f"{place}{subject}{self.requirement} {self.value}".rstrip()

    @property
    def kind(self) -> str:
        """The problem without its place and value, for grouping like ones."""
        subject = f"{self.subject} " if self.subject else ""
        return f"{self.field or 'the document'}: {subject}{self.requirement}"


def explain(error, root: dict) -> SchemaProblem:
    """A jsonschema-rs validation error as field, place and requirement in words."""
    path = list(error.instance_path)
    kind = type(error.kind).__name__
    field = str(path[0]) if path else ""
    if kind == "Required":
        name = error.kind.property
        return SchemaProblem(name, where([*path, name]), "is missing")
    if kind == "AdditionalProperties":
        unexpected = ", ".join(error.kind.unexpected)
        allowed = ", ".join(node_at(root, list(error.schema_path)[:-1]).get("properties", {}))
        return SchemaProblem(
            field, where(path), f"has unknown fields {unexpected} (known: {allowed})"
        )
    requirement = _rule_at(root, tuple(error.schema_path)[:-1])
    if kind == "PropertyNames":
        return SchemaProblem(
            field,
            where(path),
            f"must be {requirement}",
            shown(error.kind.error.instance),
            subject="each key",
        )
    subject = ""
    if len(path) > 1:
        subject = "each item" if isinstance(path[-1], int) else "each value"
    return SchemaProblem(
        field, where(path), f"must be {requirement}", shown(error.instance), subject
    )


# (id of the schema, path) -> (the schema, kept so that its id is not reused; the rule)
_rules: dict[tuple[int, tuple], tuple[dict, str]] = {}


def _rule_at(root: dict, schema_path: tuple) -> str:
    """``rule`` of the node at ``schema_path``, computed once per node (a list of 13,000
    tokens breaks the same few rules thousands of times)."""
    key = (id(root), schema_path)
    if key not in _rules:
        _rules[key] = (root, rule(node_at(root, schema_path), root))
    return _rules[key][1]
