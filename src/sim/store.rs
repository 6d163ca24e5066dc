//! The simulated cluster's object store: every object as JSON, one resourceVersion counter,
//! a bounded event history for watch resumption, and a broadcast bus for live watches.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::Bound;
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::resources::{self, ResourceDef};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

#[derive(Debug, Clone)]
pub struct StoreEvent {
    pub rv: u64,
    pub resource: &'static str,
    pub kind: EventType,
    pub object: Arc<Value>,
}

/// What open watch streams hear: object events, or an order to end themselves.
#[derive(Debug, Clone)]
pub enum Bus {
    Event(Arc<StoreEvent>),
    /// Every open watch ends with a 410 ERROR event, as after etcd compaction.
    Expire,
    /// Every open watch connection is cut without a word, as by a load balancer.
    Drop,
}

/// Key of an object within its resource: (namespace or "", name).
pub type Key = (String, String);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("object has no {0}")]
    Missing(&'static str),
    #[error("no served resource for apiVersion {api_version} kind {kind}")]
    UnknownKind { api_version: String, kind: String },
}

pub struct Store {
    rv: u64,
    /// The oldest version a watch may resume from (or a list continue from): every event
    /// after it is still in `history`. Older ones get 410 Gone.
    oldest_rv: u64,
    objects: HashMap<&'static str, BTreeMap<Key, Arc<Value>>>,
    history: VecDeque<Arc<StoreEvent>>,
    history_cap: usize,
    bus: broadcast::Sender<Bus>,
    uid_seq: u64,
}

impl Default for Store {
    fn default() -> Self {
        Self::new(50_000)
    }
}

impl Store {
    pub fn new(history_cap: usize) -> Self {
        let (bus, _) = broadcast::channel(16_384);
        Store {
            rv: 1,
            oldest_rv: 1,
            objects: HashMap::new(),
            history: VecDeque::new(),
            history_cap,
            bus,
            uid_seq: 0,
        }
    }

    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    pub fn oldest_resource_version(&self) -> u64 {
        self.oldest_rv
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Bus> {
        self.bus.subscribe()
    }

    /// Events newer than `rv` for one resource, oldest first.
    pub fn events_since(&self, resource: &str, rv: u64) -> Vec<Arc<StoreEvent>> {
        self.history
            .iter()
            .filter(|e| e.rv > rv && e.resource == resource)
            .cloned()
            .collect()
    }

    pub fn list(&self, resource: &str) -> impl Iterator<Item = (&Key, &Arc<Value>)> {
        self.objects
            .get(resource)
            .into_iter()
            .flat_map(|m| m.iter())
    }

    /// The objects after `after` in key order: a page that continues a list starts where
    /// the last one stopped, instead of walking past every object already sent.
    pub fn list_after<'a>(
        &'a self,
        resource: &str,
        after: Option<&Key>,
    ) -> impl Iterator<Item = (&'a Key, &'a Arc<Value>)> + 'a {
        let from = after.map_or(Bound::Unbounded, |k| Bound::Excluded(k.clone()));
        self.objects
            .get(resource)
            .into_iter()
            .flat_map(move |m| m.range((from.clone(), Bound::Unbounded)))
    }

    pub fn count(&self, resource: &str) -> usize {
        self.objects.get(resource).map_or(0, BTreeMap::len)
    }

    pub fn get(&self, resource: &str, namespace: &str, name: &str) -> Option<Arc<Value>> {
        self.objects
            .get(resource)?
            .get(&(namespace.to_string(), name.to_string()))
            .cloned()
    }

    /// Creates or replaces an object, filling in what the API server owns (uid,
    /// resourceVersion, creationTimestamp, kind/apiVersion). Returns the stored object.
    pub fn upsert(
        &mut self,
        mut obj: Value,
        now: jiff::Timestamp,
    ) -> Result<Arc<Value>, StoreError> {
        let def = def_of(&obj)?;
        let (ns, name) = key_of(&obj, def)?;
        let previous = self.get(def.plural, &ns, &name);
        let meta = obj
            .as_object_mut()
            .and_then(|o| {
                o.entry("metadata").or_insert_with(|| json!({}));
                o.get_mut("metadata")
            })
            .and_then(Value::as_object_mut)
            .ok_or(StoreError::Missing("metadata"))?;
        match &previous {
            Some(prev) => {
                for field in ["uid", "creationTimestamp"] {
                    if let Some(v) = prev["metadata"].get(field) {
                        meta.insert(field.into(), v.clone());
                    }
                }
            }
            None => {
                if !meta.contains_key("uid") {
                    self.uid_seq += 1;
                    meta.insert("uid".into(), json!(synthetic_uid(self.uid_seq)));
                }
                if !meta.contains_key("creationTimestamp") {
                    meta.insert("creationTimestamp".into(), json!(rfc3339(now)));
                }
            }
        }
        if def.namespaced {
            meta.insert("namespace".into(), json!(ns));
        } else {
            meta.remove("namespace");
        }
        self.rv += 1;
        meta.insert("resourceVersion".into(), json!(self.rv.to_string()));
        let stored = Arc::new(obj);
        self.objects
            .entry(def.plural)
            .or_default()
            .insert((ns, name), stored.clone());
        let kind = if previous.is_some() {
            EventType::Modified
        } else {
            EventType::Added
        };
        self.record(def.plural, kind, stored.clone());
        Ok(stored)
    }

    pub fn delete(&mut self, resource: &str, namespace: &str, name: &str) -> Option<Arc<Value>> {
        let def = resources::by_plural_name(resource)?;
        let removed = self
            .objects
            .get_mut(def.plural)?
            .remove(&(namespace.to_string(), name.to_string()))?;
        self.rv += 1;
        let mut obj = (*removed).clone();
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        let obj = Arc::new(obj);
        self.record(def.plural, EventType::Deleted, obj.clone());
        Some(obj)
    }

    /// Forgets all history, so every resume from an older version gets 410, and tells
    /// open watches to end with a 410 ERROR event.
    pub fn expire_watches(&mut self) {
        self.history.clear();
        // A new version, so that lists started after this point can page on.
        self.rv += 1;
        self.oldest_rv = self.rv;
        let _ = self.bus.send(Bus::Expire);
    }

    pub fn drop_watches(&self) {
        let _ = self.bus.send(Bus::Drop);
    }

    fn record(&mut self, resource: &'static str, kind: EventType, object: Arc<Value>) {
        let ev = Arc::new(StoreEvent {
            rv: self.rv,
            resource,
            kind,
            object,
        });
        if self.history.len() >= self.history_cap
            && let Some(old) = self.history.pop_front()
        {
            self.oldest_rv = old.rv;
        }
        self.history.push_back(ev.clone());
        let _ = self.bus.send(Bus::Event(ev));
    }
}

