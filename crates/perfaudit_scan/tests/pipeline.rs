//! The pipeline's shortcuts change nothing in what a scan reports: the text the walk keeps
//! (instead of a second read), and skipping the module checker when only the inventory and
//! dependency rules are selected.

use perfaudit_scan::pipeline::scan;
use perfaudit_scan::rules::Rule;
use perfaudit_scan::settings::ScanSettings;
use std::path::Path;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A small service: models with a foreign key (project facts), a view with an N+1 and a query
/// in a loop, unused imports, CRLF line ends, a dependency manifest.
fn service() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "requirements.txt", "sqlalchemy\nrequests\nredis\n");
    write(root, "app/__init__.py", "");
    write(
        root,
        "app/models.py",
        "from sqlalchemy import Column, ForeignKey, Integer, String\n\
         from sqlalchemy.orm import declarative_base, relationship\n\
         Base = declarative_base()\n\
         class Author(Base):\n    __tablename__ = 'author'\n    id = Column(Integer, primary_key=True)\n\
         \x20   name = Column(String)\n    books = relationship('Book')\n\
         class Book(Base):\n    __tablename__ = 'book'\n    id = Column(Integer, primary_key=True)\n\
         \x20   author_id = Column(Integer, ForeignKey('author.id'))\n    author = relationship('Author')\n",
    );
    write(
        root,
        "app/views.py",
        "import os\r\nimport json\r\nimport requests\r\nfrom app.models import Author, Book\r\n\r\n\
         def titles(session):\r\n    out = []\r\n    for book in session.query(Book).all():\r\n\
         \x20       out.append(book.author.name)\r\n    return out\r\n\r\n\
         def fetch(url):\r\n    return requests.get(url)\r\n\r\n\
         def each(session, ids):\r\n    for i in ids:\r\n        session.query(Author).filter(Author.id == i).first()\r\n",
    );
    write(
        root,
        "app/cache.py",
        "import redis\nimport numpy  # ☃ non-ASCII comment\n\nr = redis.Redis()\n\ndef clear():\n    return r.keys('*')\n",
    );
    for i in 0..30 {
        write(
            root,
            &format!("app/pkg{}/mod{i}.py", i % 3),
            &format!("import os\nimport sys\n\nVALUE_{i} = sys.argv\n"),
        );
    }
    dir
}

fn report(root: &Path, settings: &ScanSettings) -> serde_json::Value {
    // As the binary does: worker threads with stacks deep enough for deeply nested code.
    static POOL: std::sync::Once = std::sync::Once::new();
    POOL.call_once(|| {
        let _ = rayon::ThreadPoolBuilder::new()
            .stack_size(perfaudit_scan::pipeline::WORKER_STACK)
            .build_global();
    });
    let mut doc = serde_json::to_value(scan(root, settings, &|_| {})).unwrap();
    doc["duration_ms"] = serde_json::Value::from(0);
    doc
}

/// The findings of `doc` whose code is one of `codes`.
fn findings_of(doc: &serde_json::Value, codes: &[&str]) -> Vec<serde_json::Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| codes.contains(&f["code"].as_str().unwrap()))
        .cloned()
        .collect()
}

#[test]
fn kept_text_gives_the_same_report_as_a_second_read() {
    let dir = service();
    let none = report(
        dir.path(),
        &ScanSettings {
            keep_python_bytes: 0,
            ..ScanSettings::default()
        },
    );
    let some = report(
        dir.path(),
        &ScanSettings {
            keep_python_bytes: 300,
            ..ScanSettings::default()
        },
    );
    let all = report(dir.path(), &ScanSettings::default());
    assert_eq!(none, some);
    assert_eq!(none, all);
    // The scan found what the tree holds, across files (the model index) and per line.
    let codes: Vec<&str> = all["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    for code in [
        "PA201", "PA301", "PA303", "PA308", "PA401", "PA503", "PA504",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    // `import json` on the second CRLF line of app/views.py, located by the import cursor.
    let unused_json = all["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "PA503" && f["path"] == "app/views.py" && f["line"] == 2);
    let f = unused_json.expect("`import json` in app/views.py is unused");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(2), Some(8))
    );
}

#[test]
fn dependency_rules_alone_skip_the_module_rules_and_agree_with_a_full_scan() {
    let dir = service();
    let deps_codes = ["PA502", "PA504", "PA505", "PA506"];
    let mut only = ScanSettings::default();
    only.rules.enabled = deps_codes
        .iter()
        .map(|c| Rule::from_code(c).unwrap())
        .collect();
    let only = report(dir.path(), &only);
    let full = report(dir.path(), &ScanSettings::default());
    let pick = |doc: &serde_json::Value| findings_of(doc, &deps_codes);
    assert!(!pick(&full).is_empty());
    assert_eq!(pick(&only), pick(&full));
    assert_eq!(
        only["findings"].as_array().unwrap().len(),
        pick(&only).len()
    );
    // Everything but the module findings is the same: inventory, imports, dependencies.
    for key in [
        "files",
        "lines",
        "bytes",
        "python_files",
        "parsed_files",
        "imports",
        "dependencies",
        "largest_files",
    ] {
        assert_eq!(only[key], full[key], "{key}");
    }
}

#[test]
fn start_up_rules_alone_skip_the_facts_pass_and_agree_with_a_full_scan() {
    let dir = service();
    let codes = ["PA501", "PA502", "PA503", "PA504", "PA505", "PA506"];
    let mut only = ScanSettings::default();
    only.rules.enabled = codes.iter().map(|c| Rule::from_code(c).unwrap()).collect();
    assert!(!only.rules.needs_project_index());
    let only = report(dir.path(), &only);
    let full = report(dir.path(), &ScanSettings::default());
    let pick = |doc: &serde_json::Value| findings_of(doc, &codes);
    let picked = pick(&full);
    assert!(picked.iter().any(|f| f["code"] == "PA503"));
    assert!(picked.iter().any(|f| f["code"] == "PA501"));
    assert_eq!(pick(&only), picked);
    assert_eq!(only["findings"].as_array().unwrap().len(), picked.len());
}

#[test]
fn deeply_nested_modules_are_analysed_or_refused_never_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Deep but under the limit, several at once (each worker takes more than one).
    for (i, depth) in [2_000usize, 2_500, 3_000, 3_500].iter().enumerate() {
        write(
            root,
            &format!("deep{i}.py"),
            &format!(
                "import os\nx = {}1{}\n",
                "f(".repeat(*depth),
                ")".repeat(*depth)
            ),
        );
    }
    // A model module (read by the facts pass on the walk's threads) nested deep too.
    write(
        root,
        "models.py",
        &format!(
            "from sqlalchemy import Column\nclass A:\n    __tablename__ = 'a'\n    id = Column({}1{})\n",
            "g(".repeat(2_000),
            ")".repeat(2_000)
        ),
    );
    // Over the limit: refused with a located diagnostic, the rest still scanned.
    write(
        root,
        "chain.py",
        &format!("y = {}\n", vec!["a"; 40_000].join(" + ")),
    );
    write(root, "plain.py", "import json\n");
    let doc = report(root, &ScanSettings::default());
    assert_eq!(doc["python_files"], 7);
    assert_eq!(doc["parsed_files"], 6);
    let diags = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["path"], "chain.py");
    assert_eq!(diags[0]["kind"], "too-large");
    assert_eq!(diags[0]["line"], 1);
    let unused: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "PA503")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for path in ["deep0.py", "deep3.py", "plain.py"] {
        assert!(unused.contains(&path), "{path} not analysed: {unused:?}");
    }
}
