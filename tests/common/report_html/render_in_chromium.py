#!/usr/bin/env python3
"""Opens `codi report --html` pages of a real job in headless Chromium.

A small job runs against the simulator (with refusals, so some conversations
fail), then:
  1. `codi report JOB --state DIR --html` and `codi report --from report.json
     --html --eval eval.json` write two pages;
  2. Chromium takes a screenshot of each: the PNG must show the charts (pixels
     of the bar colour, not a blank page);
  3. Chromium's DOM after loading holds the chart elements (bars, the eval's
     curve), and its console logged no error;
  4. a report whose strings carry <script> and onerror= markup renders as text:
     nothing of it runs (no console message) and no element comes of it;
  5. the console check itself is checked on a page that does log an error.

Exits 77 (CTest: skipped) with a message when chromium is not installed
(scripts/install-deps.sh installs Debian's `chromium`). Every process has a
deadline.

Usage: render_in_chromium.py BIN_DIR SOURCE_DIR
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

SKIP = 77
BAR_BLUE = (0x4E, 0x79, 0xA7)  # the first series colour, common/report_html/svg_chart.cc
EXPECTED_GREY = (0xBA, 0xB0, 0xAC)
CHROMIUM_TIMEOUT_S = 120


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def find_chromium():
    for name in [os.environ.get("CODI_CHROMIUM", ""), "chromium", "chromium-browser"]:
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def run(argv, timeout, **kwargs):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired:
        fail(f"{' '.join(argv[:3])} ... took over {timeout} s")


def png_pixels(path):
    """(width, height, rows of RGB(A) tuples) of an 8-bit RGB or RGBA PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color not in (2, 6) or interlace != 0:
        fail(f"{path}: unexpected PNG format depth={depth} color={color} interlace={interlace}")
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def count_colour(rows, bpp, rgb, tolerance=6):
    n = 0
    for line in rows:
        for i in range(0, len(line), bpp):
            if (abs(line[i] - rgb[0]) <= tolerance and abs(line[i + 1] - rgb[1]) <= tolerance
                    and abs(line[i + 2] - rgb[2]) <= tolerance):
                n += 1
    return n


