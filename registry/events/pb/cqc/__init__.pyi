from . import assets
from . import events
