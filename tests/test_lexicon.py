"""The shipped WordNet noun lexicon: lemmas, senses, physical things and ImageNet neighbours."""

from __future__ import annotations

import pytest

from album.models.lexicon import Lexicon, LexiconError, default_lexicon
from album.models.lexicon_build import _read_data_noun, _read_index_noun, build
from album.resources import resources_dir

# ImageNet class indices (timm / torchvision order) the tests expect as neighbours.
SCHOONER, FRENCH_HORN, TROMBONE, CORNET, LOGGERHEAD = 780, 566, 875, 513, 33


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return default_lexicon()


def test_lemmas_are_dictionary_forms_singular_first(lexicon):
    assert lexicon.lemmas("Leopards") == ["leopard"]
    assert lexicon.lemmas("mice") == ["mouse"]
    assert lexicon.lemmas("receipts") == ["receipt", "receipts"]  # WordNet also lists "receipts" = income
    assert lexicon.lemmas("grand piano") == ["grand_piano"]
    assert lexicon.lemmas("quickly") == []


def test_senses_of_a_phrase_fall_back_to_its_head_noun(lexicon):
    assert "sailing vessel" in lexicon.senses("ketch")[0].definition
    assert lexicon.senses("ceiling fan")[0].word == "fan"  # a ceiling fan is a fan
    assert lexicon.senses("my dog")[0].word == "dog"
    assert lexicon.senses("xyzzy plugh") == []


def test_physical_senses_leave_out_acts_and_amounts(lexicon):
    pyramid = lexicon.senses("pyramid", physical=True)
    assert "polyhedron" not in pyramid[0].definition and "monument" in pyramid[0].definition
    assert lexicon.senses("receipts", physical=True) == []  # acknowledgment, income, act of receiving
    assert lexicon.is_physical(lexicon.senses("dog")[0].offset)


def test_imagenet_neighbours_come_from_the_nearest_level_that_has_any(lexicon):
    assert SCHOONER in lexicon.imagenet_relatives(lexicon.senses("ketch")[0].offset)
    euphonium = lexicon.imagenet_relatives(lexicon.senses("euphonium")[0].offset)
    assert {FRENCH_HORN, TROMBONE, CORNET} <= set(euphonium)
    hawksbill = lexicon.senses("hawksbill", physical=True)[0].offset
    assert LOGGERHEAD in lexicon.imagenet_relatives(hawksbill)
    assert lexicon.imagenet_relatives(hawksbill, max_up=0) == []  # no class of its own


def test_build_reads_wordnet_dict_files_with_either_line_ending(tmp_path):
    """The builder keys synsets by their offset field, so a CRLF copy of WordNet reads the same,
    and it refuses a WordNet that lacks the ImageNet classes (only 3.0's offsets match them)."""
    pytest.importorskip("timm")
    shipped = Lexicon.load(resources_dir() / "lexicon" / "wordnet-nouns.json.gz")
    assert len(shipped.imagenet) == 1000 and all(shipped.sense(offset) for offset in shipped.imagenet)
    entity = "00001740 03 n 01 entity 0 000 | that which is perceived to exist"
    thing = "00002000 03 n 02 thing 0 object 0 001 @ 00001740 n 0000 | a separate entity; \"a thing\""
    wordnet = tmp_path / "dict"
    wordnet.mkdir()
    (wordnet / "data.noun").write_bytes(("  1 licence header\r\n" + entity + "  \r\n" + thing + "  \r\n").encode())
    (wordnet / "index.noun").write_text("entity n 1 0 1 0 00001740  \nthing n 1 1 @ 1 0 00002000  \n")
    (wordnet / "noun.exc").write_text("things thing\n")
    with pytest.raises(LexiconError, match="ImageNet classes are not in this WordNet"):
        build(wordnet, tmp_path / "out.json.gz")
    synsets = _read_data_noun(wordnet / "data.noun")
    assert synsets[2000] == ["thing", "a separate entity", [1740]]
    assert _read_index_noun(wordnet / "index.noun") == {"entity": [1740], "thing": [2000]}
