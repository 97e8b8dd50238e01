//! The dependency model (PA504-PA506) on small real-shaped projects: projects in a monorepo,
//! groups that production installs, include direction, lock files, import roots, settings
//! strings, and hostile manifests (BOM, includes and symlinks out of the tree, huge files).

use perfaudit_scan::pipeline::scan;
use perfaudit_scan::settings::ScanSettings;
use serde_json::Value;
use std::path::Path;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn deps_settings() -> ScanSettings {
    let mut s = ScanSettings::default();
    s.rules.enabled = ["PA504", "PA505", "PA506"]
        .iter()
        .map(|c| perfaudit_scan::rules::Rule::from_code(c).unwrap())
        .collect();
    s
}

fn report(root: &Path) -> Value {
    static POOL: std::sync::Once = std::sync::Once::new();
    POOL.call_once(|| {
        let _ = rayon::ThreadPoolBuilder::new()
            .stack_size(perfaudit_scan::pipeline::WORKER_STACK)
            .build_global();
    });
    serde_json::to_value(scan(root, &deps_settings(), &|_| {})).unwrap()
}

/// `(code, symbol)` of every finding, sorted.
fn found(doc: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["symbol"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn bom_in_requirements_and_setup_cfg() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "requirements.txt", "\u{feff}requests\nredis\n");
    write(root, "app/__init__.py", "");
    write(root, "app/main.py", "import requests\nimport redis\n");
    let doc = report(root);
    assert_eq!(found(&doc), Vec::<(String, String)>::new(), "{doc:#}");

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "setup.cfg",
        "\u{feff}[options]\ninstall_requires =\n    requests\n    unusedlib\n",
    );
    write(root, "app/__init__.py", "");
    write(root, "app/main.py", "import requests\n");
    let doc = report(root);
    assert_eq!(
        doc["dependencies"]["manifests"],
        serde_json::json!(["setup.cfg"])
    );
    assert_eq!(
        found(&doc),
        [("PA505".to_string(), "unusedlib".to_string())]
    );
}

#[test]
fn nothing_outside_the_tree_is_read() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "secret.txt",
        "topsecretpkg==1.0\nAWS_SECRET=hunter2\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    let secret = outside.path().join("secret.txt");
    write(
        &root,
        "requirements.txt",
        &format!(
            "requests\n-r /etc/passwd\n-r ../../../../../../etc/passwd\n-r /proc/self/environ\n-r {}\n-r ../../{}\n",
            secret.display(),
            secret.display()
        ),
    );
    std::os::unix::fs::symlink(&secret, root.join("requirements-prod.txt")).unwrap();
    std::os::unix::fs::symlink(&secret, root.join("linked.txt")).unwrap();
    write(&root, "requirements-dev.txt", "-r linked.txt\n");
    write(&root, "app/__init__.py", "");
    write(&root, "app/main.py", "import requests\n");
    let doc = report(&root);
    let text = doc.to_string();
    for leak in ["topsecretpkg", "hunter2", "root:", "PATH="] {
        assert!(!text.contains(leak), "{leak} leaked: {doc:#}");
    }
    assert_eq!(found(&doc), Vec::<(String, String)>::new(), "{doc:#}");
    let diags: Vec<&str> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert!(
        diags
            .iter()
            .filter(|m| m.contains("outside the scanned tree"))
            .count()
            >= 5,
        "{diags:#?}"
    );
}

#[test]
fn huge_manifests_parse_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut py = String::from("[project]\nname = 'big'\ndependencies = [\n");
    for i in 0..40_000 {
        py.push_str(&format!("  \"package-number-{i}>=1.0\",\n"));
    }
    py.push_str("]\n");
    // Pad to ~5.7 MB with a large table of comments and strings.
    let mut extra = String::from("[tool.other]\n");
    let mut i = 0;
    while py.len() + extra.len() < 5_700_000 {
        extra.push_str(&format!("key{i} = \"{}\"\n", "x".repeat(100)));
        i += 1;
    }
    py.push_str(&extra);
    write(root, "pyproject.toml", &py);
    write(root, "app/__init__.py", "import requests\n");
    let t = std::time::Instant::now();
    let doc = report(root);
    let took = t.elapsed();
    assert_eq!(
        doc["dependencies"]["declared"].as_array().unwrap().len(),
        40_000
    );
    // Quadratic line lookup took minutes; linear is well under a second in release builds.
    assert!(took.as_secs() < 60, "{took:?}");
    let pa505: Vec<u64> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "PA505")
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(pa505.len(), 40_000);
    assert_eq!(pa505[..3], [4, 5, 6]);
}

