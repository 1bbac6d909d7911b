"""HXL hashtags: parsing tag cells, matching patterns, recognising the hashtag row."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lagebild.ingest.tags import Tag, is_tag_row

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
LIBHXL_IO = DATA / "libhxl_tests" / "files" / "test_io"


def test_parse_lowercases_and_ignores_spaces_around_attributes() -> None:
    assert Tag.parse("#adm1 +Code") == Tag("adm1", ("code",))
    assert Tag.parse("  #ADM1+CODE  ") == Tag("adm1", ("code",))


def test_parse_keeps_attribute_order_and_drops_repeats() -> None:
    assert Tag.parse("#Inneed+F +children +f") == Tag("inneed", ("f", "children"))


def test_parse_without_attributes() -> None:
    assert Tag.parse("#sector") == Tag("sector", ())


def test_str_gives_the_compact_form() -> None:
    tag = Tag.parse("#org +Type + Name")
    assert tag is not None
    assert str(tag) == "#org+type+name"


@pytest.mark.parametrize(
    "cell",
    [
        "",
        "   ",
        "adm1",
        "#",
        "#1st",
        "#sector?",  # real-world junk: strictly not a tag, the column stays untagged
        "#org+",
        "#org++impl",
        "#org+impl name",
        "# of Individuals Reached",
        "#adm1+code-x",
        "Registro",
        "#حلب",
    ],
)
def test_parse_returns_none_for_cells_that_are_not_tags(cell: str) -> None:
    assert Tag.parse(cell) is None


def test_has_checks_every_attribute_in_any_case() -> None:
    tag = Tag("reached", ("ind", "f"))
    assert tag.has("f")
    assert tag.has("F", "+ind")
    assert not tag.has("f", "children")
    assert tag.has()


def test_matches_when_pattern_attributes_are_a_subset_in_any_order_and_case() -> None:
    tag = Tag("adm1", ("name", "code"))
    assert tag.matches("#adm1+code")
    assert tag.matches("#ADM1 +Code +name")
    assert tag.matches("#adm1")
    assert tag.matches("adm1+code")  # the '#' of a pattern may be left out


def test_matches_needs_the_same_hashtag() -> None:
    tag = Tag("adm1", ("code",))
    assert not tag.matches("#adm2+code")
    assert not tag.matches("#adm")
    assert not tag.matches("#adm1+code+name")


def test_negative_pattern_attribute_excludes_tags_that_carry_it() -> None:
    assert Tag("population", ()).matches("#population-besieged")
    assert Tag("population", ("total",)).matches("#population-besieged")
    assert not Tag("population", ("besieged",)).matches("#population-besieged")
    assert Tag("affected", ("idps", "f")).matches("#affected+idps-m-children")
    assert not Tag("affected", ("idps", "f")).matches("#affected+idps-f")


@pytest.mark.parametrize("pattern", ["", "#", "#1abc", "#adm1+", "#adm1+co de", "#adm1?"])
def test_malformed_pattern_is_a_value_error(pattern: str) -> None:
    with pytest.raises(ValueError, match="not a tag pattern"):
        Tag("adm1", ()).matches(pattern)


def test_tag_row_of_tags_and_empty_cells() -> None:
    assert is_tag_row(["#org", "", "#adm1 +code", "  ", "#affected"])
    assert is_tag_row(["", "#sector+es"])


def test_header_row_is_not_a_tag_row() -> None:
    assert not is_tag_row(["Org", "Province", "Number affected"])
    assert not is_tag_row(["", "", ""])
    assert not is_tag_row([])


def test_row_with_one_stray_word_and_few_tags_is_not_a_tag_row() -> None:
    assert not is_tag_row(["#org", "#adm1", "Comment"])
    assert not is_tag_row(["# of Individuals Reached", "Sector", "Org"])


def test_row_with_many_tags_tolerates_a_few_junk_cells() -> None:
    # libhxl's fuzzy test file: five tags and two untagged words
    row = ["", "#sector+es", "#subsector+es", "#org+es", "#targeted+f", "#targeted+f", "country"]
    assert is_tag_row([*row, "adm1"])
    assert is_tag_row(["#country", "#sector?", "#affected", "#inneed", "#targeted"])


def test_junk_must_stay_under_a_third_of_the_cells() -> None:
    assert not is_tag_row(["#a", "#b", "#c", "x", "y"])
    assert is_tag_row(["#a", "#b", "#c", "x"])


@pytest.mark.skipif(not LIBHXL_IO.exists(), reason="libhxl test files not in ../shared/data")
def test_libhxl_fuzzy_file_has_its_hashtag_row_recognised() -> None:
    with (LIBHXL_IO / "input-fuzzy.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert [is_tag_row(r) for r in rows[:4]] == [False, False, True, False]


@pytest.mark.skipif(not LIBHXL_IO.exists(), reason="libhxl test files not in ../shared/data")
def test_libhxl_invalid_file_has_no_hashtag_row() -> None:
    with (LIBHXL_IO / "input-invalid.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert not any(is_tag_row(r) for r in rows)
