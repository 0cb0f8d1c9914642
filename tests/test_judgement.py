"""The differential verdict: examples, then property tests against a brute-force statement of
the rule on random baselines, results and suspects."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from govnet.inventory.judgement import (
    Regression,
    judge,
    likely_causes,
    regressions,
)
from govnet.inventory.verification import Check, CheckStatus, VerifyResult

HOSTS = ("a", "b", "c", "d", "e")
SUBJECTS = (*HOSTS, "10.0.0.9")  # an address outside the design is never a suspect
CHECK_NAMES = ("isis adjacencies", "bgp", "loopback routes", "srv6 locator")


def result(*checks: tuple[str, CheckStatus, tuple[str, ...]]) -> VerifyResult:
    return VerifyResult(
        checks=tuple(
            Check(name=n, status=s, detail=f"{n} {s}", subjects=sub) for n, s, sub in checks
        )
    )


OK = result(("isis adjacencies", "ok", ()), ("loopback routes", "ok", ()))


# --- examples


def test_only_what_passed_before_and_fails_now_is_a_regression() -> None:
    before = result(("bgp", "failed", ("c",)), ("isis adjacencies", "ok", ()))
    now = result(("bgp", "failed", ("c",)), ("isis adjacencies", "failed", ("b",)))
    assert regressions(before, now) == [
        Regression(check="isis adjacencies", detail="isis adjacencies failed", subjects=("b",))
    ]


def test_a_check_failing_before_counts_again_only_for_new_subjects_or_a_local_failure() -> None:
    before = result(("loopback routes", "failed", ("c",)), ("bgp", "failed", ("c",)))
    now = result(("loopback routes", "failed", ("c", "d")), ("bgp", "failed", ()))
    assert [(r.check, r.subjects) for r in regressions(before, now)] == [
        ("loopback routes", ("d",)),
        ("bgp", ()),
    ]
    unreadable_before = result(("bgp", "failed", ()))
    assert regressions(unreadable_before, result(("bgp", "failed", ("a",)))) == []


def test_a_dead_neighbour_excuses_and_a_healthy_one_condemns() -> None:
    baselines = {"a": OK, "b": OK, "c": OK}
    after = {
        "a": result(("loopback routes", "failed", ("d",)), ("isis adjacencies", "ok", ())),
        "b": result(("loopback routes", "failed", ("c",)), ("isis adjacencies", "ok", ())),
        "c": result(("isis adjacencies", "failed", ())),  # local: c's own change
    }
    verdicts = judge(baselines, after, unreachable={"d"})
    assert verdicts["a"].keep
    assert verdicts["a"].excused[0].causes == (("d", "unreachable"),)
    assert verdicts["b"].keep  # c failed locally: c is the suspect
    assert verdicts["b"].excused[0].because() == "c: its own isis adjacencies failed"
    assert not verdicts["c"].keep
    assert [r.check for r in verdicts["c"].regressions] == ["isis adjacencies"]


def test_a_regression_about_a_healthy_host_and_a_suspect_condemns() -> None:
    after = {"a": result(("loopback routes", "failed", ("d", "e")))}
    verdict = judge({"a": OK}, after, unreachable={"d"})["a"]
    assert not verdict.keep
    assert verdict.regressions[0].subjects == ("d", "e")
    assert judge({"a": OK}, after, failed_commits={"d", "e"})["a"].keep


def test_likely_cause_names_the_unreachable_router() -> None:
    outcome: dict[str, VerifyResult | str] = {
        "a": result(("loopback routes", "failed", ("d",)), ("bgp", "ok", ())),
        "b": result(("loopback routes", "failed", ("d", "e")), ("bgp", "ok", ())),
        "c": OK,
        "d": "unreachable: d: FRR is not running",
        "e": result(("srv6 locator", "failed", ())),
    }
    assert likely_causes(outcome) == {
        "a": "caused by d: unreachable",
        "b": "caused by d: unreachable; e: its own srv6 locator failed",
    }


# --- properties

checks = st.builds(
    lambda name, status, subjects: Check(
        name=name, status=status, detail="", subjects=tuple(subjects)
    ),
    st.sampled_from(CHECK_NAMES),
    st.sampled_from(("ok", "failed", "not checked")),
    st.lists(st.sampled_from(SUBJECTS), unique=True, max_size=3),
)
results = st.lists(checks, max_size=4, unique_by=lambda c: c.name).map(
    lambda found: VerifyResult(checks=tuple(found))
)
host_sets = st.frozensets(st.sampled_from(HOSTS))
per_host = st.dictionaries(st.sampled_from(HOSTS), results)


def brute_force_kept(
    baselines: dict[str, VerifyResult],
    after: dict[str, VerifyResult],
    unreachable: frozenset[str],
    failed: frozenset[str],
) -> dict[str, bool]:
    """The rule as written in the issue, item by item: a (host, check, subject-set) counts
    when it fails now and did not fail in the same way before."""

    def before(host: str, name: str) -> Check | None:
        return next((c for c in baselines.get(host, OK_EMPTY).checks if c.name == name), None)

    counted: dict[str, list[tuple[str, frozenset[str]]]] = {h: [] for h in after}
    for host, now in after.items():
        for check in now.checks:
            if check.status != "failed":
                continue
            old = before(host, check.name)
            if old is None or old.status != "failed":
                counted[host].append((check.name, frozenset(check.subjects)))
            elif old.subjects and not check.subjects:
                counted[host].append((check.name, frozenset()))
            elif old.subjects and set(check.subjects) - set(old.subjects):
                counted[host].append((check.name, frozenset(check.subjects) - set(old.subjects)))
    locally_broken = {h for h, found in counted.items() if any(not s for _, s in found)}
    suspected = set(unreachable) | set(failed) | locally_broken
    return {
        host: all(
            subjects and host not in subjects and subjects <= suspected for _, subjects in found
        )
        for host, found in counted.items()
    }


OK_EMPTY = VerifyResult(checks=())


@settings(max_examples=400, deadline=None)
@given(per_host, per_host, host_sets, host_sets)
def test_the_verdict_is_the_rule(
    baselines: dict[str, VerifyResult],
    after: dict[str, VerifyResult],
    unreachable: frozenset[str],
    failed: frozenset[str],
) -> None:
    verdicts = judge(baselines, after, unreachable, failed)
    assert set(verdicts) == set(after)
    assert {h: v.keep for h, v in verdicts.items()} == brute_force_kept(
        baselines, after, unreachable, failed
    )
    for host, verdict in verdicts.items():
        assert verdict.keep == (not verdict.regressions)
        for excused in verdict.excused:
            assert excused.regression.subjects
            assert [s for s, _ in excused.causes] == list(excused.regression.subjects)
            assert host not in excused.regression.subjects
        # every counted failure is either condemning or excused, none is lost
        counted = regressions(baselines.get(host), after[host])
        shown = [*verdict.regressions, *(e.regression for e in verdict.excused)]
        assert sorted(shown, key=repr) == sorted(counted, key=repr)


@settings(max_examples=300, deadline=None)
@given(per_host, per_host, host_sets, host_sets, st.sampled_from(HOSTS))
def test_more_suspects_never_roll_back_more_hosts(
    baselines: dict[str, VerifyResult],
    after: dict[str, VerifyResult],
    unreachable: frozenset[str],
    failed: frozenset[str],
    extra: str,
) -> None:
    before = judge(baselines, after, unreachable, failed)
    more = judge(baselines, after, unreachable | {extra}, failed)
    for host, verdict in before.items():
        if verdict.keep:
            assert more[host].keep


@settings(max_examples=300, deadline=None)
@given(per_host, host_sets)
def test_a_result_equal_to_its_baseline_is_always_kept(
    baselines: dict[str, VerifyResult], unreachable: frozenset[str]
) -> None:
    verdicts = judge(baselines, dict(baselines), unreachable)
    assert all(v.keep and not v.excused for v in verdicts.values())


def test_retry_until_stops_when_accepted_or_at_the_deadline_never_past_it() -> None:
    from govnet.inventory.verification import retry_until

    now = [0.0]
    naps: list[float] = []
    reads = iter([result(("bgp", "failed", ())), result(("bgp", "failed", ())), OK])

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        now[0] += seconds

    got = retry_until(lambda: next(reads), lambda r: r.ok, 60, 5, lambda: now[0], sleep)
    assert got == OK and naps == [5, 5]
    never = result(("bgp", "failed", ()))
    now[0], naps[:] = 0.0, []
    last = retry_until(lambda: never, lambda r: r.ok, 12, 5, lambda: now[0], sleep)
    assert last == never and naps == [5, 5, 2]  # the last read at the deadline, not after
