"""What runs inside the sandbox: Debian's interpreter and the tiny runner script it is given with ``-c``.

The runner executes the code, takes the value of a trailing expression as the result, and writes exactly one
JSON object ``{"ok", "result", "error"}`` to the result pipe named by its first argument. Only the process that
started the runner writes it, so a child the code forks cannot add a second result on its way out.
"""

PYTHON = "/usr/bin/python3"
PYTHON_FLAGS = ("-s", "-P", "-S")
"""``-I`` without its ``-E``: no user site, no script directory on the path, no site module; the environment is
the sandbox's own (``ENV``), which sets the hash seed ``-E`` would ignore."""
NO_ASLR = ("/usr/bin/setarch", "-R")
"""Runs the interpreter with address-space randomisation off, so what code prints is the same on every run: an
object's default repr (``<Inventory object at 0x7ffff7c47b50>``) and ``id()`` included. An executor's observation
then replays as it was recorded, and a verdict repeats. It protects nothing here: code in the sandbox already runs
as it likes, and the namespaces and limits are the boundary. Used where the kernel allows it
(:func:`tools.sandbox.no_aslr`; Docker's default seccomp profile does not)."""
ENV = {"PATH": "/usr/bin:/bin", "HOME": "/work", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
       "PYTHONHASHSEED": "0"}
"""Everything the sandboxed interpreter sees. A fixed hash seed makes a run's output repeatable: code that
iterates a set of strings prints, and is verified, in the same order every time (and a replay sees what the
recorded run saw)."""

RUNNER = r"""
import ast, json, os, sys
owner = os.getpid()
out = os.fdopen(int(sys.argv[1]), "w")
code = sys.stdin.read()
sys.stdin = open(os.devnull)
namespace = {"__name__": "__main__", "__builtins__": __builtins__}
payload = {"ok": True, "result": None, "error": None}
try:
    tree = ast.parse(code, "<sandbox>", "exec")
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body.pop()
    exec(compile(tree, "<sandbox>", "exec"), namespace)
    value = eval(compile(ast.Expression(last.value), "<sandbox>", "eval"), namespace) if last else None
    try:
        payload["result"] = json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError, RecursionError):
        reason = "the result is not JSON-serializable (%s); return str(...) or plain data" % type(value).__name__
        payload = {"ok": False, "result": None, "error": reason}
except SystemExit as exc:
    clean = exc.code in (None, 0)
    payload = {"ok": clean, "result": None, "error": None if clean else "SystemExit(%r)" % (exc.code,)}
except BaseException as exc:
    payload = {"ok": False, "result": None, "error": "%s: %s" % (type(exc).__name__, exc)}
sys.stdout.flush(); sys.stderr.flush()
if os.getpid() == owner:
    out.write(json.dumps(payload)); out.flush()
"""
