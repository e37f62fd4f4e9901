from . import events
from . import registry