class Chromium:
    def __init__(self, binary, tmp):
        self.binary, self.tmp, self.runs = binary, tmp, 0

    def _argv(self, extra):
        self.runs += 1
        profile = os.path.join(self.tmp, f"profile-{self.runs}")
        return [self.binary, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
                "--disable-background-networking", "--disable-sync", "--mute-audio",
                f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0"] + extra

    def env(self):
        env = dict(os.environ)
        env["HOME"] = self.tmp  # Chromium writes under HOME; keep it in the temp dir
        env.pop("DISPLAY", None)
        return env

    def screenshot(self, html, png):
        r = run(self._argv([f"--screenshot={png}", "--window-size=900,2000",
                            "--hide-scrollbars", "file://" + html]),
                CHROMIUM_TIMEOUT_S, env=self.env())
        if not os.path.exists(png):
            fail(f"chromium wrote no screenshot of {html} (exit {r.returncode}):\n{r.stderr}")
        return r

    def dump_dom(self, html):
        # --virtual-time-budget lets the page settle before the DOM is dumped.
        r = run(self._argv(["--dump-dom", "--virtual-time-budget=2000", "file://" + html]),
                CHROMIUM_TIMEOUT_S, env=self.env())
        if r.returncode != 0 or "<html" not in r.stdout:
            fail(f"chromium --dump-dom of {html} failed (exit {r.returncode}):\n{r.stderr}")
        return r.stdout, r.stderr


def console_errors(stderr):
    """Lines of Chromium's log that carry a console message or a page error."""
    bad = []
    for line in stderr.splitlines():
        if ":CONSOLE" in line or "Uncaught" in line or "Refused to" in line:
            bad.append(line)
    return bad


def wait_listening(out_path, proc, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(out_path):
            for line in open(out_path):
                if line.startswith("listening on "):
                    return line[len("listening on "):].strip()
        if proc.poll() is not None:
            fail(f"the simulator exited with {proc.returncode}")
        time.sleep(0.05)
    fail("the simulator did not start listening")


JOB = """name: html-report
seed: 5
documents:
  path: {docs}
  limit: 12
samples_per_document: 2
graph:
  start: {{ask: 1}}
  length: {{n: 6}}
  links:
    - name: ask
      role: USER
      instruction: Ask a short factual question that the document answers.
      next: {{answer: 1}}
    - name: answer
      role: AGENT
      instruction: Answer the last question with a short span from the document.
      next: {{ask: 2, followup: 1}}
    - name: followup
      role: USER
      instruction: Ask a follow-up question about the last answer.
      phenomena: [{{name: coreference, probability: 0.7}}]
      next: {{answer: 1}}
validation:
  max_attempts: 2
"""

# The eval.json shape the page reads (docs/data.md, "The HTML report").
EVAL = {
    "student": "http://127.0.0.1:8001/v1", "history": "gold",
    "overall": {"f1": 0.812, "recall": 0.861, "items": 30},
    "per_turn": [{"turn": t, "f1": round(0.9 - 0.04 * t, 3), "recall": round(0.94 - 0.03 * t, 3),
                  "count": 10 - t} for t in range(1, 7)],
    "items": [],
}


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    bin_dir, source_dir = sys.argv[1], sys.argv[2]
    chromium = find_chromium()
    if chromium is None:
        print("SKIP: chromium is not installed (scripts/install-deps.sh installs Debian's "
              "`chromium`); the HTML report was not rendered")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="codi-html-")
    sim = None
    try:
        sim_out = os.path.join(tmp, "sim.out")
        with open(sim_out, "w") as out, open(os.path.join(tmp, "sim.err"), "w") as err:
            sim = subprocess.Popen([os.path.join(bin_dir, "codi-teacher-sim"), "--listen",
                                    "127.0.0.1:0", "--refuse", "0.25", "--fault-seed", "3"],
                                   stdout=out, stderr=err)
        address = wait_listening(sim_out, sim, 30)
        job = os.path.join(tmp, "job.yaml")
        with open(job, "w") as f:
            f.write(JOB.format(docs=os.path.join(source_dir, "examples/qa/docs.jsonl")))
        codi = os.path.join(bin_dir, "codi")
        state, out_dir = os.path.join(tmp, "state"), os.path.join(tmp, "out")
        r = run([codi, "run", job, "--teacher", f"http://{address}/v1", "--state", state,
                 "--out", out_dir, "--progress", "none", "--concurrency", "8"], 300)
        if r.returncode not in (0, 1):
            fail(f"codi run exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
        report = json.load(open(os.path.join(out_dir, "report.json")))
        failed = report["conversations"]["failed"]
        print(f"job: {report['conversations']['done']} done, {failed} failed")
        if failed == 0:
            fail("the job was meant to have failed conversations (simulator refusals)")

        from_state = os.path.join(tmp, "state.html")
        r = run([codi, "report", "html-report", "--state", state, "--html", from_state], 60)
        if r.returncode != 0:
            fail(f"codi report --state --html exited {r.returncode}: {r.stderr}")
        eval_path = os.path.join(tmp, "eval.json")
        json.dump(EVAL, open(eval_path, "w"))
        with_eval = os.path.join(tmp, "with-eval.html")
        r = run([codi, "report", "--from", os.path.join(out_dir, "report.json"), "--html",
                 with_eval, "--eval", eval_path], 60)
        if r.returncode != 0:
            fail(f"codi report --from --eval --html exited {r.returncode}: {r.stderr}")

        browser = Chromium(chromium, tmp)
        links = len(report["links"])
        for page, wants_curve in [(from_state, False), (with_eval, True)]:
            png = page + ".png"
            started = time.time()
            browser.screenshot(page, png)
            width, height, bpp, rows = png_pixels(png)
            blue = count_colour(rows, bpp, BAR_BLUE)
            grey = count_colour(rows, bpp, EXPECTED_GREY)
            print(f"{os.path.basename(page)}: screenshot {width}x{height}, "
                  f"{os.path.getsize(png)} bytes, {blue} bar-blue and {grey} expected-grey "
                  f"pixels ({time.time() - started:.1f} s)")
            if blue < 2000 or grey < 500:
                fail(f"{png}: the charts did not render (bar-blue {blue}, grey {grey} pixels)")

            dom, log = browser.dump_dom(page)
            charts = dom.count('<svg class="chart')
            bars = dom.count('<rect class="bar"')
            print(f"{os.path.basename(page)}: DOM has {charts} charts, {bars} bars")
            # Links and phenomena observed and expected, failures, histograms, distinct-n.
            if charts < 6 or bars < 2 * links + 4:
                fail(f"{page}: too few charts in the DOM ({charts} charts, {bars} bars)")
            for section in ["links", "phenomena", "turn_lengths", "failures_by_reason",
                            "teacher", "distinct_n"]:
                if f'<section id="{section}">' not in dom:
                    fail(f"{page}: section {section} missing from the DOM")
            if wants_curve:
                # Count the points of the eval's section only: other line charts
                # (the quality signals by turn index) have points too.
                start = dom.find('<section id="eval-per-turn">')
                section = dom[start:dom.find("</section>", start)] if start >= 0 else ""
                points = section.count('<circle class="point"')
                if not section or points != 12:
                    fail(f"{page}: the eval's per-turn curve is missing ({points} points)")
            errors = console_errors(log)
            if errors:
                fail(f"{page}: console errors:\n" + "\n".join(errors))

        # Untrusted strings stay text in a real browser.
        evil = dict(report)
        marker = "codi-injected"
        evil["job"] = f"</title><script>console.error('{marker}-1')</script>"
        evil["links"] = [dict(report["links"][0], link=f"<img src=x onerror=\"console.error("
                                                        f"'{marker}-2')\">")]
        evil["failures_by_reason"] = {f"<svg onload=console.error('{marker}-3')>": 1}
        evil_json, evil_html = os.path.join(tmp, "evil.json"), os.path.join(tmp, "evil.html")
        json.dump(evil, open(evil_json, "w"))
        r = run([codi, "report", "--from", evil_json, "--html", evil_html], 60)
        if r.returncode != 0:
            fail(f"codi report of the injected report exited {r.returncode}: {r.stderr}")
        dom, log = browser.dump_dom(evil_html)
        if marker in log or console_errors(log):
            fail("injected markup ran:\n" + "\n".join(console_errors(log)))
        for element in ["<script", "<img", "<svg onload"]:
            if element in dom:
                fail(f"injected markup became an element: {element}")
        if "&lt;script&gt;console.error" not in dom:
            fail("the injected job name is not shown as text")
        print("injection: shown as text, nothing ran")

        # The console check catches an error when there is one.
        canary = os.path.join(tmp, "canary.html")
        with open(canary, "w") as f:
            f.write("<!DOCTYPE html><html><body><script>console.error('codi-canary');"
                    "undefinedFunction();</script></body></html>")
        _, log = browser.dump_dom(canary)
        if "codi-canary" not in log or not console_errors(log):
            fail("Chromium's log did not show a page's console error: the check is blind\n" + log)
        print(f"console check: sees a page's errors; {browser.runs} Chromium runs")
        print("PASS")
        return 0
    finally:
        if sim is not None:
            sim.kill()
            sim.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
