"""Incremental equals clean: random edits to a git tree and its plan page, and after every
step an incremental build must give the same ptyplan output as a clean build of the same
state (the page body in the HTML, and the ptyplan.* warnings).

Edits: add, delete, rename, edit a module; move lines in a cited file; edit the plan
page's citations; edit the ignore rules (.gitignore, .git/info/exclude); commit; check out
another branch. The page holds an inventory (with
``:since: HEAD~1``), a delta (``:base: HEAD~1``), spec hits and checked literals, with
drift on (git blame of the page).

Bounded in CI by the ``ptyplan-incremental`` hypothesis profile (a handful of examples);
``PTYPLAN_HYPOTHESIS_EXAMPLES=N`` raises the number of examples.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tests.gitutil import Repo
from tests.sphinx.util import build, ptyplan_warnings

pytestmark = pytest.mark.sphinx

settings.register_profile(
    "ptyplan-incremental",
    max_examples=int(os.environ.get("PTYPLAN_HYPOTHESIS_EXAMPLES", "0")) or 4,
    stateful_step_count=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CONF = """
extensions = ["myst_parser", "sphinx_ptyplan"]
exclude_patterns = ["_build", "code", "specs"]
ptyplan_root = "."
"""

HEAD = """# Plan

```{ptyplan-inventory} code
:since: HEAD~1
```

```{ptyplan-delta}
:tree: code
:base: HEAD~1
```

```{ptyplan-spec-hits} specs/spec.md
:tree: code
```

## Citations

