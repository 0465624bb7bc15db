"""The control channel's files: a request becomes one event, an answer becomes the reply its
client waits for, and anything that is not a request of the run's owner is never acted on."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest
from support.processes import wait_for

from tandem.contracts.control_channel import ControlError, control_dir, send_request
from tandem.supervisor.control import ControlChannel
from tandem.supervisor.events import (
    ControlAnswered,
    EventQueue,
    Notice,
    RestartRequested,
    StopProcessRequested,
    StopRunRequested,
)


def _channel(tmp_path):
    events = EventQueue()
    seen: list = []
    events.subscribe(seen.append)
    channel = ControlChannel(tmp_path, events, poll_every_s=0)
    events.subscribe(channel)
    return channel, events, seen


def test_the_folder_is_for_its_owner_only(tmp_path):
    _channel(tmp_path)
    assert stat.S_IMODE(os.stat(control_dir(tmp_path)).st_mode) == 0o700


def test_each_request_becomes_one_event_and_its_file_goes(tmp_path):
    channel, events, seen = _channel(tmp_path)
    for name, body in (("a", {"id": "a1", "action": "restart", "process": "crawl", "sender": "invoke restart"}),
                       ("b", {"id": "b2", "action": "stop", "process": "train", "sender": "the dashboard"}),
                       ("c", {"id": "c3", "action": "stop", "process": None})):
        (channel.folder / f"{name}.request.json").write_text(json.dumps(body))
    channel.poll()
    channel.poll()
    events.drain()
    assert seen == [RestartRequested("a1", "invoke restart", "crawl", at=seen[0].at),
                    StopProcessRequested("b2", "the dashboard", "train", at=seen[1].at),
                    StopRunRequested("c3", "a client", at=seen[2].at)]
    assert list(channel.folder.iterdir()) == []


@pytest.mark.parametrize("body", ['{"id": "x", "action": "explode"}', '{"id": "../x", "action": "stop"}',
                                  '{"id": "x", "action": "restart", "process": null}', "not json", "[1, 2]"])
def test_anything_else_is_dropped_with_a_notice(tmp_path, body):
    channel, events, seen = _channel(tmp_path)
    (channel.folder / "x.request.json").write_text(body)
    channel.poll()
    events.drain()
    assert len(seen) == 1 and isinstance(seen[0], Notice) and "ignored" in seen[0].text
    assert list(channel.folder.iterdir()) == []


def test_a_client_gets_the_answer_in_words(tmp_path):
    channel, events, _ = _channel(tmp_path)

    def supervisor() -> None:  # what the loop does: take the request, answer it
        wait_for(lambda: list(channel.folder.glob("*.request.json")), timeout=10, what="the request")
        requests = list(channel.folder.glob("*.request.json"))
        request_id = json.loads(requests[0].read_text())["id"]
        channel.poll()
        events.put(ControlAnswered(request_id, "invoke stop", "stop", "crawl", "stopping", True, pid=42, grace_s=30))
        events.drain()

    thread = threading.Thread(target=supervisor)
    thread.start()
    reply = send_request(tmp_path, "stop", "crawl", "invoke stop", timeout_s=10)
    thread.join()
    assert reply.accepted
    assert reply.message == ("stop crawl (asked by invoke stop): pid 42 asked to stop (killed after 30s); "
                             "it will not be restarted")
    assert list(channel.folder.iterdir()) == []  # the client took its reply


def test_no_answer_is_an_error_and_the_request_is_withdrawn(tmp_path):
    _channel(tmp_path)
    with pytest.raises(ControlError, match="the run's supervisor ended before it answered"):
        send_request(tmp_path, "stop", None, "invoke stop", still_running=lambda: False, timeout_s=5)
    with pytest.raises(ControlError, match="did not answer within 0.2s"):
        send_request(tmp_path, "stop", None, "invoke stop", timeout_s=0.2)
    assert list(control_dir(tmp_path).iterdir()) == []


def test_a_run_without_a_control_folder_says_so(tmp_path):
    with pytest.raises(ControlError, match="the run has no control folder"):
        send_request(tmp_path, "stop", None, "invoke stop", timeout_s=1)


def test_entries_that_are_not_regular_files_are_said_once_and_left_alone(tmp_path):
    channel, events, seen = _channel(tmp_path)
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps({"id": "l1", "action": "stop", "process": None}))
    (channel.folder / "a.request.json").mkdir()
    (channel.folder / "b.request.json").symlink_to(target)
    os.mkfifo(channel.folder / "c.request.json")
    for _ in range(3):
        channel.poll()
    events.drain()
    folder = channel.folder
    assert [e.text for e in seen] == [f"control: {folder / 'a.request.json'}: a folder, not a file; ignored",
                                      f"control: {folder / 'b.request.json'}: a symbolic link; ignored",
                                      f"control: {folder / 'c.request.json'}: not a regular file (a FIFO, socket "
                                      f"or device); ignored"]
    assert sorted(p.name for p in channel.folder.iterdir()) == ["a.request.json", "b.request.json", "c.request.json"]


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="no owner ids on this system")
def test_a_request_file_of_another_user_is_never_acted_on(tmp_path, monkeypatch):
    """The folder is the owner's alone, but a file in it may still be another user's (root, a
    shared account that wrote it before a chmod): it is removed with a notice, never obeyed."""
    channel, events, seen = _channel(tmp_path)
    (channel.folder / "a.request.json").write_text(json.dumps({"id": "a1", "action": "stop", "process": None}))
    me = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: me + 1)  # as a supervisor of another user sees the file
    channel.poll()
    monkeypatch.undo()
    events.drain()
    assert [type(event) for event in seen] == [Notice] and "ignored" in seen[0].text
    assert list(channel.folder.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file away")
def test_a_request_file_really_owned_by_another_user_is_never_acted_on(tmp_path):
    channel, events, seen = _channel(tmp_path)
    request = channel.folder / "a.request.json"
    request.write_text(json.dumps({"id": "a1", "action": "stop", "process": None}))
    os.chown(request, 65534, 65534)  # nobody
    channel.poll()
    events.drain()
    assert [type(event) for event in seen] == [Notice]
    assert list(channel.folder.iterdir()) == []
