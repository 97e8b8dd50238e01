//! Parameter scans: `-P name lo hi [-D step]` and `-L name a,b,c`, combinable (every
//! combination, the last scan varying fastest), substituted for `{name}` in command templates.

use crate::error::BenchError;
use crate::run::CommandSpec;
use std::collections::BTreeMap;

/// One scanned parameter and its values, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterScan {
    pub name: String,
    pub values: Vec<String>,
}

impl ParameterScan {
    /// `-L name a,b,c`.
    pub fn list(name: &str, values: &str) -> Result<Self, BenchError> {
        check_name(name)?;
        let values: Vec<String> = values.split(',').map(str::to_string).collect();
        Ok(ParameterScan {
            name: name.to_string(),
            values,
        })
    }

    /// `-P name lo hi` with an optional step (`-D`, default 1). Integers stay integers; with a
    /// decimal step the values keep as many decimals as the bounds and step have.
    pub fn range(name: &str, lo: &str, hi: &str, step: Option<&str>) -> Result<Self, BenchError> {
        check_name(name)?;
        let num = |s: &str| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    BenchError::BadParameter(format!("`{s}` is not a number (in -P {name})"))
                })
        };
        let (a, b) = (num(lo)?, num(hi)?);
        let step_s = step.unwrap_or("1");
        let d = num(step_s)?;
        if d <= 0.0 {
            return Err(BenchError::BadParameter(format!(
                "the step of {name} must be positive"
            )));
        }
        if b < a {
            return Err(BenchError::BadParameter(format!(
                "-P {name} {lo} {hi}: the upper bound is below the lower bound"
            )));
        }
        let decimals = [lo, hi, step_s]
            .iter()
            .map(|s| s.trim().split_once('.').map_or(0, |(_, f)| f.len()))
            .max()
            .unwrap_or(0);
        let count = ((b - a) / d + 1e-9).floor() as u64 + 1;
        if count > 100_000 {
            return Err(BenchError::BadParameter(format!(
                "-P {name} would produce {count} values (at most 100000)"
            )));
        }
        let values = (0..count)
            .map(|i| format!("{:.*}", decimals, a + i as f64 * d))
            .collect();
        Ok(ParameterScan {
            name: name.to_string(),
            values,
        })
    }
}

fn check_name(name: &str) -> Result<(), BenchError> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return Err(BenchError::BadParameter(format!(
            "parameter name `{name}` must be letters, digits, `_` or `-`"
        )));
    }
    Ok(())
}

/// Substitute `{name}` by each combination of the scans' values in every template.
/// Without scans, each template is one command.
pub fn expand_parameters(
    templates: &[String],
    scans: &[ParameterScan],
) -> Result<Vec<CommandSpec>, BenchError> {
    for (i, s) in scans.iter().enumerate() {
        if scans[..i].iter().any(|o| o.name == s.name) {
            return Err(BenchError::BadParameter(format!(
                "parameter `{}` is scanned twice",
                s.name
            )));
        }
    }
    let mut combos: Vec<BTreeMap<String, String>> = vec![BTreeMap::new()];
    for scan in scans {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                scan.values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.insert(scan.name.clone(), v.clone());
                    c
                })
            })
            .collect();
    }
    let mut out = Vec::with_capacity(templates.len() * combos.len());
    for t in templates {
        for combo in &combos {
            let mut command = t.clone();
            for (k, v) in combo {
                command = command.replace(&format!("{{{k}}}"), v);
            }
            out.push(CommandSpec {
                command,
                parameters: combo.clone(),
            });
        }
    }
    Ok(out)
}

/// Substitute a command's parameters into an auxiliary command (prepare, conclude, ...).
pub(crate) fn substitute(template: &str, parameters: &BTreeMap<String, String>) -> String {
    let mut s = template.to_string();
    for (k, v) in parameters {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_lists_combine() {
        let p = ParameterScan::range("n", "1", "3", None).unwrap();
        assert_eq!(p.values, ["1", "2", "3"]);
        let d = ParameterScan::range("t", "0", "0.3", Some("0.1")).unwrap();
        assert_eq!(d.values, ["0.0", "0.1", "0.2", "0.3"]);
        let l = ParameterScan::list("c", "gcc,clang").unwrap();
        let cmds = expand_parameters(&["{c} -O{n}".to_string()], &[l, p]).unwrap();
        let lines: Vec<&str> = cmds.iter().map(|c| c.command.as_str()).collect();
        assert_eq!(
            lines,
            [
                "gcc -O1",
                "gcc -O2",
                "gcc -O3",
                "clang -O1",
                "clang -O2",
                "clang -O3"
            ]
        );
        assert_eq!(cmds[4].parameters["c"], "clang");
        assert_eq!(cmds[4].parameters["n"], "2");
    }

    #[test]
    fn rejects_bad_scans() {
        assert!(ParameterScan::range("n", "3", "1", None).is_err());
        assert!(ParameterScan::range("n", "a", "1", None).is_err());
        assert!(ParameterScan::range("n", "1", "2", Some("0")).is_err());
        assert!(ParameterScan::list("a b", "1").is_err());
        let x = ParameterScan::list("x", "1").unwrap();
        assert!(expand_parameters(&["{x}".into()], &[x.clone(), x]).is_err());
        assert_eq!(
            substitute("echo {x} {y}", &[("x".to_string(), "1".to_string())].into()),
            "echo 1 {y}"
        );
    }
}
