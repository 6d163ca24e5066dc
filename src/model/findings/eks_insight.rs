//! EKS's own insights beside stordeck's findings: every insight that is not PASSING.
//!
//! They are EKS's verdicts, not stordeck's, and EKS re-runs them about once a day, so
//! each says when EKS last ran it. None is ever critical: an insight is about an upgrade
//! to come or a setting, a day old at worst, and stordeck has not confirmed it; critical
//! stays for what stordeck saw itself. ERROR is a warning, WARNING and UNKNOWN are info.
//!
//! Truth in time: when an add-on an insight names has changed since EKS last ran the
//! check (its `modifiedAt` is later), or is gone from an add-on list read after it, the
//! verdict may no longer hold. Such an insight is info, says "may be outdated", and says
//! why; a refresh settles it.

use super::types::{Evidence, Fields, Finding, Kind, ObjRef, Severity, ts};
use super::{Ctx, Out};
use crate::model::insight::{InsightRec, InsightResource};
use crate::model::{HealthState, SourceId, World};

pub const ID: &str = super::types::EKS_INSIGHT;

pub(super) fn check(w: &World, _cx: &Ctx<'_>, out: &mut Out) {
    for ins in w.insights.values().filter(|i| !i.passing()) {
        out.push(finding(w, ins));
    }
}

fn severity(status: &str) -> Severity {
    match status {
        "ERROR" => Severity::Warning,
        _ => Severity::Info,
    }
}

/// `UPGRADE_READINESS` → `upgrade readiness`.
fn words(category: &str) -> String {
    category.to_lowercase().replace('_', " ")
}

/// The add-on an `arn:aws:eks:…:addon/CLUSTER/NAME/UUID` ARN names.
fn addon_of(arn: &str) -> Option<&str> {
    let rest = arn.split_once(":addon/")?.1;
    let mut parts = rest.split('/');
    let _cluster = parts.next()?;
    parts.next().filter(|n| !n.is_empty())
}

/// Why the verdict may no longer hold: an add-on it names changed, or went, after EKS
/// last ran the check. Gone counts only on an add-on list read after that run: an older
/// list cannot say what EKS saw.
fn changed_since(w: &World, ins: &InsightRec) -> Option<String> {
    let checked = ins.last_refresh?;
    let listed_after = w
        .health
        .get(&SourceId::EksAddons)
        .is_some_and(|h| h.state == HealthState::Live && h.at > checked);
    ins.resources.iter().find_map(|r| {
        let name = addon_of(r.arn.as_deref()?)?;
        match w.addons.get(&name.to_string()) {
            Some(a) => {
                let modified = a.modified_at?;
                (modified > checked).then(|| format!("add-on {name} changed at {}", ts(modified)))
            }
            None if w.addons.synced && listed_after => {
                Some(format!("add-on {name} is no longer on the cluster"))
            }
            None => None,
        }
    })
}

fn finding(w: &World, ins: &InsightRec) -> Finding {
    let outdated = changed_since(w, ins);
    let severity = if outdated.is_some() {
        Severity::Info
    } else {
        severity(&ins.status)
    };
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let when = |t: Option<jiff::Timestamp>| t.map_or_else(|| "-".into(), ts);
    let fields = Fields::default()
        .with("id", ins.id.clone())
        .with("category", ins.category.clone())
        .with("insightStatus.status", ins.status.clone())
        .with("insightStatus.reason", dash(&ins.reason))
        .with("kubernetesVersion", dash(&ins.kubernetes_version))
        .with("lastRefreshTime", when(ins.last_refresh))
        .with("lastTransitionTime", when(ins.last_transition));
    let mut evidence = vec![Evidence::object(
        ObjRef::cluster(Kind::Insight, &ins.name),
        fields,
    )];
    if let Some(why) = &outdated {
        evidence.push(Evidence::note(format!(
            "may be outdated: {why}, after EKS last ran this check; ask EKS to refresh its \
             insights to know"
        )));
    }
    if let Some(d) = &ins.description {
        evidence.push(Evidence::note(format!("EKS: {d}")));
    }
    if let Some(r) = &ins.recommendation {
        evidence.push(Evidence::note(format!("EKS recommends: {r}")));
    }
    evidence.extend(ins.resources.iter().map(resource));
    evidence.extend(
        ins.additional_info
            .iter()
            .map(|(k, v)| Evidence::note(format!("{k}: {v}"))),
    );
    evidence.push(Evidence::note(format!(
        "from EKS, not stordeck: EKS last ran this check at {} and re-runs its insights \
         about once a day",
        when(ins.last_refresh)
    )));
    let mut title = format!(
        "EKS insight {}: {} ({})",
        ins.status,
        ins.name,
        words(&ins.category)
    );
    if outdated.is_some() {
        title.push_str(", may be outdated");
    }
    Finding {
        id: ID,
        severity,
        title,
        evidence,
        fix: None,
        since: ins.last_transition,
        silenced: None,
    }
}

