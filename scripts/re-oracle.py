#!/usr/bin/env python3
"""Python `re` oracle for elt's modules.re (compiler/pyre*.go).

    re-oracle.py CASES            render every case of CASES, print a JSON
                                  object {case name: answer}
    re-oracle.py --codegen TARBALL MODEL_SQL
                                  print what dbt-codegen's
                                  generate_model_import_ctes returns for a
                                  model whose SQL is the file MODEL_SQL
    re-oracle.py --unicode        print the character data Python's re uses
                                  (\\w \\d \\s, lowercase, cased, the extra
                                  case equivalents) as JSON
    re-oracle.py --generate COUNT SEED
                                  print COUNT random patterns and strings,
                                  one JSON object a line, with what
                                  search, match, fullmatch, findall, sub
                                  and split answer for them

CASES is compiler/testdata/pyre/cases.txt: "-- name --" lines, each
followed by a template (its lines up to the next marker, trailing empty
lines dropped).
Every template runs after "{% set re = modules.re %}" in the environment
dbt renders with: a SandboxedEnvironment with the do and loopcontrols
extensions, where modules.re is the dict dbt builds from re.__all__.
An answer is {"output": "..."} or {"error": "<exception class>",
"message": "..."}.

For --codegen, the macro file of the release is loaded and
default__generate_model_import_ctes is called with small stand-ins for
what it reads from dbt (execute, graph, print, return); the stand-ins are
the same in compiler/pyre_test.go's end-to-end test, which renders the
real package through elt.
"""

import json
import random
import re
import sys
import tarfile

import jinja2
import jinja2.ext
import jinja2.sandbox


def re_context():
    # dbt/context/base.py: get_re_module_context
    return {name: getattr(re, name) for name in re.__all__}


def environment():
    return jinja2.sandbox.SandboxedEnvironment(
        extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])


def read_cases(path):
    """The cases of a file: a section's lines up to the next marker,
    trailing empty lines dropped; lines before the first marker are notes."""
    cases = []
    name, lines = None, []

    def flush():
        while lines and lines[-1] == "":
            lines.pop()
        cases.append((name, "\n".join(lines)))

    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n"):
            m = re.fullmatch(r"-- (.+) --", line)
            if m:
                if name is not None:
                    flush()
                name, lines = m.group(1), []
            elif name is not None:
                lines.append(line)
    if name is not None:
        flush()
    return cases


def answer(env, template):
    try:
        out = env.from_string("{% set re = modules.re %}" + template).render(
            modules={"re": re_context()})
        return {"output": out}
    except Exception as e:  # the class is the answer
        return {"error": type(e).__name__, "message": str(e)}


class Returned(Exception):
    def __init__(self, value):
        self.value = value


def codegen(tarball, model_sql):
    with tarfile.open(tarball) as tf:
        member = next(m for m in tf.getmembers()
                      if m.name.endswith("macros/generate_model_import_ctes.sql"))
        source = tf.extractfile(member).read().decode("utf-8")
    with open(model_sql, encoding="utf-8") as f:
        raw = f.read()

    def do_return(v):
        raise Returned(v)

    env = environment()
    module = env.from_string(source).make_module({
        "modules": {"re": re_context()},
        "execute": True,
        "graph": {"nodes": {"model.shop.orders": {
            "name": "orders", "resource_type": "model", "raw_code": raw}}},
        "print": lambda *a: "",
        "return": do_return,
    })
    try:
        out = module.default__generate_model_import_ctes("orders", False)
    except Returned as r:
        out = r.value
    sys.stdout.write(str(out))


# ---- character data (--unicode) ----

def unicode_data():
    import unicodedata
    import _sre
    from re import _casefix

    def ranges(pred):
        out, start = [], None
        for c in range(0x110000):
            if pred(c):
                if start is None:
                    start = c
            elif start is not None:
                out.append([start, c - 1])
                start = None
        if start is not None:
            out.append([start, 0x10FFFF])
        return out

    word, digit, space = re.compile(r"\w"), re.compile(r"\d"), re.compile(r"\s")
    surrogate = lambda c: 0xD800 <= c <= 0xDFFF
    json.dump({
        "unicode_version": unicodedata.unidata_version,
        "word": ranges(lambda c: not surrogate(c) and word.match(chr(c)) is not None),
        "digit": ranges(lambda c: not surrogate(c) and digit.match(chr(c)) is not None),
        "space": ranges(lambda c: not surrogate(c) and space.match(chr(c)) is not None),
        "cased": ranges(lambda c: _sre.unicode_iscased(c)),
        "unassigned": ranges(lambda c: unicodedata.category(chr(c)) == "Cn"),
        "lower": [[c, _sre.unicode_tolower(c)] for c in range(0x110000)
                  if _sre.unicode_tolower(c) != c],
        "extra_cases": {str(k): list(v) for k, v in _casefix._EXTRA_CASES.items()},
    }, sys.stdout)


