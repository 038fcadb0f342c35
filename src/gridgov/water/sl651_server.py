"""SL 651-2014 TCP receiver: RTUs connect, send HEX/BCD frames, the centre acknowledges.

Runs its own asyncio loop in a thread (like the embedded MQTT broker): `start()` binds (port 0 picks a
free one, then `port` tells it), `stop()` closes every connection. Each connection's byte stream is cut
with `split_stream`; a valid report (30H–34H) goes to `on_report(report, raw)` and is acknowledged
only after the callback returned, so a report the platform failed to keep is sent again by the RTU.
Anything else that is not a valid report goes to `on_error(reason, raw)` with its raw bytes (the
dead-letter path); the connection stays open. Callbacks run in a worker thread (they may block on the
database). Link keep-alives (2FH) are accepted silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Mapping

from gridgov.water.sl651 import ESC, START, FrameError, Report, acknowledge, decode, decode_report, split_stream
from gridgov.water.sl651_elements import REPORT_FUNCTIONS, ElementSpec

log = logging.getLogger(__name__)

OnReport = Callable[[Report, bytes], None]
OnError = Callable[[str, bytes], None]
KEEPALIVE = 0x2F


class Sl651Server:
    def __init__(
        self,
        on_report: OnReport,
        on_error: OnError,
        *,
        host: str = "0.0.0.0",
        port: int = 0,
        idle_timeout: float = 900.0,
        ack_end: int = ESC,
        extra: Mapping[str, ElementSpec] | None = None,
    ) -> None:
        self.on_report, self.on_error = on_report, on_error
        self.host, self.port = host, port
        self.idle_timeout = idle_timeout
        self.ack_end = ack_end
        self.extra = dict(extra or {})
        self.connections = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    # lifecycle ---------------------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> None:
        """Listen; raises if the bind fails."""
        self._ready.clear()
        self._error = None
        self._thread = threading.Thread(target=self._run, name="gridgov-sl651", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("SL651 receiver did not start")
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> Sl651Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            server = loop.run_until_complete(asyncio.start_server(self._client, self.host, self.port))
            self.port = server.sockets[0].getsockname()[1]
        except OSError as exc:
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.sleep(0))  # accepted connections reach `_client` first
                for writer in list(self._writers):
                    writer.close()  # each connection's read ends, its task finishes
                tasks = asyncio.all_tasks(loop)
                if tasks:
                    loop.run_until_complete(asyncio.wait(tasks, timeout=5))
                for task in tasks:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
                loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    # one connection ----------------------------------------------------------------------------
    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        buffer = b""
        try:
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(4096), self.idle_timeout)
                except TimeoutError:
                    break
                if not data:
                    break
                frames, buffer = split_stream(buffer + data)
                for raw in frames:
                    reply = await self._frame(raw)
                    if reply:
                        writer.write(reply)
                        await writer.drain()
            if buffer.startswith(START):
                await self._error_of("truncated", buffer)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            log.info("sl651 connection ended: %s", exc)
        finally:
            self.connections -= 1
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _frame(self, raw: bytes) -> bytes | None:
        """Handle one cut frame; return the acknowledgement to send, if any."""
        try:
            frame = decode(raw)
            if not frame.uplink:
                raise FrameError("unsupported", "downlink frame received by the centre")
            if frame.function == KEEPALIVE:
                return None
            if frame.function not in REPORT_FUNCTIONS:
                raise FrameError("unsupported", f"function {frame.function:02X}H")
            report = decode_report(frame, self.extra)
        except FrameError as exc:
            await self._error_of(exc.reason, raw)
            return None
        try:
            await asyncio.to_thread(self.on_report, report, raw)
        except Exception as exc:  # the platform could not keep it: no acknowledgement, the RTU resends
            log.exception("sl651 report from station %s not kept", report.station)
            await self._error_of(f"not kept: {exc}", raw)
            return None
        return acknowledge(frame, end=self.ack_end)

    async def _error_of(self, reason: str, raw: bytes) -> None:
        try:
            await asyncio.to_thread(self.on_error, reason, raw)
        except Exception:
            log.exception("sl651 on_error failed for %s", reason)