/// An add-on resource is named as the add-on, so its pane and dialogs list the insight;
/// anything else as EKS names it.
fn resource(r: &InsightResource) -> Evidence {
    let status = r.status.as_deref().unwrap_or("-");
    let reason = r.reason.as_deref().unwrap_or("");
    match r.arn.as_deref().and_then(addon_of) {
        Some(addon) => Evidence::object(
            ObjRef::cluster(Kind::Addon, addon),
            Fields::default()
                .with("arn", r.name())
                .with("insightStatus.status", status)
                .with("insightStatus.reason", reason),
        ),
        None if reason.is_empty() => Evidence::note(format!("resource {}: {status}", r.name())),
        None => Evidence::note(format!("resource {}: {status} — {reason}", r.name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AwsMsg;
    use crate::model::findings::testkit::*;

    const ARN: &str = "arn:aws:eks:us-east-1:111122223333:addon/demo/aws-ebs-csi-driver/0a1b";

    fn insight(id: &str, status: &str, checked: jiff::Timestamp) -> InsightRec {
        InsightRec {
            id: id.into(),
            name: format!("check {id}"),
            category: "UPGRADE_READINESS".into(),
            status: status.into(),
            reason: Some("why".into()),
            kubernetes_version: Some("1.32".into()),
            description: None,
            recommendation: Some("upgrade the add-on first".into()),
            last_refresh: Some(checked),
            last_transition: Some(days_ago(3)),
            resources: vec![InsightResource {
                arn: Some(ARN.into()),
                kubernetes_uri: None,
                status: Some(status.into()),
                reason: Some("v1.20 is not compatible with 1.32".into()),
            }],
            additional_info: vec![],
        }
    }

    fn world(insights: Vec<InsightRec>, addon_modified: Option<jiff::Timestamp>) -> World {
        let mut w = World::default();
        let mut a = addon("aws-ebs-csi-driver", days_ago(30));
        a.modified_at = addon_modified;
        addons(&mut w, vec![a]);
        aws(&mut w, AwsMsg::Insights(insights));
        w
    }

    #[test]
    fn non_passing_insights_are_findings_from_eks_and_never_critical() {
        let w = world(
            vec![
                insight("a", "ERROR", ago(3_600)),
                insight("b", "WARNING", ago(3_600)),
                insight("c", "PASSING", ago(3_600)),
                insight("d", "UNKNOWN", ago(3_600)),
            ],
            Some(days_ago(10)),
        );
        let found = run_at(&w, now());
        let mine: Vec<(&str, Severity)> = of(&found, ID)
            .iter()
            .map(|f| (f.subject().map_or("", |o| o.name.as_str()), f.severity))
            .collect();
        assert_eq!(
            mine,
            [
                ("check a", Severity::Warning),
                ("check b", Severity::Info),
                ("check d", Severity::Info)
            ]
        );
        let a = of(&found, ID)[0];
        assert!(
            a.title.starts_with("EKS insight ERROR: check a"),
            "{}",
            a.title
        );
        assert!(
            a.objects()
                .any(|o| o.kind == Kind::Addon && o.name == "aws-ebs-csi-driver"),
            "the add-on it names is an object of the finding, so its dialogs list it"
        );
        let text = format!("{:?}", a.evidence);
        assert!(
            text.contains("EKS recommends: upgrade the add-on first"),
            "{text}"
        );
        assert!(text.contains("lastRefreshTime"), "{text}");
        assert_eq!(a.since, Some(days_ago(3)));
    }

    #[test]
    fn an_add_on_changed_after_the_check_makes_it_outdated_not_a_warning() {
        let w = world(vec![insight("a", "ERROR", ago(7_200))], Some(ago(600)));
        let found = run_at(&w, now());
        let f = of(&found, ID)[0];
        assert_eq!(f.severity, Severity::Info);
        assert!(f.title.ends_with("may be outdated"), "{}", f.title);
        // The check ran after the change: the verdict stands.
        let w = world(vec![insight("a", "ERROR", ago(60))], Some(ago(600)));
        assert_eq!(of(&run_at(&w, now()), ID)[0].severity, Severity::Warning);
    }

    #[test]
    fn an_add_on_gone_since_the_check_makes_it_outdated_only_on_a_newer_list() {
        let mut w = world(vec![insight("a", "ERROR", ago(7_200))], None);
        addons(&mut w, vec![addon("coredns", days_ago(30))]);
        // No add-on list after EKS's run is known yet: EKS's word stands.
        assert_eq!(of(&run_at(&w, now()), ID)[0].severity, Severity::Warning);
        live(&mut w, SourceId::EksAddons);
        let found = run_at(&w, now());
        let f = of(&found, ID)[0];
        assert_eq!(f.severity, Severity::Info);
        assert!(
            format!("{:?}", f.evidence).contains("aws-ebs-csi-driver is no longer on the cluster"),
            "{:?}",
            f.evidence
        );
    }

    #[test]
    fn an_add_on_arn_names_the_add_on() {
        assert_eq!(addon_of(ARN), Some("aws-ebs-csi-driver"));
        assert_eq!(addon_of("arn:aws:eks:us-east-1:1:cluster/demo"), None);
        assert_eq!(addon_of("arn:aws:eks:us-east-1:1:addon/demo"), None);
    }
}
