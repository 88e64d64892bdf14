#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
A /ws client written from README.md's "Signaling protocol" section alone,
with Python's websockets package, as a new user would write one: wait for
`welcome`, send `start`, get the `offer`, then exercise the documented
replies (pong, error codes, stop and start again).

It starts the real binary on a free loopback port with a test-pattern
config. Every message the server sends must have a type README lists, and
every error code must be in README's table of error codes.

Usage: readme-client-test.py WEBRTC_CAMERA_BINARY
(/usr/bin/python3: Debian's python3-websockets, see tools/bootstrap.)
"""
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import urllib.request

import websockets

SOURCE_DIR = os.environ.get("WCAM_SOURCE_DIR",
                            os.path.join(os.path.dirname(__file__), "..", ".."))
# How long one reply may take; a server that never sends it fails here.
REPLY_TIMEOUT_S = 10

failures = 0


def check(what, ok, detail=""):
    global failures
    if ok:
        print(f"ok: {what}")
    else:
        failures += 1
        print(f"FAIL: {what}" + (f": {detail}" if detail else ""))
    return ok


def readme_protocol():
    """The server's message types and the error codes, from README's tables."""
    with open(os.path.join(SOURCE_DIR, "README.md"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("## Signaling protocol (`/ws`)", 1)[1].split("\n## ", 1)[0]

    def first_column(heading):
        part = section.split(heading, 1)[1].split("\n### ", 1)[0]
        return set(re.findall(r"^\| `([a-z-]+)` \|", part, re.M))

    return first_column("### Server → browser"), first_column("### Error codes")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, ws, types, codes):
        self.ws = ws
        self.types = types
        self.codes = codes

    async def receive(self):
        """The next message, checked against README; None on timeout or close."""
        try:
            text = await asyncio.wait_for(self.ws.recv(), REPLY_TIMEOUT_S)
        except (asyncio.TimeoutError, websockets.ConnectionClosed):
            return None
        check("a text message", isinstance(text, str), repr(text)[:80])
        message = json.loads(text)
        check(f"'{message.get('type')}' is a type README documents",
              message.get("type") in self.types, text[:200])
        if message.get("type") == "error":
            check(f"error code '{message.get('code')}' is in README's table",
                  message.get("code") in self.codes, text[:200])
            check("an error has a message", isinstance(message.get("message"), str) and
                  message["message"] != "", text[:200])
        return message

    async def until(self, wanted):
        """The next message of type `wanted`, skipping trickled candidates."""
        while True:
            message = await self.receive()
            if message is None or message["type"] == wanted:
                return message
            if message["type"] != "candidate":
                check(f"'{message['type']}' while waiting for '{wanted}'", False, json.dumps(message)[:200])
                return message

    async def send(self, message):
        await self.ws.send(message if isinstance(message, str) else json.dumps(message))

    async def expect_error(self, what, message, code):
        await self.send(message)
        reply = await self.until("error")
        check(what, reply is not None and reply.get("code") == code, json.dumps(reply)[:200])


async def session(port, types, codes):
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
        client = Client(ws, types, codes)

        # README: "welcome ... Sent first." Nothing is sent before it arrives.
        welcome = await client.receive()
        if not check("welcome arrives first, before the client says anything",
                     welcome is not None and welcome["type"] == "welcome", json.dumps(welcome)):
            return
        check("welcome has a string id", isinstance(welcome.get("id"), str) and welcome["id"] != "")
        servers = welcome.get("iceServers")
        check("welcome has an iceServers array", isinstance(servers, list), json.dumps(welcome))
        for server in servers or []:
            check("each ICE server has urls, an array of strings",
                  isinstance(server.get("urls"), list) and all(isinstance(u, str) for u in server["urls"]),
                  json.dumps(server))

        await client.send({"type": "start"})
        offer = await client.until("offer")
        if not check("start is answered by an offer", offer is not None and offer["type"] == "offer",
                     json.dumps(offer)):
            return
        sdp = offer.get("sdp", "")
        check("the offer's sdp starts with v=0", sdp.startswith("v=0\r\n"), sdp[:40])
        check("the offer has one H.264 video m-line", sdp.count("\r\nm=") == 1 and "\r\nm=video " in sdp and
              re.search(r"a=rtpmap:\d+ H264/90000", sdp) is not None, sdp[:400])
        check("the offer is sendonly", "a=sendonly" in sdp)

        await client.send({"type": "ping"})
        check("ping is answered by pong", (await client.until("pong")) is not None)

        # The documented error codes for messages that are wrong.
        await client.expect_error("not JSON: bad-json", "{nope", "bad-json")
        await client.expect_error("a JSON array: bad-json", "[1, 2]", "bad-json")
        await client.expect_error("no type: bad-message", {"sdp": "v=0"}, "bad-message")
        await client.expect_error("a type README does not list: unknown-type", {"type": "hello"}, "unknown-type")
        await client.expect_error("an answer without sdp: bad-sdp", {"type": "answer"}, "bad-sdp")
        # "what webrtcbin refuses comes back as bad-sdp ... and ends the stream": bye, then start again.
        await client.expect_error("an answer that is not SDP: bad-sdp", {"type": "answer", "sdp": "hello"}, "bad-sdp")
        bye = await client.until("bye")
        check("a refused answer ends the stream with bye", bye is not None and bye["type"] == "bye",
              json.dumps(bye)[:200])
        await client.send({"type": "start"})
        restarted = await client.until("offer")
        check("start after a refused answer gets a new offer", restarted is not None and restarted["type"] == "offer",
              json.dumps(restarted)[:200])
        await client.expect_error("a negative sdpMLineIndex: bad-candidate",
                                  {"type": "candidate", "candidate": "candidate:1 1 UDP 1 127.0.0.1 9 typ host",
                                   "sdpMLineIndex": -1}, "bad-candidate")

        # "stop: Stop the stream but keep the socket open; start again to get a new one."
        await client.send({"type": "stop"})
        await client.expect_error("a candidate after stop: bad-state",
                                  {"type": "candidate", "candidate": "candidate:1 1 UDP 2122260223 127.0.0.1 9 typ host",
                                   "sdpMLineIndex": 0}, "bad-state")
        await client.send({"type": "start"})
        again = await client.until("offer")
        check("start after stop gets a new offer", again is not None and again["type"] == "offer",
              json.dumps(again)[:200])

        # "too-large: ... the connection is closed after it."
        await client.expect_error("a message over 64 KiB: too-large",
                                  json.dumps({"type": "ping", "pad": " " * (65 * 1024)}), "too-large")
        try:
            await asyncio.wait_for(ws.wait_closed(), REPLY_TIMEOUT_S)
            closed = True
        except asyncio.TimeoutError:
            closed = False
        check("the server closes the connection after too-large", closed)


def main():
    binary = sys.argv[1]
    types, codes = readme_protocol()
    if not check("README lists the server's message types and error codes",
                 {"welcome", "offer", "error"} <= types and {"bad-json", "busy"} <= codes,
                 f"{types} {codes}"):
        return 1

    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "config.ini")
        with open(config, "w", encoding="utf-8") as f:
            f.write(f"[camera]\nsource = test\nwidth = 320\nheight = 240\n"
                    f"[encoding]\nencoder = x264\n"
                    f"[network]\nbind = 127.0.0.1\nport = {port}\nice_addresses = 127.0.0.1\n"
                    f"[security]\nusers_file =\n")
        log = open(os.path.join(tmp, "server.log"), "w+", encoding="utf-8")
        server = subprocess.Popen([binary, "--config", config], stdout=log, stderr=subprocess.STDOUT)
        try:
            healthy = False
            for _ in range(100):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                        healthy = r.status == 200
                        break
                except OSError:
                    if server.poll() is not None:
                        break
                    # Polling the server's start, not timing a result.
                    asyncio.run(asyncio.sleep(0.1))
            if check("server healthy", healthy):
                asyncio.run(session(port, types, codes))
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
            if failures:
                log.seek(0)
                print("--- server log (tail) ---")
                print("".join(log.readlines()[-30:]))
            log.close()

    print(f"{failures} check(s) failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
