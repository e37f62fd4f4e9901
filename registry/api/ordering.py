"""``?ordering=``: the fields a list may be sorted by, documented and enforced.

DRF's OrderingFilter drops a field it does not know and sorts by the default, so
``ordering=symbol`` (the field is ``symbol_key``) answered in another order than asked,
silently. Here an unknown field is a 400 naming the allowed ones, and the schema lists
them as an enum.
"""

from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter


class RegistryOrderingFilter(OrderingFilter):
    @staticmethod
    def allowed_terms(view) -> list[str]:
        """Each of the view's ``ordering_fields``, ascending and descending (``-``).
        ``ordering_fields`` may map the names the API shows to the model's fields."""
        fields = getattr(view, "ordering_fields", None) or []
        return [term for field in fields for term in (field, f"-{field}")]

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param, "")
        terms = [term.strip() for term in raw.split(",") if term.strip()]
        if not terms:
            return self.get_default_ordering(view)
        allowed = self.allowed_terms(view)
        unknown = [term for term in terms if term not in allowed]
        if unknown:
            choices = ", ".join(allowed) if allowed else "none (this list has a fixed order)"
            raise ValidationError(
                {
                    self.ordering_param: [
                        f"Cannot sort by {', '.join(unknown)}; sort by one or more of: {choices}."
                    ]
                }
            )
        names = getattr(view, "ordering_fields", None)
        if isinstance(names, dict):  # a public name -> the model field it sorts by
            terms = [f"-{names[t[1:]]}" if t.startswith("-") else names[t] for t in terms]
        return terms

    def get_schema_operation_parameters(self, view):
        allowed = self.allowed_terms(view)
        if not allowed:
            return []
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Sort by these fields, comma-separated ('-' for descending); "
                "ties are broken by id.",
                "schema": {"type": "array", "items": {"type": "string", "enum": allowed}},
                "style": "form",
                "explode": False,
            }
        ]
