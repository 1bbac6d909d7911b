"""The demonstration scenario of ``lagebild demo``: Syria, January and February 2017.

The story
=========

The scenario tells the story of the project's source document (``seed/README.md``), a television
news report from early 2017, as the data an information management officer would hold on
28 February 2017 (``AS_OF``):

* **The country.** A WFP spokesperson (Dina El-Kassaby) says 13.5 million people in Syria need
  humanitarian aid, "three quarters of the population", and 6.3 million are displaced inside the
  country. These two numbers are the only ones taken from the source; they sit on the country
  (P-code ``SY``), dated 14 February 2017, cited to the speaker. The population of 18 million is
  the demo's arithmetic (13.5 million / 0.75) and is marked illustrative.
* **More than 600,000 in besieged areas.** Per besieged place, the demo gives a besieged
  population; on 28 February 2017 they add up to 643,780 people, of the order of the UN's list of
  besieged areas of early 2017 and just above the speaker's "more than 600,000":

  - East Ghouta, 14 communities of Duma and Rural Damascus districts (Duma 185,000, Arbin 50,000,
    Saqba 40,000, ...): 486,000, besieged by the Government of Syria and allies since 1 April 2013;
  - Madaya 30,000, Bqine 5,000, Az-Zabdani 780: Government of Syria and allies, since 4 July 2015;
  - Yarmuk (Damascus) 9,000: Government of Syria and allies, since 18 July 2013;
  - Foah 12,000 and Kafraya 7,500 (Idleb): non-state armed groups, since 28 March 2015;
  - Deir-ez-Zor city 93,500: ISIL, since 15 January 2015.

  Madamiyet Elsham was besieged from November 2012 until the local agreement of 19 October 2016
  and is hard to reach since; its besieged figure falls to 0 on that date.
* **East Aleppo.** Besieged from 17 July 2016, accessible from 22 December 2016 after the
  evacuation; people return and receive bread every day: the 4W has a bread delivery on each of
  the 59 days from 1 January to 28 February 2017 (about 19,000 bundles a day, rising to 30,000
  as people return; people reached is left blank, since the same families collect every day),
  besides monthly food rations, plastic sheeting and winter kits, water trucking and mobile
  clinics. The demo keys East Aleppo on Aleppo city's community
  (``C1007``); its figures describe the city, its besieged figure the eastern part (275,000 in
  November 2016, 0 after the evacuation).
* **Now and then a delivery; tens of thousands cut off.** The four towns (Madaya, Bqine,
  Az-Zabdani, Foah, Kafraya) had joint convoys in 2016, the last on 28 November 2016; the convoy of
  20 February 2017 was denied and another is planned for March. Yarmuk's last delivery was on
  5 December 2016, the one of 8 February 2017 was denied. Three East Ghouta communities (Modira,
  Otaya, Nashabiyeh: 24,000 people) never had a delivery. On 28 February 2017, with a 30-day
  window, these nine communities are cut off: 88,280 people in need, "tens of thousands". The rest
  of East Ghouta, Deir-ez-Zor (airdrops), the hard-to-reach places (Madamiyet Elsham, Ein Elfijeh,
  Yalda, Babella, Ar-Rastan, Talbiseh, Idleb city) and the accessible cities had deliveries in
  February 2017. Ar-Raqqa (held by ISIL, hard to reach) has a population figure but no figure of
  people in need of its own, so the gaps do not rank it: a data gap, not a covered place.

The sources
===========

Only the two national figures above come from the source document. Every other number, every
access status and every delivery is the demo's own invention, written to be plausible, and says so
in its source name, which always contains "illustrative" (for example "lagebild demo
(illustrative)"). Organisation names are real agencies; what the rows say they did is illustrative.
Place names and P-codes are real: OCHA's Syria gazetteer (communities list of 19 December 2018).
A few places have two figures from different sources and dates, so the rule "the latest figure
wins" shows (Duma, Madaya, Yarmuk, Deir-ez-Zor, Aleppo, Madamiyet Elsham).

After the import the demo grades its sources (``SOURCE_GRADES``, NATO Admiralty code) so that the
source register and the current-figure rule have grades to work with. One contradiction is built
in, clearly illustrative: for Madaya, "lagebild demo (illustrative): second source" says 45,000
people in need on 15 January 2017, the local council 30,000 on 31 January 2017 (33 % apart in
the same month); ``lagebild figures --conflicts`` shows it, and the later figure is current.

The files, imported in this order (``DEMO_FILES``):

1. ``01_places.csv``: the country, the 14 governorates, and the districts, sub-districts and
   communities the story needs.
2. ``02_figures_national.csv``: the country's figures (a file of its own, so that no row has
   blank finer P-codes).
3. ``02_figures.csv``: per community, population, people in need, displaced, returnees, besieged.
4. ``03_access.csv``: the access history of each place.
5. ``04_deliveries.csv``: the 4W.
6. ``05_convoys.csv``: inter-agency convoys to besieged places, all illustrative: to Duma
   (requested 20 November 2016, partly approved, delivered 8 December 2016 with 40 % of its
   medical items removed at a checkpoint), to Saqba (delivered 19 January 2017), to Madaya
   (denied 20 February 2017, and a new request of 27 February 2017 not yet decided), to Yarmuk
   (denied 8 February 2017); and, approved but not yet delivered on ``AS_OF``, to Foah (8 trucks)
   and Kafraya (5 trucks, both approved 26 February 2017 under the four-towns agreement) and to
   Arbin in East Ghouta (20 of 30 trucks, partly approved 24 February 2017). They are not in the
   4W; the delivered ones fall before the 30-day window of ``AS_OF`` at places with a later
   delivery, so the story's gaps stay as told. A plan of March 2017 can send trucks to Foah,
   Kafraya and Arbin, but none to Madaya or Yarmuk.
7. ``06_incidents.csv``: eight conflict incidents of January and February 2017 in ACLED's HXL form,
   all illustrative (their notes and reporter say so): an air strike on a market in Douma near
   Damascus, shelling of Harasta, Yarmuk and Ar-Rastan, shells beside an aid convoy at Madaya (an
   attack on aid), clashes in Deir-ez-Zor, an air strike in Idleb given by name only, unexploded
   ordnance in eastern Aleppo. Placed by P-code, nearest community and name (the demo gazetteer
   has no boundaries).
8. ``07_damage.csv``: buildings destroyed, severely, moderately and possibly damaged in Aleppo and
   other cities, such that Aleppo holds 15 % of all destroyed buildings on ``AS_OF``, the share a
   UN ESCWA official gave in the seed report (cited to him in the row's source); the counts, the
   other cities and an earlier Aleppo assessment (for ``lagebild damage --changes``) are
   illustrative.
9. The planning case of February-March 2017 (docs/plan.md, "Inputs"), all illustrative, each
   number explained in the file's note column: ``08_warehouses.csv``, a hub in Damascus (C1001,
   60 trucks a week), one at the Turkish border crossing of Bab al-Hawa (placed by its
   coordinates in Idleb governorate; 100 trucks a week) and one in Homs (25);
   ``09_items.csv``, a family food ration (5 people for 30 days, about 1,510 kcal a person a
   day), wheat flour, hygiene kits, water purification tablets and WHO's emergency health kit;
   ``10_stock.csv``, the stock counted on 28 February 2017 (and an older count of food rations
   in Damascus, on 31 January); ``11_place_limits.csv``, trucks a week into hard-to-reach
   places (2 to 4, none into ISIL-held Ar-Raqqa); ``12_routes.csv``, the border crossing's 50
   trucks a week into Idleb and the distances of the hubs' usual routes.
10. The boundaries of the demo's places (``BOUNDARIES``, ``syr_boundaries.geojson``): the country,
   governorates, districts and sub-districts of OCHA's COD-AB for Syria (CC BY-IGO), simplified by
   ``scripts/boundaries.py``. The file holds all 349 units; the demo imports, as a gazetteer file,
   only the features whose P-code it already has, so that the map has a boundary for every place
   above the communities and the story's places stay as they are.

Numbers are written plainly (``13500000``), dates as ISO dates, so the default ``en`` locale
reads them.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from lagebild.store.places import all_places
from lagebild.store.sources import grade_source

if TYPE_CHECKING:
    from lagebild.ingest import ImportReport
    from lagebild.store import Store

DATA_DIR = Path(__file__).parent / "data"

#: The demo's files, in the order they must be imported (places first).
DEMO_FILES: list[Path] = [
    DATA_DIR / "01_places.csv",
    DATA_DIR / "02_figures_national.csv",
    DATA_DIR / "02_figures.csv",
    DATA_DIR / "03_access.csv",
    DATA_DIR / "04_deliveries.csv",
    DATA_DIR / "05_convoys.csv",
    DATA_DIR / "06_incidents.csv",
    DATA_DIR / "07_damage.csv",
    DATA_DIR / "08_warehouses.csv",
    DATA_DIR / "09_items.csv",
    DATA_DIR / "10_stock.csv",
    DATA_DIR / "11_place_limits.csv",
    DATA_DIR / "12_routes.csv",
]

#: OCHA's boundaries of Syria, adm0-adm3, simplified (``scripts/boundaries.py``).
BOUNDARIES = DATA_DIR / "syr_boundaries.geojson"
#: The source name of the boundaries: OCHA's attribution and the licence.
BOUNDARY_SOURCE = "OCHA Syria / UNOCHA: Syria administrative boundaries (COD-AB), CC BY-IGO"

#: The date the story is told on: the end of February 2017.
AS_OF = date(2017, 2, 28)

#: The source name of the figures taken from the source document.
SEED_SOURCE = "WFP spokesperson (Dina El-Kassaby), TV report early 2017"

#: Aleppo's share of all destruction in Syria, 15 %, as a UN ESCWA official put it in the seed
#: report; the building counts that make it (``07_damage.csv``) are illustrative.
ESCWA_SOURCE = (
    "UN ESCWA official, TV report early 2017: Aleppo holds 15 % of all destruction in Syria "
    "(building counts illustrative)"
)


#: The demo's sources: (kind, reliability A-F, credibility 1-6). Illustrative grades.
SOURCE_GRADES: dict[str, tuple[str, str, int]] = {
    SEED_SOURCE: ("un_agency", "A", 2),
    "lagebild demo (illustrative)": ("cluster", "C", 3),
    "lagebild demo (illustrative): inter-agency needs assessment": ("un_agency", "B", 2),
    "lagebild demo (illustrative): local council estimate": ("government", "C", 3),
    "lagebild demo (illustrative): rapid needs assessment": ("ngo", "B", 3),
    "lagebild demo (illustrative): 13.5 million in need are three quarters of the population": (
        "cluster",
        "C",
        3,
    ),
    "lagebild demo (illustrative): second source": ("media", "D", 4),
    "lagebild demo (illustrative): inter-agency convoy reports": ("un_agency", "B", 2),
    ESCWA_SOURCE: ("un_agency", "B", 3),
    "lagebild demo (illustrative): satellite damage assessment": ("un_agency", "B", 2),
    BOUNDARY_SOURCE: ("un_agency", "A", 1),  # OCHA's boundaries: real, the reference gazetteer
}


def build_demo(store: Store) -> list[ImportReport]:
    """Import the demo files into ``store`` (a migrated, empty database), one transaction each,
    then the boundaries of its places (``BOUNDARIES``), then grade the demo's sources
    (``SOURCE_GRADES``).

    Raises ``lagebild.ingest.ImportFailed`` if a file has errors (a bug in the bundled data).
    """
    from lagebild.ingest import ImportOptions, import_file

    reports = [import_file(store, path, ImportOptions(locale="en")) for path in DEMO_FILES]
    with tempfile.TemporaryDirectory(prefix="lagebild-demo-") as folder:
        known = {place.pcode for place in all_places(store)}
        subset = boundaries_of(known, Path(folder) / BOUNDARIES.name)
        options = ImportOptions(locale="en", source=BOUNDARY_SOURCE)
        reports.append(import_file(store, subset, options))
    for name, (kind, reliability, credibility) in SOURCE_GRADES.items():
        grade_source(store, name, reliability, credibility, kind)
    return reports


def boundaries_of(pcodes: set[str], target: Path) -> Path:
    """Write to ``target`` the features of ``BOUNDARIES`` whose own (finest) P-code is one of
    ``pcodes``, with the file's attribution and licence; returns ``target``."""
    collection = json.loads(BOUNDARIES.read_text(encoding="utf-8"))
    collection["features"] = [
        f for f in collection["features"] if feature_pcode(f["properties"]) in pcodes
    ]
    target.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return target


def feature_pcode(properties: dict[str, str]) -> str:
    """The P-code of the finest level a boundary feature names (``#adm3+code``, ...)."""
    for key in ("#adm3+code", "#adm2+code", "#adm1+code", "#country+code"):
        if properties.get(key):
            return properties[key]
    raise ValueError(f"a boundary feature without a P-code: {properties}")


__all__ = [
    "AS_OF",
    "BOUNDARIES",
    "BOUNDARY_SOURCE",
    "DATA_DIR",
    "DEMO_FILES",
    "ESCWA_SOURCE",
    "SEED_SOURCE",
    "SOURCE_GRADES",
    "boundaries_of",
    "build_demo",
    "feature_pcode",
]
