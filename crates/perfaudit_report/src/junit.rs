//! JUnit XML of an audit run: one test case per KPI.
