//! The report formats kiln reads besides JUnit: the test formats and the
//! coverage formats CodeBuild's `reports:` names, so a buildspec's
//! reports are shown by `kiln show` whatever tool wrote them.

use serde::{Deserialize, Serialize};

/// A report file's format, as `reports:` names it in kiln.yaml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    #[default]
    Junit,
    Testng,
    /// NUnit 2 (`<test-results>`).
    Nunit,
    /// NUnit 3 (`<test-run>`).
    Nunit3,
    /// Visual Studio's `.trx`.
    Trx,
    /// Cucumber's JSON formatter.
    Cucumber,
    Cobertura,
    Jacoco,
    Clover,
    /// SimpleCov's `coverage.json` (simplecov-json) or `.resultset.json`.
    Simplecov,
    /// `lcov.info`.
    Lcov,
}

impl ReportFormat {
    /// Every format, in the order `reports:` lists them.
    pub const ALL: [ReportFormat; 11] = [
        ReportFormat::Junit,
        ReportFormat::Testng,
        ReportFormat::Nunit,
        ReportFormat::Nunit3,
        ReportFormat::Trx,
        ReportFormat::Cucumber,
        ReportFormat::Cobertura,
        ReportFormat::Jacoco,
        ReportFormat::Clover,
        ReportFormat::Simplecov,
        ReportFormat::Lcov,
    ];

    /// The key of `reports:` (and the `format` kept with a report).
    pub fn key(self) -> &'static str {
        match self {
            ReportFormat::Junit => "junit",
            ReportFormat::Testng => "testng",
            ReportFormat::Nunit => "nunit",
            ReportFormat::Nunit3 => "nunit3",
            ReportFormat::Trx => "trx",
            ReportFormat::Cucumber => "cucumber",
            ReportFormat::Cobertura => "cobertura",
            ReportFormat::Jacoco => "jacoco",
            ReportFormat::Clover => "clover",
            ReportFormat::Simplecov => "simplecov",
            ReportFormat::Lcov => "lcov",
        }
    }

    /// Whether a report of this format measures coverage (not tests).
    pub fn is_coverage(self) -> bool {
        matches!(
            self,
            ReportFormat::Cobertura
                | ReportFormat::Jacoco
                | ReportFormat::Clover
                | ReportFormat::Simplecov
                | ReportFormat::Lcov
        )
    }
}