#[test]
fn groups_production_installs_are_not_dev() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "pyproject.toml",
        "[project]\nname = 'svc'\ndependencies = ['fastapi']\n[dependency-groups]\nserver = ['celery']\nmain = ['redis']\ndev = ['pytest', 'freezegun']\nextras-x = ['orjson']\n",
    );
    write(
        root,
        "docker/Dockerfile",
        "FROM python\nRUN uv sync --frozen --no-dev --group server\n",
    );
    write(root, "app/__init__.py", "");
    write(
        root,
        "app/main.py",
        "import fastapi\nimport celery\nimport redis\nimport freezegun\nimport orjson\n",
    );
    write(root, "tests/test_x.py", "import pytest\nimport freezegun\n");
    let doc = report(root);
    assert_eq!(
        found(&doc),
        [("PA506".to_string(), "freezegun".to_string())],
        "{doc:#}"
    );
}

#[test]
fn includes_do_not_pass_their_role_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "requirements.txt", "requests\nneverused\n");
    write(
        root,
        "requirements-docs.txt",
        "-r requirements.txt\nsphinx\n",
    );
    write(root, "app/__init__.py", "");
    write(root, "app/main.py", "import requests\n");
    let doc = report(root);
    assert_eq!(
        found(&doc),
        [("PA505".to_string(), "neverused".to_string())],
        "{doc:#}"
    );
}

#[test]
fn lock_files_are_not_declarations_of_intent() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "requirements.in", "celery\nunusedtop\n");
    write(
        root,
        "requirements.txt",
        "amqp==5.2.0\n    # via kombu\ncelery==5.3.4\n    # via -r requirements.in\nkombu==5.3.4\n    # via celery\nunusedtop==1.0\n    # via -r requirements.in\nvine==5.1.0\n    # via\n    #   amqp\n    #   celery\n",
    );
    write(root, "app/__init__.py", "");
    write(root, "app/main.py", "import celery\nimport kombu\n");
    let doc = report(root);
    assert_eq!(
        found(&doc),
        [("PA505".to_string(), "unusedtop".to_string())],
        "{doc:#}"
    );
    // Without the .in file, the pins that came from it are the declarations.
    std::fs::remove_file(root.join("requirements.in")).unwrap();
    let doc = report(root);
    assert_eq!(
        found(&doc),
        [("PA505".to_string(), "unusedtop".to_string())],
        "{doc:#}"
    );
}

#[test]
fn the_nearest_manifest_owns_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "pyproject.toml",
        "[project]\nname = 'mono'\ndependencies = ['requests', 'rootonly']\n[dependency-groups]\ndev = ['pytest']\n",
    );
    write(
        root,
        "services/api/pyproject.toml",
        "[project]\nname = 'api'\ndependencies = ['fastapi', 'apiunused', 'mono-core']\n",
    );
    write(root, "services/api/api/__init__.py", "");
    write(
        root,
        "services/api/api/main.py",
        "import fastapi\nimport requests\nimport mono_core\n",
    );
    write(root, "services/api/tests/test_api.py", "import pytest\n");
    write(
        root,
        "libs/core/pyproject.toml",
        "[project]\nname = 'mono-core'\n",
    );
    write(root, "libs/core/mono_core/__init__.py", "import flask\n");
    write(root, "tools/x.py", "import requests\n");
    let doc = report(root);
    assert_eq!(
        found(&doc),
        [
            ("PA504".to_string(), "flask".to_string()),
            ("PA505".to_string(), "apiunused".to_string()),
            ("PA505".to_string(), "rootonly".to_string()),
        ],
        "{doc:#}"
    );
}

