"""Smina custom scoring files mapped onto the Vina core's weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from madlab.engines.smina_scoring import VINA_TERMS, parse_custom_scoring, read_custom_scoring
from madlab.errors import InputFileError, ValidationError

#: What ``smina --print_terms`` lists as the default (Vina) scoring function.
DEFAULT_FILE = """\
-0.035579    gauss(o=0,_w=0.5,_c=8)
-0.005156    gauss(o=3,_w=2,_c=8)
0.840245     repulsion(o=0,_c=8)
-0.035069    hydrophobic(g=0.5,_b=1.5,_c=8)
-0.587439    non_dir_h_bond(g=-0.7,_b=0,_c=8)
1.923        num_tors_div
"""

#: Smina's built-in Vinardo terms.
VINARDO_FILE = """\
-0.045 gauss(o=0,_w=0.8,_c=8)
0.8 repulsion(o=0,_c=8)
-0.035 hydrophobic(g=0.0,_b=2.5,_c=8)
-0.6 non_dir_h_bond(g=-0.6,_b=0,_c=8)
0 num_tors_div
"""


def test_smina_default_terms_are_vinas_default_weights() -> None:
    custom = parse_custom_scoring(DEFAULT_FILE, "default.txt")
    assert custom.scoring == "vina"
    # gauss1, gauss2, repulsion, hydrophobic, hydrogen, glue, rot (Vina's set_weights order)
    assert custom.weights == pytest.approx(
        (-0.035579, -0.005156, 0.840245, -0.035069, -0.587439, 50.0, 0.05846)
    )
    assert [t for t, _ in custom.terms] == list(VINA_TERMS)


def test_vinardo_terms_select_the_vinardo_core() -> None:
    custom = parse_custom_scoring(VINARDO_FILE)
    assert custom.scoring == "vinardo"
    assert custom.weights == pytest.approx((-0.045, 0.8, -0.035, -0.6, 50.0, 0.02))


def test_terms_left_out_weigh_nothing_and_comments_are_skipped() -> None:
    text = "# only steric terms\n\n-0.05 gauss(o=0,_w=0.5,_c=8)\n0.9 repulsion(o=0,_c=8)\n"
    custom = parse_custom_scoring(text)
    assert custom.scoring == "vina"
    assert custom.weights == pytest.approx((-0.05, 0.0, 0.9, 0.0, 0.0, 50.0, 0.0))


def test_the_digest_follows_the_weights() -> None:
    a = parse_custom_scoring(DEFAULT_FILE)
    b = parse_custom_scoring(DEFAULT_FILE.replace("-0.035579", "-0.04"))
    assert a.digest != b.digest and a.digest == parse_custom_scoring(DEFAULT_FILE).digest
    assert a.to_dict()["scoring"] == "vina"


def test_an_unsupported_term_is_named_with_its_file_and_line() -> None:
    text = DEFAULT_FILE + "-0.1 electrostatic(i=1,_^=100,_c=8)\n"
    with pytest.raises(ValidationError) as info:
        parse_custom_scoring(text, "my_terms.txt")
    message = str(info.value)
    assert "my_terms.txt, line 7" in message
    assert "electrostatic(i=1,_^=100,_c=8)" in message and "not supported" in message
    assert info.value.field == "custom_scoring" and info.value.details["line"] == 7


def test_other_parameters_of_a_supported_term_are_not_supported() -> None:
    with pytest.raises(ValidationError, match=r"line 1: the term gauss\(o=0,_w=0.3,_c=8\)"):
        parse_custom_scoring("-0.03 gauss(o=0,_w=0.3,_c=8)\n")
    with pytest.raises(ValidationError, match="line 1"):
        parse_custom_scoring("-0.03 gauss(o=0,_w=nan?,_c=8)\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-0.03\n", "expected 'weight term'"),
        ("heavy gauss(o=0,_w=0.5,_c=8)\n", "the weight 'heavy' is not a number"),
        ("-0.03 gauss(o=0,_w=0.5\n", "cannot read the term"),
        ("-0.03 gauss(o=0,_w=0.5,_c=8)\n-0.04 gauss(o=0,_w=0.5,_c=8)\n", "given twice"),
        ("1 num_tors_div\n2 num_tors_div\n", "given twice"),
    ],
)
def test_malformed_lines_are_named(text: str, expected: str) -> None:
    with pytest.raises(ValidationError, match=expected):
        parse_custom_scoring(text, "f.txt")


def test_mixing_the_vina_and_vinardo_families_is_refused() -> None:
    text = "-0.035579 gauss(o=0,_w=0.5,_c=8)\n-0.035 hydrophobic(g=0,_b=2.5,_c=8)\n"
    with pytest.raises(ValidationError, match=r"line 2.*Vinardo family"):
        parse_custom_scoring(text)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(ValidationError, match="no scoring term"):
        parse_custom_scoring("# nothing\n", "empty.txt")


def test_read_custom_scoring_reads_a_file_and_names_a_missing_one(tmp_path: Path) -> None:
    path = tmp_path / "terms.txt"
    path.write_text(DEFAULT_FILE)
    assert read_custom_scoring(path).source == str(path)
    with pytest.raises(InputFileError, match=r"missing\.txt"):
        read_custom_scoring(tmp_path / "missing.txt")
