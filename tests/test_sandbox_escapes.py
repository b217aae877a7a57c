"""Known smolagents LocalPythonExecutor escapes, replayed through our Python tool: none has a host effect.

Our boundary is the OS sandbox, not an AST interpreter, so these payloads *run*; what matters is that they
cannot touch the host. The Guard from test_sandbox checks canary file, secret, loopback listener, timing,
survivors and orchestrator memory for each.
"""

from __future__ import annotations

import pytest

from tests.test_sandbox import SECRET, Guard


@pytest.fixture
def guard(tmp_path, monkeypatch):
    monkeypatch.setenv("SALE_CANARY_SECRET", SECRET)
    g = Guard(tmp_path)
    yield g
    g.check()


def payloads(canary: str, port: int) -> dict[str, str]:
    shell = f"echo pwned > {canary}; cat /proc/*/environ; nc 127.0.0.1 {port}"
    return {
        # CVE-2025-5120: getattr leakage from an allowed function to restricted modules.
        "cve-2025-5120": (
            "def tool(): pass\n"
            "g = getattr(tool, '__glo' + 'bals__')\n"
            "b = g['__builtins__']\n"
            "imp = b['__import__'] if isinstance(b, dict) else getattr(b, '__import__')\n"
            f"imp('os').system({shell!r})\n"
        ),
        # CVE-2025-9959: class-hierarchy traversal to a gadget holding os.system / subprocess.Popen.
        "cve-2025-9959": (
            "import subprocess\n"
            "subs = object.__subclasses__()\n"
            "wrap = [c for c in subs if c.__name__ == '_wrap_close']\n"
            f"wrap and wrap[0].__init__.__globals__['system']({shell!r})\n"
            "popen = [c for c in subs if c.__name__ == 'Popen']\n"
            f"popen and popen[0](['sh', '-c', {shell!r}]).wait()\n"
        ),
        # CVE-2026-4963 (technique family as published for the LocalPythonExecutor): dunder names smuggled
        # past name checks through str.format and operator.attrgetter.
        "cve-2026-4963": (
            "import operator\n"
            "cls = '{0.__class__.__mro__[1]}'.format(())\n"
            "sub = operator.attrgetter('__subclasses__')(object)()\n"
            "load = [c for c in sub if c.__name__ == 'BuiltinImporter']\n"
            f"load and load[0].load_module('os').system({shell!r})\n"
        ),
        # issue #2094: ctypes reaching libc's system().
        "issue-2094": f"import ctypes\nctypes.CDLL('libc.so.6').system({shell.encode()!r})\n",
        # issue #2395 (escape family): frame objects of generators walked back to module globals.
        "issue-2395": (
            "def gen():\n    yield 1\n"
            "g = gen(); next(g)\n"
            "f = g.gi_frame\n"
            "while f.f_back is not None: f = f.f_back\n"
            "b = f.f_globals['__builtins__']\n"
            "imp = b['__import__'] if isinstance(b, dict) else b.__import__\n"
            f"imp('subprocess').run(['sh', '-c', {shell!r}])\n"
        ),
    }


@pytest.mark.parametrize("name", ["cve-2025-5120", "cve-2025-9959", "cve-2026-4963", "issue-2094", "issue-2395"])
def test_known_escape_has_no_host_effect(guard, name):
    code = payloads(str(guard.canary), guard.port)[name]
    guard.run(code)
