"""List filters of the curation console that stay usable at the registry's real sizes.

Django's own filters list every choice as a link and, with "Show counts" (facets), count
each choice with its own aggregate in one SELECT. Over the full chain list that is 1,942
links, and PostgreSQL refuses a SELECT of more than 1,664 columns: a 500. So:

- a filter over a related set that grows with the data (chains, venues, groups, assets)
  is an autocomplete (``RelatedSearchFilter``): one search box that asks the related
  admin's search, whatever the number of rows, and no per-choice count;
- a filter over a free-text column (a flag's source, a relationship's protocol) lists
  only its most frequent values and takes any other in a box
  (``FrequentValuesFilter``), with counts from one GROUP BY;
- a filter whose choices are values of one column (the history's actor, source …) counts
  them with one GROUP BY too (``GroupedFacetsMixin``), never one aggregate per choice.

Filters over fixed choices (an enum, a boolean) keep Django's own: their columns are few.
"""

from dalf.admin import DALFModelAdmin, DALFRelatedFieldAjax
from django.contrib import admin
from django.contrib.admin.utils import get_last_value_from_parameters
from django.db.models import Count
from django.utils.functional import cached_property


class SearchableFiltersMedia(DALFModelAdmin):
    """The scripts of ``RelatedSearchFilter`` (select2 and dalf's), on every page."""


class RelatedSearchFilter(DALFRelatedFieldAjax):
    """A filter over a related model as an autocomplete (django-admin-list-filter, dalf).

    The box searches the related model's admin (its ``search_fields``) through Django's
    own autocomplete view, so a user finds "Arbitrum" among 2,000 chains by typing it;
    the URL parameter is Django's (``deployments__chain__chain_id__exact``). The admin
    using it needs ``SearchableFiltersMedia``.
    """


class FrequentValuesFilter(admin.FieldListFilter):
    """A free-text column's most frequent values as links, and a box for any value.

    The values and, with "Show counts", their counts come from one GROUP BY each, so the
    filter costs the same with 5 distinct values or 50,000.
    """

    template = "registry/admin/filter/frequent_values.html"
    # How many values are listed; any other is typed into the box.
    shown = 15

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_kwarg = f"{field_path}__exact"
        self.lookup_val = get_last_value_from_parameters(params, self.lookup_kwarg)
        super().__init__(field, request, params, model, model_admin, field_path)
        self.model_admin = model_admin

    @cached_property
    def values(self) -> list:
        """The ``shown`` most frequent values."""
        rows = (
            self.model_admin.get_queryset(self.request)
            .order_by()
            .values_list(self.field_path)
            .annotate(rows=Count("pk"))
            .order_by("-rows", self.field_path)[: self.shown]
        )
        return [value for value, _ in rows if value is not None]

    def expected_parameters(self):
        return [self.lookup_kwarg]

    def has_output(self) -> bool:
        # Always (the box takes any value): asking for the values here would read them
        # for each facet count too, since the list builds its filters again for each.
        return True

    def choices(self, changelist):
        self.box = self.search_box(changelist)  # read by the template after the choices
        counts = self._counts(changelist) if changelist.add_facets else None
        yield {
            "selected": self.lookup_val is None,
            "query_string": changelist.get_query_string(remove=[self.lookup_kwarg]),
            "display": "All",
        }
        values = list(self.values)
        if self.lookup_val is not None and self.lookup_val not in values:
            values.append(self.lookup_val)  # typed in the box: shown as chosen
        for value in values:
            display = value if value != "" else "(empty)"
            if counts is not None:
                display = f"{display} ({counts.get(value, 0)})"
            yield {
                "selected": self.lookup_val == value,
                "query_string": changelist.get_query_string({self.lookup_kwarg: value}),
                "display": display,
            }

    def search_box(self, changelist) -> dict:
        """What the template's box needs: its parameter, its value, and the list's other
        parameters (kept as hidden fields, so typing a value keeps the other filters)."""
        kept = {
            name: value for name, value in changelist.params.items() if name != self.lookup_kwarg
        }
        return {"name": self.lookup_kwarg, "value": self.lookup_val or "", "kept": kept}

    def _counts(self, changelist) -> dict:
        shown = [*self.values, *([self.lookup_val] if self.lookup_val is not None else [])]
        filtered = changelist.get_queryset(
            self.request, exclude_parameters=self.expected_parameters()
        )
        return dict(
            filtered.order_by()
            .filter(**{f"{self.field_path}__in": shown})
            .values_list(self.field_path)
            .annotate(rows=Count("pk", distinct=True))
        )


class GroupedFacetsMixin:
    """Facet counts of a SimpleListFilter whose choices are values of ``facet_column``:
    one GROUP BY over the list (without this filter), instead of Django's one aggregate
    (and one subquery) per choice."""

    facet_column: str

    def facet_value(self, lookup: str):
        """The column's value for the lookup ``lookup`` (the same by default)."""
        return lookup

    def get_facet_queryset(self, changelist) -> dict:
        filtered = changelist.get_queryset(
            self.request, exclude_parameters=self.expected_parameters()
        )
        counts = dict(filtered.order_by().values_list(self.facet_column).annotate(rows=Count("*")))
        return {
            f"{index}__c": counts.get(self.facet_value(lookup), 0)
            for index, (lookup, _) in enumerate(self.lookup_choices)
        }