#[test]
fn first_party_is_what_the_import_roots_hold() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "requirements.txt",
        "pydantic\ndocker\ndjango\ndjango-redis\npsycopg2-binary\npython-json-logger\n",
    );
    write(root, "requirements-test.txt", "pytest\n");
    write(
        root,
        "manage.py",
        "import os, sys\nBASE_DIR = os.path.dirname(__file__)\nsys.path.insert(0, os.path.join(BASE_DIR, 'apps'))\n",
    );
    write(root, "apps/__init__.py", "");
    write(root, "apps/shop/__init__.py", "");
    write(
        root,
        "apps/shop/models.py",
        "from cart.models import Cart\n",
    );
    write(root, "apps/cart/__init__.py", "");
    write(
        root,
        "apps/cart/models.py",
        "import pydantic\nimport docker\n",
    );
    // Folders named like distributions, nested in the package: not first-party.
    write(root, "apps/cart/pydantic/__init__.py", "");
    write(root, "apps/cart/docker/compose.py", "");
    write(
        root,
        "config/settings.py",
        "import django\nINSTALLED_APPS = ['shop', 'cart']\nDATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}\nCACHES = {'default': {'BACKEND': 'django_redis.cache.RedisCache'}}\nLOGGING = {'formatters': {'json': {'()': 'pythonjsonlogger.jsonlogger.JsonFormatter'}}}\n",
    );
    write(root, "config/__init__.py", "");
    write(
        root,
        "tests/test_shop.py",
        "import pytest\nimport _pytest.fixtures\nfrom base_test_class import Base\nimport conftest\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from _typeshed import StrPath\n",
    );
    write(root, "tests/base_test_class.py", "class Base: ...\n");
    write(root, "tests/conftest.py", "");
    let doc = report(root);
    assert_eq!(found(&doc), Vec::<(String, String)>::new(), "{doc:#}");
}

#[test]
fn distribution_names_come_from_real_metadata() {
    // An installed environment: its RECORD says what the distribution provides.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "requirements.txt",
        "django-polymorphic\nstrawberry-graphql\nweird-dist\n",
    );
    let site = ".venv/lib/python3.12/site-packages";
    write(
        root,
        &format!("{site}/weird_dist-1.0.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: weird-dist\nVersion: 1.0\n",
    );
    write(
        root,
        &format!("{site}/weird_dist-1.0.dist-info/RECORD"),
        "oddname/__init__.py,,\nweird_dist-1.0.dist-info/METADATA,,\n",
    );
    write(root, "app/__init__.py", "");
    write(
        root,
        "app/main.py",
        "import polymorphic\nimport strawberry\nimport oddname\n",
    );
    let doc = report(root);
    assert_eq!(doc["dependencies"]["mapping"], "environment");
    assert_eq!(found(&doc), Vec::<(String, String)>::new(), "{doc:#}");
}

#[test]
fn generated_table_is_in_the_scripts_format() {
    use perfaudit_scan::deps::mapping::{parse_table_line, GENERATED};
    let mut last = "";
    let mut n = 0;
    let lines: Vec<&str> = GENERATED.lines().collect();
    assert!(lines[0].starts_with("# Generated by scripts/gen_dist_modules.py"));
    for (i, line) in lines.iter().enumerate() {
        match parse_table_line(line) {
            Ok(Some((dist, _, mods))) => {
                assert!(
                    dist > last,
                    "line {}: {dist} not sorted after {last}",
                    i + 1
                );
                let mut sorted = mods.clone();
                sorted.sort();
                assert_eq!(sorted, mods, "line {}: modules not sorted", i + 1);
                last = dist;
                n += 1;
            }
            Ok(None) => {}
            Err(e) => panic!("line {}: {e}", i + 1),
        }
    }
    assert!(n >= 20, "{n} distributions");
}
