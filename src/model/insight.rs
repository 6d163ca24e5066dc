//! EKS cluster insights as stordeck holds them: EKS's own checks of the cluster
//! (upgrade readiness, misconfiguration), which EKS re-runs about once a day. They are
//! EKS's claims, not stordeck's: each keeps when EKS last ran it, so a reader can judge
//! how old the verdict is.

use jiff::Timestamp;

/// One insight, from ListInsights and, when it is not passing, DescribeInsight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsightRec {
    pub id: String,
    pub name: String,
    /// `UPGRADE_READINESS`, `MISCONFIGURATION`, or what EKS adds later, as EKS spells it.
    pub category: String,
    /// `PASSING`, `WARNING`, `ERROR` or `UNKNOWN`.
    pub status: String,
    pub reason: Option<String>,
    pub kubernetes_version: Option<String>,
    pub description: Option<String>,
    /// From DescribeInsight; `None` for a passing insight, which is never described.
    pub recommendation: Option<String>,
    pub last_refresh: Option<Timestamp>,
    pub last_transition: Option<Timestamp>,
    pub resources: Vec<InsightResource>,
    /// `additionalInfo`, key order kept stable (sorted).
    pub additional_info: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsightResource {
    pub arn: Option<String>,
    pub kubernetes_uri: Option<String>,
    pub status: Option<String>,
    pub reason: Option<String>,
}

impl InsightResource {
    /// What the resource is, as EKS names it: its ARN, else its Kubernetes URI.
    pub fn name(&self) -> &str {
        self.arn
            .as_deref()
            .or(self.kubernetes_uri.as_deref())
            .unwrap_or("-")
    }
}

impl InsightRec {
    pub fn passing(&self) -> bool {
        self.status == "PASSING"
    }
}

/// DescribeInsightsRefresh: the state of the last refresh anyone asked EKS for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsightsRefreshRec {
    /// `IN_PROGRESS`, `COMPLETED` or `FAILED`.
    pub status: String,
    pub message: Option<String>,
    pub started_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
}

impl InsightsRefreshRec {
    pub fn in_progress(&self) -> bool {
        self.status == "IN_PROGRESS"
    }
}
