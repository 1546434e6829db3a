#!/usr/bin/env python3
"""Jinja2 oracle for elt's differential tests.

Reads JSON requests, one per line, on stdin and writes one JSON answer per
line on stdout, flushing after each, so it works both as a batch filter and
as a long-lived coprocess.

Request:  {"id": ..., "template": "...", "context": {...},
           "templates": {"name": "source", ...}, "undefined": "strict"}
Answer:   {"id": ..., "output": "..."}
      or  {"id": ..., "error": "<exception class>", "message": "...",
           "lineno": N or null}

The environment is configured the way dbt configures its own: a sandboxed
environment with the `do` and `loopcontrols` extensions, no autoescaping and
the default Undefined unless the request asks for "strict" or "chainable".
"""

import json
import sys

import jinja2
import jinja2.sandbox

UNDEFINED = {
    None: jinja2.Undefined,
    "": jinja2.Undefined,
    "default": jinja2.Undefined,
    "lenient": jinja2.Undefined,
    "strict": jinja2.StrictUndefined,
    "chainable": jinja2.ChainableUndefined,
}


def template_lineno(exc):
    """The template line an exception was raised at, or None.

    Jinja2 rewrites tracebacks so that frames of compiled template code carry
    the template's file name ("<template>" for templates without one) and
    the template line; the innermost such frame is where the error happened.
    """
    lineno = getattr(exc, "lineno", None)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return lineno
    tb = exc.__traceback__
    found = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == "<template>" or "__jinja_exception__" in tb.tb_frame.f_globals:
            found = tb.tb_lineno
        tb = tb.tb_next
    return found


def answer(req):
    rid = req.get("id")
    undefined = UNDEFINED.get(req.get("undefined"))
    if undefined is None:
        return {"id": rid, "error": "OracleError",
                "message": "unknown undefined policy %r" % req.get("undefined"), "lineno": None}
    try:
        env = jinja2.sandbox.SandboxedEnvironment(
            extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"],
            undefined=undefined,
            loader=jinja2.DictLoader(req.get("templates") or {}),
        )
        tmpl = env.from_string(req.get("template", ""))
        out = tmpl.render(req.get("context") or {})
        return {"id": rid, "output": out}
    except BaseException as exc:  # noqa: B036 - every failure is an answer
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        try:
            message = str(exc)
        except BaseException:  # an exception whose str() itself fails
            message = repr(exc)
        return {"id": rid, "error": type(exc).__name__, "message": message,
                "lineno": template_lineno(exc)}


def main():
    sys.setrecursionlimit(1000)
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
        except ValueError as exc:
            resp = {"id": None, "error": "OracleError", "message": "bad request: %s" % exc, "lineno": None}
        else:
            resp = answer(req)
        sys.stdout.write(json.dumps(resp, ensure_ascii=True) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
