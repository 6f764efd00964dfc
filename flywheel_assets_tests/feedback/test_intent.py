"""The multi-turn outcome matcher's decision rule (``intent.match_outcomes``) on explicit similarity matrices.

The figures on real agent runs are in test_agent_runs.py; these cases pin the rule itself: repeated trials of one
task are one intent group (not rivals), two different intents that both look like the failure are ambiguous, and a
success that is every failure's best match (a hub) is paired only with its nearest failures."""

from __future__ import annotations

import numpy as np

from flywheel_assets.feedback.intent import match_outcomes


def _sim(n: int, pairs: dict[tuple[int, int], float], base: float = 0.1) -> np.ndarray:
    s = np.full((n, n), base)
    np.fill_diagonal(s, 1.0)
    for (a, b), v in pairs.items():
        s[a, b] = s[b, a] = v
    return s


def test_repeated_trials_of_one_task_do_not_make_each_other_ambiguous():
    # units 0, 1, 2: successful trials of one task (0.85 alike: more than the failure is like them); 3: its
    # failure; 4: a success of another task
    sim = _sim(5, {(0, 1): 0.85, (0, 2): 0.85, (1, 2): 0.85, (0, 3): 0.82, (1, 3): 0.8, (2, 3): 0.78, (4, 3): 0.3})
    success = [True, True, True, False, True]
    matches, skipped = match_outcomes(sim, success, threshold=0.7, margin=0.2, same_as=0.9)
    assert [(m.success, m.failure) for m in matches] == [(0, 3)]
    assert abs(matches[0].margin - (0.82 - 0.3)) < 1e-9  # the other task's success is the only rival
    # successes less alike to the best one than the failure is are another group: ambiguous
    sim2 = _sim(5, {(0, 1): 0.8, (0, 2): 0.8, (1, 2): 0.85, (0, 3): 0.82, (1, 3): 0.8, (2, 3): 0.78})
    matches2, skipped2 = match_outcomes(sim2, success, threshold=0.7, margin=0.2, same_as=0.9)
    assert not matches2 and skipped2["ambiguous"] == 1


def test_two_intents_that_both_look_like_the_failure_are_ambiguous():
    # 0 and 1: successes of two intents (0.2 alike), both close to the failure 2
    sim = _sim(3, {(0, 1): 0.2, (0, 2): 0.8, (1, 2): 0.75})
    matches, skipped = match_outcomes(sim, [True, True, False], threshold=0.7, margin=0.2)
    assert not matches and skipped == {"no_success_candidate": 0, "below_threshold": 0, "not_mutual": 0,
                                       "ambiguous": 1}
    # below the threshold nothing is paired, whatever the margin
    matches, skipped = match_outcomes(sim * 0.5, [True, True, False], threshold=0.7, margin=0.0)
    assert not matches and skipped["below_threshold"] == 1


def test_a_hub_success_pairs_only_with_its_nearest_failures():
    # unit 0: the only success, every failure's best match; failures 1..5 in decreasing similarity to it
    sim = _sim(6, {(0, 1): 0.95, (0, 2): 0.9, (0, 3): 0.85, (0, 4): 0.8, (0, 5): 0.75})
    success = [True, False, False, False, False, False]
    matches, skipped = match_outcomes(sim, success, threshold=0.7, margin=0.2, mutual_k=3)
    assert [m.failure for m in matches] == [1, 2, 3] and skipped["not_mutual"] == 2
    # every failure accounted for: matched or skipped with a reason
    assert len(matches) + sum(skipped.values()) == 5
    matches, _ = match_outcomes(sim, success, threshold=0.7, margin=0.2, mutual_k=5)
    assert len(matches) == 5


def test_no_success_means_every_failure_is_skipped_with_a_reason():
    matches, skipped = match_outcomes(np.eye(3), [False, False, None], threshold=0.7, margin=0.2)
    assert not matches and skipped["no_success_candidate"] == 2
