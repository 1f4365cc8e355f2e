"""A notebook runner for the tests and the Run-All benchmark: nbclient, with a shell poll that cannot miss a reply.

After a widget cell of lessons 06–07, plain ``nbclient`` often waited on an idle kernel whose
reply had already been sent, until the cell's whole timeout had passed (measured: 3 of 4
smoke notebook runs, 149.9 s with a 150-s timeout; see CONTRIBUTING.md). ``nbclient`` waits for each cell's reply
with a single ``await shell_channel.get_msg(timeout=<the whole cell timeout>)``, i.e. one
asyncio poll of a ZeroMQ socket; ZeroMQ signals readiness edge-triggered, and a missed edge
means the poll sleeps until the timeout (the same symptom and fix are discussed in
jupyter/nbclient#312 and #311). Here every wait is cut into polls of at most one second, so
a missed edge costs at most a second: each new poll asks the socket again. Timeouts are
unchanged: the original deadline still raises ``Empty`` and nbclient's timeout handling runs.

JupyterLab itself (the course's real front end) talks to kernels through jupyter_server's
callback-based streams, not this code path.
"""

from __future__ import annotations

import time
from queue import Empty

from nbclient import NotebookClient

POLL_S = 1.0


def _chunked(get_msg):
    async def get_msg_chunked(timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = POLL_S if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await get_msg(timeout=min(POLL_S, left))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    return get_msg_chunked


class RobustNotebookClient(NotebookClient):
    """``NotebookClient`` whose shell-channel waits are polls of at most :data:`POLL_S` seconds."""

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        kc.shell_channel.get_msg = _chunked(kc.shell_channel.get_msg)
        return kc
