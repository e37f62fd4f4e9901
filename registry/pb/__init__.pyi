from . import cqar
from . import cqc
