"""Pure functions of the store: the situation picture, gaps and access on a date."""

from lagebild.analysis.access import AccessOn, AccessPeriod, access_of, history, status_on
from lagebild.analysis.figures import FigureValue, current_figures
from lagebild.analysis.gaps import GapRow, GapsResult, gaps
from lagebild.analysis.situation import SituationResult, SituationRow, situation
from lagebild.analysis.tree import PlaceTree

__all__ = [
    "AccessOn",
    "AccessPeriod",
    "FigureValue",
    "GapRow",
    "GapsResult",
    "PlaceTree",
    "SituationResult",
    "SituationRow",
    "access_of",
    "current_figures",
    "gaps",
    "history",
    "situation",
    "status_on",
]
