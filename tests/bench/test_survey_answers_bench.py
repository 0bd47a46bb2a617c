"""bench/survey_answers.py with small numbers: a real ``feedbackbot run`` posts the survey, a
dozen people press its buttons with signed requests, three press again, and the figures say
every press was acknowledged in time and every answer stored once."""

from __future__ import annotations

from bench.survey_answers import measure


async def test_a_dozen_people_answering_a_survey_are_acknowledged_and_stored_once() -> None:
    figures = await measure(
        people=12, concurrency=4, repeats=3, workers=1, postgres=None, quiet=True
    )

    assert figures.problems == []
    assert figures.first.within_limit == 12 and figures.repeats.within_limit == 3
    assert (figures.stored, figures.stored_people, figures.stored_after_repeats) == (12, 12, 12)
    assert figures.values == {1: 3, 2: 3, 3: 2, 4: 2, 5: 2}  # the buttons pressed in turn
    assert (figures.answered_privately, figures.repeats_answered) == (12, 3)
