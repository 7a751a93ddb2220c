"""Faults on the way: cut-off pushes, repeated pushes, the same batch at once through one or two servers.
Each time the final state equals one clean push: the same raw log, seals and ack."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from shared_models import Record
from tests.sync_server.client import PUSH, Client
from tests.sync_server.servers import server_process
from tests.sync_server.terminal import FakeTerminal, body_of


def assert_one_clean_push(client: Client, terminal: FakeTerminal, lines: list[Record]) -> None:
    seals = [(terminal.device, r.body["seq"], r.hash, True) for r in lines if r.kind == "kiosk.seal"]
    assert client.raw_log() == {r.hash for r in lines}
    assert client.seals() == seals
    assert client.acks()[terminal.device] == (seals[-1][1], seals[-1][2])


def push_all_at_once(urls: list[str], terminal: FakeTerminal, body: bytes) -> list[httpx.Response]:
    barrier = threading.Barrier(len(urls))
    answers: list[httpx.Response] = []

    def push(url: str) -> None:
        headers = terminal.headers("POST", PUSH, body)
        with httpx.Client(timeout=60) as http:
            barrier.wait()
            answers.append(http.post(f"{url}{PUSH}", content=body, headers=headers))

    threads = [threading.Thread(target=push, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_a_push_cut_off_midway_stores_nothing_and_the_resend_is_clean(client: Client) -> None:
    terminal = client.enroll()
    lines = terminal.batch(3, 5)
    body = body_of(lines)
    headers = terminal.headers("POST", PUSH, body)
    address = urlparse(client.url)
    with socket.create_connection((address.hostname, address.port)) as sock:
        head = f"POST {PUSH} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
        sock.sendall(head.encode() + body[: len(body) // 2])
        time.sleep(0.3)
    time.sleep(0.3)
    assert client.raw_log() == set()
    answer = client.push_ok(terminal, lines)
    assert {r["status"] for r in answer["results"]} == {"accepted"}
    assert_one_clean_push(client, terminal, lines)


def test_a_push_delivered_twice_only_adds_duplicates(client: Client) -> None:
    terminal = client.enroll()
    lines = terminal.batch(3, 5)
    client.push_ok(terminal, lines)
    again = client.push_ok(terminal, lines)
    assert {r["status"] for r in again["results"]} == {"duplicate"}
    assert again["ack"]["seq"] == 3
    assert_one_clean_push(client, terminal, lines)


def test_the_same_batch_in_parallel_threads_is_stored_once(client: Client) -> None:
    terminal = client.enroll()
    lines = terminal.batch(4, 5)
    answers = push_all_at_once([client.url] * 4, terminal, body_of(lines))
    assert [a.status_code for a in answers] == [200] * 4
    statuses = sorted(tuple(sorted({r["status"] for r in a.json()["results"]})) for a in answers)
    assert statuses == [("accepted",), ("duplicate",), ("duplicate",), ("duplicate",)]
    assert_one_clean_push(client, terminal, lines)


@pytest.mark.slow
def test_the_same_batch_through_two_server_processes_is_stored_once(client: Client, server_dir: Path) -> None:
    terminal = client.enroll()
    lines = terminal.batch(4, 5)
    with server_process(server_dir) as first, server_process(server_dir) as second:
        answers = push_all_at_once([first, second, first, second], terminal, body_of(lines))
    assert [a.status_code for a in answers] == [200] * 4
    accepted = [a for a in answers if {r["status"] for r in a.json()["results"]} == {"accepted"}]
    assert len(accepted) == 1
    assert all(a.json()["ack"]["seq"] == 4 for a in answers)
    assert_one_clean_push(client, terminal, lines)
