"""A lab router's confirm timer: ``python -m govnet.labs.confirm_timer <ns> <state dir>``.

Started by ``commit_config(revert_in=…)`` of :mod:`govnet.labs.frr_connection` inside the
router's namespaces and in a session of its own, it belongs to the router, not to govnet: it
outlives the push that started it and needs no connection to act. At the pending commit's
deadline, unless the commit was confirmed or rolled back, it restores the config from before
exactly as a rollback would (dead daemons restarted first, the result checked and saved) and
records what it did in the router's ``events.jsonl``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from govnet.labs.frr_connection import FrrError, FrrNamespaceDevice


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m govnet.labs.confirm_timer NAMESPACE STATE_DIR", file=sys.stderr)
        return 2
    namespace, state_dir = argv
    device = FrrNamespaceDevice(namespace, etc=Path(state_dir).parent.parent)
    try:
        print(device.revert_when_due(), flush=True)
    except FrrError as error:
        print(f"revert failed: {error}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
