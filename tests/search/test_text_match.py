from search import text_match


def test_normalised_folds_case_and_accents_and_punctuation():
    assert text_match.normalised("Café  Lisboa-Nº3 ZÜRICH") == "cafe lisboa no3 zurich"
    assert text_match.compact("Parking level 3B") == "parkinglevel3b"


def test_highlights_find_words_across_missing_spaces_in_the_original_text():
    line = "PARKINGLEVEL3B"
    assert [line[a:b] for a, b in text_match.highlight_spans(line, "parking level")] == ["PARKINGLEVEL"]


def test_highlights_map_accented_letters_back_to_the_original():
    line = "Le Café, Crème brûlée"
    assert [line[a:b] for a, b in text_match.highlight_spans(line, "cafe brulee")] == ["Café", "brûlée"]
    assert [line[a:b] for a, b in text_match.highlight_spans(line, "cafe creme")] == ["Café, Crème"]


def test_no_highlight_when_nothing_matches():
    assert text_match.highlight_spans("EXIT", "parking") == []
