from . import assets
from . import events
from . import venues
