from . import assets
from . import events
from . import markets
from . import venues
