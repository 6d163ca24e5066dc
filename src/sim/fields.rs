//! Field selectors as the API server takes them: `field=value`, `field==value` and
//! `field!=value`, joined by commas (no sets — clients watch one stream per value, or use
//! `!=`). Each kind supports only the fields its API registers; any other is refused with
//! the server's "field label not supported" 400, as kubectl shows it.

use serde_json::Value;

use super::resources::ResourceDef;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Req {
    field: String,
    equal: bool,
    value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector(Vec<Req>);

/// What every kind supports.
const COMMON: &[&str] = &["metadata.name", "metadata.namespace"];

/// The extra fields of kinds that register some (core/v1 Event's are what the Events
/// source selects on).
fn extra_fields(def: &ResourceDef) -> &'static [&'static str] {
    match def.plural {
        "events" => &[
            "reason",
            "type",
            "source",
            "reportingComponent",
            "involvedObject.kind",
            "involvedObject.name",
            "involvedObject.namespace",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.fieldPath",
            "involvedObject.resourceVersion",
        ],
        "pods" => &["spec.nodeName", "status.phase"],
        _ => &[],
    }
}

impl FieldSelector {
    pub fn parse(s: &str, def: &ResourceDef) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, equal, value) = if let Some((f, v)) = part.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                (f, true, v)
            } else {
                return Err(format!(
                    "invalid selector: '{s}'; can't understand '{part}'"
                ));
            };
            let field = field.trim();
            if !COMMON.contains(&field) && !extra_fields(def).contains(&field) {
                return Err(format!("field label not supported: {field}"));
            }
            reqs.push(Req {
                field: field.into(),
                equal,
                value: value.trim().into(),
            });
        }
        Ok(FieldSelector(reqs))
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.0
            .iter()
            .all(|r| (field_value(obj, &r.field) == r.value) == r.equal)
    }

    /// The name an `metadata.name=` requirement pins, for lookups that can use it.
    pub fn name(&self) -> Option<&str> {
        self.0
            .iter()
            .find(|r| r.equal && r.field == "metadata.name")
            .map(|r| r.value.as_str())
    }
}

/// The field's value as the API server indexes it: strings as they are, absent as "".
/// An Event's `source` is its `source.component`.
fn field_value(obj: &Value, field: &str) -> String {
    let path = if field == "source" {
        "source.component"
    } else {
        field
    };
    let v = path.split('.').fold(obj, |v, seg| &v[seg]);
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::by_plural_name;
    use serde_json::json;

    #[test]
    fn equality_and_inequality_on_event_fields() {
        let events = by_plural_name("events").unwrap();
        let ev = json!({"metadata": {"name": "p.1", "namespace": "shop"},
                        "reason": "FailedAttachVolume", "type": "Warning",
                        "involvedObject": {"kind": "Pod", "name": "postgres-0"}});
        let sel = |s: &str| FieldSelector::parse(s, events).unwrap();
        assert!(sel("reason=FailedAttachVolume").matches(&ev));
        assert!(sel("reason==FailedAttachVolume,type=Warning").matches(&ev));
        assert!(!sel("reason!=FailedAttachVolume").matches(&ev));
        assert!(sel("involvedObject.kind=Pod,involvedObject.name=postgres-0").matches(&ev));
        assert!(sel("").matches(&ev));
        assert!(FieldSelector::parse("reason in (A,B)", events).is_err());
        assert!(FieldSelector::parse("spec.foo=x", events).is_err());
        let nodes = by_plural_name("nodes").unwrap();
        assert!(FieldSelector::parse("reason=x", nodes).is_err());
        assert_eq!(
            FieldSelector::parse("metadata.name=n1", nodes)
                .unwrap()
                .name(),
            Some("n1")
        );
    }
}
