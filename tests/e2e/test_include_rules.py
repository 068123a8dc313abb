"""The house rules of DESIGN.md ("Layout and dependency direction"), checked on
every #include instead of resting on link lines alone.

Dependencies point one way: server -> (query) -> timeline -> trace -> vm,
server -> protocol, query/server -> debuginfo. protocol/ knows nothing of the
VM or Asio; vm/ knows nothing of time travel; trace/ (the trace file) knows
nothing of time travel either; timeline/ knows nothing of gdb. The
libraries that belong to the front end (Boost.Asio, Boost.Program_options,
spdlog) stay in server/. A folder listed here that does not exist yet is
simply skipped, so the rule is in place before the folder arrives.

The test fails with every offending line (file:line: include -> why).
"""
import os
import re
import sys

# For each project folder: the project folders it may include from (itself
# always allowed).
ALLOWED = {
    "vm": set(),
    "protocol": set(),
    "trace": {"vm"},
    "timeline": {"vm", "trace"},
    "debuginfo": set(),
    "query": {"timeline", "trace", "vm", "debuginfo"},
    "server": {"protocol", "timeline", "trace", "vm", "query", "debuginfo"},
}
# Third-party headers only the front end (server/) may use.
FRONT_END_ONLY = re.compile(r"^(boost/|spdlog/|asio)")
# elfutils stays behind debuginfo/'s plain tables: no other folder sees libdw or libelf.
ELFUTILS_ONLY = re.compile(r"^(elfutils/|libelf\.h|gelf\.h|dwarf\.h|libdw)")

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def check(root):
    problems = []
    for folder, allowed in ALLOWED.items():
        base = os.path.join(root, folder)
        if not os.path.isdir(base):
            continue
        for dirpath, _, files in os.walk(base):
            for name in sorted(files):
                if not name.endswith((".hpp", ".cpp", ".h")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        header = m.group(2)
                        top = header.split("/", 1)[0] if "/" in header else None
                        if m.group(1) == '"' and top in ALLOWED and top != folder and top not in allowed:
                            problems.append(f"{rel}:{lineno}: includes {header}: {folder}/ may not depend on {top}/")
                        if folder != "server" and FRONT_END_ONLY.match(header):
                            problems.append(f"{rel}:{lineno}: includes <{header}>: only server/ uses it")
                        if folder != "debuginfo" and ELFUTILS_ONLY.match(header):
                            problems.append(f"{rel}:{lineno}: includes <{header}>: only debuginfo/ uses elfutils")
    return problems


def self_test():
    """The checker must be able to fail: feed it a tree with a back-edge."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "vm"))
        os.makedirs(os.path.join(tmp, "protocol"))
        os.makedirs(os.path.join(tmp, "query"))
        os.makedirs(os.path.join(tmp, "debuginfo"))
        os.makedirs(os.path.join(tmp, "trace"))
        with open(os.path.join(tmp, "query", "bad.cpp"), "w") as f:
            f.write('#include "server/cli.hpp"\n#include <elfutils/libdw.h>\n#include "timeline/timeline.hpp"\n')
        with open(os.path.join(tmp, "debuginfo", "bad.cpp"), "w") as f:
            f.write('#include "timeline/timeline.hpp"\n#include <elfutils/libdw.h>\n#include <gelf.h>\n')
        with open(os.path.join(tmp, "vm", "bad.cpp"), "w") as f:
            f.write('#include "timeline/timeline.hpp"\n#include "vm/ok.hpp"\n')
        with open(os.path.join(tmp, "protocol", "bad.hpp"), "w") as f:
            f.write("#include <boost/asio.hpp>\n#include <string>\n")
        with open(os.path.join(tmp, "trace", "bad.cpp"), "w") as f:
            f.write('#include "timeline/history_environment.hpp"\n#include "trace/format.hpp"\n#include "vm/machine.hpp"\n')
        found = check(tmp)
        # vm->timeline, protocol->asio, query->server, query->libdw, debuginfo->timeline, trace->timeline
        assert len(found) == 6, found


def main():
    self_test()
    root = os.environ.get("RVRR_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    problems = check(root)
    for p in problems:
        print("FAIL:", p)
    if problems:
        sys.exit(1)
    print("include rules hold for", ", ".join(f for f in ALLOWED if os.path.isdir(os.path.join(root, f))))


if __name__ == "__main__":
    main()
