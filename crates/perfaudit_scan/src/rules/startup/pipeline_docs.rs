//! Docs of the project-level rules the scan pipeline implements (PA502, PA504-PA506).

use crate::rules::docs::RuleDoc;

pub const PA502: RuleDoc = RuleDoc {
    what: "Finds Python modules longer than a line limit (default 1000 lines) or with more \
top-level definitions than a limit.",
    why: "Very large modules are slow to import (parse, compile and execute everything at \
start-up even when one function is needed), hard to review, and tend to accumulate imports \
that pull in the rest of the codebase.",
    example: "app/views.py  (4,200 lines, 180 top-level functions)",
    use_instead: "app/views/\n    __init__.py\n    orders.py\n    users.py\n    reports.py",
    limits: "Generated files (migrations, protobuf stubs) can be excluded with `--exclude` or \
per-path ignores. The limits are configurable.",
};

pub const PA504: RuleDoc = RuleDoc {
    what: "Finds third-party imports whose distribution is not declared in the project's \
requirements*.txt (with `-r` includes), pyproject.toml (PEP 621 and Poetry) or setup.cfg / \
setup.py literal lists. Import names map to distributions through the installed environment \
(`*.dist-info/top_level.txt`, `RECORD`) when found, else a built-in table (PyYAML→yaml, \
Pillow→PIL, ...), with PEP 503 normalisation.",
    why: "An undeclared dependency works only because something else installed it: a fresh \
deploy, a slimmer base image or an upgrade of the other package breaks start-up in \
production.",
    example: "# requirements.txt: fastapi\nimport httpx  # works locally, installed by a dev tool",
    use_instead: "# requirements.txt: fastapi, httpx",
    limits: "Dynamic imports (`importlib.import_module(name)`) and optional imports guarded by \
`try/except ImportError` may need suppressing. The distribution name is in `symbol`.",
};

pub const PA505: RuleDoc = RuleDoc {
    what: "Finds declared dependencies that no module imports, except a web allow-list that is \
used without being imported: servers (uvicorn, gunicorn), database drivers named in URLs, \
Django `INSTALLED_APPS` strings, python-multipart, `types-*` stubs, and user allow-listed \
names.",
    why: "Every declared dependency is installed into every image: build time, image size, \
cold-start time and attack surface, for nothing.",
    example: "# requirements.txt: fastapi, pandas   (pandas is never imported)",
    use_instead: "# requirements.txt: fastapi",
    limits: "Plugins loaded by entry points or configuration strings outside the known \
allow-list are reported; allow-list them in the configuration. The distribution name is in \
`symbol`.",
};

pub const PA506: RuleDoc = RuleDoc {
    what: "Finds dev/test dependencies (dependency groups, extras like `dev`/`test`, \
requirements-dev.txt) imported by application code, and standard-library modules declared as \
dependencies.",
    why: "A dev-only dependency imported by the app is missing from the production install \
(start-up crash), or forces test tooling into the production image. A stdlib name declared as \
a dependency installs an outdated backport that can shadow the standard module.",
    example: "# pyproject: [dependency-groups] dev = [\"faker\"]\n# app/seed.py: import faker",
    use_instead: "Move `faker` to the runtime dependencies, or keep the import in tests/ only.",
    limits: "What counts as application code is decided by path (tests, conftest and scripts \
are not). The distribution name is in `symbol`.",
};
