"""The worked-examples table agrees with the course exactly where the course is right."""

from dl_lab.fundamentals.worked_examples import all_rows

COURSE_MISTAKES = {
    ("2.8", "lr=1.0 regime"),  # oscillates with loss 9, does not diverge
    ("2.8", "lr=0.9 regime"),  # 0.5 < lr < 1 converges
    ("2.10", "y_hat(0,1) > 0.5, W1 rows = hidden units"),  # 0.006 under h = f(W1 x + b1)
    ("2.10", "solves XOR, W1 rows = hidden units"),
}


def test_only_the_known_course_mistakes_disagree():
    rows = all_rows()
    disagreeing = {(r["question"], r["quantity"]) for r in rows if not r["agrees"]}
    assert disagreeing == COURSE_MISTAKES
    assert {r["question"] for r in rows} == {
        "2.1",
        "2.2",
        "2.4",
        "2.6",
        "2.8",
        "2.10",
        "2.13",
        "2.14",
    }
