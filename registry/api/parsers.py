"""Request parsers of the API."""

import json
import math

from django.utils.http import parse_header_parameters
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import JSONParser

# JSON is UTF-8 (RFC 8259, section 8.1); "utf8" is a common spelling of it.
UTF8_NAMES = {"utf-8", "utf8"}


class DuplicateKeyError(ValueError):
    pass


def _object_without_duplicate_keys(pairs: list) -> dict:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise DuplicateKeyError(f'the key "{duplicate[:100]}" is given twice in one object')
    return value


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999: read as infinity, which no reader writes back
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


class RegistryJSONParser(JSONParser):
    """JSON as RFC 8259 has it, read strictly: in UTF-8 (a Content-Type naming another
    charset is a 415, where DRF would decode it as that charset, or fall back to UTF-8
    for one Python does not know), no NaN or Infinity, no number that overflows a float,
    and no key given twice in one object (DRF keeps the last; a proxy that checked the
    first would have passed something else). Each is a 400 (parse_error), as is a body
    nested too deeply for the parser, not a crash."""

    def parse(self, stream, media_type=None, parser_context=None):
        _, parameters = parse_header_parameters(media_type or "")
        charset = parameters.get("charset")
        if charset is not None and charset.lower() not in UTF8_NAMES:
            raise UnsupportedMediaType(
                media_type, f"JSON is UTF-8; the charset {charset[:40]!r} is not taken."
            )
        try:
            text = stream.read().decode("utf-8") if stream is not None else ""
            return json.loads(
                text,
                object_pairs_hook=_object_without_duplicate_keys,
                parse_constant=_constant,
                parse_float=_finite_float,
            )
        except UnicodeDecodeError:
            raise ParseError("JSON parse error - the body is not UTF-8.") from None
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from None
