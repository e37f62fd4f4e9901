"""Export and CSV import of every entity, in the API's own terms.

- ``entities``: the base ``Entity`` (an entity is its API viewset and its natural key)
  and ``ENTITIES``, the registry each app fills in ``AppConfig.ready()`` with its own
  (``<app>/exchange.py``), listed in dependency order;
- ``formats``: the files, CSV, XLSX, JSON and JSONL, read and written (``export``);
- ``run``: one import of a file (``CsvImport``), planned row by row, then written
  through the entity's services.

The registry core names no entity: what is particular to one (how a row without its key
is matched, what a row does beyond its fields) is in its app's ``exchange.py``.
"""
