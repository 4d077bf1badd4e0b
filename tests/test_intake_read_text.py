"""Joining a paragraph's lines (hyphenation at line ends) and finding and splitting a reference list."""

from __future__ import annotations

import pytest

from kb.intake.documents import markdown_blocks
from kb.intake.model import Block
from kb.intake.reflist import split_entries, split_references
from kb.intake.text import Hyphenation, as_text, join_lines


@pytest.mark.parametrize(("lines", "joined"), [
    (["de psycho-", "motorische therapie"], "de psychomotorische therapie"),
    (["lichaams-", "en bewegingsgerichte interventies"], "lichaams- en bewegingsgerichte interventies"),
    (["Drewes, Nijkamp, & Roemen-", "van Haaren (2019)"], "Drewes, Nijkamp, & Roemen-van Haaren (2019)"),
    (["Van den Broek, Keulen-", "de Vos, & Bernstein"], "Van den Broek, Keulen-de Vos, & Bernstein"),
    (["Roemen- ", "van Haaren"], "Roemen- van Haaren"),  # a space after the hyphen: printed so
    (["evidence-", "Based"], "evidence-Based"),
    (["de psycho ‐", "motorische therapie"], "de psychomotorische therapie"),  # U+2010, as chromium prints it
    (["de psycho\u00ad", "motorische"], "de psychomotorische"),
    (["een  zin", "en   nog een"], "een zin en nog een"),
    (["ﬁlm en ﬂow"], "film en flow"),
])
def test_join_lines(lines: list[str], joined: str) -> None:
    assert join_lines(lines) == joined


def test_a_document_that_marks_hyphenation_keeps_plain_hyphens() -> None:
    marked = Hyphenation.of(["de psycho ‐", "motorische"])
    assert join_lines(["betreft zelf-", "directie"], marked) == "betreft zelf-directie"
    assert join_lines(["betreft zelf-", "directie"]) == "betreft zelfdirectie"


def test_a_hyphenated_word_found_elsewhere_stays_hyphenated() -> None:
    words = Hyphenation.of(["dans-bewegingstherapie helpt", "door dans-", "bewegingstherapie"])
    assert join_lines(["door dans-", "bewegingstherapie"], words) == "door dans-bewegingstherapie"


def test_markdown_blocks_and_text() -> None:
    blocks = markdown_blocks("# Titel\n\nEen zin\nover twee regels.\n\n- een\n- twee\n  verder\n\n1. Eerste punt.\n\n"
                             "Sectie\n------\n\nSlot.\n")
    assert blocks == [Block("Titel", heading=1), Block("Een zin over twee regels."), Block("een", item=True),
                      Block("twee verder", item=True), Block("1. Eerste punt."), Block("Sectie", heading=2),
                      Block("Slot.")]
    assert as_text(blocks) == ("# Titel\n\nEen zin over twee regels.\n\n- een\n\n- twee verder\n\n1. Eerste punt.\n\n"
                               "## Sectie\n\nSlot.\n")


@pytest.mark.parametrize("heading", ["Literatuur", "LITERATUUR:", "Referenties", "Bronnen", "Bronvermelding",
                                     "Geraadpleegde literatuur", "References", "Bibliography", "Works cited"])
def test_reference_list_found_and_kept_out(heading: str) -> None:
    blocks = [Block("Folder", heading=1), Block("PMT helpt (Koch et al., 2014)."), Block(heading, heading=2),
              Block("Koch, S., Kunz, T., Lykou, S., & Cruz, R. (2014). Effects of dance movement therapy. "
                    "The Arts in Psychotherapy, 41(1), 46-64. Kraak, A. (2010). Hoofdstuk. In J. de Lange (Red.), "
                    "Handboek (pp. 1-20). Bohn."),
              Block("Van der Kolk, B. A. (2014). The body keeps the score. Viking.", item=True),
              Block("Contact", heading=2), Block("Bel ons.")]
    split = split_references(blocks)
    assert split.heading == heading
    assert split.entries == (
        "Koch, S., Kunz, T., Lykou, S., & Cruz, R. (2014). Effects of dance movement therapy. "
        "The Arts in Psychotherapy, 41(1), 46-64.",
        "Kraak, A. (2010). Hoofdstuk. In J. de Lange (Red.), Handboek (pp. 1-20). Bohn.",
        "Van der Kolk, B. A. (2014). The body keeps the score. Viking.")
    assert [b.text for b in split.body] == ["Folder", "PMT helpt (Koch et al., 2014).", "Contact", "Bel ons."]


def test_no_reference_list() -> None:
    blocks = [Block("Over de bronnen van deze folder leest u meer op onze website, en in de literatuur.")]
    assert split_references(blocks).entries == () and split_references(blocks).body == tuple(blocks)


@pytest.mark.parametrize(("text", "entries"), [
    ("Trimbos-instituut. (2019). Richtlijn. Utrecht. Bellino, S., & Bogetto, F. (2006). Titel. Journal, 51(7), 453.",
     ["Trimbos-instituut. (2019). Richtlijn. Utrecht.", "Bellino, S., & Bogetto, F. (2006). Titel. Journal, 51(7), 453."]),
    ("Koch, S. (2014). Effects. https://doi.org/10.1016/j.aip.2013.10.004 Spaans, J., Veselka, L. (2009). Titel.",
     ["Koch, S. (2014). Effects. https://doi.org/10.1016/j.aip.2013.10.004", "Spaans, J., Veselka, L. (2009). Titel."]),
    ("Glanz, M., & Goisman, R. M. (1990). Relaxation. In A. Author (Ed.), Book. Press.",
     ["Glanz, M., & Goisman, R. M. (1990). Relaxation. In A. Author (Ed.), Book. Press."]),
    # an author list an ellipsis shortens is one entry, alone or run together with the next
    ("Didden, R., Deb, S., Wiersma, J., ... Lancioni, G. E. (2016). Aggressive behavior. In N. N. Singh (Ed.), "
     "Handbook (pp. 727-750). Cham: Springer.",
     ["Didden, R., Deb, S., Wiersma, J., ... Lancioni, G. E. (2016). Aggressive behavior. In N. N. Singh (Ed.), "
      "Handbook (pp. 727-750). Cham: Springer."]),
    ("Didden, R., Wiersma, J., . . . Lancioni, G. E. (2016). Aggressive behavior. Springer. Lowe, K., & Felce, D. "
     "(1995). People. Psychological Medicine, 25, 595-603.",
     ["Didden, R., Wiersma, J., . . . Lancioni, G. E. (2016). Aggressive behavior. Springer.",
      "Lowe, K., & Felce, D. (1995). People. Psychological Medicine, 25, 595-603."]),
])
def test_split_entries(text: str, entries: list[str]) -> None:
    assert split_entries(text) == entries


def test_a_footer_after_a_dated_reference_list_is_no_entry() -> None:
    blocks = [Block("Folder", heading=1), Block("PMT helpt (Lowe, 1995)."), Block("Literatuur", heading=2),
              Block("Lowe, K., & Felce, D. (1995). People. Psychological Medicine, 25, 595-603."),
              Block("Hamelin, J. (2013). Anger management. Journal X, 6(1), 60-70."),
              Block("© 2016 Directieve therapie · Privacy")]
    split = split_references(blocks)
    assert split.entries == ("Lowe, K., & Felce, D. (1995). People. Psychological Medicine, 25, 595-603.",
                             "Hamelin, J. (2013). Anger management. Journal X, 6(1), 60-70.")
    assert [b.text for b in split.body] == ["Folder", "PMT helpt (Lowe, 1995).", "© 2016 Directieve therapie · Privacy"]