"""

SPEC = "# Spec\n\n- `code.m0.f0` and `code/m1.py:f1`\n- `code/m2.py:2`\n"

NAMES = [f"m{i}" for i in range(6)]


def _module(name: str, shift: int = 0, extra: int = 0) -> str:
    k = name[1:]
    pad = "# moved\n" * shift
    more = "".join(f"\n\ndef g{j}():\n    return {j}\n" for j in range(extra))
    return f'{pad}"""Module {name}."""\n\n\ndef f{k}(x):\n    return x\n{more}'


def _body(html: str) -> str:
    body = html.split('role="main">', 1)[1]
    return body.split('<div class="sphinxsidebar"', 1)[0]


class IncrementalEqualsClean(RuleBasedStateMachine):
    """Edits are rules; after every rule, the two builds are compared."""

    @initialize()
    def start(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="ptyplan-incr-"))
        self.repo = Repo(self.tmp / "src")
        self.src = self.repo.path
        self.repo.write("conf.py", CONF)
        self.repo.write(".gitignore", "_build/\n")
        self.repo.write("code/__init__.py", "")
        self.repo.write("specs/spec.md", SPEC)
        self.modules = {"m0": (0, 0), "m1": (0, 0), "m2": (0, 0)}  # name -> (shift, extra)
        self.cited = {"m0": "2", "m1": "f1"}  # module -> line or symbol cited by the page
        self._write_all()
        self.repo.commit("first")
        self.repo.write("code/m3.py", _module("m3"))
        self.modules["m3"] = (0, 0)
        self.repo.commit("second")
        self.branches = {"main"}
        self.builds = 0
        self.page_text = ""
        self._touch_page()

    def teardown(self) -> None:
        shutil.rmtree(getattr(self, "tmp", "/nonexistent"), ignore_errors=True)

    # -- helpers -------------------------------------------------------------
    def _write_all(self) -> None:
        for name, (shift, extra) in self.modules.items():
            self.repo.write(f"code/{name}.py", _module(name, shift, extra))
        lines = [f"- `code/{m}.py:{what}`\n" for m, what in sorted(self.cited.items())]
        self.repo.write("index.md", HEAD + "".join(lines))

    def _touch_page(self) -> None:
        """Sphinx compares a page's mtime with the time it read it; the file system's
        coarse clock can put an edit made just after a build *before* that time, so an
        edited page gets an mtime clearly in the future (as Sphinx's own tests do)."""
        page = self.src / "index.md"
        text = page.read_text(encoding="utf-8")
        if text != self.page_text:
            self.page_text = text
            later = time.time_ns() + 2_000_000_000
            os.utime(page, ns=(later, later))

    def _present(self) -> list[str]:
        return sorted(self.modules)

    # -- edits ---------------------------------------------------------------
    @rule(name=st.sampled_from(NAMES))
    def add_module(self, name: str) -> None:
        if name not in self.modules:
            self.modules[name] = (0, 0)
            self.repo.write(f"code/{name}.py", _module(name))

    @rule(data=st.data())
    def delete_module(self, data: st.DataObject) -> None:
        if self._present():
            name = data.draw(st.sampled_from(self._present()))
            del self.modules[name]
            self.repo.remove(f"code/{name}.py")

    @rule(data=st.data(), new=st.sampled_from(NAMES))
    def rename_module(self, data: st.DataObject, new: str) -> None:
        if self._present() and new not in self.modules:
            old = data.draw(st.sampled_from(self._present()))
            self.modules[new] = self.modules.pop(old)
            self.repo.move(f"code/{old}.py", f"code/{new}.py")

    @rule(data=st.data(), extra=st.integers(0, 2))
    def edit_module(self, data: st.DataObject, extra: int) -> None:
        if self._present():
            name = data.draw(st.sampled_from(self._present()))
            shift, _ = self.modules[name]
            self.modules[name] = (shift, extra)
            self.repo.write(f"code/{name}.py", _module(name, shift, extra))

    @rule(data=st.data(), shift=st.integers(0, 3))
    def move_lines(self, data: st.DataObject, shift: int) -> None:
        """Move the lines of a (possibly cited) file down or back up."""
        if self._present():
            name = data.draw(st.sampled_from(self._present()))
            _, extra = self.modules[name]
            self.modules[name] = (shift, extra)
            self.repo.write(f"code/{name}.py", _module(name, shift, extra))

    @rule(name=st.sampled_from(NAMES), what=st.sampled_from(["2", "5", "f", "gone"]))
    def edit_plan(self, name: str, what: str) -> None:
        if what == "gone":
            self.cited.pop(name, None)
        else:
            self.cited[name] = f"f{name[1:]}" if what == "f" else what
        lines = [f"- `code/{m}.py:{w}`\n" for m, w in sorted(self.cited.items())]
        self.repo.write("index.md", HEAD + "".join(lines))

    @rule(
        where=st.sampled_from([".gitignore", ".git/info/exclude"]),
        pattern=st.sampled_from(["", "code/m4.py", "code/m5.py", "code/m*.py", "m3.py"]),
    )
    def edit_ignore(self, where: str, pattern: str) -> None:
        """Ignore (or stop ignoring) modules: untracked ones leave or join the inventory."""
        base = "_build/\n" if where == ".gitignore" else ""
        self.repo.write(where, base + (pattern + "\n" if pattern else ""))

    @rule()
    def commit(self) -> None:
        self.repo.commit(f"step {self.builds}")

    @rule(branch=st.sampled_from(["main", "topic", "other"]))
    def checkout(self, branch: str) -> None:
        self.repo.commit(f"before checkout {self.builds}")
        if branch in self.branches:
            self.repo.git("checkout", "-q", branch)
        else:
            self.repo.git("checkout", "-q", "-b", branch)
            self.branches.add(branch)
        # the working tree is now the branch's: read our model back from it
        self.modules = {}
        for path in sorted((self.src / "code").glob("m*.py")):
            text = path.read_text(encoding="utf-8")
            extra = len(re.findall(r"^def g\d", text, re.M))
            self.modules[path.stem] = (text.count("# moved\n"), extra)
        page = (self.src / "index.md").read_text(encoding="utf-8")
        self.cited = dict(re.findall(r"- `code/(m\d)\.py:(\w+)`", page))

    # -- the property ----------------------------------------------------------
    @invariant()
    def incremental_equals_clean(self) -> None:
        self._touch_page()
        self.builds += 1
        inc_app, inc_warnings = build(self.src, "html")
        clean_dir = self.tmp / f"clean-{self.builds}"
        clean_app, clean_warnings = build(self.src, "html", freshenv=True, outdir=clean_dir)
        inc = _body((Path(inc_app.outdir) / "index.html").read_text(encoding="utf-8"))
        clean = _body((Path(clean_app.outdir) / "index.html").read_text(encoding="utf-8"))
        shutil.rmtree(clean_dir, ignore_errors=True)
        assert "Spec hits of specs/spec.md" in clean and "Plan coverage of code/" in clean
        assert inc == clean
        assert sorted(ptyplan_warnings(inc_warnings)) == sorted(ptyplan_warnings(clean_warnings))


IncrementalEqualsClean.TestCase.settings = settings.get_profile("ptyplan-incremental")
test_incremental_equals_clean = IncrementalEqualsClean.TestCase
