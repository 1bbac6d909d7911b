"""The vocabularies of one import: the shipped ones, extended by the import's override files.

``lagebild import --sectors map.yml`` (and ``--statuses``, ``--modalities``, ``--event-types``)
reads a YAML file of either shape :func:`lagebild.model.vocab.parse_mapping` takes, ``word:
code`` or ``code: [words]``; its words add to or change the shipped words for that import.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from lagebild.ingest.read import ReadError
from lagebild.messages import N_, Message
from lagebild.model.vocab import Vocabulary, VocabularyError, parse_mapping, vocabulary

#: The import option that maps words of each vocabulary.
OVERRIDE_OPTION = {
    "sectors": "--sectors",
    "statuses": "--statuses",
    "convoy_statuses": "--statuses",
    "modalities": "--modalities",
    "event_types": "--event-types",
}


def load_vocabulary_map(path: Path | str) -> dict[str, str]:
    """``word -> code`` from an override file (YAML, ``word: code`` or ``code: [words]``)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        said = Message(N_("cannot read the map: %(why)s"), {"why": exc.strerror})
        raise ReadError(path, None, None, None, said) from exc
    except yaml.YAMLError as exc:
        said = Message(N_("the map is not valid YAML: %(why)s"), {"why": str(exc)})
        raise ReadError(path, None, None, None, said) from exc
    try:
        return parse_mapping(data, path.name)
    except VocabularyError as exc:
        raise ReadError(path, None, None, None, exc.words) from exc


class ImportVocabularies:
    """The vocabularies an import maps words with: each shipped one, extended by its override.

    The ``--statuses`` map extends the statuses of the kind imported: a convoy file's statuses
    are convoy statuses, any other file's delivery statuses.
    """

    def __init__(
        self,
        kind: str | None = None,
        *,
        sectors: Mapping[str, str] | None = None,
        statuses: Mapping[str, str] | None = None,
        modalities: Mapping[str, str] | None = None,
        event_types: Mapping[str, str] | None = None,
    ) -> None:
        status_name = "convoy_statuses" if kind == "convoys" else "statuses"
        given = {
            "sectors": sectors,
            status_name: statuses,
            "modalities": modalities,
            "event_types": event_types,
        }
        self._vocabularies: dict[str, Vocabulary] = {}
        for name, mapping in given.items():
            try:
                self._vocabularies[name] = vocabulary(name).extended(mapping or {})
            except VocabularyError as exc:
                raise VocabularyError(f"{OVERRIDE_OPTION[name]}: {exc}") from exc

    def __getitem__(self, name: str) -> Vocabulary:
        found = self._vocabularies.get(name)
        return found if found is not None else vocabulary(name)
