"""Files to validated records: reading HXL, recognising the data, validating, writing in one go."""

# The readers of JSON and shapefiles register themselves with open_table when imported.
from lagebild.ingest import hxl_json, shapefile  # noqa: F401
from lagebild.ingest.importer import ImportOptions, import_file, load_tag_map
from lagebild.ingest.problems import ImportFailed, ImportReport, Problem
from lagebild.ingest.read import ReadError
from lagebild.ingest.vocabularies import load_vocabulary_map

__all__ = [
    "ImportFailed",
    "ImportOptions",
    "ImportReport",
    "Problem",
    "ReadError",
    "import_file",
    "load_tag_map",
    "load_vocabulary_map",
]