# ---- random patterns (--generate) ----

LITERALS = ["a", "b", "c", "é", "K", "k", "ß", "S", "s", " ", "\\n", "1", "_", "-",
            "ı", "İ", "\\.", "Σ", "ς"]
CLASSES = ["[ab]", "[^a]", "[a-c]", "\\d", "\\w", "\\s", "\\W", "\\S", "\\D", ".",
           "[\\w-]", "[^\\s]", "[a-zA-Z]", "[^a-z]", "[K-k]", "[é-ë]", "[\\da]"]
ASSERTIONS = ["^", "$", "\\A", "\\Z", "\\b", "\\B"]
TEXT = ["a", "b", "c", "é", "K", "k", "ß", "ẞ", "s", "ſ", "S", " ", "\n", "1", "_", "-",
        "ı", "İ", "i", "I", ".", "σ", "Σ", "ς", "😀"]
ASCII_TEXT = ["a", "b", "c", "k", "K", "s", "S", " ", "\n", "1", "_", "-", "i", "I", "."]


def random_pattern(rnd):
    def atom(depth):
        r = rnd.random()
        if r < 0.35:
            return rnd.choice(LITERALS)
        if r < 0.6:
            return rnd.choice(CLASSES)
        if r < 0.7:
            return rnd.choice(ASSERTIONS)
        if depth > 2:
            return rnd.choice(LITERALS)
        inner = alternatives(depth + 1)
        k = rnd.random()
        if k < 0.4:
            return "(" + inner + ")"
        if k < 0.7:
            return "(?:" + inner + ")"
        if k < 0.8:
            return "(?P<n%d>" % rnd.randint(0, 999) + inner + ")"
        if k < 0.9:
            return "(?i:" + inner + ")"
        return "(?" + rnd.choice(["s", "m", "x", "a", "-i"]) + ":" + inner + ")"

    def piece(depth):
        a = atom(depth)
        if a in ASSERTIONS or rnd.random() < 0.55:
            return a
        q = rnd.choice(["*", "+", "?", "{2}", "{1,2}", "{,2}", "{0,1}"])
        if rnd.random() < 0.3:
            q += "?"
        return a + q

    def alternatives(depth):
        s = "".join(piece(depth) for _ in range(rnd.randint(0, 3)))
        while rnd.random() < 0.25:
            s += "|" + "".join(piece(depth) for _ in range(rnd.randint(0, 3)))
        return s

    p = alternatives(0)
    if rnd.random() < 0.2:
        p = "(?" + rnd.choice(["i", "m", "s", "a", "im", "is", "ai"]) + ")" + p
    if rnd.random() < 0.15:
        p += rnd.choice(["(?=a)", "(?=\\s|$)", "(?!b)$", "(?<=a)$", "(?<!b)\\Z"])
    if rnd.random() < 0.08:
        p = rnd.choice(["^(?!a)", "^(?=\\w)"]) + p
    return p


def generate(count, seed):
    rnd = random.Random(seed)
    n = 0
    while n < count:
        p = random_pattern(rnd)
        flags = rnd.choice([0, 0, 0, re.I, re.M, re.S, re.A, re.I | re.A])
        try:
            cp = re.compile(p, flags)
        except Exception:
            continue
        alphabet = ASCII_TEXT if n % 2 else TEXT
        s = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 7)))
        pos = rnd.choice([0, 0, 0, 1, 2])
        answers = {}

        def run(name, f):
            try:
                answers[name] = f()
            except Exception as e:
                answers[name] = {"error": type(e).__name__}

        def regs(m):
            return None if m is None else [list(r) for r in m.regs]

        run("search", lambda: regs(cp.search(s, pos)))
        run("match", lambda: regs(cp.match(s, pos)))
        run("fullmatch", lambda: regs(cp.fullmatch(s)))
        run("findall", lambda: cp.findall(s))
        run("sub", lambda: cp.sub("<\\g<0>>", s))
        run("split", lambda: cp.split(s))
        print(json.dumps({"pattern": p, "flags": int(flags), "string": s, "pos": pos,
                          "want": answers}, ensure_ascii=False))
        n += 1


def main(argv):
    if len(argv) == 4 and argv[1] == "--codegen":
        codegen(argv[2], argv[3])
        return 0
    if len(argv) == 2 and argv[1] == "--unicode":
        unicode_data()
        return 0
    if len(argv) == 4 and argv[1] == "--generate":
        generate(int(argv[2]), int(argv[3]))
        return 0
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    env = environment()
    answers = {name: answer(env, template) for name, template in read_cases(argv[1])}
    json.dump(answers, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
