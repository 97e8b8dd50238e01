//! Route-handler detection: FastAPI/Starlette (`@app.get`, `@router.post`, ...), Flask
//! (`@app.route`, `@bp.get`, ...), Django function views (`def view(request, ...)`), DRF
//! (`@api_view`, APIView/ViewSet methods) and class-based views (View/MethodView/Resource).

use crate::python::parser::ast::{self, Expr};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    /// Decorated with a route decorator (`@app.get(...)`, `@bp.route(...)`).
    Decorated,
    /// A Django/DRF function view (`request` first parameter, or `@api_view`).
    DjangoFunction,
    /// An HTTP-method handler of a class-based view (Django View, DRF APIView/ViewSet, Flask
    /// MethodView, Flask-RESTX Resource).
    ClassMethod,
}

const ROUTE_ATTRS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "route",
    "api_route",
    "websocket",
];

const VIEW_METHODS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "list",
    "retrieve",
    "create",
    "update",
    "partial_update",
    "destroy",
];

/// Route decorator on a function: `@<x>.get(...)` etc.
pub fn is_route_decorator(dec: &Expr) -> bool {
    if let Expr::Call(call) = dec {
        if let Expr::Attribute(a) = &*call.func {
            if ROUTE_ATTRS.contains(&a.attr.as_str()) {
                // `@x.get(...)` needs a path-like first argument or keyword to be a route.
                let path_arg = call
                    .arguments
                    .args
                    .first()
                    .is_some_and(|e| matches!(e, Expr::StringLiteral(_) | Expr::FString(_)))
                    || call
                        .arguments
                        .keywords
                        .iter()
                        .any(|k| k.arg.as_ref().is_some_and(|n| n.as_str() == "path"));
                return path_arg || (a.attr.as_str() == "route");
            }
        }
        if let Expr::Name(n) = &*call.func {
            return n.id.as_str() == "api_view";
        }
    }
    false
}

/// Is a class a view class (by its bases' names)?
pub fn is_view_class(class: &ast::StmtClassDef) -> bool {
    let Some(args) = &class.arguments else {
        return false;
    };
    args.args.iter().any(|b| {
        let name = match b {
            Expr::Name(n) => n.id.as_str(),
            Expr::Attribute(a) => a.attr.as_str(),
            _ => return false,
        };
        name.ends_with("View")
            || name.ends_with("ViewSet")
            || name.ends_with("APIView")
            || name == "Resource"
            || name == "MethodView"
            || name.ends_with("Mixin") && name.contains("View")
    })
}

/// Classify a function definition as a route handler.
pub fn classify(
    func: &ast::StmtFunctionDef,
    in_view_class: bool,
    at_module_level: bool,
) -> Option<Handler> {
    if func
        .decorator_list
        .iter()
        .any(|d| is_route_decorator(&d.expression))
    {
        return Some(Handler::Decorated);
    }
    if in_view_class && VIEW_METHODS.contains(&func.name.as_str()) {
        return Some(Handler::ClassMethod);
    }
    if at_module_level {
        let first = func
            .parameters
            .posonlyargs
            .iter()
            .chain(func.parameters.args.iter())
            .next();
        if let Some(p) = first {
            if p.name().as_str() == "request" {
                return Some(Handler::DjangoFunction);
            }
        }
    }
    None
}

/// Start-up and factory functions where creating engines/clients is right: lifespan/startup
/// hooks, `lru_cache`/`cache` factories, `create_app`.
pub fn is_startup_or_factory(func: &ast::StmtFunctionDef) -> bool {
    let name = func.name.as_str();
    let lname = name.to_ascii_lowercase();
    if lname.contains("lifespan")
        || lname.contains("startup")
        || lname.contains("create_app")
        || lname.starts_with("init")
        || lname.starts_with("setup")
        || lname == "main"
    {
        return true;
    }
    func.decorator_list.iter().any(|d| {
        let e = match &d.expression {
            Expr::Call(c) => &*c.func,
            e => e,
        };
        let last = match e {
            Expr::Name(n) => n.id.as_str(),
            Expr::Attribute(a) => a.attr.as_str(),
            _ => "",
        };
        matches!(
            last,
            "lru_cache"
                | "cache"
                | "cached_property"
                | "asynccontextmanager"
                | "on_event"
                | "before_first_request"
                | "before_serving"
                | "on_startup"
        )
    })
}
