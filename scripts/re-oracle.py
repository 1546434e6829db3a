#!/usr/bin/env python3
"""Python `re` oracle for elt's modules.re (compiler/pyre*.go).

    re-oracle.py CASES            render every case of CASES, print a JSON
                                  object {case name: answer}
    re-oracle.py --codegen TARBALL MODEL_SQL
                                  print what dbt-codegen's
                                  generate_model_import_ctes returns for a
                                  model whose SQL is the file MODEL_SQL

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


def main(argv):
    if len(argv) == 4 and argv[1] == "--codegen":
        codegen(argv[2], argv[3])
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
