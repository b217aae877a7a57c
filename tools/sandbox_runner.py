"""What runs inside the sandbox: Debian's interpreter and the tiny runner script it is given with ``-c``.

The runner executes the code, takes the value of a trailing expression as the result, and writes exactly one
JSON object ``{"ok", "result", "error"}`` to the result pipe named by its first argument. Only the process that
started the runner writes it, so a child the code forks cannot add a second result on its way out.
"""

PYTHON = "/usr/bin/python3"

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
