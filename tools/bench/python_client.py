#!/usr/bin/env python3
"""A plain Python teacher client, standard library only: the yardstick codi's
per-turn CPU cost is compared against in tools/bench/bench.py.

It does what codi does per turn, in the simplest way: N threads, each with one
keep-alive http.client connection, run conversations of K turns over documents
from a JSONL file; every turn is a chat-completion request in codi's prompt
layout (document first in the system message, the history and the task in the
user message), and the reply is parsed and appended to the history. At the
end it prints one JSON line: turns, wall seconds, and the CPU seconds (user +
system) this process spent.

Usage: python_client.py --teacher http://127.0.0.1:8000/v1 --docs DOCS.jsonl
       [--conversations N] [--turns K] [--concurrency C]
"""
import argparse
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

PREAMBLE = ("You write one turn of a conversation about the document below. "
            "Stay grounded in the document.")


def load_documents(path, limit):
    docs = []
    with open(path, encoding="utf-8") as f:
        for line_number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"python_client: {path}:{line_number}: not JSON: {e}")
            docs.append((doc.get("title", ""), doc.get("text", "")))
            if len(docs) >= limit:
                break
    if not docs:
        sys.exit(f"python_client: {path}: no documents")
    return docs


def turn_messages(title, text, history, role):
    system = f"{PREAMBLE}\nTitle: {title}\nDocument:\n{text}"
    lines = ["Conversation so far:"]
    if history:
        lines += [f"[{r}] {t}" for r, t in history]
    else:
        lines.append("(no turns yet)")
    lines += ["", "Your task:", f"Write the next turn of the conversation as {role}.",
              "Reply with the text of the turn only."]
    return [{"role": "system", "content": system},
            {"role": "user", "content": "\n".join(lines)}]


class Worker(threading.Thread):
    def __init__(self, url, model, jobs, lock, turns, deadline):
        super().__init__(daemon=True)
        self.url, self.model, self.jobs, self.lock = url, model, jobs, lock
        self.turns, self.deadline = turns, deadline
        self.done_turns = 0
        self.errors = 0

    def connect(self):
        return http.client.HTTPConnection(self.url.hostname, self.url.port or 80, timeout=60)

    def run(self):
        conn = self.connect()
        path = self.url.path.rstrip("/") + "/chat/completions"
        while time.monotonic() < self.deadline:
            with self.lock:
                if not self.jobs:
                    break
                number, (title, text) = self.jobs.pop()
            history = []
            for turn in range(self.turns):
                role = "USER" if turn % 2 == 0 else "AGENT"
                body = json.dumps({
                    "model": self.model, "max_tokens": 256, "temperature": 0.7,
                    "top_p": 1.0, "seed": number * 1000 + turn, "stream": False,
                    "messages": turn_messages(title, text, history, role)})
                try:
                    conn.request("POST", path, body, {
                        "Content-Type": "application/json",
                        "X-Request-Id": f"py/{number}/{turn}"})
                    reply = conn.getresponse()
                    payload = reply.read()
                    if reply.status != 200:
                        raise RuntimeError(f"HTTP {reply.status}")
                    content = json.loads(payload)["choices"][0]["message"]["content"]
                except (OSError, http.client.HTTPException, RuntimeError,
                        ValueError, KeyError, IndexError):
                    self.errors += 1
                    conn.close()
                    conn = self.connect()
                    break
                history.append((role, content))
                self.done_turns += 1
        conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teacher", required=True, help="base URL, e.g. http://127.0.0.1:8000/v1")
    parser.add_argument("--docs", required=True, help="documents JSONL (id, title, text)")
    parser.add_argument("--model", default="teacher")
    parser.add_argument("--conversations", type=int, default=400)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--timeout-s", type=float, default=600, help="stop after this long")
    args = parser.parse_args()
    url = urllib.parse.urlparse(args.teacher)
    if url.scheme != "http" or not url.hostname:
        sys.exit(f"python_client: --teacher: need an http:// URL, got {args.teacher!r}")
    docs = load_documents(args.docs, max(1, args.conversations))
    jobs = [(i, docs[i % len(docs)]) for i in range(args.conversations)]
    lock = threading.Lock()
    start_cpu, start = os.times(), time.monotonic()
    workers = [Worker(url, args.model, jobs, lock, args.turns, start + args.timeout_s)
               for _ in range(max(1, args.concurrency))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    end_cpu, wall = os.times(), time.monotonic() - start
    cpu = (end_cpu.user - start_cpu.user) + (end_cpu.system - start_cpu.system)
    turns = sum(w.done_turns for w in workers)
    print(json.dumps({"turns": turns, "errors": sum(w.errors for w in workers),
                      "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                      "cpu_us_per_turn": round(cpu * 1e6 / turns, 1) if turns else None}))
    return 0 if turns else 1


if __name__ == "__main__":
    sys.exit(main())
