//! SARIF 2.1.0 rendering of scan findings.
