from . import assets
from . import events
from . import identifiers
from . import markets
from . import services
from . import venues
