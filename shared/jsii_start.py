"""Start the jsii runtime and load the assemblies on a background thread while Python imports their bindings.

Importing a binding package (`aws_cdk`, `cdk_nag`, `cdktn_provider_google`) first asks the jsii runtime (a Node
process) to load the package's assembly, and waits: Node starts, unpacks and requires aws-cdk-lib while Python sits
idle, then Python defines thousands of binding classes while Node sits idle. Measured on one production environment,
about 0.9 s of the app's wall time was that waiting. Here the loads are queued to a thread that talks to the runtime
while the imports go on; the first request that is not a load (creating the `App`) waits until every queued load is
done, then the runtime is used directly again, so nothing on the hot path changes.

Only the apps call `start()`, once their settings are valid: bad input still fails before any runtime starts.
"""

from __future__ import annotations

import importlib.resources
import pathlib
import queue
import threading

from shared import code_cache


class _Loader:
    """Feeds the queued loads to the runtime, one after the other, on its own thread."""

    def __init__(self, kernel) -> None:
        self.kernel = kernel
        self.provider = kernel.provider
        self.requests: queue.Queue = queue.Queue()
        self.error: BaseException | None = None
        threading.Thread(target=self._run, name="jsii-start", daemon=True).start()

    def _run(self) -> None:
        while True:
            request = self.requests.get()
            try:
                if self.error is None:
                    request()
            except BaseException as error:  # re-raised in the main thread by `wait`
                self.error = error
            finally:
                self.requests.task_done()

    def load(self, name: str, version: str, tarball: str) -> None:
        self.requests.put(lambda: self.provider_load(name, version, tarball))

    def provider_load(self, name: str, version: str, tarball: str) -> None:
        from jsii._kernel.types import LoadRequest

        self.provider.load(LoadRequest(name=name, version=version, tarball=tarball))

    def wait(self) -> None:
        self.requests.join()
        if self.error is not None:
            raise self.error


class _AfterLoads:
    """Stands in for the kernel's provider until the first request that is not a load: that request waits for the
    queued loads, then the real provider is put back, and with it the bindings' own `JSIIAssembly.load`."""

    def __init__(self, loader: _Loader, restore) -> None:
        self._loader = loader
        self._restore = restore

    def __getattr__(self, name: str):
        self._loader.wait()
        self._restore()
        _served_a_request.set()
        return getattr(self._loader.provider, name)


_started = threading.Event()
_served_a_request = threading.Event()
_queued: list[str] = []  # the assemblies whose loads were queued, in order


def started() -> bool:
    """Whether this process called `start()`."""
    return _started.is_set()


def handed_back() -> bool:
    """Whether a started runtime has served a request other than a load (and is used directly again)."""
    return _served_a_request.is_set()


def queued() -> list[str]:
    """The assemblies this process loaded through the queue."""
    return list(_queued)


def start() -> None:
    """Start the runtime now and turn each binding's assembly load into a queued one (idempotent)."""
    import jsii
    from jsii import _runtime

    kernel = _runtime.kernel
    if _started.is_set():
        return
    _started.set()
    # Before the runtime's process starts, so it and every Node process after it reuse compiled modules.
    code_cache.enable()
    loader = _Loader(kernel)
    original = jsii.JSIIAssembly.__dict__["load"]

    def restore() -> None:
        kernel.provider = loader.provider
        jsii.JSIIAssembly.load = original

    def queued_load(cls, *args, **kwargs):
        assembly = cls(*args, **kwargs)
        # A package inside a zip hands out a temporary copy of its tarball: load that one while it exists.
        if not isinstance(importlib.resources.files(f"{assembly.module}._jsii"), pathlib.Path):
            loader.wait()
            restore()
            return original.__func__(cls, *args, **kwargs)
        _queued.append(assembly.name)
        return original.__func__(cls, *args, _kernel=loader, **kwargs)

    # The runtime's start-up (Node, the jsii kernel, the handshake) is the first queued request.
    loader.requests.put(lambda: loader.provider._process)
    kernel.provider = _AfterLoads(loader, restore)
    jsii.JSIIAssembly.load = classmethod(queued_load)
