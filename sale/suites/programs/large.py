"""Bin 3 ("large") of the ``programs`` suite: fourteen small pipelines (parse, validate, compute, report), each
with several stated rules and errors and a reference of about 80-200 lines.

Written by hand (issue 29). Each task states every rule its hidden tests check; its ``wrong`` module is what a
careless developer writes: it passes the example tests and misses one or two stated edge cases.
"""

from __future__ import annotations

from sale.suites.programs.task import ProgramTask

TASKS: list[ProgramTask] = [
    ProgramTask(
        name="expr_assignments",
        bin=3,
        entry_point="evaluate_file",
        spec=r'''
Write a Python module that defines `tokenize(text)`, `evaluate(text, variables)` and `evaluate_file(path)`: a small
calculator that reads a file of variable assignments and evaluates each right-hand side. Standard library only; do
not use `eval`.

The file has one assignment per line:

```
# prices
base = 12
tax = base * 0.25   # a comment may follow an expression
total = -(base + tax) * -2
power = 2 ^ 3 ^ 2
```

Rules:

- `#` starts a comment that runs to the end of the line. Lines that are blank after removing the comment are
  ignored. Line numbers count every line of the file, starting at 1.
- Every other line is `NAME = EXPRESSION`. A name is a letter or `_` followed by letters, digits or `_`. Spaces
  around tokens are optional.
- Numbers are digit sequences, optionally with one decimal point and more digits (`12`, `0.25`, `3.`, but not `.5`).
  A number with a decimal point is a float, otherwise an int.
- Operators: binary `+ - * / ^`, unary `-` and `+`, parentheses. `^` is power (Python `**`) and is
  right-associative: `2 ^ 3 ^ 2` is `2 ^ 9`. Precedence from loosest to tightest: `+ -` (binary, left-assoc),
  `* /` (left-assoc), unary `- +`, then `^`. So `-2 ^ 2` is `-(2 ^ 2)` = -4, and `2 ^ -1` is 0.5 (a unary minus
  may start the exponent).
- Arithmetic follows Python: `/` is true division (always a float), other operations on ints stay ints.
- A variable may be used once it has been assigned on an earlier line; assigning it again replaces its value.

`tokenize(text)` returns the list of tokens of one expression as strings: numbers and names as written, and each of
`+ - * / ^ ( )` as a one-character string; it raises `ValueError` on any other character (spaces are skipped).
Example: `tokenize("x1+2.5*(y)")` is `["x1", "+", "2.5", "*", "(", "y", ")"]`.

`evaluate(text, variables)` evaluates one expression with the dict `variables` (name to number) and returns the
number. It raises `ValueError` for a syntax error (unexpected or missing token, unbalanced parentheses, anything
left over after a complete expression, an empty expression), for a name not in `variables`, and for a division by
zero.

`evaluate_file(path)` evaluates the file's lines in order and returns a dict from each name to its final value
(in order of first assignment). Any error on a line (a line without `=`, an invalid name on the left, any error of
`evaluate`) raises `ValueError` whose message contains `line N` where N is that line's number.
''',
        visible=r'''
# 1. tokens
assert tokenize("x1+2.5*(y)") == ["x1", "+", "2.5", "*", "(", "y", ")"]

# 2. a file of assignments
open("prices.txt", "w").write("# prices\nbase = 12\ntax = base * 0.25   # a comment\ntotal = base + tax\n")
assert evaluate_file("prices.txt") == {"base": 12, "tax": 3.0, "total": 15.0}

# 3. precedence and parentheses
assert evaluate("2 + 3 * 4", {}) == 14
assert evaluate("(2 + 3) * 4 - a", {"a": 1}) == 19

# 4. an undefined name names the line
open("bad.txt", "w").write("a = 1\n\nb = a + c\n")
try:
    evaluate_file("bad.txt")
except ValueError as e:
    assert "line 3" in str(e), str(e)
else:
    raise AssertionError("expected ValueError")
''',
        hidden=r'''
def expect_error(text, line=None):
    if line is None:
        try:
            evaluate(text, {"x": 2})
        except ValueError:
            return
        raise AssertionError("expected ValueError for " + repr(text))
    open("err.txt", "w").write(text)
    try:
        evaluate_file("err.txt")
    except ValueError as e:
        assert "line %d" % line in str(e), (text, str(e))
    else:
        raise AssertionError("expected ValueError for " + repr(text))

# 1. power is right-associative and binds tighter than unary minus
assert evaluate("2 ^ 3 ^ 2", {}) == 512
assert evaluate("-2 ^ 2", {}) == -4
assert evaluate("(-2) ^ 2", {}) == 4
assert evaluate("2 ^ -1", {}) == 0.5
assert evaluate("-x ^ 2 * 3", {"x": 3}) == -27

# 2. unary operators, nesting, left associativity
assert evaluate("--3", {}) == 3
assert evaluate("+-+4", {}) == -4
assert evaluate("10 - 4 - 3", {}) == 3
assert evaluate("64 / 4 / 2", {}) == 8.0
assert evaluate("-(1 + 2) * -(3)", {}) == 9
assert evaluate("((((7))))", {}) == 7

# 3. ints stay ints, / gives a float, decimals are floats
assert type(evaluate("7 * 6 - 2", {})) is int
assert type(evaluate("8 / 2", {})) is float
assert evaluate("3. + 1.5", {}) == 4.5

# 4. tokenize details
assert tokenize("  a_b*-3.  ") == ["a_b", "*", "-", "3."]
assert tokenize("_x^2") == ["_x", "^", "2"]
try:
    tokenize("a $ b")
except ValueError:
    pass
else:
    raise AssertionError("expected ValueError for $")

# 5. reassignment, comments, no spaces, order of first assignment
open("re.txt", "w").write("x=1\ny = x*10 # ten\n  # only a comment\nx = y + x\nz=x^2\n")
r = evaluate_file("re.txt")
assert r == {"x": 11, "y": 10, "z": 121}, r
assert list(r) == ["x", "y", "z"]

# 6. the sample from the spec
open("sample.txt", "w").write(
    "# prices\nbase = 12\ntax = base * 0.25\ntotal = -(base + tax) * -2\npower = 2 ^ 3 ^ 2\n")
assert evaluate_file("sample.txt") == {"base": 12, "tax": 3.0, "total": 30.0, "power": 512}

# 7. syntax errors in expressions
for bad in ["1 +", "(1 + 2", "1 + 2)", "3 4", "", "* 2", "2 ^", "x + ()", ".5 + 1", "1..2"]:
    expect_error(bad)

# 8. unknown names and division by zero in evaluate
expect_error("y + 1")
expect_error("1 / (x - 2)")

# 9. errors in a file name their line
expect_error("a = 1\nb = a / (a - 1)\n", 2)
expect_error("# header\na = 1\n\na + 1\n", 4)
expect_error("a = 1\n2a = 3\n", 2)
expect_error("a = 1\nb = (a + 2\n", 2)
expect_error("a = 1\nb = a = 2\n", 2)
expect_error("a = 2\nb = a # fine\nc = a @ b\n", 3)
expect_error("x = 1\ny = 2\nz = x + y +\n", 3)
''',
        solution=r'''
import re

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/^()]))")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def tokenize(text):
    tokens = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"unexpected character {text[pos:].strip()[:1]!r}")
        tokens.append(m.group(m.lastindex))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, tokens, variables):
        self.tokens = tokens
        self.pos = 0
        self.variables = variables

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self):
        tok = self.peek()
        if tok is None:
            raise ValueError("unexpected end of expression")
        self.pos += 1
        return tok

    def parse(self):
        value = self.expr()
        if self.peek() is not None:
            raise ValueError(f"unexpected token {self.peek()!r}")
        return value

    def expr(self):
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            right = self.term()
            value = value + right if op == "+" else value - right
        return value

    def term(self):
        value = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()
            right = self.unary()
            if op == "*":
                value = value * right
            else:
                if right == 0:
                    raise ValueError("division by zero")
                value = value / right
        return value

    def unary(self):
        if self.peek() in ("-", "+"):
            op = self.take()
            value = self.unary()
            return -value if op == "-" else value
        return self.power()

    def power(self):
        base = self.atom()
        if self.peek() == "^":
            self.take()
            exponent = self.unary()
            if base == 0 and exponent < 0:
                raise ValueError("division by zero")
            return base ** exponent
        return base

    def atom(self):
        tok = self.take()
        if tok == "(":
            value = self.expr()
            if self.take() != ")":
                raise ValueError("expected )")
            return value
        if tok[0].isdigit():
            return float(tok) if "." in tok else int(tok)
        if _NAME.fullmatch(tok):
            if tok not in self.variables:
                raise ValueError(f"undefined name {tok!r}")
            return self.variables[tok]
        raise ValueError(f"unexpected token {tok!r}")


def evaluate(text, variables):
    return _Parser(tokenize(text), variables).parse()


def evaluate_file(path):
    values = {}
    with open(path) as f:
        for number, raw in enumerate(f, start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            try:
                if "=" not in line:
                    raise ValueError("expected NAME = EXPRESSION")
                name, expression = line.split("=", 1)
                name = name.strip()
                if not _NAME.fullmatch(name):
                    raise ValueError(f"invalid name {name!r}")
                values[name] = evaluate(expression, values)
            except ValueError as e:
                raise ValueError(f"line {number}: {e}") from None
    return values
''',
        wrong=r'''
import re

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/^()]))")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def tokenize(text):
    tokens = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"unexpected character at {pos}")
        tokens.append(m.group(m.lastindex))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, tokens, variables):
        self.tokens = tokens
        self.pos = 0
        self.variables = variables

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self):
        tok = self.peek()
        if tok is None:
            raise ValueError("unexpected end of expression")
        self.pos += 1
        return tok

    def parse(self):
        value = self.expr()
        if self.peek() is not None:
            raise ValueError(f"unexpected token {self.peek()!r}")
        return value

    def expr(self):
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            right = self.term()
            value = value + right if op == "+" else value - right
        return value

    def term(self):
        value = self.power()
        while self.peek() in ("*", "/"):
            op = self.take()
            right = self.power()
            if op == "*":
                value = value * right
            else:
                if right == 0:
                    raise ValueError("division by zero")
                value = value / right
        return value

    def power(self):
        value = self.unary()
        while self.peek() == "^":
            self.take()
            value = value ** self.unary()
        return value

    def unary(self):
        if self.peek() == "-":
            self.take()
            return -self.unary()
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.atom()

    def atom(self):
        tok = self.take()
        if tok == "(":
            value = self.expr()
            if self.take() != ")":
                raise ValueError("expected )")
            return value
        if tok[0].isdigit():
            return float(tok) if "." in tok else int(tok)
        if tok not in self.variables:
            raise ValueError(f"undefined name {tok!r}")
        return self.variables[tok]


def evaluate(text, variables):
    return _Parser(tokenize(text), variables).parse()


def evaluate_file(path):
    values = {}
    with open(path) as f:
        for number, raw in enumerate(f, start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            name, expression = line.split("=", 1)
            try:
                values[name.strip()] = evaluate(expression, values)
            except ValueError as e:
                raise ValueError(f"line {number}: {e}") from None
    return values
''',
    ),
    ProgramTask(
        name="stack_vm",
        bin=3,
        entry_point="run_file",
        spec=r'''
Write a Python module that defines `assemble(source)`, `run(program, inputs=(), max_steps=10000)` and
`run_file(path, inputs=())`: an assembler and a virtual machine for a tiny stack language. Standard library only.

A program file looks like this:

```
; print the numbers from n down to 1
        IN              ; read n
loop:   DUP
        JZ end          ; stop at zero
        DUP
        PRINT
        PUSH 1
        SUB
        JMP loop
end:    HALT
```

Assembly rules (`assemble(source)`, `source` is the whole text):

- `;` starts a comment to the end of the line. Blank lines are ignored. Line numbers count every line, from 1.
- A line may start with a label `name:` (a letter or `_` followed by letters, digits or `_`); the rest of the line,
  if any, is an instruction. A label on a line of its own labels the next instruction (or the end of the program
  if there is none). Several labels may label the same instruction.
- Opcodes are case-insensitive; labels are case-sensitive. Instructions and their operands:
  `PUSH n` (n an integer, may be negative), `POP`, `DUP`, `SWAP`, `OVER` (push a copy of the second item),
  `ADD`, `SUB`, `MUL`, `DIV`, `MOD`, `JMP label`, `JZ label`, `JNZ label`, `CALL label`, `RET`, `IN`, `PRINT`,
  `HALT`.
- `assemble` returns a list of `(opcode, operand)` tuples: the opcode in upper case, the operand an int (for
  `PUSH`, the number; for jumps and `CALL`, the index of the target instruction in the list) or `None`.
- It raises `ValueError` with a message containing `line N` for: an unknown opcode, a missing operand, an operand
  given to an opcode that takes none, a `PUSH` operand that is not an integer, a label defined twice (N is the
  line of the second definition), a jump or `CALL` to an undefined label (N is the line of the jump).

Machine rules (`run(program, inputs, max_steps)`, `program` as returned by `assemble`):

- There is a data stack, a call stack of return addresses and an instruction pointer starting at 0. `run` returns
  the list of ints printed by `PRINT`, in order.
- Binary operations pop `b` (the top), then `a`, and push `a op b`: `PUSH 7, PUSH 2, SUB` leaves 5. `DIV` divides
  and truncates toward zero (`-7 DIV 2` is -3); `MOD` is the remainder that goes with it (`a - b * (a DIV b)`, so
  `-7 MOD 2` is -1).
- `JZ` and `JNZ` pop the top and jump if it is zero / not zero. `CALL` pushes the address of the next instruction
  on the call stack and jumps; `RET` pops the call stack and jumps there. `IN` pushes the next value of `inputs`.
  `PRINT` pops and records the value. `HALT` stops; running past the last instruction also stops.
- It raises `RuntimeError` for: popping an empty data stack (stack underflow), `DIV` or `MOD` by zero, `RET` with an
  empty call stack, `IN` with no inputs left, and executing more than `max_steps` instructions (each executed
  instruction, `HALT` included, is one step).

`run_file(path, inputs=())` reads the file, assembles it and runs it, returning the printed list.
''',
        visible=r'''
# 1. assembling resolves labels to instruction indexes
assert assemble("start: PUSH 2\n  push -3 ; comment\nADD\nJMP start\n") == [
    ("PUSH", 2), ("PUSH", -3), ("ADD", None), ("JMP", 0)]

# 2. the countdown program from the description
open("count.asm", "w").write(
    "; countdown\n        IN\nloop:   DUP\n        JZ end\n        DUP\n        PRINT\n"
    "        PUSH 1\n        SUB\n        JMP loop\nend:    HALT\n")
assert run_file("count.asm", [3]) == [3, 2, 1]

# 3. operand order
assert run(assemble("PUSH 7\nPUSH 2\nSUB\nPRINT\nPUSH 3\nPUSH 4\nMUL\nPRINT")) == [5, 12]

# 4. an unknown opcode names its line
try:
    assemble("PUSH 1\n\nJUMP x\n")
except ValueError as e:
    assert "line 3" in str(e), str(e)
else:
    raise AssertionError("expected ValueError")
''',
        hidden=r'''
def asm_error(source, line):
    try:
        assemble(source)
    except ValueError as e:
        assert "line %d" % line in str(e), (source, str(e))
    else:
        raise AssertionError("expected ValueError for " + repr(source))


def run_error(source, inputs=(), max_steps=10000):
    program = assemble(source)
    try:
        run(program, inputs, max_steps)
    except RuntimeError:
        pass
    else:
        raise AssertionError("expected RuntimeError for " + repr(source))

# 1. DIV truncates toward zero, MOD goes with it
assert run(assemble("PUSH -7\nPUSH 2\nDIV\nPRINT\nPUSH -7\nPUSH 2\nMOD\nPRINT")) == [-3, -1]
assert run(assemble("PUSH 7\nPUSH -2\nDIV\nPRINT\nPUSH 7\nPUSH -2\nMOD\nPRINT")) == [-3, 1]
assert run(assemble("PUSH 17\nPUSH 5\nDIV\nPRINT\nPUSH 17\nPUSH 5\nMOD\nPRINT")) == [3, 2]

# 2. stack words
assert run(assemble("PUSH 1\nPUSH 2\nSWAP\nPRINT\nPRINT\nPUSH 5\nPUSH 6\nOVER\nPRINT\nPOP\nPRINT")) == [1, 2, 5, 5]

# 3. labels: alone on a line, several on one instruction, at the very end, case-sensitive
src = "a:\nb: PUSH 1\nJNZ End\nPUSH 9\nPRINT\nEnd:\n"
assert assemble(src) == [("PUSH", 1), ("JNZ", 4), ("PUSH", 9), ("PRINT", None)]
assert run(assemble(src)) == []
assert assemble("x: jmp y\ny: jmp x\n") == [("JMP", 1), ("JMP", 0)]
asm_error("loop: PUSH 1\nJMP Loop\n", 2)

# 4. CALL and RET
src = ("IN\nCALL square\nPRINT\nIN\nCALL square\nPRINT\nHALT\n"
       "square: DUP\n MUL\n RET\n")
assert run(assemble(src), [3, -4]) == [9, 16]

# 5. HALT stops, nothing after it runs
assert run(assemble("PUSH 1\nPRINT\nHALT\nPUSH 2\nPRINT\n")) == [1]

# 6. a loop summing inputs until a zero
src = ("PUSH 0\nloop: IN\nDUP\nJZ done\nADD\nJMP loop\ndone: POP\nPRINT\n")
open("sum.asm", "w").write(src)
assert run_file("sum.asm", [4, 5, 6, 0]) == [15]

# 7. assembly errors name the line
asm_error("PUSH\n", 1)
asm_error("PUSH 1\nPUSH x\n", 2)
asm_error("PUSH 1.5\n", 1)
asm_error("ADD 3\n", 1)
asm_error("; c\n\nJMP nowhere\n", 3)
asm_error("a: PUSH 1\nb: POP\na: HALT\n", 3)
asm_error("PUSH 1\nJZ\n", 2)

# 8. runtime errors
run_error("POP\n")
run_error("PUSH 1\nADD\n")
run_error("PUSH 1\nPUSH 0\nDIV\n")
run_error("PUSH 1\nPUSH 0\nMOD\n")
run_error("RET\n")
run_error("IN\nIN\n", [1])
run_error("l: JMP l\n")

# 9. the step limit counts every executed instruction, HALT included
assert run(assemble("PUSH 1\nPRINT\nHALT\n"), (), 3) == [1]
run_error("PUSH 1\nPRINT\nHALT\n", (), 2)
assert run(assemble("PUSH 1\nPRINT\n"), (), 2) == [1]
''',
        solution=r'''
import re

_LABEL = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*):")
_NO_OPERAND = {"POP", "DUP", "SWAP", "OVER", "ADD", "SUB", "MUL", "DIV", "MOD", "RET", "IN", "PRINT", "HALT"}
_JUMPS = {"JMP", "JZ", "JNZ", "CALL"}


def assemble(source):
    parsed = []
    labels = {}
    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.split(";", 1)[0]
        while True:
            m = _LABEL.match(line)
            if not m:
                break
            name = m.group(1)
            if name in labels:
                raise ValueError(f"line {number}: label {name!r} defined twice")
            labels[name] = len(parsed)
            line = line[m.end():]
        words = line.split()
        if not words:
            continue
        op = words[0].upper()
        args = words[1:]
        if op in _NO_OPERAND:
            if args:
                raise ValueError(f"line {number}: {op} takes no operand")
            parsed.append((number, op, None))
        elif op == "PUSH" or op in _JUMPS:
            if len(args) != 1:
                raise ValueError(f"line {number}: {op} takes one operand")
            if op == "PUSH" and not re.fullmatch(r"[-+]?\d+", args[0]):
                raise ValueError(f"line {number}: PUSH needs an integer, not {args[0]!r}")
            parsed.append((number, op, int(args[0]) if op == "PUSH" else args[0]))
        else:
            raise ValueError(f"line {number}: unknown opcode {words[0]!r}")
    program = []
    for number, op, arg in parsed:
        if op in _JUMPS:
            if arg not in labels:
                raise ValueError(f"line {number}: undefined label {arg!r}")
            arg = labels[arg]
        program.append((op, arg))
    return program


def _trunc_div(a, b):
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def run(program, inputs=(), max_steps=10000):
    stack, calls, output = [], [], []
    inputs = list(inputs)
    ip = steps = 0

    def pop():
        if not stack:
            raise RuntimeError(f"stack underflow at instruction {ip}")
        return stack.pop()

    while ip < len(program):
        steps += 1
        if steps > max_steps:
            raise RuntimeError(f"more than {max_steps} steps")
        op, arg = program[ip]
        ip += 1
        if op == "PUSH":
            stack.append(arg)
        elif op == "POP":
            pop()
        elif op == "DUP":
            a = pop()
            stack.extend([a, a])
        elif op == "SWAP":
            b, a = pop(), pop()
            stack.extend([b, a])
        elif op == "OVER":
            b, a = pop(), pop()
            stack.extend([a, b, a])
        elif op in ("ADD", "SUB", "MUL", "DIV", "MOD"):
            b, a = pop(), pop()
            if op in ("DIV", "MOD") and b == 0:
                raise RuntimeError("division by zero")
            if op == "ADD":
                stack.append(a + b)
            elif op == "SUB":
                stack.append(a - b)
            elif op == "MUL":
                stack.append(a * b)
            elif op == "DIV":
                stack.append(_trunc_div(a, b))
            else:
                stack.append(a - b * _trunc_div(a, b))
        elif op == "JMP":
            ip = arg
        elif op in ("JZ", "JNZ"):
            if (pop() == 0) == (op == "JZ"):
                ip = arg
        elif op == "CALL":
            calls.append(ip)
            ip = arg
        elif op == "RET":
            if not calls:
                raise RuntimeError("RET with an empty call stack")
            ip = calls.pop()
        elif op == "IN":
            if not inputs:
                raise RuntimeError("no input left")
            stack.append(inputs.pop(0))
        elif op == "PRINT":
            output.append(pop())
        elif op == "HALT":
            break
    return output


def run_file(path, inputs=()):
    with open(path) as f:
        return run(assemble(f.read()), inputs)
''',
        wrong=r'''
import re

_NO_OPERAND = {"POP", "DUP", "SWAP", "OVER", "ADD", "SUB", "MUL", "DIV", "MOD", "RET", "IN", "PRINT", "HALT"}
_JUMPS = {"JMP", "JZ", "JNZ", "CALL"}


def assemble(source):
    parsed = []
    labels = {}
    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.split(";", 1)[0].strip()
        m = re.match(r"([A-Za-z_]\w*):", line)
        if m:
            labels[m.group(1)] = len(parsed)
            line = line[m.end():].strip()
        words = line.split()
        if not words:
            continue
        op = words[0].upper()
        if op in _NO_OPERAND:
            parsed.append((number, op, None))
        elif op == "PUSH":
            try:
                parsed.append((number, op, int(words[1])))
            except (IndexError, ValueError):
                raise ValueError(f"line {number}: bad PUSH") from None
        elif op in _JUMPS:
            if len(words) != 2:
                raise ValueError(f"line {number}: {op} takes one operand")
            parsed.append((number, op, words[1]))
        else:
            raise ValueError(f"line {number}: unknown opcode {words[0]!r}")
    program = []
    for number, op, arg in parsed:
        if op in _JUMPS:
            if arg not in labels:
                raise ValueError(f"line {number}: undefined label {arg!r}")
            arg = labels[arg]
        program.append((op, arg))
    return program


def run(program, inputs=(), max_steps=10000):
    stack, calls, output = [], [], []
    inputs = list(inputs)
    ip = steps = 0
    while ip < len(program):
        steps += 1
        if steps > max_steps:
            raise RuntimeError("too many steps")
        op, arg = program[ip]
        ip += 1
        try:
            if op == "PUSH":
                stack.append(arg)
            elif op == "POP":
                stack.pop()
            elif op == "DUP":
                stack.append(stack[-1])
            elif op == "SWAP":
                stack[-1], stack[-2] = stack[-2], stack[-1]
            elif op == "OVER":
                stack.append(stack[-2])
            elif op in ("ADD", "SUB", "MUL", "DIV", "MOD"):
                b, a = stack.pop(), stack.pop()
                if op == "ADD":
                    stack.append(a + b)
                elif op == "SUB":
                    stack.append(a - b)
                elif op == "MUL":
                    stack.append(a * b)
                elif op == "DIV":
                    stack.append(a // b)
                else:
                    stack.append(a % b)
            elif op == "JMP":
                ip = arg
            elif op == "JZ":
                if stack.pop() == 0:
                    ip = arg
            elif op == "JNZ":
                if stack.pop() != 0:
                    ip = arg
            elif op == "CALL":
                calls.append(ip)
                ip = arg
            elif op == "RET":
                ip = calls.pop()
            elif op == "IN":
                stack.append(inputs.pop(0))
            elif op == "PRINT":
                output.append(stack.pop())
            elif op == "HALT":
                break
        except (IndexError, ZeroDivisionError) as e:
            raise RuntimeError(str(e)) from None
    return output


def run_file(path, inputs=()):
    with open(path) as f:
        return run(assemble(f.read()), inputs)
''',
    ),
    ProgramTask(
        name="payroll",
        bin=3,
        entry_point="compute_payroll",
        spec=r'''
Write a Python module that defines `compute_payroll(employees_path, timesheet_path)`,
`department_totals(employees_path, timesheet_path)` and `payroll_report(employees_path, timesheet_path)`: a payroll
run over two CSV files. Standard library only.

`employees.csv`:

```
id,name,dept,hourly_rate
E1,Ada Lovelace,eng,40.00
E2,Bob Smith,ops,25.50
```

`timesheet.csv` (hours worked by one employee in one week):

```
id,week,hours
E1,2024-W01,45
E1,2024-W02,38.5
E2,2024-W01,20
```

Parsing and validation:

- Each file starts with exactly the header shown (after stripping spaces around each name); otherwise raise
  `ValueError`. Blank lines are ignored. Fields are separated by commas (no quoting) and stripped of spaces. Line
  numbers count every line of the file, header included, from 1.
- An employee row needs exactly 4 fields, a non-empty id that has not appeared before, a non-empty name, a
  non-empty department and a rate that is a number greater than 0.
- A timesheet row needs exactly 3 fields, an id of a known employee, a week written `YYYY-Www` (four digits, `-W`,
  two digits) and hours that are a number from 0 to 100 inclusive. The same (id, week) pair may not appear twice.
- Any bad row raises `ValueError` whose message contains `line N` (the row's line number in its file).

Computation, per employee:

- Hours are split per week, never over the whole period: in each week, the first 40 hours are regular, hours above
  40 up to 60 are overtime, hours above 60 are double time. A week of 45 hours is 40 regular and 5 overtime; a
  week of 65 hours is 40 regular, 20 overtime and 5 double; two weeks of 30 hours are 60 regular hours.
- Gross pay = regular x rate + overtime x rate x 1.5 + double x rate x 2, over all the employee's weeks, rounded
  to 2 decimals.
- Tax is progressive on the (rounded) gross: 0% on the first 1000, 10% on the part from 1000 to 3000, 25% on the
  part above 3000. Round the tax to 2 decimals. Net = gross - tax, rounded to 2 decimals.

`compute_payroll` returns a dict from employee id to a dict with keys `"name"`, `"dept"`, `"regular"`,
`"overtime"`, `"double"` (hours, floats), `"gross"`, `"tax"`, `"net"` (floats). Employees with no timesheet rows
are included with all numbers 0.0.

`department_totals` returns a dict from department to `{"employees": count, "gross": G, "tax": T, "net": N}`, the
sums over the department's employees (employees without hours count too), each sum rounded to 2 decimals.

`payroll_report` returns a string: one line per employee, sorted by net pay from highest to lowest (ties by id
in ascending string order), each `ID NAME: gross G tax T net N` with the three amounts formatted with exactly two
decimals, then a last line `TOTAL: gross G tax T net N` with the sums of those columns. Lines are joined with `\n`
and there is no trailing newline.
''',
        visible=r'''
# 1. the sample files
open("employees.csv", "w").write("id,name,dept,hourly_rate\nE1,Ada Lovelace,eng,40.00\nE2,Bob Smith,ops,25.50\n")
open("timesheet.csv", "w").write("id,week,hours\nE1,2024-W01,45\nE2,2024-W01,20\n")
pay = compute_payroll("employees.csv", "timesheet.csv")
assert pay["E1"] == {"name": "Ada Lovelace", "dept": "eng", "regular": 40.0, "overtime": 5.0, "double": 0.0,
                     "gross": 1900.0, "tax": 90.0, "net": 1810.0}, pay["E1"]
assert pay["E2"] == {"name": "Bob Smith", "dept": "ops", "regular": 20.0, "overtime": 0.0, "double": 0.0,
                     "gross": 510.0, "tax": 0.0, "net": 510.0}, pay["E2"]

# 2. the report and the department totals
assert payroll_report("employees.csv", "timesheet.csv") == (
    "E1 Ada Lovelace: gross 1900.00 tax 90.00 net 1810.00\n"
    "E2 Bob Smith: gross 510.00 tax 0.00 net 510.00\n"
    "TOTAL: gross 2410.00 tax 90.00 net 2320.00")
assert department_totals("employees.csv", "timesheet.csv") == {
    "eng": {"employees": 1, "gross": 1900.0, "tax": 90.0, "net": 1810.0},
    "ops": {"employees": 1, "gross": 510.0, "tax": 0.0, "net": 510.0}}

# 3. an unknown employee in the timesheet names its line
open("bad.csv", "w").write("id,week,hours\nE1,2024-W01,10\n\nE9,2024-W01,10\n")
try:
    compute_payroll("employees.csv", "bad.csv")
except ValueError as e:
    assert "line 4" in str(e), str(e)
else:
    raise AssertionError("expected ValueError")
''',
        hidden=r'''
def files(employees, timesheet):
    open("e.csv", "w").write(employees)
    open("t.csv", "w").write(timesheet)


def expect_error(employees, timesheet, line=None):
    files(employees, timesheet)
    try:
        compute_payroll("e.csv", "t.csv")
    except ValueError as e:
        if line is not None:
            assert "line %d" % line in str(e), (employees, timesheet, str(e))
    else:
        raise AssertionError("expected ValueError for " + repr((employees, timesheet)))


EMP = "id,name,dept,hourly_rate\nE1,Ada Lovelace,eng,40.00\nE2,Bob Smith,ops,25.50\nE3,Cy Young,eng,60\n"

# 1. overtime is counted per week, not over the whole period
files(EMP, "id,week,hours\nE1,2024-W01,45\nE1,2024-W02,38.5\nE2,2024-W01,30\nE2,2024-W02,30\n")
pay = compute_payroll("e.csv", "t.csv")
assert pay["E1"] == {"name": "Ada Lovelace", "dept": "eng", "regular": 78.5, "overtime": 5.0, "double": 0.0,
                     "gross": 3440.0, "tax": 310.0, "net": 3130.0}, pay["E1"]
assert pay["E2"] == {"name": "Bob Smith", "dept": "ops", "regular": 60.0, "overtime": 0.0, "double": 0.0,
                     "gross": 1530.0, "tax": 53.0, "net": 1477.0}, pay["E2"]

# 2. an employee without rows has zeros, and counts in the department totals
assert pay["E3"] == {"name": "Cy Young", "dept": "eng", "regular": 0.0, "overtime": 0.0, "double": 0.0,
                     "gross": 0.0, "tax": 0.0, "net": 0.0}, pay["E3"]
assert department_totals("e.csv", "t.csv") == {
    "eng": {"employees": 2, "gross": 3440.0, "tax": 310.0, "net": 3130.0},
    "ops": {"employees": 1, "gross": 1530.0, "tax": 53.0, "net": 1477.0}}

# 3. double time above 60 hours in a week
files(EMP, "id,week,hours\nE1,2024-W01,65\nE1,2024-W02,60\nE2,2024-W03,61.5\n")
pay = compute_payroll("e.csv", "t.csv")
assert (pay["E1"]["regular"], pay["E1"]["overtime"], pay["E1"]["double"]) == (80.0, 40.0, 5.0)
assert (pay["E1"]["gross"], pay["E1"]["tax"], pay["E1"]["net"]) == (6000.0, 950.0, 5050.0), pay["E1"]
assert (pay["E2"]["regular"], pay["E2"]["overtime"], pay["E2"]["double"]) == (40.0, 20.0, 1.5)
assert (pay["E2"]["gross"], pay["E2"]["tax"], pay["E2"]["net"]) == (1861.5, 86.15, 1775.35), pay["E2"]

# 4. tax brackets at and around their edges, rounding to cents
files("id,name,dept,hourly_rate\nA,A,x,25\nB,B,x,75\nC,C,y,33.34\nD,D,y,101\n",
      "id,week,hours\nA,2024-W01,40\nB,2024-W01,40\nC,2024-W01,41\nD,2024-W01,40\n")
pay = compute_payroll("e.csv", "t.csv")
assert (pay["A"]["gross"], pay["A"]["tax"], pay["A"]["net"]) == (1000.0, 0.0, 1000.0)
assert (pay["B"]["gross"], pay["B"]["tax"], pay["B"]["net"]) == (3000.0, 200.0, 2800.0)
assert (pay["C"]["gross"], pay["C"]["tax"], pay["C"]["net"]) == (1383.61, 38.36, 1345.25), pay["C"]
assert (pay["D"]["gross"], pay["D"]["tax"], pay["D"]["net"]) == (4040.0, 460.0, 3580.0)
assert department_totals("e.csv", "t.csv") == {
    "x": {"employees": 2, "gross": 4000.0, "tax": 200.0, "net": 3800.0},
    "y": {"employees": 2, "gross": 5423.61, "tax": 498.36, "net": 4925.25}}

# 5. report order: by net descending, ties by id; totals; spaces, blank lines
files("id, name ,dept, hourly_rate\n\nE2 , Bob , a, 20\nE1,Ann,a,20\nE3,Cat,b,10\n",
      "id,week,hours\nE1,2024-W01,10\n\nE2,2024-W01, 10\nE3,2024-W01,45.5\n")
assert payroll_report("e.csv", "t.csv") == (
    "E3 Cat: gross 482.50 tax 0.00 net 482.50\n"
    "E1 Ann: gross 200.00 tax 0.00 net 200.00\n"
    "E2 Bob: gross 200.00 tax 0.00 net 200.00\n"
    "TOTAL: gross 882.50 tax 0.00 net 882.50")

# 6. the full report
files(EMP, "id,week,hours\nE1,2024-W01,45\nE1,2024-W02,38.5\nE2,2024-W01,20\n")
assert payroll_report("e.csv", "t.csv") == (
    "E1 Ada Lovelace: gross 3440.00 tax 310.00 net 3130.00\n"
    "E2 Bob Smith: gross 510.00 tax 0.00 net 510.00\n"
    "E3 Cy Young: gross 0.00 tax 0.00 net 0.00\n"
    "TOTAL: gross 3950.00 tax 310.00 net 3640.00")

# 7. bad employee rows
T = "id,week,hours\n"
H = "id,name,dept,hourly_rate\n"
expect_error(H + "E1,Ann,a,20\nE1,Bob,a,30\n", T, 3)
expect_error(H + "E1,Ann,a,0\n", T, 2)
expect_error(H + "E1,Ann,a,-5\n", T, 2)
expect_error(H + "E1,Ann,a,abc\n", T, 2)
expect_error(H + "\nE1,Ann,20\n", T, 3)
expect_error(H + "E1,,a,20\n", T, 2)
expect_error(H + "E1,Ann,,20\n", T, 2)
expect_error("id,name,dept,rate\nE1,Ann,a,20\n", T)

# 8. bad timesheet rows
E = H + "E1,Ann,a,20\n"
expect_error(E, "id,week,hours\nE1,2024-W01,10\nE1,2024-W01,5\n", 3)
expect_error(E, "id,week,hours\nE1,2024-W1,10\n", 2)
expect_error(E, "id,week,hours\nE1,2024-01,10\n", 2)
expect_error(E, "id,week,hours\nE1,2024-W02,-1\n", 2)
expect_error(E, "id,week,hours\nE1,2024-W02,100.5\n", 2)
expect_error(E, "id,week,hours\nE1,2024-W02,ten\n", 2)
expect_error(E, "id,week,hours\nE1,2024-W02,10,extra\n", 2)
expect_error(E, "week,id,hours\n")

# 9. boundary hours are accepted
files(E, "id,week,hours\nE1,2024-W01,0\nE1,2024-W02,100\n")
p = compute_payroll("e.csv", "t.csv")["E1"]
assert (p["regular"], p["overtime"], p["double"]) == (40.0, 20.0, 40.0)
''',
        solution=r'''
import re

_WEEK = re.compile(r"\d{4}-W\d{2}")
_BRACKETS = [(1000.0, 0.0), (3000.0, 0.10), (float("inf"), 0.25)]


def _rows(path, header):
    with open(path) as f:
        lines = f.read().splitlines()
    if not lines or [h.strip() for h in lines[0].split(",")] != header.split(","):
        raise ValueError(f"{path}: line 1: expected header {header!r}")
    for number, line in enumerate(lines[1:], start=2):
        if line.strip():
            yield number, [field.strip() for field in line.split(",")]


def _number(text):
    try:
        return float(text)
    except ValueError:
        return None


def _load_employees(path):
    employees = {}
    for number, fields in _rows(path, "id,name,dept,hourly_rate"):
        if len(fields) != 4:
            raise ValueError(f"{path}: line {number}: expected 4 fields")
        emp_id, name, dept, rate_text = fields
        rate = _number(rate_text)
        if not emp_id or emp_id in employees:
            raise ValueError(f"{path}: line {number}: missing or duplicate id {emp_id!r}")
        if not name or not dept:
            raise ValueError(f"{path}: line {number}: missing name or department")
        if rate is None or rate <= 0:
            raise ValueError(f"{path}: line {number}: bad rate {rate_text!r}")
        employees[emp_id] = (name, dept, rate)
    return employees


def _load_timesheet(path, employees):
    weeks = {}
    for number, fields in _rows(path, "id,week,hours"):
        if len(fields) != 3:
            raise ValueError(f"{path}: line {number}: expected 3 fields")
        emp_id, week, hours_text = fields
        hours = _number(hours_text)
        if emp_id not in employees:
            raise ValueError(f"{path}: line {number}: unknown employee {emp_id!r}")
        if not _WEEK.fullmatch(week):
            raise ValueError(f"{path}: line {number}: bad week {week!r}")
        if hours is None or not 0 <= hours <= 100:
            raise ValueError(f"{path}: line {number}: bad hours {hours_text!r}")
        if (emp_id, week) in weeks:
            raise ValueError(f"{path}: line {number}: {emp_id} {week} appears twice")
        weeks[(emp_id, week)] = hours
    return weeks


def _tax(gross):
    tax, lower = 0.0, 0.0
    for upper, rate in _BRACKETS:
        if gross > lower:
            tax += (min(gross, upper) - lower) * rate
        lower = upper
    return round(tax, 2)


def compute_payroll(employees_path, timesheet_path):
    employees = _load_employees(employees_path)
    weeks = _load_timesheet(timesheet_path, employees)
    result = {}
    for emp_id, (name, dept, rate) in employees.items():
        regular = overtime = double = 0.0
        for (who, _week), hours in weeks.items():
            if who == emp_id:
                regular += min(hours, 40.0)
                overtime += min(max(hours - 40.0, 0.0), 20.0)
                double += max(hours - 60.0, 0.0)
        gross = round(regular * rate + overtime * rate * 1.5 + double * rate * 2, 2)
        tax = _tax(gross)
        result[emp_id] = {"name": name, "dept": dept, "regular": regular, "overtime": overtime, "double": double,
                          "gross": gross, "tax": tax, "net": round(gross - tax, 2)}
    return result


def department_totals(employees_path, timesheet_path):
    totals = {}
    for p in compute_payroll(employees_path, timesheet_path).values():
        t = totals.setdefault(p["dept"], {"employees": 0, "gross": 0.0, "tax": 0.0, "net": 0.0})
        t["employees"] += 1
        for key in ("gross", "tax", "net"):
            t[key] = round(t[key] + p[key], 2)
    return totals


def payroll_report(employees_path, timesheet_path):
    pay = compute_payroll(employees_path, timesheet_path)
    order = sorted(pay, key=lambda emp_id: (-pay[emp_id]["net"], emp_id))
    lines = []
    for emp_id in order:
        p = pay[emp_id]
        lines.append(f"{emp_id} {p['name']}: gross {p['gross']:.2f} tax {p['tax']:.2f} net {p['net']:.2f}")
    totals = [round(sum(p[key] for p in pay.values()), 2) for key in ("gross", "tax", "net")]
    lines.append("TOTAL: gross {:.2f} tax {:.2f} net {:.2f}".format(*totals))
    return "\n".join(lines)
''',
        wrong=r'''
def _read(path):
    with open(path) as f:
        lines = f.read().splitlines()
    if not lines:
        raise ValueError(f"{path}: empty file")
    for number, line in enumerate(lines[1:], start=2):
        if line.strip():
            yield number, [field.strip() for field in line.split(",")]


def _tax(gross):
    if gross <= 1000:
        return 0.0
    if gross <= 3000:
        return round((gross - 1000) * 0.10, 2)
    return round(200 + (gross - 3000) * 0.25, 2)


def compute_payroll(employees_path, timesheet_path):
    employees = {}
    for number, fields in _read(employees_path):
        try:
            emp_id, name, dept, rate = fields[0], fields[1], fields[2], float(fields[3])
        except (IndexError, ValueError):
            raise ValueError(f"line {number}: bad employee row") from None
        if rate <= 0 or emp_id in employees:
            raise ValueError(f"line {number}: bad employee row")
        employees[emp_id] = (name, dept, rate)
    hours = {emp_id: 0.0 for emp_id in employees}
    for number, fields in _read(timesheet_path):
        try:
            emp_id, week, h = fields[0], fields[1], float(fields[2])
        except (IndexError, ValueError):
            raise ValueError(f"line {number}: bad timesheet row") from None
        if emp_id not in employees or h < 0 or h > 100:
            raise ValueError(f"line {number}: bad timesheet row")
        hours[emp_id] += h
    result = {}
    for emp_id, (name, dept, rate) in employees.items():
        regular = min(hours[emp_id], 40.0)
        overtime = max(hours[emp_id] - 40.0, 0.0)
        gross = round(regular * rate + overtime * rate * 1.5, 2)
        tax = _tax(gross)
        result[emp_id] = {"name": name, "dept": dept, "regular": regular, "overtime": overtime, "double": 0.0,
                          "gross": gross, "tax": tax, "net": round(gross - tax, 2)}
    return result


def department_totals(employees_path, timesheet_path):
    totals = {}
    for p in compute_payroll(employees_path, timesheet_path).values():
        if p["gross"] == 0:
            continue
        t = totals.setdefault(p["dept"], {"employees": 0, "gross": 0.0, "tax": 0.0, "net": 0.0})
        t["employees"] += 1
        for key in ("gross", "tax", "net"):
            t[key] = round(t[key] + p[key], 2)
    return totals


def payroll_report(employees_path, timesheet_path):
    pay = compute_payroll(employees_path, timesheet_path)
    order = sorted(pay, key=lambda emp_id: (-pay[emp_id]["net"], emp_id))
    lines = []
    for emp_id in order:
        p = pay[emp_id]
        lines.append(f"{emp_id} {p['name']}: gross {p['gross']:.2f} tax {p['tax']:.2f} net {p['net']:.2f}")
    totals = [round(sum(p[key] for p in pay.values()), 2) for key in ("gross", "tax", "net")]
    lines.append("TOTAL: gross {:.2f} tax {:.2f} net {:.2f}".format(*totals))
    return "\n".join(lines)
''',
    ),
    ProgramTask(
        name="csv_query",
        bin=3,
        entry_point="query",
        spec=r'''
Write a Python module that defines `query(sql)`: a tiny SQL-like query engine over CSV files in the current
directory. Standard library only.

`FROM people` reads `people.csv`. Its first line is the header (column names); every other line is a row, fields
separated by commas (no quoting), kept as strings exactly as written. Blank lines are skipped.

```
name,city,age
Ann,Oslo,34
Bob,Rome,9
Cid,Oslo,10
```

The query language:

```
SELECT columns FROM table [WHERE condition] [ORDER BY key [, key ...]] [LIMIT n]
```

- Keywords (`SELECT FROM WHERE AND OR ORDER BY ASC DESC LIMIT`) are case-insensitive; column and table names are
  case-sensitive. Tokens are separated by spaces where needed; `,` and the operators need no spaces around them.
- `columns` is `*` (all columns in header order) or a comma-separated list of column names (in that order).
- A condition is one or more comparisons `column OP value` joined with `AND` and `OR`; `AND` binds tighter than
  `OR` (`a OR b AND c` means `a OR (b AND c)`). There are no parentheses. `OP` is one of `= != < <= > >=`.
- `value` is a number (`12`, `-3`, `2.5`) or a string in single quotes (`'Oslo'`, no escapes). With a number, the
  cell is compared as a number (a cell that is not a number makes the comparison false); with a string, the cell
  is compared as a string.
- `ORDER BY` keys are column names, each optionally followed by `ASC` (the default) or `DESC`. A column is numeric
  if every value in that column of the whole file parses as a number; numeric columns sort by numeric value, others
  as strings. Rows equal on all keys keep their file order.
- `LIMIT n` (a non-negative integer) keeps the first n rows after sorting.

`query` returns a list of tuples of strings, one per result row, with the selected columns.

It raises `ValueError` for a malformed query (missing `FROM`, an unknown operator, an unterminated string, a
missing value, a bad `LIMIT`, anything left over at the end) and for a column name not in the header anywhere in
the query (the message then contains the column's name).
''',
        visible=r'''
open("people.csv", "w").write("name,city,age\nAnn,Oslo,34\nBob,Rome,9\nCid,Oslo,10\nDag,Oslo,51\n")

# 1. select, filter by a string
assert query("SELECT name, age FROM people WHERE city = 'Oslo'") == [("Ann", "34"), ("Cid", "10"), ("Dag", "51")]

# 2. star, AND, a numeric comparison
assert query("select * from people where city='Oslo' and age>=34") == [("Ann", "Oslo", "34"), ("Dag", "Oslo", "51")]

# 3. order and limit
assert query("SELECT name FROM people ORDER BY city DESC, name LIMIT 2") == [("Bob",), ("Ann",)]

# 4. an unknown column is named
try:
    query("SELECT name, town FROM people")
except ValueError as e:
    assert "town" in str(e), str(e)
else:
    raise AssertionError("expected ValueError")
''',
        hidden=r'''
open("people.csv", "w").write("name,city,age\nAnn,Oslo,34\nBob,Rome,9\nCid,Oslo,10\nDag,Oslo,51\n\nEve,Rome,10\n")
open("items.csv", "w").write("sku,price,note\nA1,2.50,x\nB2,10,n/a\nC3,-1,x\nD4,9.75,\nE5,10,y\n")


def expect_error(sql, word=None):
    try:
        query(sql)
    except ValueError as e:
        if word is not None:
            assert word in str(e), (sql, str(e))
    else:
        raise AssertionError("expected ValueError for " + repr(sql))

# 1. numeric columns sort by value, not as text
assert query("SELECT name FROM people ORDER BY age") == [("Bob",), ("Cid",), ("Eve",), ("Ann",), ("Dag",)]
assert query("SELECT sku FROM items ORDER BY price DESC") == [("B2",), ("E5",), ("D4",), ("A1",), ("C3",)]

# 2. text columns sort as strings even when some values look like numbers
assert query("SELECT sku FROM items ORDER BY note") == [("D4",), ("B2",), ("A1",), ("C3",), ("E5",)]

# 3. AND binds tighter than OR
assert query("SELECT name FROM people WHERE city = 'Rome' OR city = 'Oslo' AND age > 40") == [
    ("Bob",), ("Dag",), ("Eve",)]
assert query("SELECT name FROM people WHERE age < 10 OR age > 50 OR name = 'Cid'") == [
    ("Bob",), ("Cid",), ("Dag",)]
assert query("SELECT name FROM people WHERE age > 5 AND city != 'Oslo' AND name >= 'C'") == [("Eve",)]

# 4. number literals compare numerically, strings as strings
assert query("SELECT name FROM people WHERE age > 9.5") == [("Ann",), ("Cid",), ("Dag",), ("Eve",)]
assert query("SELECT name FROM people WHERE age > '9'") == []
assert query("SELECT sku FROM items WHERE note = 'x'") == [("A1",), ("C3",)]
assert query("SELECT sku FROM items WHERE price <= -1") == [("C3",)]
assert query("SELECT sku FROM items WHERE note != 'x'") == [("B2",), ("D4",), ("E5",)]

# 5. a cell that is not a number fails a numeric comparison
open("mixed.csv", "w").write("k,v\na,1\nb,none\nc,3\n")
assert query("SELECT k FROM mixed WHERE v != 1") == [("c",)]
assert query("SELECT k FROM mixed ORDER BY v DESC") == [("b",), ("c",), ("a",)]

# 6. ties keep file order; several keys; ASC explicit; column order as listed
assert query("SELECT city, name FROM people ORDER BY city ASC") == [
    ("Oslo", "Ann"), ("Oslo", "Cid"), ("Oslo", "Dag"), ("Rome", "Bob"), ("Rome", "Eve")]
assert query("SELECT name FROM people ORDER BY age DESC, name DESC LIMIT 3") == [("Dag",), ("Ann",), ("Eve",)]
assert query("Select name From people") == [("Ann",), ("Bob",), ("Cid",), ("Dag",), ("Eve",)]

# 7. LIMIT
assert query("SELECT name FROM people LIMIT 0") == []
assert query("SELECT name FROM people WHERE city = 'Rome' LIMIT 10") == [("Bob",), ("Eve",)]

# 8. unknown columns anywhere are named
expect_error("SELECT name FROM people WHERE town = 'Oslo'", "town")
expect_error("SELECT name FROM people ORDER BY height", "height")
expect_error("SELECT Name FROM people", "Name")

# 9. malformed queries
expect_error("SELECT name people")
expect_error("SELECT name FROM people WHERE age => 3")
expect_error("SELECT name FROM people WHERE city = 'Oslo")
expect_error("SELECT name FROM people WHERE city =")
expect_error("SELECT name FROM people LIMIT ten")
expect_error("SELECT name FROM people LIMIT -1")
expect_error("SELECT name FROM people ORDER BY age LIMIT 2 extra")
expect_error("SELECT name FROM people WHERE age > 3 AND")
expect_error("SELECT FROM people")
''',
        solution=r'''
import re

_TOKEN = re.compile(r"\s*(?:('[^']*')|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|!=|=|<|>)|([,*]))")
_KEYWORDS = {"SELECT", "FROM", "WHERE", "AND", "OR", "ORDER", "BY", "ASC", "DESC", "LIMIT"}
_OPS = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _tokens(sql):
    tokens, pos = [], 0
    sql = sql.rstrip()
    while pos < len(sql):
        m = _TOKEN.match(sql, pos)
        if not m:
            raise ValueError(f"cannot read the query at {sql[pos:]!r}")
        kind = ("str", "num", "word", "op", "punct")[m.lastindex - 1]
        text = m.group(m.lastindex)
        if kind == "word" and text.upper() in _KEYWORDS:
            kind, text = "kw", text.upper()
        tokens.append((kind, text))
        pos = m.end()
    return tokens


def _number(text):
    try:
        return float(text)
    except ValueError:
        return None


class _Query:
    def __init__(self, sql):
        self.tokens = _tokens(sql)
        self.pos = 0

    def peek(self, kind=None, text=None):
        if self.pos >= len(self.tokens):
            return False
        k, t = self.tokens[self.pos]
        return (kind is None or k == kind) and (text is None or t == text)

    def take(self, kind, text=None):
        if not self.peek(kind, text):
            found = self.tokens[self.pos][1] if self.pos < len(self.tokens) else "end of query"
            raise ValueError(f"expected {text or kind}, found {found!r}")
        self.pos += 1
        return self.tokens[self.pos - 1][1]

    def parse(self):
        self.take("kw", "SELECT")
        if self.peek("punct", "*"):
            self.take("punct")
            columns = None
        else:
            columns = [self.take("word")]
            while self.peek("punct", ","):
                self.take("punct")
                columns.append(self.take("word"))
        self.take("kw", "FROM")
        table = self.take("word")
        where = None
        if self.peek("kw", "WHERE"):
            self.take("kw")
            where = self.condition()
        keys = []
        if self.peek("kw", "ORDER"):
            self.take("kw")
            self.take("kw", "BY")
            while True:
                column = self.take("word")
                descending = False
                if self.peek("kw", "ASC") or self.peek("kw", "DESC"):
                    descending = self.take("kw") == "DESC"
                keys.append((column, descending))
                if not self.peek("punct", ","):
                    break
                self.take("punct")
        limit = None
        if self.peek("kw", "LIMIT"):
            self.take("kw")
            text = self.take("num")
            if not text.isdigit():
                raise ValueError(f"bad LIMIT {text!r}")
            limit = int(text)
        if self.pos != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.pos][1]!r}")
        return columns, table, where, keys, limit

    def condition(self):
        alternatives = [self.conjunction()]
        while self.peek("kw", "OR"):
            self.take("kw")
            alternatives.append(self.conjunction())
        return alternatives

    def conjunction(self):
        parts = [self.comparison()]
        while self.peek("kw", "AND"):
            self.take("kw")
            parts.append(self.comparison())
        return parts

    def comparison(self):
        column = self.take("word")
        op = self.take("op")
        if self.peek("str"):
            return column, op, self.take("str")[1:-1], False
        return column, op, float(self.take("num")), True


def _matches(row, where):
    for conjunction in where:
        ok = True
        for column, op, value, numeric in conjunction:
            cell = row[column]
            if numeric:
                cell = _number(cell)
                if cell is None:
                    ok = False
                    break
            if not _OPS[op](cell, value):
                ok = False
                break
        if ok:
            return True
    return False


def query(sql):
    columns, table, where, keys, limit = _Query(sql).parse()
    with open(f"{table}.csv") as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    header = lines[0].split(",")
    all_rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:]]
    rows = list(all_rows)
    used = list(columns or []) + [column for column, _ in keys]
    used += [c[0] for conjunction in where or [] for c in conjunction]
    for column in used:
        if column not in header:
            raise ValueError(f"unknown column {column!r}")
    if where is not None:
        rows = [row for row in rows if _matches(row, where)]
    for column, descending in reversed(keys):
        numeric = all(_number(row.get(column, "")) is not None for row in all_rows)
        key = (lambda row, c=column: _number(row[c])) if numeric else (lambda row, c=column: row[c])
        rows.sort(key=key, reverse=descending)
    if limit is not None:
        rows = rows[:limit]
    return [tuple(row[c] for c in (columns or header)) for row in rows]
''',
        wrong=r'''
import re

_OPS = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
_PATTERN = re.compile(r"\s*select\s+(.+?)\s+from\s+(\w+)(?:\s+where\s+(.+?))?(?:\s+order\s+by\s+(.+?))?"
                      r"(?:\s+limit\s+(\d+))?\s*$", re.IGNORECASE)
_COND = re.compile(r"\s*(\w+)\s*(<=|>=|!=|=|<|>)\s*('[^']*'|-?\d+(?:\.\d+)?)\s*$")


def _check(column, header):
    if column not in header:
        raise ValueError(f"unknown column {column!r}")


def _test(row, cond, header):
    m = _COND.match(cond)
    if not m:
        raise ValueError(f"bad condition {cond!r}")
    column, op, value = m.groups()
    _check(column, header)
    if value.startswith("'"):
        return _OPS[op](row[column], value[1:-1])
    try:
        return _OPS[op](float(row[column]), float(value))
    except ValueError:
        return False


def query(sql):
    m = _PATTERN.match(sql)
    if not m:
        raise ValueError("malformed query")
    cols, table, where, order, limit = m.groups()
    with open(f"{table}.csv") as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:]]
    columns = header if cols.strip() == "*" else [c.strip() for c in cols.split(",")]
    for c in columns:
        _check(c, header)
    if where:
        parts = re.split(r"\s+(and|or)\s+", where, flags=re.IGNORECASE)
        kept = []
        for row in rows:
            result = _test(row, parts[0], header)
            for i in range(1, len(parts), 2):
                value = _test(row, parts[i + 1], header)
                result = (result and value) if parts[i].lower() == "and" else (result or value)
            if result:
                kept.append(row)
        rows = kept
    if order:
        for key in reversed(order.split(",")):
            words = key.split()
            _check(words[0], header)
            descending = len(words) > 1 and words[1].lower() == "desc"
            rows.sort(key=lambda row, c=words[0]: row[c], reverse=descending)
    if limit is not None:
        rows = rows[:int(limit)]
    return [tuple(row[c] for c in columns) for row in rows]
''',
    ),
    ProgramTask(
        name="dep_resolver",
        bin=3,
        entry_point="install_order",
        spec=r'''
Write a Python module that defines `load_packages(path)`, `install_order(path, target)` and `dependents(path, name)`:
a package dependency resolver. Standard library only.

The package file lists one package per line, `NAME VERSION: DEPENDENCIES`:

```
# the index
app 1.0: web>=2.0, db==1.2
web 2.1: http>=1.0, log
http 1.3:
db 1.2: log<2.0
log 1.10:
```

- `#` starts a comment to the end of the line; blank lines are ignored; line numbers count every line, from 1.
- A name is letters, digits, `_` and `-`, starting with a letter. A version is one or more non-negative integers
  separated by dots (`1`, `2.0`, `1.10.3`).
- The dependencies after the colon are separated by commas (the list may be empty). Each is a name, optionally
  followed directly or after spaces by a constraint: `==V`, `>=V` or `<V`.
- Versions compare numerically component by component, and missing components count as 0: `1.10 > 1.9`,
  `1.0 == 1`, `2.0.1 > 2`.

`load_packages(path)` returns a dict from name to `(version, deps)` where `version` is the version string as
written and `deps` is a list of `(name, op, version)` tuples in the order written, with `op` and `version` both
`None` when there is no constraint. It raises `ValueError` with a message containing `line N` for a malformed line
(no colon, a bad name, version or constraint) and for a package defined a second time (N is the second line).

`install_order(path, target)` loads the file and returns the list of packages to install for `target`, each written
`"name==version"`: the target and everything it needs directly or indirectly, and nothing else. A package comes
after all of its dependencies; when several packages could come next, the alphabetically smallest name goes first.
It raises `ValueError`:

- when `target` is not in the file (the message contains the target's name);
- when a needed package depends on a name not in the file (the message contains the missing name);
- when a needed dependency's version does not satisfy a constraint on it (the message contains both the name of the
  package with the constraint and the name of the dependency);
- when the needed packages contain a dependency cycle: the message contains `cycle: ` followed by the packages of
  the cycle joined with ` -> `, starting at the alphabetically smallest package of the cycle, following the
  dependencies, and ending with that first package again, e.g. `cycle: a -> c -> b -> a`. If there are several
  cycles, report the one a depth-first search from the target finds first, visiting dependencies in alphabetical
  order.

Packages that the target does not need are never checked for missing dependencies, constraints or cycles.

`dependents(path, name)` loads the file and returns the sorted list of all packages in the file that depend on
`name` directly or indirectly (`name` itself is never included, even in a cycle; constraints are ignored here). It
raises `ValueError` when `name` is not in the file.
''',
        visible=r'''
INDEX = ("# the index\napp 1.0: web>=2.0, db==1.2\nweb 2.1: http>=1.0, log\nhttp 1.3:\n"
         "db 1.2: log<2.0\nlog 1.9:\n")
open("index.txt", "w").write(INDEX)

# 1. parsing
pk = load_packages("index.txt")
assert pk["app"] == ("1.0", [("web", ">=", "2.0"), ("db", "==", "1.2")])
assert pk["web"] == ("2.1", [("http", ">=", "1.0"), ("log", None, None)])
assert pk["http"] == ("1.3", [])

# 2. install order: dependencies first, then alphabetical
assert install_order("index.txt", "app") == ["http==1.3", "log==1.9", "db==1.2", "web==2.1", "app==1.0"]
assert install_order("index.txt", "db") == ["log==1.9", "db==1.2"]
assert dependents("index.txt", "web") == ["app"]

# 3. a cycle is reported
open("cycle.txt", "w").write("a 1: b\nb 1: c\nc 1: a\n")
try:
    install_order("cycle.txt", "a")
except ValueError as e:
    assert "cycle: a -> b -> c -> a" in str(e), str(e)
else:
    raise AssertionError("expected ValueError")
''',
        hidden=r'''
def write(text):
    open("p.txt", "w").write(text)
    return "p.txt"


def expect_error(text, target, *words, line=None):
    try:
        install_order(write(text), target)
    except ValueError as e:
        for word in words:
            assert word in str(e), (text, str(e))
        if line is not None:
            assert "line %d" % line in str(e), (text, str(e))
    else:
        raise AssertionError("expected ValueError for " + repr(text))

# 1. versions compare numerically, missing components are 0
base = "app 1.0: lib>=1.9, core==2\nlib 1.10:\ncore 2.0.0:\n"
assert install_order(write(base), "app") == ["core==2.0.0", "lib==1.10", "app==1.0"]
assert install_order(write("a 1: b<1.10\nb 1.9.9:\n"), "a") == ["b==1.9.9", "a==1"]
expect_error("a 1: b<1.10\nb 1.10:\n", "a", "a", "b")
expect_error("a 1: b>=2.0.1\nb 2:\n", "a", "a", "b")
expect_error("top 1: mid, low==1.0\nmid 1: low==1.1\nlow 1.0:\n", "top", "mid", "low")

# 2. only what the target needs, alphabetical among ready packages
text = "z 1: m, b\nm 1: a\nb 2:\na 3:\nunused 1: missing\nq 1: q\n"
assert install_order(write(text), "z") == ["a==3", "b==2", "m==1", "z==1"]
assert install_order(write(text), "a") == ["a==3"]
assert install_order(write("x 1: y, z\ny 1: w\nz 1:\nw 1:\n"), "x") == ["w==1", "y==1", "z==1", "x==1"]

# 3. a diamond installs the shared dependency once
assert install_order(write("top 1: l, r\nl 1: base\nr 1: base>=1\nbase 1.5:\n"), "top") == [
    "base==1.5", "l==1", "r==1", "top==1"]

# 4. parsing details: spaces, comments, empty lists, names with - and _
pk = load_packages(write("# c\n\nweb-kit 1.2.3 :  a_b >= 1 ,c# trailing comment\na_b 1:\nc 0.1:  \n"))
assert pk == {"web-kit": ("1.2.3", [("a_b", ">=", "1"), ("c", None, None)]), "a_b": ("1", []),
              "c": ("0.1", [])}, pk

# 5. cycles start at the smallest package and follow the dependencies
expect_error("top 1: d\nd 1: c\nc 1: b\nb 1: d\n", "top", "cycle: b -> d -> c -> b")
expect_error("s 1: s\n", "s", "cycle: s -> s")
expect_error("m 1: k\nk 1: x, a\na 1:\nx 1: m\n", "m", "cycle: k -> x -> m -> k")
expect_error("r 1: q, p\np 1: r\nq 1: r\n", "r", "cycle: p -> r -> p")

# 6. missing packages and targets
expect_error("a 1: b\nb 1: ghost\n", "a", "ghost")
expect_error("a 1:\n", "nothing", "nothing")

# 7. malformed lines and duplicates name the line
for bad in ["a 1 b\n", "a x.1:\n", "1a 1:\n", "a 1: b>1\n", "a 1: b==\n", "a 1.: b\n", "a: b\n", "a 1: b==1.x\n"]:
    try:
        load_packages(write("ok 1:\n" + bad))
    except ValueError as e:
        assert "line 2" in str(e), (bad, str(e))
    else:
        raise AssertionError("expected ValueError for " + repr(bad))
try:
    load_packages(write("a 1:\n# x\nb 1:\na 2:\n"))
except ValueError as e:
    assert "line 4" in str(e), str(e)
else:
    raise AssertionError("expected ValueError for a duplicate")

# 8. dependents: indirect users, never the package itself, unknown names
text = "a 1: b\nb 1: c\nc 1: b\nd 1: a\ne 1:\nf 1: e, c\n"
assert dependents(write(text), "c") == ["a", "b", "d", "f"]
assert dependents(write(text), "d") == []
assert dependents(write(text), "e") == ["f"]
try:
    dependents(write(text), "zz")
except ValueError:
    pass
else:
    raise AssertionError("expected ValueError for an unknown name")
''',
        solution=r'''
import heapq
import re

_NAME = r"[A-Za-z][A-Za-z0-9_-]*"
_VERSION = r"\d+(?:\.\d+)*"
_HEAD = re.compile(rf"\s*({_NAME})\s+({_VERSION})\s*:(.*)")
_DEP = re.compile(rf"\s*({_NAME})\s*(?:(==|>=|<)\s*({_VERSION}))?\s*")


def _key(version):
    parts = [int(p) for p in version.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _satisfies(version, op, wanted):
    if op is None:
        return True
    a, b = _key(version), _key(wanted)
    return {"==": a == b, ">=": a >= b, "<": a < b}[op]


def load_packages(path):
    packages = {}
    with open(path) as f:
        for number, raw in enumerate(f, start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            m = _HEAD.fullmatch(line)
            if not m:
                raise ValueError(f"line {number}: expected 'NAME VERSION: DEPENDENCIES'")
            name, version, rest = m.groups()
            if name in packages:
                raise ValueError(f"line {number}: package {name!r} defined twice")
            deps = []
            if rest.strip():
                for item in rest.split(","):
                    d = _DEP.fullmatch(item)
                    if not d:
                        raise ValueError(f"line {number}: bad dependency {item.strip()!r}")
                    deps.append(d.groups())
            packages[name] = (version, deps)
    return packages


def _needed(packages, target):
    """Depth-first from the target: checks missing names, constraints and cycles; returns the needed names."""
    done, path, on_path = set(), [], set()

    def visit(name):
        path.append(name)
        on_path.add(name)
        for dep, op, wanted in sorted(packages[name][1]):
            if dep not in packages:
                raise ValueError(f"{name} depends on {dep!r}, which is not in the file")
            if not _satisfies(packages[dep][0], op, wanted):
                raise ValueError(f"{name} needs {dep}{op}{wanted} but {dep} is {packages[dep][0]}")
            if dep in on_path:
                cycle = path[path.index(dep):]
                start = cycle.index(min(cycle))
                cycle = cycle[start:] + cycle[:start]
                raise ValueError("cycle: " + " -> ".join([*cycle, cycle[0]]))
            if dep not in done:
                visit(dep)
        path.pop()
        on_path.discard(name)
        done.add(name)

    visit(target)
    return done


def install_order(path, target):
    packages = load_packages(path)
    if target not in packages:
        raise ValueError(f"unknown package {target!r}")
    needed = _needed(packages, target)
    waiting = {name: {dep for dep, _, _ in packages[name][1]} for name in needed}
    users = {name: [] for name in needed}
    for name, deps in waiting.items():
        for dep in deps:
            users[dep].append(name)
    ready = [name for name, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    order = []
    while ready:
        name = heapq.heappop(ready)
        order.append(f"{name}=={packages[name][0]}")
        for user in users[name]:
            waiting[user].discard(name)
            if not waiting[user]:
                heapq.heappush(ready, user)
    return order


def dependents(path, name):
    packages = load_packages(path)
    if name not in packages:
        raise ValueError(f"unknown package {name!r}")
    users = {}
    for user, (_version, deps) in packages.items():
        for dep, _op, _wanted in deps:
            users.setdefault(dep, set()).add(user)
    found, todo = set(), [name]
    while todo:
        for user in users.get(todo.pop(), ()):
            if user not in found:
                found.add(user)
                todo.append(user)
    found.discard(name)
    return sorted(found)
''',
        wrong=r'''
import heapq
import re


def load_packages(path):
    packages = {}
    with open(path) as f:
        for number, raw in enumerate(f, start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if ":" not in line:
                raise ValueError(f"line {number}: missing colon")
            head, rest = line.split(":", 1)
            try:
                name, version = head.split()
            except ValueError:
                raise ValueError(f"line {number}: bad package") from None
            deps = []
            for item in rest.split(","):
                item = item.strip()
                if not item:
                    continue
                m = re.fullmatch(r"([\w-]+)\s*(?:(==|>=|<)\s*([\d.]+))?", item)
                if not m:
                    raise ValueError(f"line {number}: bad dependency {item!r}")
                deps.append(m.groups())
            packages[name] = (version, deps)
    return packages


def _ok(version, op, wanted):
    if op is None:
        return True
    a, b = float(version), float(wanted)
    return {"==": a == b, ">=": a >= b, "<": a < b}[op]


def install_order(path, target):
    packages = load_packages(path)
    if target not in packages:
        raise ValueError(f"unknown package {target!r}")
    needed, stack = set(), []

    def visit(name):
        if name in stack:
            cycle = stack[stack.index(name):] + [name]
            raise ValueError("cycle: " + " -> ".join(cycle))
        if name in needed:
            return
        stack.append(name)
        for dep, op, wanted in sorted(packages[name][1]):
            if dep not in packages:
                raise ValueError(f"missing package {dep!r}")
            if not _ok(packages[dep][0], op, wanted):
                raise ValueError(f"{name} needs {dep}{op}{wanted}")
            visit(dep)
        stack.pop()
        needed.add(name)

    visit(target)
    waiting = {name: {dep for dep, _, _ in packages[name][1]} for name in needed}
    ready = sorted(name for name in needed if not waiting[name])
    order = []
    while ready:
        name = heapq.heappop(ready)
        order.append(f"{name}=={packages[name][0]}")
        for user in needed:
            if name in waiting[user]:
                waiting[user].remove(name)
                if not waiting[user]:
                    heapq.heappush(ready, user)
    return order


def dependents(path, name):
    packages = load_packages(path)
    if name not in packages:
        raise ValueError(f"unknown package {name!r}")
    return sorted(user for user, (_v, deps) in packages.items() if any(d[0] == name for d in deps))
''',
    ),
    ProgramTask(
        name="spreadsheet",
        bin=3,
        entry_point="evaluate_sheet",
        spec=r'''
Write a Python module that defines `evaluate_sheet(path)` and `render_sheet(path)`: a small spreadsheet whose cells
hold numbers or formulas referring to other cells. Standard library only; do not use `eval`.

The sheet file has one cell per line, `CELL: CONTENT`:

```
# costs
A1: 10
A2: 2.5
A3: =A1 * A2 + 1
B1: =SUM(A1:A3)
B2: =AVG(A1:A2) / (A1 - 10)
```

File rules:

- `#` at the start of a line (after spaces) makes it a comment; comments and blank lines are ignored. Line numbers
  count every line, from 1. Spaces around the colon and inside formulas are optional.
- A cell name is one upper-case letter `A`-`Z` followed by a row number from 1 to 99 without leading zeros (`B7`,
  `Z99`; not `a1`, `A0`, `A07`, `AA1`).
- The content is either a number (`10`, `-3`, `2.5`) or `=` followed by a formula.
- A formula has numbers, cell references, binary `+ - * /` (usual precedence, left-associative), unary `-`,
  parentheses, and the functions `SUM(range)` and `AVG(range)`. A range is `CELL:CELL`, the rectangle between the
  two corners, which may be given in any order (`B3:A1` is the same as `A1:B3`).
- `evaluate_sheet` and `render_sheet` raise `ValueError` with a message containing `line N` for a line that is not
  `CELL: CONTENT`, an invalid cell name, a cell defined a second time (N is the second line), content that is
  neither a number nor a valid formula (syntax errors, unknown function names, a function without a range).

Evaluation rules:

- A reference to a cell that is not in the file counts as 0. In a range, cells not in the file are skipped: `SUM`
  of no cells is 0; `AVG` is the sum divided by the number of cells of the range that are in the file.
- Two error values exist: `"#DIV/0!"` (a division by zero, or `AVG` over a range with no cells in the file) and
  `"#CYCLE!"` (every cell whose formula depends on itself, directly or through other cells, including cells that
  only appear inside ranges).
- Errors spread: operands are evaluated left to right (the cells of a range row by row, and left to right within a
  row) and the first operand that is an error makes the whole formula that error. So a cell that uses a cell on a
  cycle is `"#CYCLE!"` too, even though it is not on the cycle itself, and `=1/0 + X` is `"#DIV/0!"` whatever `X`
  holds.

`evaluate_sheet(path)` returns a dict from every cell name in the file to its value: a float rounded to 4 decimals,
or an error string.

`render_sheet(path)` returns the sheet as a list of strings: a header line `"   "` followed by each column letter
right-aligned in 10 characters, for the columns from `A` to the largest column letter used; then one line for every
row from 1 to the largest row used: the row number left-aligned in 3 characters, then each cell right-aligned in 10
characters: the value with exactly 2 decimals, the error string, or nothing for a cell not in the file. Every line
is stripped of trailing spaces.
''',
        visible=r'''
# 1. the sample sheet
open("costs.txt", "w").write("# costs\nA1: 10\nA2: 2.5\nA3: =A1 * A2 + 1\nB1: =SUM(A1:A3)\n"
                             "B2: =AVG(A1:A2) / (A1 - 10)\n")
assert evaluate_sheet("costs.txt") == {"A1": 10.0, "A2": 2.5, "A3": 26.0, "B1": 38.5, "B2": "#DIV/0!"}

# 2. rendering
assert render_sheet("costs.txt") == [
    "            A         B",
    "1       10.00     38.50",
    "2        2.50   #DIV/0!",
    "3       26.00"]

# 3. a cycle
open("loop.txt", "w").write("A1: =B1 + 1\nB1: =A1 * 2\nC1: 4\n")
assert evaluate_sheet("loop.txt") == {"A1": "#CYCLE!", "B1": "#CYCLE!", "C1": 4.0}
''',
        hidden=r'''
def sheet(text):
    open("s.txt", "w").write(text)
    return evaluate_sheet("s.txt")


def expect_error(text, line):
    open("s.txt", "w").write(text)
    try:
        evaluate_sheet("s.txt")
    except ValueError as e:
        assert "line %d" % line in str(e), (text, str(e))
    else:
        raise AssertionError("expected ValueError for " + repr(text))

# 1. precedence, unary minus, parentheses, missing cells are 0
assert sheet("A1:2\nA2: =A1 + 3 * 4 - -A1\nA3: =(A1 + 3) * 4 / 8\nA4: =Z9 + 1 - 10 - 2\n") == {
    "A1": 2.0, "A2": 16.0, "A3": 2.5, "A4": -11.0}

# 2. ranges: rectangles, reversed corners, skipped empty cells, AVG counts only present cells
text = "A1: 1\nB1: 2\nA2: 3\nC3: 10\nD1: =SUM(A1:B2)\nD2: =SUM(C3:A1)\nD3: =AVG(A1:C3)\nD4: =AVG(B2:B1)\n"
assert sheet(text) == {"A1": 1.0, "B1": 2.0, "A2": 3.0, "C3": 10.0, "D1": 6.0, "D2": 16.0, "D3": 4.0,
                       "D4": 2.0}
assert sheet("A1: =SUM(B1:B9)\nA2: =AVG(B1:B9)\nA3: =A2 + 1\n") == {"A1": 0.0, "A2": "#DIV/0!",
                                                                    "A3": "#DIV/0!"}

# 3. rounding to 4 decimals, order of evaluation does not matter
assert sheet("C1: =A1 / 3\nA1: 1\nB1: =C1 * 3\n") == {"C1": 0.3333, "A1": 1.0, "B1": 1.0}

# 4. cycles through ranges, self references, cells depending on a cycle
text = "A1: =SUM(A1:A3)\nB1: =A1 + 1\nB2: 5\nB3: =B2 * 2\n"
assert sheet(text) == {"A1": "#CYCLE!", "B1": "#CYCLE!", "B2": 5.0, "B3": 10.0}
text = "A1: =B1\nB1: =C1\nC1: =A1\nD1: =C1 + 1\nD2: =SUM(D1:D1)\nE1: 7\n"
assert sheet(text) == {"A1": "#CYCLE!", "B1": "#CYCLE!", "C1": "#CYCLE!", "D1": "#CYCLE!", "D2": "#CYCLE!",
                       "E1": 7.0}

# 5. the first error from the left wins
text = "A1: =B1\nB1: =A1\nC1: =1/0 + A1\nC2: =A1 + 1/0\nC3: =SUM(C1:C2)\nC4: =SUM(C2:C1)\n"
assert sheet(text) == {"A1": "#CYCLE!", "B1": "#CYCLE!", "C1": "#DIV/0!", "C2": "#CYCLE!", "C3": "#DIV/0!",
                       "C4": "#DIV/0!"}
text = "A1: =B1\nB1: =A1\nC1: 0\nA3: =C1/C1\nB3: =A1\nD1: =SUM(A3:B3)\nD2: =AVG(B3:A3)\n"
assert sheet(text)["D1"] == "#DIV/0!"
assert sheet(text)["D2"] == "#DIV/0!"
assert sheet("A1: =B1\nB1: =A1\nA2: 0\nA3: =A1 / A2\n")["A3"] == "#CYCLE!"

# 6. rendering with gaps, negative numbers and errors
open("r.txt", "w").write("C2: -1.5\nA1: =C2 * 2\nB4: =1/0\n")
assert render_sheet("r.txt") == [
    "            A         B         C",
    "1       -3.00",
    "2                           -1.50",
    "3",
    "4               #DIV/0!"]

# 7. malformed lines name the line
expect_error("A1: 1\nA1 2\n", 2)
expect_error("A1: 1\n\nB0: 2\n", 3)
expect_error("a1: 1\n", 1)
expect_error("AA1: 1\n", 1)
expect_error("A07: 1\n", 1)
expect_error("A1: 1\nB1: 2\nA1: 3\n", 3)
expect_error("A1: ten\n", 1)
expect_error("A1: =1 +\n", 1)
expect_error("# x\nA1: =(1 + 2\n", 2)
expect_error("A1: =MAX(B1:B2)\n", 1)
expect_error("A1: =SUM(B1)\n", 1)
expect_error("A1: =b1 + 1\n", 1)
expect_error("A1: =SUM(B1:B2\n", 1)
expect_error("A1: =\n", 1)
''',
        solution=r'''
import re

_CELL = r"[A-Z](?:[1-9][0-9]?)"
_LINE = re.compile(r"\s*([A-Za-z]*\d*)\s*:\s*(.*?)\s*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_TOKEN = re.compile(rf"\s*(?:(\d+(?:\.\d+)?)|({_CELL}:{_CELL})|({_CELL})(?![0-9])|([A-Z]+)(?=\s*\()|([-+*/()]))")
DIV0, CYCLE = "#DIV/0!", "#CYCLE!"


class _Error(Exception):
    pass


def _cells(corner1, corner2):
    cols = sorted((corner1[0], corner2[0]))
    rows = sorted((int(corner1[1:]), int(corner2[1:])))
    return [f"{chr(c)}{r}" for r in range(rows[0], rows[1] + 1) for c in range(ord(cols[0]), ord(cols[1]) + 1)]


def _tokenize(text):
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot read {text[pos:]!r}")
        tokens.append((m.lastindex, m.group(m.lastindex)))
        pos = m.end()
    return tokens


def _parse(text):
    tokens = _tokenize(text)
    pos = 0

    def peek():
        return tokens[pos][1] if pos < len(tokens) else None

    def take():
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError("unexpected end of formula")
        pos += 1
        return tokens[pos - 1]

    def expr():
        node = term()
        while peek() in ("+", "-"):
            node = ("bin", take()[1], node, term())
        return node

    def term():
        node = unary()
        while peek() in ("*", "/"):
            node = ("bin", take()[1], node, unary())
        return node

    def unary():
        if peek() == "-":
            take()
            return ("neg", unary())
        return atom()

    def atom():
        kind, text = take()
        if kind == 1:
            return ("num", float(text))
        if kind == 3:
            return ("ref", text)
        if kind == 4:
            if text not in ("SUM", "AVG") or take()[1] != "(":
                raise ValueError(f"unknown function {text!r}")
            kind, cells = take()
            if kind != 2 or take()[1] != ")":
                raise ValueError(f"{text} needs a range")
            return ("fn", text, _cells(*cells.split(":")))
        if text == "(":
            node = expr()
            if take()[1] != ")":
                raise ValueError("expected )")
            return node
        raise ValueError(f"unexpected {text!r}")

    node = expr()
    if pos != len(tokens):
        raise ValueError(f"unexpected {peek()!r}")
    return node


def _refs(node):
    if node[0] == "ref":
        return [node[1]]
    if node[0] == "fn":
        return list(node[2])
    if node[0] == "neg":
        return _refs(node[1])
    if node[0] == "bin":
        return _refs(node[2]) + _refs(node[3])
    return []


def _load(path):
    sheet = {}
    with open(path) as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip() or raw.strip().startswith("#"):
                continue
            m = _LINE.fullmatch(raw.rstrip("\n"))
            if not m or not re.fullmatch(_CELL, m.group(1)):
                raise ValueError(f"line {number}: expected CELL: CONTENT")
            cell, content = m.groups()
            if cell in sheet:
                raise ValueError(f"line {number}: cell {cell} defined twice")
            try:
                if content.startswith("="):
                    sheet[cell] = _parse(content[1:])
                elif _NUMBER.fullmatch(content):
                    sheet[cell] = ("num", float(content))
                else:
                    raise ValueError(f"bad content {content!r}")
            except ValueError as e:
                raise ValueError(f"line {number}: {e}") from None
    return sheet


def evaluate_sheet(path):
    sheet = _load(path)
    edges = {cell: [r for r in _refs(node) if r in sheet] for cell, node in sheet.items()}

    def on_cycle(cell):
        seen, todo = set(), list(edges[cell])
        while todo:
            current = todo.pop()
            if current == cell:
                return True
            if current not in seen:
                seen.add(current)
                todo.extend(edges[current])
        return False

    values = {cell: CYCLE for cell in sheet if on_cycle(cell)}

    def value_of(cell):
        if cell not in sheet:
            return 0.0
        if cell not in values:
            try:
                values[cell] = compute(sheet[cell])
            except _Error as e:
                values[cell] = str(e)
        if isinstance(values[cell], str):
            raise _Error(values[cell])
        return values[cell]

    def compute(node):
        kind = node[0]
        if kind == "num":
            return node[1]
        if kind == "ref":
            return value_of(node[1])
        if kind == "neg":
            return -compute(node[1])
        if kind == "fn":
            present = [value_of(cell) for cell in node[2] if cell in sheet]
            if node[1] == "SUM":
                return sum(present)
            if not present:
                raise _Error(DIV0)
            return sum(present) / len(present)
        a, b = compute(node[2]), compute(node[3])
        if node[1] == "/" and b == 0:
            raise _Error(DIV0)
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else 0.0}[node[1]]

    for cell in sheet:
        try:
            value_of(cell)
        except _Error:
            pass
    return {cell: v if isinstance(v, str) else round(v, 4) for cell, v in ((c, values[c]) for c in sheet)}


def render_sheet(path):
    values = evaluate_sheet(path)
    last_col = max(cell[0] for cell in values)
    last_row = max(int(cell[1:]) for cell in values)
    letters = [chr(c) for c in range(ord("A"), ord(last_col) + 1)]
    lines = ["   " + "".join(f"{letter:>10}" for letter in letters)]
    for row in range(1, last_row + 1):
        texts = []
        for letter in letters:
            v = values.get(f"{letter}{row}", "")
            texts.append(f"{v:>10}" if isinstance(v, str) else f"{v:>10.2f}")
        lines.append((f"{row:<3}" + "".join(texts)).rstrip())
    return lines
''',
        wrong=r'''
import re

_CELL = r"[A-Z](?:[1-9][0-9]?)"
_LINE = re.compile(r"\s*([A-Za-z]*\d*)\s*:\s*(.*?)\s*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_TOKEN = re.compile(rf"\s*(?:(\d+(?:\.\d+)?)|({_CELL}:{_CELL})|({_CELL})(?![0-9])|([A-Z]+)(?=\s*\()|([-+*/()]))")
DIV0, CYCLE = "#DIV/0!", "#CYCLE!"


class _Error(Exception):
    pass


def _cells(corner1, corner2):
    rows = range(int(corner1[1:]), int(corner2[1:]) + 1)
    return [f"{chr(c)}{r}" for r in rows for c in range(ord(corner1[0]), ord(corner2[0]) + 1)]


def _tokenize(text):
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot read {text[pos:]!r}")
        tokens.append((m.lastindex, m.group(m.lastindex)))
        pos = m.end()
    return tokens


def _parse(text):
    tokens = _tokenize(text)
    pos = 0

    def peek():
        return tokens[pos][1] if pos < len(tokens) else None

    def take():
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError("unexpected end of formula")
        pos += 1
        return tokens[pos - 1]

    def expr():
        node = term()
        while peek() in ("+", "-"):
            node = ("bin", take()[1], node, term())
        return node

    def term():
        node = unary()
        while peek() in ("*", "/"):
            node = ("bin", take()[1], node, unary())
        return node

    def unary():
        if peek() == "-":
            take()
            return ("neg", unary())
        return atom()

    def atom():
        kind, text = take()
        if kind == 1:
            return ("num", float(text))
        if kind == 3:
            return ("ref", text)
        if kind == 4:
            if text not in ("SUM", "AVG") or take()[1] != "(":
                raise ValueError(f"unknown function {text!r}")
            kind, cells = take()
            if kind != 2 or take()[1] != ")":
                raise ValueError(f"{text} needs a range")
            return ("fn", text, _cells(*cells.split(":")))
        if text == "(":
            node = expr()
            if take()[1] != ")":
                raise ValueError("expected )")
            return node
        raise ValueError(f"unexpected {text!r}")

    node = expr()
    if pos != len(tokens):
        raise ValueError(f"unexpected {peek()!r}")
    return node


def _refs(node):
    if node[0] == "ref":
        return [node[1]]
    if node[0] == "fn":
        return list(node[2])
    if node[0] == "neg":
        return _refs(node[1])
    if node[0] == "bin":
        return _refs(node[2]) + _refs(node[3])
    return []


def _load(path):
    sheet = {}
    with open(path) as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip() or raw.strip().startswith("#"):
                continue
            m = _LINE.fullmatch(raw.rstrip("\n"))
            if not m or not re.fullmatch(_CELL, m.group(1)):
                raise ValueError(f"line {number}: expected CELL: CONTENT")
            cell, content = m.groups()
            if cell in sheet:
                raise ValueError(f"line {number}: cell {cell} defined twice")
            try:
                if content.startswith("="):
                    sheet[cell] = _parse(content[1:])
                elif _NUMBER.fullmatch(content):
                    sheet[cell] = ("num", float(content))
                else:
                    raise ValueError(f"bad content {content!r}")
            except ValueError as e:
                raise ValueError(f"line {number}: {e}") from None
    return sheet


def evaluate_sheet(path):
    sheet = _load(path)
    edges = {cell: [r for r in _refs(node) if r in sheet] for cell, node in sheet.items()}

    def on_cycle(cell):
        seen, todo = set(), list(edges[cell])
        while todo:
            current = todo.pop()
            if current == cell:
                return True
            if current not in seen:
                seen.add(current)
                todo.extend(edges[current])
        return False

    values = {cell: CYCLE for cell in sheet if on_cycle(cell)}

    def value_of(cell):
        if cell not in sheet:
            return 0.0
        if cell not in values:
            try:
                values[cell] = compute(sheet[cell])
            except _Error as e:
                values[cell] = str(e)
        if isinstance(values[cell], str):
            raise _Error(values[cell])
        return values[cell]

    def compute(node):
        kind = node[0]
        if kind == "num":
            return node[1]
        if kind == "ref":
            return value_of(node[1])
        if kind == "neg":
            return -compute(node[1])
        if kind == "fn":
            present = [value_of(cell) for cell in node[2] if cell in sheet]
            if node[1] == "SUM":
                return sum(present)
            if not present:
                raise _Error(DIV0)
            return sum(present) / len(node[2])
        a, b = compute(node[2]), compute(node[3])
        if node[1] == "/" and b == 0:
            raise _Error(DIV0)
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else 0.0}[node[1]]

    for cell in sheet:
        try:
            value_of(cell)
        except _Error:
            pass
    return {cell: v if isinstance(v, str) else round(v, 4) for cell, v in ((c, values[c]) for c in sheet)}


def render_sheet(path):
    values = evaluate_sheet(path)
    last_col = max(cell[0] for cell in values)
    last_row = max(int(cell[1:]) for cell in values)
    letters = [chr(c) for c in range(ord("A"), ord(last_col) + 1)]
    lines = ["   " + "".join(f"{letter:>10}" for letter in letters)]
    for row in range(1, last_row + 1):
        texts = []
        for letter in letters:
            v = values.get(f"{letter}{row}", "")
            texts.append(f"{v:>10}" if isinstance(v, str) else f"{v:>10.2f}")
        lines.append((f"{row:<3}" + "".join(texts)).rstrip())
    return lines
''',
    ),
    ProgramTask(
        name="line_diff",
        bin=3,
        entry_point="unified_diff",
        spec=r'''
Write a Python module that defines `read_lines(path)`, `diff_ops(a, b, ignore_space=False)`,
`unified_diff(path_a, path_b, context=3, ignore_space=False)` and `diff_stat(path_a, path_b, ignore_space=False)`:
a line diff of two text files based on the longest common subsequence (LCS), printed in a unified style. Standard
library only (do not use `difflib`).

`read_lines(path)` returns the file's lines without their line endings (`"a\nb\n"` and `"a\nb"` both give
`["a", "b"]`; an empty file gives `[]`).

`diff_ops(a, b, ignore_space=False)` takes two lists of strings and returns a list of `(tag, line)` pairs, `tag`
being `" "` (the line is in both), `"-"` (only in `a`) or `"+"` (only in `b`). It must be exactly this walk, so that
the result is unique: let `L[i][j]` be the length of the LCS of `a[i:]` and `b[j:]`; start with `i = j = 0`; while
both lists have lines left: if `a[i] == b[j]` emit `(" ", a[i])` and advance both; otherwise if `L[i+1][j] >=
L[i][j+1]` emit `("-", a[i])` and advance `i`, else emit `("+", b[j])` and advance `j`. Then emit the remaining
lines of `a` as `"-"` and of `b` as `"+"`.

`unified_diff(path_a, path_b, context=3, ignore_space=False)` returns a list of output lines (strings without
newlines):

```
--- old.txt
+++ new.txt
@@ -1,4 +1,4 @@
 alpha
-beta
+BETA
 gamma
 delta
```

- The first two lines are `--- ` + `path_a` and `+++ ` + `path_b`. If the files have the same lines, return `[]`.
- Changes (the `-` and `+` ops) are grouped into hunks. Each hunk shows up to `context` unchanged lines before its
  first change and after its last change. Two changes separated by at most `2 * context` unchanged lines are in the
  same hunk (all the unchanged lines between them are shown); farther apart, they are in separate hunks.
- Each hunk starts with `@@ -S1,N1 +S2,N2 @@`: N1 is the number of lines of the hunk taken from `a` (its `" "` and
  `"-"` lines), N2 the number taken from `b` (`" "` and `"+"` lines); S1 is the 1-based line number in `a` of the
  hunk's first line from `a`, and likewise S2 for `b`. When N1 is 0, S1 is the number of the line of `a` just before
  the hunk (0 if there is none); likewise for S2 when N2 is 0.
- Each hunk line is the tag followed directly by the line text (`" alpha"`, `"-beta"`, `"+BETA"`).
- `context` must be an int of at least 0, otherwise raise `ValueError`.

With `ignore_space=True`, two lines are equal when they are equal after replacing every run of spaces and tabs by
one space and stripping both ends (`"a  b "` equals `"a b"`); everything else is the same, and a `" "` line shows
the text of the line from `a`.

`diff_stat(path_a, path_b, ignore_space=False)` returns `{"added": A, "removed": R, "hunks": H}`: the number of `+`
and `-` ops and the number of hunks `unified_diff` makes with the default context of 3.
''',
        visible=r'''
# 1. diff_ops
assert diff_ops(["a", "b", "c"], ["a", "c", "d"]) == [(" ", "a"), ("-", "b"), (" ", "c"), ("+", "d")]
assert diff_ops(["x"], ["y"]) == [("-", "x"), ("+", "y")]

# 2. the example in the description
open("old.txt", "w").write("alpha\nbeta\ngamma\ndelta\n")
open("new.txt", "w").write("alpha\nBETA\ngamma\ndelta\n")
assert unified_diff("old.txt", "new.txt") == [
    "--- old.txt", "+++ new.txt", "@@ -1,4 +1,4 @@", " alpha", "-beta", "+BETA", " gamma", " delta"]

# 3. identical files
assert read_lines("old.txt") == ["alpha", "beta", "gamma", "delta"]
assert unified_diff("old.txt", "old.txt") == []

# 4. counting changes
assert diff_stat("old.txt", "new.txt") == {"added": 1, "removed": 1, "hunks": 1}
''',
        hidden=r'''
def write(name, lines):
    open(name, "w").write("".join(line + "\n" for line in lines))

# 1. the walk is the one described: deletions before insertions on ties
assert diff_ops(["a", "b"], ["b", "a"]) == [("-", "a"), (" ", "b"), ("+", "a")]
assert diff_ops(["1", "2", "3", "4"], ["2", "4", "5"]) == [("-", "1"), (" ", "2"), ("-", "3"), (" ", "4"),
                                                           ("+", "5")]
assert diff_ops([], ["n"]) == [("+", "n")]
assert diff_ops(["o"], []) == [("-", "o")]
assert diff_ops(["x", "a", "y"], ["a", "x", "y"]) == [("-", "x"), (" ", "a"), ("+", "x"), (" ", "y")]

# 2. read_lines and the final newline
open("nl.txt", "w").write("a\nb")
assert read_lines("nl.txt") == ["a", "b"]
open("empty.txt", "w").write("")
assert read_lines("empty.txt") == []

# 3. hunks far apart are separate, context is cut
a = [str(i) for i in range(1, 21)]
b = list(a)
b[1] = "two"
b[17] = "eighteen"
write("a.txt", a)
write("b.txt", b)
assert unified_diff("a.txt", "b.txt") == [
    "--- a.txt", "+++ b.txt",
    "@@ -1,5 +1,5 @@", " 1", "-2", "+two", " 3", " 4", " 5",
    "@@ -15,6 +15,6 @@", " 15", " 16", " 17", "-18", "+eighteen", " 19", " 20"]

# 4. changes separated by exactly 2 * context unchanged lines share a hunk; one more splits them
b = list(a)
b[2] = "three"
b[9] = "ten"
write("b.txt", b)
assert unified_diff("a.txt", "b.txt", context=3) == [
    "--- a.txt", "+++ b.txt", "@@ -1,13 +1,13 @@", " 1", " 2", "-3", "+three", " 4", " 5", " 6", " 7", " 8", " 9",
    "-10", "+ten", " 11", " 12", " 13"]
b = list(a)
b[2] = "three"
b[10] = "eleven"
write("b.txt", b)
assert unified_diff("a.txt", "b.txt", context=3) == [
    "--- a.txt", "+++ b.txt", "@@ -1,6 +1,6 @@", " 1", " 2", "-3", "+three", " 4", " 5", " 6",
    "@@ -8,7 +8,7 @@", " 8", " 9", " 10", "-11", "+eleven", " 12", " 13", " 14"]

# 5. context=0 and pure insertions / deletions use the line before
write("a.txt", ["a", "b", "c"])
write("b.txt", ["a", "b", "x", "c"])
assert unified_diff("a.txt", "b.txt", context=0) == ["--- a.txt", "+++ b.txt", "@@ -2,0 +3,1 @@", "+x"]
assert unified_diff("b.txt", "a.txt", context=0) == ["--- b.txt", "+++ a.txt", "@@ -3,1 +2,0 @@", "-x"]
write("b.txt", ["new", "a", "b", "c"])
assert unified_diff("a.txt", "b.txt", context=0) == ["--- a.txt", "+++ b.txt", "@@ -0,0 +1,1 @@", "+new"]
assert unified_diff("a.txt", "b.txt", context=1) == ["--- a.txt", "+++ b.txt", "@@ -1,1 +1,2 @@", "+new", " a"]

# 6. from an empty file and to an empty file
write("e.txt", [])
assert unified_diff("e.txt", "a.txt") == ["--- e.txt", "+++ a.txt", "@@ -0,0 +1,3 @@", "+a", "+b", "+c"]
assert unified_diff("a.txt", "e.txt") == ["--- a.txt", "+++ e.txt", "@@ -1,3 +0,0 @@", "-a", "-b", "-c"]

# 7. a missing final newline is not a difference
open("a2.txt", "w").write("a\nb\nc")
assert unified_diff("a.txt", "a2.txt") == []

# 8. a longer mixed example with context 1
write("a.txt", ["p", "q", "r", "s", "t", "u", "v"])
write("b.txt", ["p", "r", "s", "S2", "t", "v", "w"])
assert unified_diff("a.txt", "b.txt", context=1) == [
    "--- a.txt", "+++ b.txt", "@@ -1,7 +1,7 @@", " p", "-q", " r", " s", "+S2", " t", "-u", " v", "+w"]
assert unified_diff("a.txt", "b.txt", context=0) == [
    "--- a.txt", "+++ b.txt", "@@ -2,1 +1,0 @@", "-q", "@@ -4,0 +4,1 @@", "+S2", "@@ -6,1 +5,0 @@", "-u",
    "@@ -7,0 +7,1 @@", "+w"]

# 9. ignore_space compares normalized lines and shows the text from a
assert diff_ops(["a  b", "c\td ", "e"], ["a b", " c d", "E"], ignore_space=True) == [
    (" ", "a  b"), (" ", "c\td "), ("-", "e"), ("+", "E")]
write("a.txt", ["x = 1", "if  x:", "    y"])
write("b.txt", ["x = 1", "if x:", "  y  "])
assert unified_diff("a.txt", "b.txt", ignore_space=True) == []
assert unified_diff("a.txt", "b.txt", context=0) == [
    "--- a.txt", "+++ b.txt", "@@ -2,2 +2,2 @@", "-if  x:", "-    y", "+if x:", "+  y  "]

# 10. diff_stat and a bad context
a = [str(i) for i in range(1, 21)]
b = list(a)
b[1] = "two"
b[17] = "eighteen"
del b[7]
write("a.txt", a)
write("b.txt", b)
assert diff_stat("a.txt", "b.txt") == {"added": 2, "removed": 3, "hunks": 2}
assert diff_stat("a.txt", "a.txt") == {"added": 0, "removed": 0, "hunks": 0}
write("c.txt", ["1  ", " 2"])
write("d.txt", ["1", "2", "3"])
assert diff_stat("c.txt", "d.txt", ignore_space=True) == {"added": 1, "removed": 0, "hunks": 1}
for bad in (-1, "3"):
    try:
        unified_diff("a.txt", "b.txt", context=bad)
    except ValueError:
        pass
    else:
        raise AssertionError("expected ValueError for context " + repr(bad))
''',
        solution=r'''
def read_lines(path):
    with open(path) as f:
        return f.read().splitlines()


def _norm(line):
    return " ".join(line.replace("\t", " ").split())


def diff_ops(a, b, ignore_space=False):
    n, m = len(a), len(b)
    ka = [_norm(line) for line in a] if ignore_space else a
    kb = [_norm(line) for line in b] if ignore_space else b
    lcs = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            if ka[i] == kb[j]:
                lcs[i][j] = lcs[i + 1][j + 1] + 1
            else:
                lcs[i][j] = max(lcs[i + 1][j], lcs[i][j + 1])
    ops, i, j = [], 0, 0
    while i < n and j < m:
        if ka[i] == kb[j]:
            ops.append((" ", a[i]))
            i += 1
            j += 1
        elif lcs[i + 1][j] >= lcs[i][j + 1]:
            ops.append(("-", a[i]))
            i += 1
        else:
            ops.append(("+", b[j]))
            j += 1
    ops.extend(("-", line) for line in a[i:])
    ops.extend(("+", line) for line in b[j:])
    return ops


def _positions(ops):
    """For each op, the number of lines of a and of b before it."""
    positions, i, j = [], 0, 0
    for tag, _ in ops:
        positions.append((i, j))
        if tag != "+":
            i += 1
        if tag != "-":
            j += 1
    return positions


def _groups(ops, context):
    changes = [k for k, (tag, _) in enumerate(ops) if tag != " "]
    groups = []
    for k in changes:
        if groups and k - groups[-1][1] - 1 <= 2 * context:
            groups[-1][1] = k
        else:
            groups.append([k, k])
    return [(max(first - context, 0), min(last + context, len(ops) - 1)) for first, last in groups]


def _header(positions, ops, start, end):
    count_a = sum(1 for tag, _ in ops[start:end + 1] if tag != "+")
    count_b = sum(1 for tag, _ in ops[start:end + 1] if tag != "-")
    i, j = positions[start]
    start_a = i + 1 if count_a else i
    start_b = j + 1 if count_b else j
    return f"@@ -{start_a},{count_a} +{start_b},{count_b} @@"


def unified_diff(path_a, path_b, context=3, ignore_space=False):
    if not isinstance(context, int) or isinstance(context, bool) or context < 0:
        raise ValueError(f"bad context {context!r}")
    ops = diff_ops(read_lines(path_a), read_lines(path_b), ignore_space)
    if all(tag == " " for tag, _ in ops):
        return []
    positions = _positions(ops)
    out = [f"--- {path_a}", f"+++ {path_b}"]
    for start, end in _groups(ops, context):
        out.append(_header(positions, ops, start, end))
        out.extend(tag + line for tag, line in ops[start:end + 1])
    return out


def diff_stat(path_a, path_b, ignore_space=False):
    ops = diff_ops(read_lines(path_a), read_lines(path_b), ignore_space)
    return {"added": sum(1 for tag, _ in ops if tag == "+"), "removed": sum(1 for tag, _ in ops if tag == "-"),
            "hunks": len(_groups(ops, 3))}
''',
        wrong=r'''
def read_lines(path):
    with open(path) as f:
        return f.read().splitlines()


def diff_ops(a, b, ignore_space=False):
    if ignore_space:
        a = [" ".join(line.split()) for line in a]
        b = [" ".join(line.split()) for line in b]
    n, m = len(a), len(b)
    lcs = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            if a[i] == b[j]:
                lcs[i][j] = lcs[i + 1][j + 1] + 1
            else:
                lcs[i][j] = max(lcs[i + 1][j], lcs[i][j + 1])
    ops, i, j = [], 0, 0
    while i < n and j < m:
        if a[i] == b[j]:
            ops.append((" ", a[i]))
            i += 1
            j += 1
        elif lcs[i + 1][j] >= lcs[i][j + 1]:
            ops.append(("-", a[i]))
            i += 1
        else:
            ops.append(("+", b[j]))
            j += 1
    ops.extend(("-", line) for line in a[i:])
    ops.extend(("+", line) for line in b[j:])
    return ops


def unified_diff(path_a, path_b, context=3, ignore_space=False):
    if context < 0:
        raise ValueError("negative context")
    ops = diff_ops(read_lines(path_a), read_lines(path_b), ignore_space)
    changes = [k for k, (tag, _) in enumerate(ops) if tag != " "]
    if not changes:
        return []
    groups = []
    for k in changes:
        if groups and k - groups[-1][1] < 2 * context:
            groups[-1][1] = k
        else:
            groups.append([k, k])
    out = [f"--- {path_a}", f"+++ {path_b}"]
    for first, last in groups:
        start, end = max(first - context, 0), min(last + context, len(ops) - 1)
        i = sum(1 for tag, _ in ops[:start] if tag != "+")
        j = sum(1 for tag, _ in ops[:start] if tag != "-")
        count_a = sum(1 for tag, _ in ops[start:end + 1] if tag != "+")
        count_b = sum(1 for tag, _ in ops[start:end + 1] if tag != "-")
        out.append(f"@@ -{i + 1},{count_a} +{j + 1},{count_b} @@")
        out.extend(tag + line for tag, line in ops[start:end + 1])
    return out


def diff_stat(path_a, path_b, ignore_space=False):
    ops = diff_ops(read_lines(path_a), read_lines(path_b), ignore_space)
    out = unified_diff(path_a, path_b, 3, ignore_space)
    return {"added": sum(1 for tag, _ in ops if tag == "+"), "removed": sum(1 for tag, _ in ops if tag == "-"),
            "hunks": sum(1 for line in out if line.startswith("@@"))}
''',
    ),
    ProgramTask(
        name="league_table",
        bin=3,
        entry_point="standings",
        spec=r'''
Write a Python module that defines `read_results(path)`, `standings(path)` and `format_table(path)`: a league
table built from a file of match results. Standard library only.

The results file has one match per line, `HOME GOALS - GOALS AWAY`:

```
# round 1
Red Lions 3 - 1 Blue Sharks
Green Park 0 - 0 Old Town
# round 2
Blue Sharks 2 - 2 Green Park
```

- Lines that are blank or start with `#` (after spaces) are ignored; line numbers count every line, from 1.
- A team name is any text without leading or trailing spaces (it may contain spaces and digits); goals are
  non-negative integers; the `-` may have any spaces around it but there is at least one space between a name and
  its goals. Names are case-sensitive.
- `read_results(path)` returns the list of matches as `(home, home_goals, away, away_goals)` tuples in file order.
  It raises `ValueError` with a message containing `line N` for a line that does not match the format, for a team
  playing itself, and for a match whose (home, away) pair already appeared (the same two teams may meet twice only
  with home and away swapped).

`standings(path)` returns one tuple per team, `(team, played, won, drawn, lost, goals_for, goals_against,
goal_difference, points)`, sorted into table order. A win gives 3 points, a draw 1, a loss 0. Order by:

1. points, highest first;
2. goal difference (for minus against), highest first;
3. goals scored, highest first;
4. head-to-head: among the teams still tied on 1-3, the points each earned in the matches played between those
   teams only, highest first (computed once for the whole tied group; not repeated for sub-groups);
5. team name, alphabetically.

`format_table(path)` returns a list of strings, one per team in table order:
`f"{pos:>2}. {team:<20}{played:>3}{won:>3}{drawn:>3}{lost:>3}{goals_for:>4}:{goals_against:<3}{points:>4}"`.
`pos` is the position, 1 for the first team; teams that are still equal after rules 1-4 (only the name separates
them) share the position of the first of them, and the next team gets its own place in the list (1, 2, 2, 4).
''',
        visible=r'''
open("results.txt", "w").write(
    "# round 1\nRed Lions 3 - 1 Blue Sharks\nGreen Park 0 - 0 Old Town\n# round 2\nBlue Sharks 2 - 2 Green Park\n"
    "Old Town 1-2 Red Lions\n")

# 1. reading
assert read_results("results.txt")[:2] == [("Red Lions", 3, "Blue Sharks", 1), ("Green Park", 0, "Old Town", 0)]

# 2. the table
assert standings("results.txt") == [
    ("Red Lions", 2, 2, 0, 0, 5, 2, 3, 6),
    ("Green Park", 2, 0, 2, 0, 2, 2, 0, 2),
    ("Old Town", 2, 0, 1, 1, 1, 2, -1, 1),
    ("Blue Sharks", 2, 0, 1, 1, 3, 5, -2, 1)]

# 3. the formatted table
assert format_table("results.txt") == [
    " 1. Red Lions             2  2  0  0   5:2     6",
    " 2. Green Park            2  0  2  0   2:2     2",
    " 3. Old Town              2  0  1  1   1:2     1",
    " 4. Blue Sharks           2  0  1  1   3:5     1"]
''',
        hidden=r'''
def write(text):
    open("r.txt", "w").write(text)
    return "r.txt"


def expect_error(text, line):
    try:
        read_results(write(text))
    except ValueError as e:
        assert "line %d" % line in str(e), (text, str(e))
    else:
        raise AssertionError("expected ValueError for " + repr(text))

# 1. goal difference first; head-to-head decides between teams level on points, difference and goals
text = "Zeta 1 - 0 Alpha\nAlpha 2 - 0 Mid\nZeta 0 - 1 Mid\n"
rows = standings(write(text))
assert rows == [("Alpha", 2, 1, 0, 1, 2, 1, 1, 3), ("Zeta", 2, 1, 0, 1, 1, 1, 0, 3),
                ("Mid", 2, 1, 0, 1, 1, 2, -1, 3)], rows
text = "Zeta 1 - 0 Alpha\nAlpha 1 - 0 Mid\nMid 1 - 0 Zeta\nAlpha 1 - 1 Other\nZeta 1 - 1 Other\n"
assert [row[0] for row in standings(write(text))] == ["Zeta", "Alpha", "Mid", "Other"], standings(write(text))

# 2. head-to-head over a group of three
text = ("Cats 1 - 0 Ants\nBees 0 - 0 Cats\nAnts 0 - 0 Bees\nCats 1 - 0 Dogs\nEels 1 - 0 Cats\nBees 2 - 1 Dogs\n"
        "Bees 0 - 0 Eels\nEels 0 - 0 Bees\nAnts 1 - 0 Dogs\nAnts 1 - 0 Eels\n")
rows = standings(write(text))
assert rows == [("Cats", 4, 2, 1, 1, 2, 1, 1, 7), ("Bees", 5, 1, 4, 0, 2, 1, 1, 7), ("Ants", 4, 2, 1, 1, 2, 1, 1, 7),
                ("Eels", 4, 1, 2, 1, 1, 1, 0, 5), ("Dogs", 3, 0, 0, 3, 1, 4, -3, 0)], rows

# 3. a head-to-head tie that stays falls back to the name and shares the position
text = "Beta 1 - 1 Alpha\nGamma 3 - 0 Delta\nAlpha 2 - 0 Delta\nBeta 2 - 0 Delta\nGamma 0 - 1 Beta\nAlpha 1 - 0 Gamma\n"
assert format_table(write(text)) == [
    " 1. Alpha                 3  2  1  0   4:1     7",
    " 1. Beta                  3  2  1  0   4:1     7",
    " 3. Gamma                 3  1  0  2   3:2     3",
    " 4. Delta                 3  0  0  3   0:7     0"]

# 4. goal difference before goals scored, goals scored before head-to-head
text = "A 3 - 3 B\nC 1 - 0 D\nA 1 - 0 C\nB 1 - 0 D\nD 4 - 3 A\nC 0 - 0 B\n"
rows = standings(write(text))
assert [(row[0], row[5], row[6], row[8]) for row in rows] == [
    ("B", 4, 3, 5), ("A", 7, 7, 4), ("C", 1, 1, 4), ("D", 4, 5, 3)], rows

# 5. names with digits and extra spaces, the same teams twice with sides swapped
text = "  Schalke 04   2  -  1  FC 1860  \n\n   # note\nFC 1860 0 - 0 Schalke 04\n"
assert read_results(write(text)) == [("Schalke 04", 2, "FC 1860", 1), ("FC 1860", 0, "Schalke 04", 0)]
assert standings(write(text)) == [("Schalke 04", 2, 1, 1, 0, 2, 1, 1, 4), ("FC 1860", 2, 0, 1, 1, 1, 2, -1, 1)]

# 6. shared positions are only for teams tied after head-to-head
text = "A 1 - 0 B\nC 1 - 0 D\nB 1 - 0 A\nD 1 - 0 C\n"
assert format_table(write(text)) == [
    " 1. A                     2  1  0  1   1:1     3",
    " 1. B                     2  1  0  1   1:1     3",
    " 1. C                     2  1  0  1   1:1     3",
    " 1. D                     2  1  0  1   1:1     3"]
text = "A 1 - 0 B\nC 1 - 0 D\nB 0 - 0 A\nD 1 - 0 C\nE 0 - 0 F\n"
assert format_table(write(text)) == [
    " 1. A                     2  1  1  0   1:0     4",
    " 2. C                     2  1  0  1   1:1     3",
    " 2. D                     2  1  0  1   1:1     3",
    " 4. E                     1  0  1  0   0:0     1",
    " 4. F                     1  0  1  0   0:0     1",
    " 6. B                     2  0  1  1   0:1     1"]

# 7. bad lines
expect_error("A 1 - 0 B\nA 1 0 B\n", 2)
expect_error("A 1 - 0 B\n\nA 2 - 2 A\n", 3)
expect_error("A 1 - 0 B\nB 1 - 0 A\nA 3 - 3 B\n", 3)
expect_error("A -1 - 0 B\n", 1)
expect_error("A 1 - x B\n", 1)
expect_error("A 1 - 0\n", 1)
expect_error("1 - 0 B\n", 1)
''',
        solution=r'''
import re

_MATCH = re.compile(r"(\S.*?)\s+(\d+)\s*-\s*(\d+)\s+(\S.*)")


def read_results(path):
    matches, seen = [], set()
    with open(path) as f:
        for number, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            m = _MATCH.fullmatch(line)
            if not m:
                raise ValueError(f"line {number}: expected 'HOME GOALS - GOALS AWAY'")
            home, away = m.group(1), m.group(4)
            if home == away:
                raise ValueError(f"line {number}: {home} cannot play itself")
            if (home, away) in seen:
                raise ValueError(f"line {number}: {home} - {away} already played")
            seen.add((home, away))
            matches.append((home, int(m.group(2)), away, int(m.group(3))))
    return matches


def _points(goals, other):
    return 3 if goals > other else 1 if goals == other else 0


def _rows(matches):
    stats = {}
    for home, hg, away, ag in matches:
        for team, scored, conceded in ((home, hg, ag), (away, ag, hg)):
            s = stats.setdefault(team, [0, 0, 0, 0, 0, 0])
            s[0] += 1
            s[1 + (0 if scored > conceded else 1 if scored == conceded else 2)] += 1
            s[4] += scored
            s[5] += conceded
    rows = {}
    for team, (played, won, drawn, lost, gf, ga) in stats.items():
        rows[team] = (team, played, won, drawn, lost, gf, ga, gf - ga, 3 * won + drawn)
    return rows


def _ranked(path):
    """Table rows in order, each with the key that decides its position (everything but the name)."""
    matches = read_results(path)
    rows = _rows(matches)
    groups = {}
    for team, row in rows.items():
        groups.setdefault((row[8], row[7], row[5]), []).append(team)
    head = {}
    for group in groups.values():
        members = set(group)
        for team in group:
            head[team] = 0
        if len(group) > 1:
            for home, hg, away, ag in matches:
                if home in members and away in members:
                    head[home] += _points(hg, ag)
                    head[away] += _points(ag, hg)
    keys = {team: (-row[8], -row[7], -row[5], -head[team]) for team, row in rows.items()}
    order = sorted(rows, key=lambda team: (keys[team], team))
    return [(rows[team], keys[team]) for team in order]


def standings(path):
    return [row for row, _ in _ranked(path)]


def format_table(path):
    lines, pos, previous = [], 0, None
    for index, (row, key) in enumerate(_ranked(path), start=1):
        if key != previous:
            pos, previous = index, key
        team, played, won, drawn, lost, gf, ga, _gd, points = row
        lines.append(f"{pos:>2}. {team:<20}{played:>3}{won:>3}{drawn:>3}{lost:>3}{gf:>4}:{ga:<3}{points:>4}")
    return lines
''',
        wrong=r'''
import re


def read_results(path):
    matches = []
    with open(path) as f:
        for number, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            m = re.fullmatch(r"(.+?)\s+(\d+)\s*-\s*(\d+)\s+(.+)", line)
            if not m:
                raise ValueError(f"line {number}: bad result")
            if m.group(1) == m.group(4):
                raise ValueError(f"line {number}: a team cannot play itself")
            matches.append((m.group(1), int(m.group(2)), m.group(4), int(m.group(3))))
    return matches


def standings(path):
    stats = {}
    for home, hg, away, ag in read_results(path):
        for team, scored, conceded in ((home, hg, ag), (away, ag, hg)):
            s = stats.setdefault(team, [0, 0, 0, 0, 0, 0])
            s[0] += 1
            if scored > conceded:
                s[1] += 1
            elif scored == conceded:
                s[2] += 1
            else:
                s[3] += 1
            s[4] += scored
            s[5] += conceded
    rows = [(team, p, w, d, lost, gf, ga, gf - ga, 3 * w + d) for team, (p, w, d, lost, gf, ga) in stats.items()]
    rows.sort(key=lambda row: (-row[8], -row[7], -row[5], row[0]))
    return rows


def format_table(path):
    lines = []
    for pos, row in enumerate(standings(path), start=1):
        team, played, won, drawn, lost, gf, ga, _gd, points = row
        lines.append(f"{pos:>2}. {team:<20}{played:>3}{won:>3}{drawn:>3}{lost:>3}{gf:>4}:{ga:<3}{points:>4}")
    return lines
''',
    ),
    ProgramTask(
        name="route_planner",
        bin=3,
        entry_point="shortest_route",
        spec=r'''
Write a Python module that defines `load_roads(path)`, `shortest_route(path, start, goal, avoid=())`,
`plan_trip(path, stops)`, `reachable(path, start)` and `directions(path, start, goal)`: a route planner over a road
file. Standard library only.

The road file has one road per line:

```
# city roads
Home -> Mall 4
Home <-> Park 2
Park <-> Mall 2
Mall -> Office 7
```

- `A -> B D` is a one-way road from A to B of length D; `A <-> B D` is a road usable in both directions.
- Place names are letters, digits and `_` (no spaces); `D` is a non-negative integer. Spaces between the parts may
  be any number (at least one around the arrow and before the length).
- `#` at the start of a line (after spaces) makes it a comment; blank lines are ignored. Line numbers count every
  line, from 1. If the same directed road is given more than once (also through `<->`), the shortest length counts.
- `load_roads(path)` returns a dict from each place that appears in the file (also places with no road leaving
  them) to a dict from neighbour to length. It raises `ValueError` with a message containing `line N` for a
  malformed line (a bad arrow, a missing or non-integer or negative length, extra words) and for a road from a
  place to itself.

`shortest_route(path, start, goal, avoid=())` returns `(distance, places)`: the length of the shortest route and the
list of places from `start` to `goal` inclusive. Among routes of the same length, the one with the fewest roads
wins; among those, the one whose list of places is alphabetically smallest (compare the lists element by element).
`start == goal` gives `(0, [start])`. Places in `avoid` may not be used (an avoided start or goal is an error). It
returns `None` when the goal cannot be reached. It raises `ValueError` when `start` or `goal` is not a place of the
file or is in `avoid`.

`plan_trip(path, stops)` (at least two stops) joins the shortest routes between consecutive stops: it returns
`(total_distance, places)` where the places of each leg after the first leave out the leg's first place (it is the
previous leg's last). It returns `None` if any leg is unreachable, and raises `ValueError` for fewer than two stops
or an unknown place.

`reachable(path, start)` returns the sorted list of places that can be reached from `start` (not `start` itself);
`ValueError` for an unknown place.

`directions(path, start, goal)` describes the route of `shortest_route(path, start, goal)` as a list of strings:
one `"A -> B (D)"` per road in order, then `"total T over N roads"` (always the word `roads`). With `start == goal`
it is just `["total 0 over 0 roads"]`; when there is no route it is `["no route"]`.
''',
        visible=r'''
open("roads.txt", "w").write("# city roads\nHome -> Mall 4\nHome <-> Park 2\nPark <-> Mall 2\nMall -> Office 7\n")

# 1. loading
assert load_roads("roads.txt") == {"Home": {"Mall": 4, "Park": 2}, "Mall": {"Park": 2, "Office": 7},
                                   "Park": {"Home": 2, "Mall": 2}, "Office": {}}

# 2. a route, fewest roads on a tie
assert shortest_route("roads.txt", "Home", "Office") == (11, ["Home", "Mall", "Office"])
assert shortest_route("roads.txt", "Mall", "Home") == (4, ["Mall", "Park", "Home"])

# 3. one-way roads can make a place unreachable
assert shortest_route("roads.txt", "Office", "Home") is None

# 4. a trip
assert plan_trip("roads.txt", ["Park", "Office"]) == (9, ["Park", "Mall", "Office"])

# 5. directions
assert directions("roads.txt", "Home", "Office") == ["Home -> Mall (4)", "Mall -> Office (7)", "total 11 over 2 roads"]
''',
        hidden=r'''
def write(text):
    open("r.txt", "w").write(text)
    return "r.txt"


def expect_error(fn, *args):
    try:
        fn(*args)
    except ValueError as e:
        return str(e)
    raise AssertionError("expected ValueError for " + repr(args))

# 1. fewest roads, then alphabetical order of the place lists
text = "S -> B 1\nB -> G 1\nS -> G 2\nS -> C 2\nC -> G 0\n"
assert shortest_route(write(text), "S", "G") == (2, ["S", "G"])
text = "S -> B 1\nB -> G 1\nS -> A 1\nA -> G 1\n"
assert shortest_route(write(text), "S", "G") == (2, ["S", "A", "G"])
text = "S -> X 1\nX -> A 1\nA -> G 1\nS -> Y 1\nY -> B 1\nB -> G 1\nS -> Z 2\nZ -> G 1\n"
assert shortest_route(write(text), "S", "G") == (3, ["S", "Z", "G"])
text = "S -> M 1\nM -> Z 1\nZ -> G 1\nS -> N 1\nN -> A 1\nA -> G 1\n"
assert shortest_route(write(text), "S", "G") == (3, ["S", "M", "Z", "G"])

# 2. zero-length roads, duplicates keep the shortest, both directions
text = "A <-> B 5\nB -> A 2\nA -> B 9\nB <-> C 0\n"
assert load_roads(write(text)) == {"A": {"B": 5}, "B": {"A": 2, "C": 0}, "C": {"B": 0}}
assert shortest_route(write(text), "C", "A") == (2, ["C", "B", "A"])
assert shortest_route(write(text), "A", "C") == (5, ["A", "B", "C"])

# 3. start == goal, avoid
text = "A <-> B 1\nB <-> C 1\nA <-> D 5\nD <-> C 5\nE -> A 1\n"
assert shortest_route(write(text), "C", "C") == (0, ["C"])
assert shortest_route(write(text), "A", "C") == (2, ["A", "B", "C"])
assert shortest_route(write(text), "A", "C", avoid=("B",)) == (10, ["A", "D", "C"])
assert shortest_route(write(text), "A", "C", avoid=["B", "D"]) is None
assert shortest_route(write(text), "A", "E") is None
expect_error(shortest_route, write(text), "A", "C", ["C"])
expect_error(shortest_route, write(text), "A", "Q")
expect_error(shortest_route, write(text), "Q", "A")

# 4. spacing, comments, names with digits and _
text = "  # c\n\nRoad_1   ->   B2    3\n   B2 <-> x 1\n"
assert load_roads(write(text)) == {"Road_1": {"B2": 3}, "B2": {"x": 1}, "x": {"B2": 1}}

# 5. trips
text = "A <-> B 1\nB <-> C 2\nC -> D 3\n"
assert plan_trip(write(text), ["A", "C", "A"]) == (6, ["A", "B", "C", "B", "A"])
assert plan_trip(write(text), ["A", "D"]) == (6, ["A", "B", "C", "D"])
assert plan_trip(write(text), ["A", "D", "A"]) is None
assert plan_trip(write(text), ["B", "B", "C"]) == (2, ["B", "C"])
expect_error(plan_trip, write(text), ["A"])
expect_error(plan_trip, write(text), ["A", "Z"])

# 6. malformed lines name the line
for bad in ["A => B 1", "A -> B", "A -> B x", "A -> B -1", "A -> B 1 2", "A B 1", "A -> A 1", "A -> B 1.5",
            "A <- B 1"]:
    msg = expect_error(load_roads, write("ok -> fine 1\n\n" + bad + "\n"))
    assert "line 3" in msg, (bad, msg)

# 7. reachable and directions
text = "A <-> B 1\nB -> C 2\nD -> A 1\nC -> C2 0\nE <-> F 1\n"
assert reachable(write(text), "A") == ["B", "C", "C2"]
assert reachable(write(text), "C2") == []
assert reachable(write(text), "D") == ["A", "B", "C", "C2"]
expect_error(reachable, write(text), "Q")
assert directions(write(text), "B", "C2") == ["B -> C (2)", "C -> C2 (0)", "total 2 over 2 roads"]
assert directions(write(text), "A", "A") == ["total 0 over 0 roads"]
assert directions(write(text), "A", "E") == ["no route"]
text = "A <-> B 5\nB -> A 2\nA -> B 9\n"
assert directions(write(text), "B", "A") == ["B -> A (2)", "total 2 over 1 roads"]
''',
        solution=r'''
import heapq
import re

_ROAD = re.compile(r"\s*(\w+)\s+(->|<->)\s+(\w+)\s+(\d+)\s*")


def load_roads(path):
    roads = {}
    with open(path) as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip() or raw.strip().startswith("#"):
                continue
            m = _ROAD.fullmatch(raw.rstrip("\n"))
            if not m:
                raise ValueError(f"line {number}: expected 'A -> B LENGTH' or 'A <-> B LENGTH'")
            a, arrow, b, length = m.group(1), m.group(2), m.group(3), int(m.group(4))
            if a == b:
                raise ValueError(f"line {number}: a road from {a} to itself")
            roads.setdefault(a, {})
            roads.setdefault(b, {})
            pairs = [(a, b), (b, a)] if arrow == "<->" else [(a, b)]
            for x, y in pairs:
                if y not in roads[x] or length < roads[x][y]:
                    roads[x][y] = length
    return roads


def _route(roads, start, goal, avoid):
    if start not in roads or goal not in roads:
        raise ValueError(f"unknown place {start if start not in roads else goal!r}")
    if start in avoid or goal in avoid:
        raise ValueError("the start or the goal is avoided")
    queue = [(0, 0, [start])]
    settled = set()
    while queue:
        distance, hops, places = heapq.heappop(queue)
        here = places[-1]
        if here in settled:
            continue
        settled.add(here)
        if here == goal:
            return distance, places
        for neighbour, length in roads[here].items():
            if neighbour not in settled and neighbour not in avoid:
                heapq.heappush(queue, (distance + length, hops + 1, [*places, neighbour]))
    return None


def shortest_route(path, start, goal, avoid=()):
    return _route(load_roads(path), start, goal, set(avoid))


def plan_trip(path, stops):
    if len(stops) < 2:
        raise ValueError("a trip needs at least two stops")
    roads = load_roads(path)
    for stop in stops:
        if stop not in roads:
            raise ValueError(f"unknown place {stop!r}")
    total, places = 0, [stops[0]]
    for a, b in zip(stops, stops[1:], strict=False):
        leg = _route(roads, a, b, set())
        if leg is None:
            return None
        total += leg[0]
        places.extend(leg[1][1:])
    return total, places


def reachable(path, start):
    roads = load_roads(path)
    if start not in roads:
        raise ValueError(f"unknown place {start!r}")
    seen, todo = {start}, [start]
    while todo:
        for neighbour in roads[todo.pop()]:
            if neighbour not in seen:
                seen.add(neighbour)
                todo.append(neighbour)
    return sorted(seen - {start})


def directions(path, start, goal):
    roads = load_roads(path)
    route = _route(roads, start, goal, set())
    if route is None:
        return ["no route"]
    distance, places = route
    lines = [f"{a} -> {b} ({roads[a][b]})" for a, b in zip(places, places[1:], strict=False)]
    lines.append(f"total {distance} over {len(places) - 1} roads")
    return lines
''',
        wrong=r'''
import heapq


def load_roads(path):
    roads = {}
    with open(path) as f:
        for number, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) != 4 or parts[1] not in ("->", "<->"):
                raise ValueError(f"line {number}: bad road")
            a, arrow, b, length = parts
            try:
                length = int(length)
            except ValueError:
                raise ValueError(f"line {number}: bad length") from None
            if length < 0:
                raise ValueError(f"line {number}: negative length")
            roads.setdefault(a, {})
            roads.setdefault(b, {})
            roads[a][b] = length
            if arrow == "<->":
                roads[b][a] = length
    return roads


def _route(roads, start, goal, avoid):
    if start not in roads or goal not in roads or start in avoid or goal in avoid:
        raise ValueError("bad start or goal")
    best = {start: 0}
    previous = {}
    queue = [(0, start)]
    while queue:
        distance, here = heapq.heappop(queue)
        if here == goal:
            places = [goal]
            while places[-1] != start:
                places.append(previous[places[-1]])
            return distance, places[::-1]
        if distance > best[here]:
            continue
        for neighbour, length in roads[here].items():
            if neighbour in avoid:
                continue
            if neighbour not in best or distance + length < best[neighbour]:
                best[neighbour] = distance + length
                previous[neighbour] = here
                heapq.heappush(queue, (distance + length, neighbour))
    return None


def shortest_route(path, start, goal, avoid=()):
    return _route(load_roads(path), start, goal, set(avoid))


def plan_trip(path, stops):
    if len(stops) < 2:
        raise ValueError("a trip needs at least two stops")
    roads = load_roads(path)
    total, places = 0, [stops[0]]
    for a, b in zip(stops, stops[1:], strict=False):
        leg = _route(roads, a, b, set())
        if leg is None:
            return None
        total += leg[0]
        places.extend(leg[1][1:])
    return total, places


def reachable(path, start):
    roads = load_roads(path)
    if start not in roads:
        raise ValueError(f"unknown place {start!r}")
    seen, todo = {start}, [start]
    while todo:
        for neighbour in roads[todo.pop()]:
            if neighbour not in seen:
                seen.add(neighbour)
                todo.append(neighbour)
    return sorted(seen - {start})


def directions(path, start, goal):
    roads = load_roads(path)
    route = _route(roads, start, goal, set())
    if route is None:
        return ["no route"]
    distance, places = route
    lines = [f"{a} -> {b} ({roads[a][b]})" for a, b in zip(places, places[1:], strict=False)]
    lines.append(f"total {distance} over {len(places) - 1} roads")
    return lines
''',
    ),
    ProgramTask(
        name="order_book",
        bin=3,
        entry_point="process_orders",
        spec=r'''
Write a Python module that defines `process_orders(path)` and `depth(path)`: a limit order book matching engine that
replays a file of orders. Standard library only.

The orders file has one command per line, in arrival order:

```
# id side qty @ price
1 BUY 10 @ 100
2 SELL 4 @ 99
3 SELL 10 @ 101
4 BUY 8 @ MKT
CANCEL 3
```

- `ID SIDE QTY @ PRICE`: a new order. `ID` is a positive integer, never used before by any order; `SIDE` is `BUY`
  or `SELL` (upper case); `QTY` is a positive integer; `PRICE` is a positive integer or `MKT` (a market order).
- `CANCEL ID` removes what is left of order `ID` from the book. Cancelling an order that is already filled, was
  already cancelled or was a market order does nothing; cancelling an id that no earlier line used is an error.
- Words are separated by any number of spaces. `#` at the start of a line (after spaces) makes it a comment; blank
  lines are ignored. Line numbers count every line, from 1.
- A malformed line, a reused id, a quantity or price that is not a positive integer, and a cancel of an unknown id
  raise `ValueError` with a message containing `line N`.

Matching, for each new order in turn:

- A buy order matches resting sell orders whose price is at most its price (a market buy matches any price): the
  lowest price first, and among equal prices the one that arrived first. A sell order matches resting buy orders
  whose price is at least its price (a market sell matches any price): the highest price first, then the earliest.
- Each match trades `min(remaining of the two)` at the resting order's price, reducing both; a resting order that
  reaches 0 leaves the book. A partly filled resting order keeps its place in time.
- Matching continues until the new order is filled or nothing matches. What remains of a limit order then rests in
  the book; what remains of a market order is dropped.

`process_orders(path)` returns a dict: `"trades"`, the list of trades in order, each `(buy_id, sell_id, price, qty)`;
`"bids"`, the resting buy orders as `(id, price, remaining_qty)` from the best (highest price, then earliest) to the
worst; `"asks"`, the resting sell orders the same way (lowest price first, then earliest).

`depth(path)` returns the book by price level after the whole file: `{"bids": [...], "asks": [...]}`, each a list of
`(price, total_remaining_qty, number_of_orders)` from the best price to the worst.
''',
        visible=r'''
# 1. the sample file
open("orders.txt", "w").write(
    "# id side qty @ price\n1 BUY 10 @ 100\n2 SELL 4 @ 100\n3 SELL 10 @ 101\n4 BUY 8 @ MKT\nCANCEL 3\n")
assert process_orders("orders.txt") == {"trades": [(1, 2, 100, 4), (4, 3, 101, 8)], "bids": [(1, 100, 6)],
                                        "asks": []}

# 2. price then time priority, depth
open("book.txt", "w").write("1 SELL 5 @ 102\n2 SELL 5 @ 101\n3 SELL 5 @ 101\n4 BUY 7 @ 101\n5 BUY 3 @ 99\n")
assert process_orders("book.txt") == {"trades": [(4, 2, 101, 5), (4, 3, 101, 2)], "bids": [(5, 99, 3)],
                                      "asks": [(3, 101, 3), (1, 102, 5)]}
assert depth("book.txt") == {"bids": [(99, 3, 1)], "asks": [(101, 3, 1), (102, 5, 1)]}

# 3. a reused id names its line
open("bad.txt", "w").write("1 BUY 1 @ 10\n\n1 SELL 1 @ 11\n")
try:
    process_orders("bad.txt")
except ValueError as e:
    assert "line 3" in str(e), str(e)
else:
    raise AssertionError("expected ValueError")
''',
        hidden=r'''
def write(text):
    open("o.txt", "w").write(text)
    return "o.txt"


def expect_error(text, line):
    try:
        process_orders(write(text))
    except ValueError as e:
        assert "line %d" % line in str(e), (text, str(e))
    else:
        raise AssertionError("expected ValueError for " + repr(text))

# 1. trades happen at the resting order's price
r = process_orders(write("1 SELL 5 @ 95\n2 SELL 5 @ 97\n3 BUY 8 @ 100\n"))
assert r == {"trades": [(3, 1, 95, 5), (3, 2, 97, 3)], "bids": [], "asks": [(2, 97, 2)]}, r
r = process_orders(write("1 BUY 5 @ 105\n2 BUY 5 @ 103\n3 SELL 6 @ 100\n"))
assert r == {"trades": [(1, 3, 105, 5), (2, 3, 103, 1)], "bids": [(2, 103, 4)], "asks": []}, r

# 2. a partly filled order keeps its time priority
r = process_orders(write("1 BUY 10 @ 50\n2 BUY 10 @ 50\n3 SELL 4 @ 50\n4 BUY 1 @ 50\n5 SELL 8 @ 49\n"))
assert r == {"trades": [(1, 3, 50, 4), (1, 5, 50, 6), (2, 5, 50, 2)], "bids": [(2, 50, 8), (4, 50, 1)],
             "asks": []}, r

# 3. market orders: any price, the rest is dropped, cancelling them does nothing
r = process_orders(write("1 BUY 3 @ 10\n2 BUY 3 @ 8\n3 SELL 10 @ MKT\n4 SELL 2 @ MKT\nCANCEL 3\n"))
assert r == {"trades": [(1, 3, 10, 3), (2, 3, 8, 3)], "bids": [], "asks": []}, r
r = process_orders(write("1 SELL 2 @ 10\n2 BUY 5 @ MKT\n3 BUY 1 @ 9\n"))
assert r == {"trades": [(2, 1, 10, 2)], "bids": [(3, 9, 1)], "asks": []}, r

# 4. no crossing, book order, cancels of filled and cancelled orders
text = "1 BUY 5 @ 99\n2 BUY 5 @ 100\n3 SELL 5 @ 101\n4 SELL 5 @ 101\n5 BUY 2 @ 100\nCANCEL 2\nCANCEL 2\n"
r = process_orders(write(text))
assert r == {"trades": [], "bids": [(5, 100, 2), (1, 99, 5)], "asks": [(3, 101, 5), (4, 101, 5)]}, r
r = process_orders(write("1 BUY 5 @ 10\n2 SELL 5 @ 10\nCANCEL 1\nCANCEL 2\n3 SELL 1 @ 11\n"))
assert r == {"trades": [(1, 2, 10, 5)], "bids": [], "asks": [(3, 11, 1)]}, r

# 5. spacing and comments; depth aggregates levels
text = "  # start\n\n 7   BUY  4  @  20\n8 BUY 6 @ 20\n9 BUY 1 @ 19\n10 SELL 3 @ 22\n11 SELL 2 @ 21\n"
assert depth(write(text)) == {"bids": [(20, 10, 2), (19, 1, 1)], "asks": [(21, 2, 1), (22, 3, 1)]}
assert depth(write("1 BUY 1 @ 5\n2 SELL 1 @ 5\n")) == {"bids": [], "asks": []}

# 6. bad lines
expect_error("1 BUY 5 @ 10\nCANCEL 9\n", 2)
expect_error("1 BUY 0 @ 10\n", 1)
expect_error("1 BUY 5 @ 0\n", 1)
expect_error("1 BUY 5 @ -3\n", 1)
expect_error("1 BUY 5 @ 10.5\n", 1)
expect_error("1 buy 5 @ 10\n", 1)
expect_error("1 BUY 5 10\n", 1)
expect_error("0 BUY 5 @ 10\n", 1)
expect_error("x BUY 5 @ 10\n", 1)
expect_error("1 BUY 5 @ 10\n2 SELL 5 @ 10\n\n1 BUY 1 @ 1\n", 4)
expect_error("CANCEL\n", 1)
''',
        solution=r'''
import re

_ORDER = re.compile(r"(\d+)\s+(BUY|SELL)\s+(\d+)\s+@\s+(\d+|MKT)")
_CANCEL = re.compile(r"CANCEL\s+(\d+)")


def _parse(path):
    commands, seen = [], set()
    with open(path) as f:
        for number, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            m = _ORDER.fullmatch(line)
            if m:
                order_id, side, qty, price = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
                price = None if price == "MKT" else int(price)
                if order_id == 0 or qty == 0 or price == 0:
                    raise ValueError(f"line {number}: ids, quantities and prices must be positive")
                if order_id in seen:
                    raise ValueError(f"line {number}: order id {order_id} already used")
                seen.add(order_id)
                commands.append(("order", order_id, side, qty, price))
                continue
            m = _CANCEL.fullmatch(line)
            if m:
                if int(m.group(1)) not in seen:
                    raise ValueError(f"line {number}: unknown order {m.group(1)}")
                commands.append(("cancel", int(m.group(1))))
                continue
            raise ValueError(f"line {number}: expected 'ID SIDE QTY @ PRICE' or 'CANCEL ID'")
    return commands


def _sorted(book, side):
    """Resting orders of one side, best first: book entries are [id, price, qty, arrival]."""
    if side == "BUY":
        return sorted(book, key=lambda o: (-o[1], o[3]))
    return sorted(book, key=lambda o: (o[1], o[3]))


def _run(path):
    bids, asks, trades = [], [], []
    for arrival, command in enumerate(_parse(path)):
        if command[0] == "cancel":
            for book in (bids, asks):
                book[:] = [o for o in book if o[0] != command[1]]
            continue
        _, order_id, side, qty, price = command
        opposite = asks if side == "BUY" else bids
        for resting in _sorted(opposite, "SELL" if side == "BUY" else "BUY"):
            if qty == 0:
                break
            if price is not None and (resting[1] > price if side == "BUY" else resting[1] < price):
                break
            fill = min(qty, resting[2])
            qty -= fill
            resting[2] -= fill
            buy, sell = (order_id, resting[0]) if side == "BUY" else (resting[0], order_id)
            trades.append((buy, sell, resting[1], fill))
        opposite[:] = [o for o in opposite if o[2] > 0]
        if qty > 0 and price is not None:
            (bids if side == "BUY" else asks).append([order_id, price, qty, arrival])
    return trades, _sorted(bids, "BUY"), _sorted(asks, "SELL")


def process_orders(path):
    trades, bids, asks = _run(path)
    return {"trades": trades, "bids": [(o[0], o[1], o[2]) for o in bids],
            "asks": [(o[0], o[1], o[2]) for o in asks]}


def depth(path):
    _, bids, asks = _run(path)
    result = {}
    for name, book in (("bids", bids), ("asks", asks)):
        levels = {}
        for _, price, qty, _ in book:
            total, count = levels.get(price, (0, 0))
            levels[price] = (total + qty, count + 1)
        result[name] = [(price, total, count) for price, (total, count) in levels.items()]
    return result
''',
        wrong=r'''
def _parse(path):
    commands, seen = [], set()
    with open(path) as f:
        for number, raw in enumerate(f, start=1):
            words = raw.split()
            if not words or words[0].startswith("#"):
                continue
            if words[0] == "CANCEL" and len(words) == 2:
                commands.append(("cancel", int(words[1])))
                continue
            if len(words) != 5 or words[1] not in ("BUY", "SELL") or words[3] != "@":
                raise ValueError(f"line {number}: bad line")
            try:
                order_id, qty = int(words[0]), int(words[2])
                price = None if words[4] == "MKT" else int(words[4])
            except ValueError:
                raise ValueError(f"line {number}: bad number") from None
            if order_id <= 0 or qty <= 0 or (price is not None and price <= 0) or order_id in seen:
                raise ValueError(f"line {number}: bad order")
            seen.add(order_id)
            commands.append(("order", order_id, words[1], qty, price))
    return commands


def _run(path):
    bids, asks, trades = [], [], []
    for command in _parse(path):
        if command[0] == "cancel":
            bids[:] = [o for o in bids if o[0] != command[1]]
            asks[:] = [o for o in asks if o[0] != command[1]]
            continue
        _, order_id, side, qty, price = command
        if side == "BUY":
            opposite = sorted(asks, key=lambda o: o[1])
        else:
            opposite = sorted(bids, key=lambda o: -o[1])
        for resting in opposite:
            if qty == 0:
                break
            if price is not None and (resting[1] > price if side == "BUY" else resting[1] < price):
                break
            fill = min(qty, resting[2])
            qty -= fill
            resting[2] -= fill
            trade_price = resting[1] if price is None else price
            if side == "BUY":
                trades.append((order_id, resting[0], trade_price, fill))
            else:
                trades.append((resting[0], order_id, trade_price, fill))
        bids[:] = [o for o in bids if o[2] > 0]
        asks[:] = [o for o in asks if o[2] > 0]
        if qty > 0 and price is not None:
            (bids if side == "BUY" else asks).append([order_id, price, qty])
    bids.sort(key=lambda o: -o[1])
    asks.sort(key=lambda o: o[1])
    return trades, bids, asks


def process_orders(path):
    trades, bids, asks = _run(path)
    return {"trades": trades, "bids": [tuple(o) for o in bids], "asks": [tuple(o) for o in asks]}


def depth(path):
    _, bids, asks = _run(path)
    result = {}
    for name, book in (("bids", bids), ("asks", asks)):
        levels = {}
        for _, price, qty in book:
            total, count = levels.get(price, (0, 0))
            levels[price] = (total + qty, count + 1)
        result[name] = [(price, total, count) for price, (total, count) in levels.items()]
    return result
''',
    ),
    ProgramTask(
        name="markdown_html",
        bin=3,
        entry_point="markdown_to_html",
        spec=r'''
Write a Python module that defines `inline(text)`, `markdown_to_html(text)` and `convert_file(src, dst)`: a
converter for a small subset of Markdown to HTML. Standard library only.

```
# Title

Some *emphasis*, **strong** text
and `a < b` code.

- first
- second **item**

1. one
2. two
```

becomes

```
<h1>Title</h1>
<p>Some <em>emphasis</em>, <strong>strong</strong> text and <code>a &lt; b</code> code.</p>
<ul>
<li>first</li>
<li>second <strong>item</strong></li>
</ul>
<ol>
<li>one</li>
<li>two</li>
</ol>
```

Blocks (the text is split into lines; trailing spaces of each line are ignored):

- A heading is 1 to 6 `#` followed by at least one space and the text: `<hN>text</hN>` (the text stripped). A line
  of 7 or more `#`, or `#` not followed by a space, is ordinary text.
- A list item is a line starting with `- ` or `* ` (unordered) or with digits, `.` and a space (ordered, the numbers
  themselves are ignored). Consecutive items of the same kind form one list: `<ul>` or `<ol>`, then one
  `<li>text</li>` per item (text stripped), then `</ul>` or `</ol>`, each on its own line. An item of the other kind
  starts a new list.
- A fenced code block starts with a line that is exactly three backticks and ends with the next such line (or the
  end of the text): `<pre><code>` + its lines joined with `\n` + `</code></pre>`, as one output element; the
  lines are HTML-escaped but otherwise kept exactly (no inline formatting, no stripping).
- Blank lines end paragraphs and lists. Any other line is paragraph text: consecutive paragraph lines are stripped
  and joined with one space into `<p>...</p>`. A heading or a fence line ends the paragraph or list before it; a
  list item ends a paragraph, and a paragraph line ends a list.
- The output is the blocks' HTML lines joined with `\n` (no trailing newline); an empty or all-blank text gives
  `""`.

Inline formatting (`inline(text)`, applied to headings, list items and paragraphs):

- First HTML-escape `&`, `<`, `>` and `"` as `&amp;`, `&lt;`, `&gt;`, `&quot;`.
- A code span is text between two backticks: `` `x` `` gives `<code>x</code>`; its content is not formatted further.
  An unmatched backtick stays as it is.
- Outside code spans, `**text**` gives `<strong>text</strong>`, then `*text*` gives `<em>text</em>` (in that order;
  `text` is at least one character and the shortest match is taken). Unmatched stars stay as they are.

`convert_file(src, dst)` reads the Markdown file `src`, writes the HTML to `dst` with a final newline added, and
returns the number of blocks written (a list, a heading, a paragraph and a code block each count as one).
''',
        visible=r'''
# 1. inline formatting
assert inline("Some *emphasis*, **strong** & `a < b`") == (
    "Some <em>emphasis</em>, <strong>strong</strong> &amp; <code>a &lt; b</code>")

# 2. the sample document
SAMPLE = ("# Title\n\nSome *emphasis*, **strong** text\nand `a < b` code.\n\n- first\n- second **item**\n\n"
          "1. one\n2. two\n")
assert markdown_to_html(SAMPLE) == (
    "<h1>Title</h1>\n"
    "<p>Some <em>emphasis</em>, <strong>strong</strong> text and <code>a &lt; b</code> code.</p>\n"
    "<ul>\n<li>first</li>\n<li>second <strong>item</strong></li>\n</ul>\n"
    "<ol>\n<li>one</li>\n<li>two</li>\n</ol>")

# 3. files
open("doc.md", "w").write(SAMPLE)
assert convert_file("doc.md", "doc.html") == 4
assert open("doc.html").read() == markdown_to_html(SAMPLE) + "\n"
''',
        hidden=r'''
# 1. code spans are not formatted inside; unmatched markers stay
assert inline("`*not em*` and *em*") == "<code>*not em*</code> and <em>em</em>"
assert inline("a ` b *c*") == "a ` b <em>c</em>"
assert inline("2 * 3 * 4") == "2 <em> 3 </em> 4"
assert inline("a * b") == "a * b"
assert inline("**") == "**"
assert inline("x ** y") == "x ** y"
assert inline("**a** and **b**") == "<strong>a</strong> and <strong>b</strong>"
assert inline("`<b>` \"q\" & 'a'") == "<code>&lt;b&gt;</code> &quot;q&quot; &amp; 'a'"
assert inline("`a` `b`") == "<code>a</code> <code>b</code>"
assert inline("**a *b* c**") == "<strong>a <em>b</em> c</strong>"

# 2. headings: levels, 7 hashes, no space
assert markdown_to_html("###### six\n####### seven\n#no") == "<h6>six</h6>\n<p>####### seven #no</p>"
assert markdown_to_html("##   spaced **b**   ") == "<h2>spaced <strong>b</strong></h2>"

# 3. lists: kinds, switching, ending by a paragraph line, * items
text = "- a\n* b\n1. c\n22. d\n- e\ntext after\n"
assert markdown_to_html(text) == (
    "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol>\n<li>c</li>\n<li>d</li>\n</ol>\n<ul>\n<li>e</li>\n</ul>\n"
    "<p>text after</p>")
assert markdown_to_html("-not an item\n1.no") == "<p>-not an item 1.no</p>"

# 4. paragraphs end at blank lines, headings and items
text = "line one\n   line two  \n\n\nnext para\n# Head\nafter head\n- item\n"
assert markdown_to_html(text) == (
    "<p>line one line two</p>\n<p>next para</p>\n<h1>Head</h1>\n<p>after head</p>\n<ul>\n<li>item</li>\n</ul>")

# 5. fenced code blocks keep their lines, escaped, unformatted
text = "intro\n```\n  x = a < b  # *no*\n\n**raw**\n```\nafter"
assert markdown_to_html(text) == (
    "<p>intro</p>\n<pre><code>  x = a &lt; b  # *no*\n\n**raw**</code></pre>\n<p>after</p>")
assert markdown_to_html("```\nopen & never closed\n- not a list") == (
    "<pre><code>open &amp; never closed\n- not a list</code></pre>")
assert markdown_to_html("- a\n```\ncode\n```\n- b") == (
    "<ul>\n<li>a</li>\n</ul>\n<pre><code>code</code></pre>\n<ul>\n<li>b</li>\n</ul>")

# 6. empty documents
assert markdown_to_html("") == ""
assert markdown_to_html("\n   \n") == ""

# 7. escaping everywhere
assert markdown_to_html("# a & b\n- <i>\n\"q\"") == (
    "<h1>a &amp; b</h1>\n<ul>\n<li>&lt;i&gt;</li>\n</ul>\n<p>&quot;q&quot;</p>")

# 8. convert_file counts blocks
open("d.md", "w").write("# h\n\ntext\n```\nc\n```\n- a\n- b\n1. c\n")
assert convert_file("d.md", "d.html") == 5
assert open("d.html").read().endswith("</ol>\n")
''',
        solution=r'''
import re

_HEADING = re.compile(r"(#{1,6}) +(.*)")
_UL = re.compile(r"[-*] (.*)")
_OL = re.compile(r"\d+\. (.*)")
_STRONG = re.compile(r"\*\*(.+?)\*\*")
_EM = re.compile(r"\*(.+?)\*")


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _emphasis(text):
    return _EM.sub(r"<em>\1</em>", _STRONG.sub(r"<strong>\1</strong>", text))


def inline(text):
    parts = _escape(text).split("`")
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(_emphasis(part))
        elif i == len(parts) - 1:
            out.append("`" + _emphasis(part))
        else:
            out.append(f"<code>{part}</code>")
    return "".join(out)


def _blocks(text):
    """The list of blocks, each a list of output lines."""
    blocks, paragraph, items, kind = [], [], [], None
    raw = text.split("\n")
    lines = [line.rstrip() for line in raw]

    def flush():
        nonlocal paragraph, items, kind
        if paragraph:
            blocks.append(["<p>" + inline(" ".join(paragraph)) + "</p>"])
        if items:
            tag = "ul" if kind == "ul" else "ol"
            blocks.append([f"<{tag}>", *(f"<li>{inline(item)}</li>" for item in items), f"</{tag}>"])
        paragraph, items, kind = [], [], None

    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        heading, ul, ol = _HEADING.fullmatch(line), _UL.fullmatch(line), _OL.fullmatch(line)
        if line == "```":
            flush()
            code = []
            while i < len(lines) and lines[i] != "```":
                code.append(raw[i])
                i += 1
            i += 1
            blocks.append(["<pre><code>" + _escape("\n".join(code)) + "</code></pre>"])
        elif not line.strip():
            flush()
        elif heading:
            flush()
            level = len(heading.group(1))
            blocks.append([f"<h{level}>{inline(heading.group(2).strip())}</h{level}>"])
        elif ul or ol:
            new_kind = "ul" if ul else "ol"
            if paragraph or kind != new_kind:
                flush()
            kind = new_kind
            items.append((ul or ol).group(1).strip())
        else:
            if items:
                flush()
            paragraph.append(line.strip())
    flush()
    return blocks


def markdown_to_html(text):
    return "\n".join(line for block in _blocks(text) for line in block)


def convert_file(src, dst):
    with open(src) as f:
        blocks = _blocks(f.read())
    with open(dst, "w") as f:
        f.write("\n".join(line for block in blocks for line in block) + "\n")
    return len(blocks)
''',
        wrong=r'''
import html
import re


def inline(text):
    text = html.escape(text, quote=True).replace("&#x27;", "'")
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"\*(.+?)\*", r"<em>\1</em>", text)


def _blocks(text):
    blocks, paragraph, items, kind = [], [], [], None
    lines = text.split("\n")

    def flush():
        nonlocal paragraph, items, kind
        if paragraph:
            blocks.append(["<p>" + inline(" ".join(paragraph)) + "</p>"])
        if items:
            blocks.append([f"<{kind}>", *(f"<li>{inline(item)}</li>" for item in items), f"</{kind}>"])
        paragraph, items, kind = [], [], None

    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        i += 1
        if line == "```":
            flush()
            code = []
            while i < len(lines) and lines[i].rstrip() != "```":
                code.append(lines[i])
                i += 1
            i += 1
            blocks.append(["<pre><code>" + html.escape("\n".join(code), quote=False) + "</code></pre>"])
        elif not line.strip():
            flush()
        elif line.startswith("#"):
            flush()
            level = len(line) - len(line.lstrip("#"))
            blocks.append([f"<h{level}>{inline(line[level:].strip())}</h{level}>"])
        elif re.match(r"[-*] ", line) or re.match(r"\d+\. ", line):
            new_kind = "ul" if line[0] in "-*" else "ol"
            if paragraph or kind != new_kind:
                flush()
            kind = new_kind
            items.append(line.split(" ", 1)[1].strip())
        else:
            paragraph.append(line.strip())
    flush()
    return blocks


def markdown_to_html(text):
    return "\n".join(line for block in _blocks(text) for line in block)


def convert_file(src, dst):
    with open(src) as f:
        blocks = _blocks(f.read())
    with open(dst, "w") as f:
        f.write("\n".join(line for block in blocks for line in block) + "\n")
    return len(blocks)
''',
    ),
    ProgramTask(
        name="currency_ledger",
        bin=3,
        entry_point="balances",
        spec=r'''
Write a Python module that defines `load_rates(path)`, `convert(rates, amount, currency, target, date)`,
`holdings(ledger_path)`, `balances(rates_path, ledger_path, currency)` and `report(rates_path, ledger_path,
currency)`: a multi-currency ledger with dated conversion rates. Standard library only.

The rates file:

```
# rates against the base currency
base USD
2024-01-01 EUR 1.10
2024-01-01 GBP 1.25
2024-02-01 EUR 1.08
```

- `#` at the start of a line (after spaces) makes it a comment; blank lines are ignored. Line numbers count every
  line of a file, from 1. Words are separated by any number of spaces.
- The first other line is `base CUR`. Every following line is `DATE CUR RATE`: from DATE on (until a later line for
  the same currency), 1 CUR is worth RATE units of the base currency. The base currency is always worth 1 and has no
  rate lines.
- A currency code is exactly three upper-case letters; a date is a valid calendar date written `YYYY-MM-DD`; a rate
  is a number greater than 0.
- `load_rates(path)` returns `(base, rates)` where `rates` maps each currency to its list of `(date, rate)` pairs
  sorted by date (dates as strings, rates as floats). It raises `ValueError` with `line N` in the message for a
  missing or malformed `base` line, a malformed rate line, a rate line for the base currency and a second rate for
  the same currency and date.

`convert(rates, amount, currency, target, date)` takes the pair returned by `load_rates` and converts `amount` of
`currency` into `target` using, for each of the two, its latest rate dated on or before `date`: `amount x rate(currency)
/ rate(target)`, not rounded. It raises `ValueError` when a currency is unknown or has no rate on or before `date`.

The ledger file has one transfer per line, `DATE FROM TO AMOUNT CUR`:

```
2024-01-05 alice bob 100 EUR
2024-01-07 bob carol 50.5 USD
```

- The same comment and blank-line rules apply. FROM and TO are account names (letters, digits, `_`) and must differ;
  AMOUNT is a number greater than 0; CUR is a currency code. Dates must be valid and never go backwards (equal dates
  are fine). A transfer takes AMOUNT from FROM and gives it to TO.
- `holdings(ledger_path)` returns a dict from account to a dict from currency to the account's net amount in that
  currency, rounded to 2 decimals, leaving out amounts that round to 0 (an account whose amounts all round to 0 maps
  to `{}`). It raises `ValueError` with `line N` for a malformed line (wrong number of words, bad date, bad amount,
  bad code, FROM equal to TO) and for a date earlier than the previous transfer's.

`balances(rates_path, ledger_path, currency)` converts each transfer into `currency` at the rates of the transfer's
own date, sums per account and returns a dict from account to its balance rounded to 2 decimals (round only the
sums). Besides the `holdings` errors it raises `ValueError` with `line N` when a transfer's currency is unknown or
cannot be converted on its date; and `ValueError` when `currency` itself is unknown.

`report(rates_path, ledger_path, currency)` returns a list of strings `"ACCOUNT: BALANCE CUR"` (balance with exactly
2 decimals), sorted by balance from highest to lowest, ties by account name.
''',
        visible=r'''
open("rates.txt", "w").write("# rates\nbase USD\n2024-01-01 EUR 1.10\n2024-01-01 GBP 1.25\n")
open("ledger.txt", "w").write("2024-01-05 alice bob 100 EUR\n2024-01-07 bob carol 50.5 USD\n")

# 1. rates and conversion
base, rates = load_rates("rates.txt")
assert base == "USD"
assert rates == {"EUR": [("2024-01-01", 1.10)], "GBP": [("2024-01-01", 1.25)]}
assert round(convert((base, rates), 100, "EUR", "GBP", "2024-01-02"), 2) == 88.0

# 2. holdings and balances
assert holdings("ledger.txt") == {"alice": {"EUR": -100.0}, "bob": {"EUR": 100.0, "USD": -50.5},
                                  "carol": {"USD": 50.5}}
assert balances("rates.txt", "ledger.txt", "USD") == {"alice": -110.0, "bob": 59.5, "carol": 50.5}

# 3. the report
assert report("rates.txt", "ledger.txt", "EUR") == ["bob: 54.09 EUR", "carol: 45.91 EUR", "alice: -100.00 EUR"]
''',
        hidden=r'''
RATES = "base USD\n2024-01-01 EUR 1.10\n2024-01-01 GBP 1.25\n2024-02-01 EUR 1.20\n2024-03-01 CHF 1.15\n"


def files(rates, ledger):
    open("r.txt", "w").write(rates)
    open("l.txt", "w").write(ledger)


def expect_error(fn, *args, line=None):
    try:
        fn(*args)
    except ValueError as e:
        if line is not None:
            assert "line %d" % line in str(e), (args, str(e))
    else:
        raise AssertionError("expected ValueError for " + repr(args))

# 1. the rate in force on each date is used
files(RATES, "2024-01-15 a b 100 EUR\n2024-02-01 a b 100 EUR\n2024-02-10 b a 50 EUR\n")
assert balances("r.txt", "l.txt", "USD") == {"a": -170.0, "b": 170.0}
_, rates = load_rates("r.txt")
assert rates["EUR"] == [("2024-01-01", 1.10), ("2024-02-01", 1.20)]
assert convert(("USD", rates), 10, "USD", "USD", "2020-01-01") == 10
assert round(convert(("USD", rates), 120, "EUR", "GBP", "2024-02-29"), 2) == 115.2
assert round(convert(("USD", rates), 120, "EUR", "GBP", "2024-01-31"), 2) == 105.6
expect_error(convert, ("USD", rates), 1, "EUR", "USD", "2023-12-31")
expect_error(convert, ("USD", rates), 1, "USD", "CHF", "2024-02-29")
expect_error(convert, ("USD", rates), 1, "JPY", "USD", "2024-02-29")

# 2. rate lines in any order are sorted by date
files("base EUR\n2024-03-01 USD 0.9\n2024-01-01 USD 0.95\n", "2024-02-01 x y 10 USD\n2024-03-05 x y 10 USD\n")
assert load_rates("r.txt") == ("EUR", {"USD": [("2024-01-01", 0.95), ("2024-03-01", 0.9)]})
assert balances("r.txt", "l.txt", "EUR") == {"x": -18.5, "y": 18.5}

# 3. converting into a non-base currency at each date's rates, report order and ties
files(RATES, "2024-03-02 a b 115 CHF\n2024-03-02 c d 125 GBP\n2024-03-03 e f 1 USD\n")
assert balances("r.txt", "l.txt", "GBP") == {"a": -105.8, "b": 105.8, "c": -125.0, "d": 125.0, "e": -0.8, "f": 0.8}
files(RATES, "2024-01-02 b a 10 USD\n2024-01-02 c d 10 USD\n")
assert report("r.txt", "l.txt", "USD") == ["a: 10.00 USD", "d: 10.00 USD", "b: -10.00 USD", "c: -10.00 USD"]

# 4. holdings drop amounts that net to zero; comments, spaces, equal dates
files(RATES, "# t\n\n2024-01-02  a   b  10.005 EUR\n2024-01-02 b a 10.005 EUR\n  2024-01-03 a c 3 GBP\n")
assert holdings("l.txt") == {"a": {"GBP": -3.0}, "b": {}, "c": {"GBP": 3.0}}
assert balances("r.txt", "l.txt", "USD") == {"a": -3.75, "b": 0.0, "c": 3.75}

# 5. a currency with no rate yet on the transfer's date names the line
files(RATES, "2024-01-02 a b 1 EUR\n2024-02-15 a b 1 CHF\n")
expect_error(balances, "r.txt", "l.txt", "USD", line=2)
files(RATES, "2024-01-02 a b 1 EUR\n2024-01-03 a b 1 JPY\n")
expect_error(balances, "r.txt", "l.txt", "USD", line=2)
files(RATES, "2024-01-02 a b 1 EUR\n")
expect_error(balances, "r.txt", "l.txt", "JPY")

# 6. bad ledger lines
for bad in ["2024-01-01 a b 0 EUR", "2024-01-01 a b -5 EUR", "2024-01-01 a a 5 EUR", "2024-02-30 a b 5 EUR",
            "2024-1-01 a b 5 EUR", "2024-01-01 a b 5 eur", "2024-01-01 a b 5", "2024-01-01 a b x EUR",
            "2024-01-01 a b 5 EUR extra", "2024-01-01 a-1 b 5 EUR"]:
    files(RATES, "2024-01-01 a b 1 EUR\n\n" + bad + "\n")
    expect_error(holdings, "l.txt", line=3)
files(RATES, "2024-01-05 a b 1 EUR\n2024-01-04 a b 1 EUR\n")
expect_error(holdings, "l.txt", line=2)
expect_error(balances, "r.txt", "l.txt", "USD", line=2)

# 7. bad rate files
for text, line in [("2024-01-01 EUR 1.1\n", 1), ("# c\nbase usd\n", 2), ("base USD\n2024-01-01 EUR 0\n", 2),
                   ("base USD\n2024-01-01 USD 1\n", 2), ("base USD\n2024-01-01 EUR 1\n2024-01-01 EUR 2\n", 3),
                   ("base USD\n2024-13-01 EUR 1\n", 2), ("base USD\n2024-01-01 EUR\n", 2),
                   ("base USD EUR\n", 1)]:
    files(text, "")
    expect_error(load_rates, "r.txt", line=line)
''',
        solution=r'''
import bisect
import datetime
import re

_CODE = re.compile(r"[A-Z]{3}")
_ACCOUNT = re.compile(r"\w+", re.ASCII)


def _lines(path):
    with open(path) as f:
        for number, raw in enumerate(f, start=1):
            if raw.strip() and not raw.strip().startswith("#"):
                yield number, raw.split()


def _date(text):
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"bad date {text!r}")
    datetime.date.fromisoformat(text)
    return text


def _positive(text):
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise ValueError(f"bad number {text!r}")
    return value


def load_rates(path):
    base, rates = None, {}
    for number, words in _lines(path):
        try:
            if base is None:
                if len(words) != 2 or words[0] != "base" or not _CODE.fullmatch(words[1]):
                    raise ValueError("expected 'base CUR'")
                base = words[1]
                continue
            if len(words) != 3 or not _CODE.fullmatch(words[1]):
                raise ValueError("expected 'DATE CUR RATE'")
            date, code, rate = _date(words[0]), words[1], _positive(words[2])
            if code == base:
                raise ValueError("the base currency has no rates")
            if any(d == date for d, _ in rates.get(code, [])):
                raise ValueError(f"a second rate for {code} on {date}")
            rates.setdefault(code, []).append((date, rate))
        except ValueError as e:
            raise ValueError(f"line {number}: {e}") from None
    if base is None:
        raise ValueError("line 1: missing 'base CUR'")
    return base, {code: sorted(pairs) for code, pairs in rates.items()}


def _rate(base, rates, code, date):
    if code == base:
        return 1.0
    if code not in rates:
        raise ValueError(f"unknown currency {code}")
    pairs = rates[code]
    i = bisect.bisect_right([d for d, _ in pairs], date)
    if i == 0:
        raise ValueError(f"no rate for {code} on {date}")
    return pairs[i - 1][1]


def convert(rates, amount, currency, target, date):
    base, table = rates
    return amount * _rate(base, table, currency, date) / _rate(base, table, target, date)


def _transfers(path):
    previous = None
    for number, words in _lines(path):
        try:
            if len(words) != 5:
                raise ValueError("expected 'DATE FROM TO AMOUNT CUR'")
            date, source, dest, amount, code = words
            _date(date)
            if not (_ACCOUNT.fullmatch(source) and _ACCOUNT.fullmatch(dest)) or source == dest:
                raise ValueError("bad accounts")
            if not _CODE.fullmatch(code):
                raise ValueError(f"bad currency {code!r}")
            if previous is not None and date < previous:
                raise ValueError("dates go backwards")
            previous = date
            yield number, date, source, dest, _positive(amount), code
        except ValueError as e:
            raise ValueError(f"line {number}: {e}") from None


def holdings(ledger_path):
    totals = {}
    for _number, _date_, source, dest, amount, code in _transfers(ledger_path):
        for account, sign in ((source, -1), (dest, 1)):
            per = totals.setdefault(account, {})
            per[code] = per.get(code, 0.0) + sign * amount
    return {account: {code: round(v, 2) for code, v in per.items() if round(v, 2) != 0}
            for account, per in totals.items()}


def balances(rates_path, ledger_path, currency):
    rates = load_rates(rates_path)
    if currency != rates[0] and currency not in rates[1]:
        raise ValueError(f"unknown currency {currency}")
    totals = {}
    for number, date, source, dest, amount, code in _transfers(ledger_path):
        try:
            value = convert(rates, amount, code, currency, date)
        except ValueError as e:
            raise ValueError(f"line {number}: {e}") from None
        totals[source] = totals.get(source, 0.0) - value
        totals[dest] = totals.get(dest, 0.0) + value
    return {account: round(total, 2) + 0.0 for account, total in totals.items()}


def report(rates_path, ledger_path, currency):
    totals = balances(rates_path, ledger_path, currency)
    order = sorted(totals, key=lambda account: (-totals[account], account))
    return [f"{account}: {totals[account]:.2f} {currency}" for account in order]
''',
        wrong=r'''
import datetime
import re

_CODE = re.compile(r"[A-Z]{3}")
_ACCOUNT = re.compile(r"\w+", re.ASCII)


def _lines(path):
    with open(path) as f:
        for number, raw in enumerate(f, start=1):
            if raw.strip() and not raw.strip().startswith("#"):
                yield number, raw.split()


def _date(text):
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"bad date {text!r}")
    datetime.date.fromisoformat(text)
    return text


def _positive(text):
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise ValueError(f"bad number {text!r}")
    return value


def load_rates(path):
    base, rates = None, {}
    for number, words in _lines(path):
        try:
            if base is None:
                if len(words) != 2 or words[0] != "base" or not _CODE.fullmatch(words[1]):
                    raise ValueError("expected 'base CUR'")
                base = words[1]
                continue
            if len(words) != 3 or not _CODE.fullmatch(words[1]):
                raise ValueError("expected 'DATE CUR RATE'")
            date, code, rate = _date(words[0]), words[1], _positive(words[2])
            if code == base:
                raise ValueError("the base currency has no rates")
            if any(d == date for d, _ in rates.get(code, [])):
                raise ValueError(f"a second rate for {code} on {date}")
            rates.setdefault(code, []).append((date, rate))
        except ValueError as e:
            raise ValueError(f"line {number}: {e}") from None
    if base is None:
        raise ValueError("line 1: missing 'base CUR'")
    return base, {code: sorted(pairs) for code, pairs in rates.items()}


def _rate(base, rates, code, date):
    if code == base:
        return 1.0
    if code not in rates:
        raise ValueError(f"unknown currency {code}")
    return rates[code][-1][1]


def convert(rates, amount, currency, target, date):
    base, table = rates
    return amount * _rate(base, table, currency, date) / _rate(base, table, target, date)


def _transfers(path):
    for number, words in _lines(path):
        try:
            if len(words) != 5:
                raise ValueError("expected 'DATE FROM TO AMOUNT CUR'")
            date, source, dest, amount, code = words
            _date(date)
            if not (_ACCOUNT.fullmatch(source) and _ACCOUNT.fullmatch(dest)) or source == dest:
                raise ValueError("bad accounts")
            if not _CODE.fullmatch(code):
                raise ValueError(f"bad currency {code!r}")
            yield number, date, source, dest, _positive(amount), code
        except ValueError as e:
            raise ValueError(f"line {number}: {e}") from None


def holdings(ledger_path):
    totals = {}
    for _number, _date_, source, dest, amount, code in _transfers(ledger_path):
        for account, sign in ((source, -1), (dest, 1)):
            per = totals.setdefault(account, {})
            per[code] = per.get(code, 0.0) + sign * amount
    return {account: {code: round(v, 2) for code, v in per.items() if round(v, 2) != 0}
            for account, per in totals.items()}


def balances(rates_path, ledger_path, currency):
    rates = load_rates(rates_path)
    if currency != rates[0] and currency not in rates[1]:
        raise ValueError(f"unknown currency {currency}")
    totals = {}
    for number, date, source, dest, amount, code in _transfers(ledger_path):
        try:
            value = convert(rates, amount, code, currency, date)
        except ValueError as e:
            raise ValueError(f"line {number}: {e}") from None
        totals[source] = totals.get(source, 0.0) - value
        totals[dest] = totals.get(dest, 0.0) + value
    return {account: round(total, 2) + 0.0 for account, total in totals.items()}


def report(rates_path, ledger_path, currency):
    totals = balances(rates_path, ledger_path, currency)
    order = sorted(totals, key=lambda account: (-totals[account], account))
    return [f"{account}: {totals[account]:.2f} {currency}" for account in order]
''',
    ),
    ProgramTask(
        name="log_sessions",
        bin=3,
        entry_point="sessions",
        spec=r'''
Write a Python module that defines `parse_log(path)`, `sessions(path, timeout=1800)` and
`summary(path, timeout=1800)`: a web log analyzer that groups each user's requests into sessions. Standard library
only.

The log file has one request per line, `TIMESTAMP USER METHOD PATH STATUS`, words separated by any number of
spaces:

```
# access log
2024-03-01T10:00:00 alice GET /home 200
2024-03-01T10:05:30 bob POST /login 302
2024-03-01T10:20:00 alice GET /cart 404
2024-03-01T11:30:00 alice GET /home 200
```

- Blank lines and lines starting with `#` (after spaces) are ignored.
- A valid line has exactly 5 words: a timestamp written exactly `YYYY-MM-DDTHH:MM:SS` that is a real date and time, a
  user name, a method among `GET POST PUT DELETE`, a path starting with `/`, and a status that is an integer from
  100 to 599. Any other line is malformed: it is skipped and counted, never an error.
- The file is not necessarily in time order.

`parse_log(path)` returns `(requests, skipped)`: the valid requests as tuples
`(timestamp, user, method, path, status)` (`timestamp` a `datetime.datetime`, `status` an int), sorted by time
(requests with the same time keep their file order), and the number of malformed lines.

`sessions(path, timeout=1800)` returns a dict from user to that user's list of sessions in time order. A user's
requests, in time order, belong to the same session as long as each comes at most `timeout` seconds after the
user's previous request; a request more than `timeout` seconds after the previous one starts a new session (a gap
of exactly `timeout` does not). Each session is a dict: `"start"` and `"end"` (timestamps of its first and last
request as strings in the file's format), `"requests"` (count), `"pages"` (number of distinct paths), `"errors"`
(requests with status 400 or more) and `"duration"` (seconds from start to end, an int).

`summary(path, timeout=1800)` returns a dict:

- `"users"`: number of distinct users; `"sessions"`: number of sessions; `"requests"`: number of valid requests;
  `"skipped"`: number of malformed lines;
- `"avg_duration"`: mean session duration in seconds rounded to 1 decimal (0.0 when there are no sessions);
- `"longest"`: `(user, start)` of the longest session (ties: earliest start, then user name), or `None`;
- `"top_pages"`: up to 3 `(path, count)` pairs of the most requested paths over all requests, by count from highest
  to lowest, ties by path.
''',
        visible=r'''
open("access.log", "w").write(
    "# access log\n2024-03-01T10:00:00 alice GET /home 200\n2024-03-01T10:05:30 bob POST /login 302\n"
    "2024-03-01T10:20:00 alice GET /cart 404\n2024-03-01T11:30:00 alice GET /home 200\n")

# 1. sessions per user
assert sessions("access.log") == {
    "alice": [{"start": "2024-03-01T10:00:00", "end": "2024-03-01T10:20:00", "requests": 2, "pages": 2,
               "errors": 1, "duration": 1200},
              {"start": "2024-03-01T11:30:00", "end": "2024-03-01T11:30:00", "requests": 1, "pages": 1,
               "errors": 0, "duration": 0}],
    "bob": [{"start": "2024-03-01T10:05:30", "end": "2024-03-01T10:05:30", "requests": 1, "pages": 1,
             "errors": 0, "duration": 0}]}

# 2. the summary
assert summary("access.log") == {"users": 2, "sessions": 3, "requests": 4, "skipped": 0, "avg_duration": 400.0,
                                 "longest": ("alice", "2024-03-01T10:00:00"),
                                 "top_pages": [("/home", 2), ("/cart", 1), ("/login", 1)]}

# 3. parsing
requests, skipped = parse_log("access.log")
assert skipped == 0 and len(requests) == 4
assert requests[1][1:] == ("bob", "POST", "/login", 302)
''',
        hidden=r'''
import datetime


def write(text):
    open("a.log", "w").write(text)
    return "a.log"

# 1. a gap of exactly the timeout continues the session, one second more splits it
text = ("2024-03-01T10:00:00 u GET /a 200\n2024-03-01T10:30:00 u GET /b 200\n"
        "2024-03-01T11:00:01 u GET /a 200\n")
s = sessions(write(text))
assert [(x["start"], x["end"], x["requests"], x["duration"]) for x in s["u"]] == [
    ("2024-03-01T10:00:00", "2024-03-01T10:30:00", 2, 1800), ("2024-03-01T11:00:01", "2024-03-01T11:00:01", 1, 0)]
s = sessions(write(text), timeout=1801)
assert [(x["requests"], x["duration"], x["pages"]) for x in s["u"]] == [(3, 3601, 2)]
s = sessions(write(text), timeout=60)
assert len(s["u"]) == 3

# 2. lines out of order are sorted by time first
text = ("2024-03-01T10:40:00 u GET /c 500\n2024-03-01T10:00:00 u GET /a 200\n2024-03-01T10:20:00 u PUT /b 201\n"
        "2024-03-01T09:00:00 v GET /a 200\n")
s = sessions(write(text))
assert s["u"] == [{"start": "2024-03-01T10:00:00", "end": "2024-03-01T10:40:00", "requests": 3, "pages": 3,
                   "errors": 1, "duration": 2400}], s
requests, skipped = parse_log(write(text))
assert [r[0] for r in requests] == [datetime.datetime(2024, 3, 1, 9), datetime.datetime(2024, 3, 1, 10),
                                    datetime.datetime(2024, 3, 1, 10, 20), datetime.datetime(2024, 3, 1, 10, 40)]
assert requests[0] == (datetime.datetime(2024, 3, 1, 9), "v", "GET", "/a", 200)

# 3. equal times keep file order; sessions across midnight
text = "2024-03-01T23:50:00 u GET /x 200\n2024-03-02T00:10:00 u GET /z 200\n2024-03-02T00:10:00 u GET /y 200\n"
requests, _ = parse_log(write(text))
assert [r[3] for r in requests] == ["/x", "/z", "/y"]
assert sessions(write(text))["u"][0]["duration"] == 1200

# 4. malformed lines are skipped and counted
text = ("# c\n\n2024-03-01T10:00:00 u GET /a 200\n2024-03-01 10:00:00 u GET /a 200\n2024-02-30T10:00:00 u GET /a 200\n"
        "2024-03-01T25:00:00 u GET /a 200\n2024-03-01T10:00:00 u FETCH /a 200\n2024-03-01T10:00:00 u GET a 200\n"
        "2024-03-01T10:00:00 u GET /a 99\n2024-03-01T10:00:00 u GET /a 600\n2024-03-01T10:00:00 u GET /a ok\n"
        "2024-03-01T10:00:00 u GET /a\n2024-03-01T10:00:00 u GET /a 200 x\n2024-3-01T10:00:00 u GET /a 200\n"
        "   2024-03-01T10:01:00    w   DELETE   /a   599  \n")
requests, skipped = parse_log(write(text))
assert skipped == 11, skipped
assert [(r[1], r[4]) for r in requests] == [("u", 200), ("w", 599)]
assert summary(write(text))["skipped"] == 11

# 5. summary: averages, longest with ties, top pages with ties
text = ("2024-03-01T10:00:00 b GET /p 200\n2024-03-01T10:10:00 b GET /q 200\n"
        "2024-03-01T09:00:00 a GET /q 200\n2024-03-01T09:10:00 a GET /r 200\n"
        "2024-03-01T12:00:00 a GET /s 200\n2024-03-01T12:00:05 c GET /p 200\n")
assert summary(write(text)) == {"users": 3, "sessions": 4, "requests": 6, "skipped": 0, "avg_duration": 300.0,
                                "longest": ("a", "2024-03-01T09:00:00"),
                                "top_pages": [("/p", 2), ("/q", 2), ("/r", 1)]}
text = "2024-03-01T10:00:00 z GET /p 200\n2024-03-01T10:00:00 y GET /p 200\n2024-03-01T10:00:07 y GET /p 200\n"
assert summary(write(text))["longest"] == ("y", "2024-03-01T10:00:00")
assert summary(write(text))["avg_duration"] == 3.5
text = "2024-03-01T10:00:00 z GET /p 200\n2024-03-01T10:00:00 y GET /p 200\n"
assert summary(write(text))["longest"] == ("y", "2024-03-01T10:00:00")
text = "2024-03-01T10:00:00 a GET /p 200\n2024-03-01T10:00:01 a GET /p 200\n2024-03-01T10:00:00 b GET /p 200\n"
assert summary(write(text), timeout=0)["avg_duration"] == 0.0
assert summary(write(text), timeout=0)["sessions"] == 3

# 6. an empty log
assert summary(write("# nothing\n")) == {"users": 0, "sessions": 0, "requests": 0, "skipped": 0,
                                         "avg_duration": 0.0, "longest": None, "top_pages": []}
assert sessions(write("")) == {}
''',
        solution=r'''
import datetime
import re

_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_METHODS = {"GET", "POST", "PUT", "DELETE"}
_FORMAT = "%Y-%m-%dT%H:%M:%S"


def _parse_line(words):
    if len(words) != 5:
        return None
    stamp, user, method, path, status = words
    if not _STAMP.fullmatch(stamp) or method not in _METHODS or not path.startswith("/"):
        return None
    if not re.fullmatch(r"\d{3}", status) or not 100 <= int(status) <= 599:
        return None
    try:
        when = datetime.datetime.strptime(stamp, _FORMAT)
    except ValueError:
        return None
    return when, user, method, path, int(status)


def parse_log(path):
    requests, skipped = [], 0
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            request = _parse_line(line.split())
            if request is None:
                skipped += 1
            else:
                requests.append(request)
    requests.sort(key=lambda r: r[0])
    return requests, skipped


def _session(group):
    start, end = group[0][0], group[-1][0]
    return {"start": start.strftime(_FORMAT), "end": end.strftime(_FORMAT), "requests": len(group),
            "pages": len({r[3] for r in group}), "errors": sum(1 for r in group if r[4] >= 400),
            "duration": int((end - start).total_seconds())}


def sessions(path, timeout=1800):
    requests, _ = parse_log(path)
    per_user = {}
    for request in requests:
        per_user.setdefault(request[1], []).append(request)
    result = {}
    for user, items in per_user.items():
        groups = [[items[0]]]
        for request in items[1:]:
            if (request[0] - groups[-1][-1][0]).total_seconds() > timeout:
                groups.append([request])
            else:
                groups[-1].append(request)
        result[user] = [_session(group) for group in groups]
    return result


def summary(path, timeout=1800):
    requests, skipped = parse_log(path)
    all_sessions = [(user, s) for user, items in sessions(path, timeout).items() for s in items]
    durations = [s["duration"] for _, s in all_sessions]
    longest = None
    if all_sessions:
        user, s = min(all_sessions, key=lambda us: (-us[1]["duration"], us[1]["start"], us[0]))
        longest = (user, s["start"])
    counts = {}
    for request in requests:
        counts[request[3]] = counts.get(request[3], 0) + 1
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:3]
    return {"users": len({r[1] for r in requests}), "sessions": len(all_sessions), "requests": len(requests),
            "skipped": skipped, "avg_duration": round(sum(durations) / len(durations), 1) if durations else 0.0,
            "longest": longest, "top_pages": top}
''',
        wrong=r'''
import datetime
import re

_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_METHODS = {"GET", "POST", "PUT", "DELETE"}
_FORMAT = "%Y-%m-%dT%H:%M:%S"


def _parse_line(words):
    if len(words) != 5:
        return None
    stamp, user, method, path, status = words
    if not _STAMP.fullmatch(stamp) or method not in _METHODS or not path.startswith("/"):
        return None
    if not re.fullmatch(r"\d{3}", status) or not 100 <= int(status) <= 599:
        return None
    try:
        when = datetime.datetime.strptime(stamp, _FORMAT)
    except ValueError:
        return None
    return when, user, method, path, int(status)


def parse_log(path):
    requests, skipped = [], 0
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            request = _parse_line(line.split())
            if request is None:
                skipped += 1
            else:
                requests.append(request)
    return requests, skipped


def _session(group):
    start, end = group[0][0], group[-1][0]
    return {"start": start.strftime(_FORMAT), "end": end.strftime(_FORMAT), "requests": len(group),
            "pages": len({r[3] for r in group}), "errors": sum(1 for r in group if r[4] >= 400),
            "duration": int((end - start).total_seconds())}


def sessions(path, timeout=1800):
    requests, _ = parse_log(path)
    per_user = {}
    for request in requests:
        per_user.setdefault(request[1], []).append(request)
    result = {}
    for user, items in per_user.items():
        groups = [[items[0]]]
        for request in items[1:]:
            if (request[0] - groups[-1][-1][0]).total_seconds() >= timeout:
                groups.append([request])
            else:
                groups[-1].append(request)
        result[user] = [_session(group) for group in groups]
    return result


def summary(path, timeout=1800):
    requests, skipped = parse_log(path)
    all_sessions = [(user, s) for user, items in sessions(path, timeout).items() for s in items]
    durations = [s["duration"] for _, s in all_sessions]
    longest = None
    if all_sessions:
        user, s = min(all_sessions, key=lambda us: (-us[1]["duration"], us[1]["start"], us[0]))
        longest = (user, s["start"])
    counts = {}
    for request in requests:
        counts[request[3]] = counts.get(request[3], 0) + 1
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:3]
    return {"users": len({r[1] for r in requests}), "sessions": len(all_sessions), "requests": len(requests),
            "skipped": skipped, "avg_duration": round(sum(durations) / len(durations), 1) if durations else 0.0,
            "longest": longest, "top_pages": top}
''',
    ),
    ProgramTask(
        name="state_machine",
        bin=3,
        entry_point="run_machine",
        spec=r'''
Write a Python module that defines `load_machine(path)` and `run_machine(path, events)`: an interpreter for state
machines described in a definition file. Standard library only.

```
# turnstile
var coins = 0
state locked initial
state unlocked
state broken final
locked -> unlocked on coin do coins += 1
unlocked -> locked on push
unlocked -> unlocked on coin if coins < 3 do coins += 1
unlocked -> broken on coin
```

Definition rules:

- `#` at the start of a line (after spaces) makes it a comment; blank lines are ignored; words are separated by any
  number of spaces; line numbers count every line, from 1. Names (variables, states, events) are letters, digits
  and `_`, starting with a letter.
- `var NAME = INT` declares an integer variable with its starting value (INT may be negative).
- `state NAME` declares a state, optionally followed by `initial` and/or `final` (in any order, each at most once).
- `FROM -> TO on EVENT`, optionally followed by a guard `if VAR OP INT` (OP one of `== != < <= > >=`) and then
  optionally by an action `do VAR += INT`, `do VAR -= INT` or `do VAR = INT`, is a transition. States and variables
  may be declared before or after the transitions that use them.
- `ValueError` with `line N` in the message for: a line that matches none of these forms; a state or variable
  declared a second time; a transition whose FROM or TO is not a declared state; a guard or action using an
  undeclared variable; a transition leaving a final state; a second `initial` state (N is the line of the second).
- `ValueError` (no line needed) when no state is initial, and when a declared state cannot be reached from the
  initial state by following transitions (guards ignored); the message then contains the name of the first such
  state in declaration order.

`load_machine(path)` returns `{"initial": NAME, "states": [...], "finals": [...], "vars": {...}, "transitions": N}`:
the state names and the final state names in declaration order, the variables with their starting values, and the
number of transitions.

`run_machine(path, events)` starts in the initial state with the starting variable values and processes the list of
event names in order. For each event, the transitions are tried in file order: the first one that leaves the current
state on this event and whose guard (if any) holds fires: its action (if any) is applied and the machine moves to
TO. An event for which no transition fires changes nothing and is recorded as ignored. It returns
`{"state": CURRENT, "vars": {...}, "ignored": [...], "accepted": BOOL}`: the state after the last event, the
variables' values, the 0-based positions in `events` of the ignored events, and whether the state is final.
''',
        visible=r'''
open("turnstile.txt", "w").write(
    "# turnstile\nvar coins = 0\nstate locked initial\nstate unlocked\nstate broken final\n"
    "locked -> unlocked on coin do coins += 1\nunlocked -> locked on push\n"
    "unlocked -> unlocked on coin if coins < 3 do coins += 1\nunlocked -> broken on coin\n")

# 1. loading
assert load_machine("turnstile.txt") == {"initial": "locked", "states": ["locked", "unlocked", "broken"],
                                         "finals": ["broken"], "vars": {"coins": 0}, "transitions": 4}

# 2. running
assert run_machine("turnstile.txt", ["coin", "push", "push", "coin"]) == {
    "state": "unlocked", "vars": {"coins": 2}, "ignored": [2], "accepted": False}

# 3. a transition to an undeclared state names its line
open("bad.txt", "w").write("state a initial\n\na -> b on go\n")
try:
    load_machine("bad.txt")
except ValueError as e:
    assert "line 3" in str(e), str(e)
else:
    raise AssertionError("expected ValueError")
''',
        hidden=r'''
TURNSTILE = ("# turnstile\nvar coins = 0\nstate locked initial\nstate unlocked\nstate broken final\n"
             "locked -> unlocked on coin do coins += 1\nunlocked -> locked on push\n"
             "unlocked -> unlocked on coin if coins < 3 do coins += 1\nunlocked -> broken on coin\n")


def write(text):
    open("m.txt", "w").write(text)
    return "m.txt"


def expect_error(text, line=None, word=None):
    try:
        load_machine(write(text))
    except ValueError as e:
        if line is not None:
            assert "line %d" % line in str(e), (text, str(e))
        if word is not None:
            assert word in str(e), (text, str(e))
    else:
        raise AssertionError("expected ValueError for " + repr(text))

# 1. a failing guard falls through to the next transition in file order
r = run_machine(write(TURNSTILE), ["coin", "coin", "coin", "coin", "push"])
assert r == {"state": "broken", "vars": {"coins": 3}, "ignored": [4], "accepted": True}, r

# 2. after a final state every event is ignored
r = run_machine(write(TURNSTILE), ["coin", "coin", "coin", "coin", "coin", "coin"])
assert r == {"state": "broken", "vars": {"coins": 3}, "ignored": [4, 5], "accepted": True}, r
assert run_machine(write(TURNSTILE), []) == {"state": "locked", "vars": {"coins": 0}, "ignored": [],
                                              "accepted": False}

# 3. guards with every operator, actions with every form, negative numbers
text = ("state s initial\nvar x = -2\nvar y = 10\n"
        "s -> s on a if x == -2 do x = 5\ns -> s on b if x != 5 do y -= 1\ns -> s on c if x >= 5 do y += 6\n"
        "s -> s on d if y > 14 do x -= 10\ns -> s on e if x <= -5 do y = -1\ns -> s on f if y < 0 do x += 100\n")
r = run_machine(write(text), ["b", "a", "b", "c", "d", "e", "f", "a"])
assert r == {"state": "s", "vars": {"x": 95, "y": -1}, "ignored": [2, 7], "accepted": False}, r

# 4. states and variables declared after use, flags in any order, spacing
text = ("  # m\n\nstart -> mid on go   if n < 1   do n += 1\nmid -> end on go\nstate   end   final\n"
        "state start initial\nstate mid\nvar n = 0\n")
assert load_machine(write(text)) == {"initial": "start", "states": ["end", "start", "mid"], "finals": ["end"],
                                     "vars": {"n": 0}, "transitions": 2}
assert run_machine(write(text), ["go", "stop", "go"]) == {"state": "end", "vars": {"n": 1}, "ignored": [1],
                                                         "accepted": True}
assert load_machine(write("state a final initial\n"))["finals"] == ["a"]

# 5. definition errors naming lines
expect_error("state a initial\nstate a\n", 2)
expect_error("var x = 1\nstate a initial\nvar x = 2\n", 3)
expect_error("state a initial\nstate b\nb -> a on x\na -> b on y if z > 1\n", 4)
expect_error("state a initial\nstate b\nb -> a on x\na -> b on y do z += 1\n", 4)
expect_error("state a initial final\nstate b\na -> b on go\n", 3)
expect_error("state a initial\nstate b initial\n", 2)
expect_error("state a initial\nstate b\nc -> b on go\n", 3)
for bad in ["state", "state a b", "state a initial initial", "var x = y", "var x 1", "a -> b", "a -> b on",
            "a => b on go", "a -> b on go if x", "a -> b on go if x =< 1", "a -> b on go do x *= 2",
            "a -> b on go do x += 1 if x > 0", "1a -> b on go", "var x = 1.5"]:
    expect_error("var x = 0\nstate a initial\nstate b\na -> b on z\n" + bad + "\n", 5)

# 6. whole-definition errors
expect_error("state a\nstate b\na -> b on go\n", word="initial")
expect_error("state a initial\nstate b\nstate c\nstate d\na -> c on go\nb -> d on go\n", word="b")
expect_error("state a initial\nstate z\nstate b\nz -> a on go\n", word="z")
load_machine(write("state a initial\nstate b\nstate c\na -> b on x if n > 100\nb -> c on y\nvar n = 0\n"))
''',
        solution=r'''
import operator
import re

_NAME = r"[A-Za-z][A-Za-z0-9_]*"
_INT = r"-?\d+"
_VAR = re.compile(rf"var\s+({_NAME})\s*=\s*({_INT})")
_STATE = re.compile(rf"state\s+({_NAME})((?:\s+(?:initial|final))*)")
_TRANSITION = re.compile(rf"({_NAME})\s+->\s+({_NAME})\s+on\s+({_NAME})"
                         rf"(?:\s+if\s+({_NAME})\s*(==|!=|<=|>=|<|>)\s*({_INT}))?"
                         rf"(?:\s+do\s+({_NAME})\s*(\+=|-=|=)\s*({_INT}))?")
_OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
        ">=": operator.ge}


def _parse(path):
    states, finals, variables, transitions = {}, [], {}, []
    initial = None
    with open(path) as f:
        for number, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if m := _VAR.fullmatch(line):
                if m.group(1) in variables:
                    raise ValueError(f"line {number}: variable {m.group(1)!r} declared twice")
                variables[m.group(1)] = int(m.group(2))
            elif (m := _STATE.fullmatch(line)) and m.group(1) not in ("initial", "final"):
                name, flags = m.group(1), m.group(2).split()
                if len(set(flags)) != len(flags):
                    raise ValueError(f"line {number}: repeated flag")
                if name in states:
                    raise ValueError(f"line {number}: state {name!r} declared twice")
                states[name] = number
                if "initial" in flags:
                    if initial is not None:
                        raise ValueError(f"line {number}: a second initial state {name!r}")
                    initial = name
                if "final" in flags:
                    finals.append(name)
            elif m := _TRANSITION.fullmatch(line):
                transitions.append((number, m.groups()))
            else:
                raise ValueError(f"line {number}: cannot read {line!r}")
    for number, (source, target, _event, guard_var, _op, _value, action_var, _act, _amount) in transitions:
        for state in (source, target):
            if state not in states:
                raise ValueError(f"line {number}: undeclared state {state!r}")
        for var in (guard_var, action_var):
            if var is not None and var not in variables:
                raise ValueError(f"line {number}: undeclared variable {var!r}")
        if source in finals:
            raise ValueError(f"line {number}: a transition leaves the final state {source!r}")
    if initial is None:
        raise ValueError("no initial state")
    reached, todo = {initial}, [initial]
    while todo:
        here = todo.pop()
        for _number, t in transitions:
            if t[0] == here and t[1] not in reached:
                reached.add(t[1])
                todo.append(t[1])
    for state in states:
        if state not in reached:
            raise ValueError(f"state {state!r} cannot be reached from {initial!r}")
    return initial, list(states), finals, variables, [t for _, t in transitions]


def load_machine(path):
    initial, states, finals, variables, transitions = _parse(path)
    return {"initial": initial, "states": states, "finals": finals, "vars": dict(variables),
            "transitions": len(transitions)}


def run_machine(path, events):
    state, _states, finals, variables, transitions = _parse(path)
    variables = dict(variables)
    ignored = []
    for index, event in enumerate(events):
        for source, target, on, guard_var, op, value, action_var, act, amount in transitions:
            if source != state or on != event:
                continue
            if guard_var is not None and not _OPS[op](variables[guard_var], int(value)):
                continue
            if action_var is not None:
                if act == "=":
                    variables[action_var] = int(amount)
                elif act == "+=":
                    variables[action_var] += int(amount)
                else:
                    variables[action_var] -= int(amount)
            state = target
            break
        else:
            ignored.append(index)
    return {"state": state, "vars": variables, "ignored": ignored, "accepted": state in finals}
''',
        wrong=r'''
import operator
import re

_NAME = r"[A-Za-z][A-Za-z0-9_]*"
_INT = r"-?\d+"
_VAR = re.compile(rf"var\s+({_NAME})\s*=\s*({_INT})")
_STATE = re.compile(rf"state\s+({_NAME})((?:\s+(?:initial|final))*)")
_TRANSITION = re.compile(rf"({_NAME})\s+->\s+({_NAME})\s+on\s+({_NAME})"
                         rf"(?:\s+if\s+({_NAME})\s*(==|!=|<=|>=|<|>)\s*({_INT}))?"
                         rf"(?:\s+do\s+({_NAME})\s*(\+=|-=|=)\s*({_INT}))?")
_OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
        ">=": operator.ge}


def _parse(path):
    states, finals, variables, transitions = {}, [], {}, []
    initial = None
    with open(path) as f:
        for number, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if m := _VAR.fullmatch(line):
                if m.group(1) in variables:
                    raise ValueError(f"line {number}: variable {m.group(1)!r} declared twice")
                variables[m.group(1)] = int(m.group(2))
            elif (m := _STATE.fullmatch(line)) and m.group(1) not in ("initial", "final"):
                name, flags = m.group(1), m.group(2).split()
                if len(set(flags)) != len(flags):
                    raise ValueError(f"line {number}: repeated flag")
                if name in states:
                    raise ValueError(f"line {number}: state {name!r} declared twice")
                states[name] = number
                if "initial" in flags:
                    if initial is not None:
                        raise ValueError(f"line {number}: a second initial state {name!r}")
                    initial = name
                if "final" in flags:
                    finals.append(name)
            elif m := _TRANSITION.fullmatch(line):
                transitions.append((number, m.groups()))
            else:
                raise ValueError(f"line {number}: cannot read {line!r}")
    for number, (source, target, _event, guard_var, _op, _value, action_var, _act, _amount) in transitions:
        for state in (source, target):
            if state not in states:
                raise ValueError(f"line {number}: undeclared state {state!r}")
        for var in (guard_var, action_var):
            if var is not None and var not in variables:
                raise ValueError(f"line {number}: undeclared variable {var!r}")
        if source in finals:
            raise ValueError(f"line {number}: a transition leaves the final state {source!r}")
    if initial is None:
        raise ValueError("no initial state")
    return initial, list(states), finals, variables, [t for _, t in transitions]


def load_machine(path):
    initial, states, finals, variables, transitions = _parse(path)
    return {"initial": initial, "states": states, "finals": finals, "vars": dict(variables),
            "transitions": len(transitions)}


def run_machine(path, events):
    state, _states, finals, variables, transitions = _parse(path)
    variables = dict(variables)
    ignored = []
    for index, event in enumerate(events):
        for source, target, on, guard_var, op, value, action_var, act, amount in transitions:
            if source != state or on != event:
                continue
            if guard_var is not None and not _OPS[op](variables[guard_var], int(value)):
                ignored.append(index)
                break
            if action_var is not None:
                if act == "=":
                    variables[action_var] = int(amount)
                elif act == "+=":
                    variables[action_var] += int(amount)
                else:
                    variables[action_var] -= int(amount)
            state = target
            break
        else:
            ignored.append(index)
    return {"state": state, "vars": variables, "ignored": ignored, "accepted": state in finals}
''',
    ),
]
