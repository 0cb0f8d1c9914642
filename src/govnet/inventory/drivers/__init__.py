"""govnet's NAPALM drivers: the community and stock drivers, completed where a push needs more
than they offer (commit-confirmed, replace, CLI on every platform)."""


def commit_failure(
    hostname: str, error: Exception, timed_out: bool, discard: Exception | None
) -> str:
    """Why a commit failed and what it leaves behind, in one line for the push report. A commit
    that got no answer may still have been applied (a confirmed one then reverts at its timer),
    so it is never reported as refused."""
    if timed_out:
        why = (
            f"{hostname}: no answer to the commit ({error}); it may have been applied, and a"
            " confirmed commit reverts unless confirmed"
        )
    else:
        why = f"{hostname}: commit refused: {error}"
    if discard is not None:
        return f"{why}; discarding the candidate failed too: {discard}"
    return f"{why} (candidate discarded)"
