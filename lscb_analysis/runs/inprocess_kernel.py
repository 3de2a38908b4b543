"""An in-process Jupyter kernel that papermill (nbclient) can drive.

ipykernel's in-process kernel runs a notebook's cells in the calling process with the real
IPython kernel shell, so outputs (streams, rich displays, ``%matplotlib inline`` figures,
errors) are exactly what a separate kernel would send, without starting an interpreter and
importing the scientific stack again. nbclient expects a few things of a kernel manager and
client that ipykernel's blocking in-process classes lack (keyword arguments on start,
shutdown and wait-for-ready, an ``is_alive`` check), and ipykernel 7's in-process kernel sends
``print`` output without the request it belongs to (so nbclient would drop it); the small
classes here add and fix those.

Use only in a process that runs one notebook and then exits (a warm worker's child, see
:mod:`lscb_analysis.runs.warm_worker`): the kernel's shell is a process-wide singleton, so a second
notebook in the same process would see the first one's variables.

Use: ``papermill.execute_notebook(..., kernel_manager_class=KERNEL_MANAGER)``.
"""

from __future__ import annotations

from functools import partial
from queue import Empty

from ipykernel.inprocess.blocking import BlockingInProcessKernelClient
from ipykernel.inprocess.ipkernel import InProcessKernel as _InProcessKernel
from ipykernel.inprocess.manager import InProcessKernelManager as _InProcessKernelManager

from lscb_analysis.present import figure_weight
from lscb_analysis.present.chart_text import ChartFigure

KERNEL_MANAGER = "lscb_analysis.runs.inprocess_kernel.InProcessKernelManager"
READY_SECONDS = 60


class InProcessKernel(_InProcessKernel):
    """ipykernel's in-process kernel whose output streams know the request they answer."""

    def set_parent(self, ident, parent, channel: str = "shell") -> None:
        """Tie output to the request; also the kernel's own stdout and stderr streams.

        (The shell sets the parent on ``sys.stdout``, which is redirected to these streams
        only later, while the request runs.)
        """
        super().set_parent(ident, parent, channel)
        if channel == "shell":
            for stream in (self.stdout, self.stderr):
                stream.set_parent(parent)


class InProcessKernelClient(BlockingInProcessKernelClient):
    """ipykernel's blocking in-process client with nbclient's ``wait_for_ready(timeout=)``."""

    def wait_for_ready(self, timeout: float | None = None) -> None:
        """Ask for the kernel's info, then drain the start-up messages."""
        self.kernel_info()
        reply = self.shell_channel.get_msg(block=True, timeout=timeout or READY_SECONDS)
        self._handle_kernel_info_reply(reply)
        while True:
            try:
                self.iopub_channel.get_msg(block=True, timeout=0.01)
            except Empty:
                break

    def is_alive(self) -> bool:
        """True while the kernel exists (there is no heartbeat in-process)."""
        return self.kernel is not None


class InProcessKernelManager(_InProcessKernelManager):
    """ipykernel's in-process manager, accepting nbclient's keyword arguments."""

    def start_kernel(self, **kwargs) -> None:
        """Create the kernel in this process (command-line arguments do not apply).

        The workbench's charts (:class:`ChartFigure`) are drawn by
        :func:`figure_weight.chart_png`: once rather than twice, straight to the palette PNG
        the reports keep. Other figures keep the inline backend's drawing.
        """
        self.kernel = InProcessKernel(parent=self, session=self.session)
        formatter = self.kernel.shell.display_formatter.formatters["image/png"]
        formatter.for_type(
            ChartFigure,
            partial(figure_weight.chart_png, colours=figure_weight.configured_colours()),
        )

    def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        """Stop the kernel's output thread and drop it."""
        super().shutdown_kernel()

    def client(self, **kwargs) -> InProcessKernelClient:
        """Return a client connected to this manager's kernel."""
        return InProcessKernelClient(
            parent=self, session=self.session, kernel=self.kernel, **kwargs
        )
