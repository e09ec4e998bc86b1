"""pipelines.workers.WorkerPool: real worker processes, real pipes, one event loop per test."""

import asyncio
import multiprocessing
import os
import signal
import threading
import time

import pytest

from pipelines.workers import WorkerDied, WorkerPool

# The jobs: module functions, so the workers find them by name.


def page_length(page: bytes) -> int:
    return len(page)


def echo_after(seconds: float, value: str) -> str:
    time.sleep(seconds)
    return value


def refuse(reason: str) -> None:
    raise ValueError(reason)


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def unpicklable_answer() -> object:
    return threading.Lock()


def pid() -> int:
    return os.getpid()


def run_with_pool(scenario, workers: int = 2, timeout: float = 0.0):
    async def main():
        pool = WorkerPool(workers, multiprocessing.get_context("forkserver"), timeout=timeout)
        await pool.start()
        try:
            return await scenario(pool)
        finally:
            await pool.close()

    return asyncio.run(main())


def test_answers_come_back_to_their_jobs_with_pages_larger_than_a_pipe():
    pages = [bytes([number]) * (number * 150_000 + 1) for number in range(12)]  # up to 1.6 MB

    async def scenario(pool):
        return await asyncio.gather(*(pool.run(page_length, page) for page in pages))

    assert run_with_pool(scenario) == [len(page) for page in pages]


def test_a_jobs_exception_is_raised_where_it_was_awaited():
    async def scenario(pool):
        with pytest.raises(ValueError, match="no article on this page"):
            await pool.run(refuse, "no article on this page")
        return await pool.run(echo_after, 0, "still working")

    assert run_with_pool(scenario) == "still working"


def test_a_killed_worker_fails_only_its_own_job_and_is_replaced():
    async def scenario(pool):
        slow = asyncio.ensure_future(pool.run(echo_after, 0.5, "the other worker's page"))
        await asyncio.sleep(0.1)  # the slow job has its worker; the next one goes to the other
        with pytest.raises(WorkerDied, match="died"):
            await pool.run(die)
        assert await slow == "the other worker's page"
        answers = await asyncio.gather(*(pool.run(echo_after, 0, f"page {n}") for n in range(6)))
        return answers, pool.replacements, len(pool.workers)

    answers, replacements, workers = run_with_pool(scenario)
    assert answers == [f"page {n}" for n in range(6)]
    assert replacements == 1 and workers == 2


def test_the_job_queued_behind_a_dying_one_is_run_by_another_worker():
    async def scenario(pool):
        dying = asyncio.ensure_future(pool.run(die))
        queued = asyncio.ensure_future(pool.run(echo_after, 0, "queued behind it"))  # same worker: room for two
        with pytest.raises(WorkerDied):
            await dying
        return await queued

    assert run_with_pool(scenario, workers=1) == "queued behind it"


def test_a_job_over_the_timeout_has_its_worker_stopped_and_the_next_job_runs():
    async def scenario(pool):
        endless = asyncio.ensure_future(pool.run(echo_after, 60, "never"))
        queued = asyncio.ensure_future(pool.run(echo_after, 0, "next page"))
        with pytest.raises(WorkerDied, match="took longer than 0.5 s"):
            await endless
        return await queued, pool.replacements

    started = time.monotonic()
    assert run_with_pool(scenario, workers=1, timeout=0.5) == ("next page", 1)
    assert time.monotonic() - started < 30


def test_an_answer_that_cannot_be_sent_is_an_error_not_a_dead_worker():
    async def scenario(pool):
        with pytest.raises(RuntimeError, match="could not be sent"):
            await pool.run(unpicklable_answer)
        return pool.replacements

    assert run_with_pool(scenario, workers=1) == 0


def test_close_cancels_waiting_jobs_and_ends_the_workers():
    async def scenario(pool):
        pids = await asyncio.gather(*(pool.run(pid) for _ in range(4)))
        waiting = [asyncio.ensure_future(pool.run(echo_after, 0.2, "late")) for _ in range(8)]
        await asyncio.sleep(0.05)
        processes = [worker.process for worker in pool.workers]
        await pool.close()
        await asyncio.gather(*waiting, return_exceptions=True)
        return set(pids), processes, waiting

    pids, processes, waiting = run_with_pool(scenario)
    assert len(pids) == 2  # both workers served
    assert any(job.cancelled() for job in waiting)
    for process in processes:
        with pytest.raises(ValueError):  # closed: joined and released
            process.is_alive()