pub fn def_of(obj: &Value) -> Result<&'static ResourceDef, StoreError> {
    let api_version = obj["apiVersion"]
        .as_str()
        .ok_or(StoreError::Missing("apiVersion"))?;
    let kind = obj["kind"].as_str().ok_or(StoreError::Missing("kind"))?;
    resources::by_kind(api_version, kind).ok_or_else(|| StoreError::UnknownKind {
        api_version: api_version.into(),
        kind: kind.into(),
    })
}

fn key_of(obj: &Value, def: &ResourceDef) -> Result<Key, StoreError> {
    let name = obj["metadata"]["name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .ok_or(StoreError::Missing("metadata.name"))?;
    let ns = if def.namespaced {
        obj["metadata"]["namespace"].as_str().unwrap_or("default")
    } else {
        ""
    };
    Ok((ns.to_string(), name.to_string()))
}

/// Labels of a stored object, for selector matching.
pub fn labels_of(obj: &Value) -> BTreeMap<String, String> {
    obj["metadata"]["labels"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

pub fn rfc3339(t: jiff::Timestamp) -> String {
    // Kubernetes timestamps have whole seconds.
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn synthetic_uid(n: u64) -> String {
    format!("5d1c0000-0000-4000-8000-{n:012x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pv(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name}})
    }

    #[test]
    fn upsert_assigns_server_fields_and_keeps_uid_on_replace() {
        let mut s = Store::new(10);
        let now = jiff::Timestamp::UNIX_EPOCH;
        let a = s.upsert(pv("a"), now).unwrap();
        let uid = a["metadata"]["uid"].clone();
        assert_eq!(a["metadata"]["resourceVersion"], "2");
        let b = s.upsert(pv("a"), now).unwrap();
        assert_eq!(b["metadata"]["uid"], uid);
        assert_eq!(b["metadata"]["resourceVersion"], "3");
        assert_eq!(s.events_since("persistentvolumes", 2).len(), 1);
    }

    #[test]
    fn history_cap_moves_the_410_horizon() {
        let mut s = Store::new(2);
        let now = jiff::Timestamp::UNIX_EPOCH;
        for n in ["a", "b", "c"] {
            s.upsert(pv(n), now).unwrap();
        }
        // a (rv 2) fell out of history; resuming from 2 still sees b and c.
        assert_eq!(s.oldest_resource_version(), 2);
        s.expire_watches();
        assert_eq!(s.oldest_resource_version(), 5);
        assert_eq!(s.resource_version(), 5);
        assert!(s.delete("persistentvolumes", "", "a").is_some());
        assert!(s.delete("persistentvolumes", "", "a").is_none());
    }

    #[test]
    fn unknown_kind_is_an_error_not_a_panic() {
        let mut s = Store::new(2);
        let err = s
            .upsert(
                json!({"apiVersion": "v9", "kind": "Nope", "metadata": {"name": "x"}}),
                jiff::Timestamp::UNIX_EPOCH,
            )
            .unwrap_err();
        assert!(err.to_string().contains("Nope"));
    }
}
