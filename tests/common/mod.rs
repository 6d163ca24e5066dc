//! Shared test harness: an in-process simulator on loopback, and clients pointed at it.
#![allow(dead_code)]

pub mod tmux;

use std::time::Duration;

use serde_json::Value;
use stordeck::sim::{self, SimHandle, SimOptions};

/// A simulator whose clock moves only when a test says so.
pub async fn start_sim() -> SimHandle {
    sim::start(SimOptions {
        live_clock: false,
        ..Default::default()
    })
    .await
    .expect("simulator starts on loopback")
}

/// The real kube client, configured the way live mode configures it.
pub fn kube_client(sim: &SimHandle) -> kube::Client {
    let mut cfg = kube::Config::new(sim.url().parse().expect("sim url"));
    cfg.read_timeout = Some(Duration::from_secs(30));
    kube::Client::try_from(cfg).expect("kube client")
}

pub struct Control {
    base: String,
    http: reqwest::Client,
}

impl Control {
    pub fn new(sim: &SimHandle) -> Self {
        Control {
            base: format!("{}/_sim", sim.url()),
            http: reqwest::Client::new(),
        }
    }

    pub async fn post(&self, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.post(format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("control request");
        assert!(resp.status().is_success(), "POST {path}: {}", resp.status());
        resp.json().await.unwrap_or(Value::Null)
    }

    /// POSTs without judging the answer: the status and the JSON body (Null when empty),
    /// for tests of the control API's own errors.
    pub async fn post_status(&self, path: &str) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .send()
            .await
            .expect("control request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn delete(&self, path: &str) {
        let resp = self
            .http
            .delete(format!("{}{path}", self.base))
            .send()
            .await
            .expect("control request");
        assert!(
            resp.status().is_success(),
            "DELETE {path}: {}",
            resp.status()
        );
    }

    pub async fn get(&self, path: &str) -> Value {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("control request");
        assert!(resp.status().is_success(), "GET {path}: {}", resp.status());
        resp.json().await.expect("control answer is JSON")
    }

    pub async fn requests(&self) -> Vec<Value> {
        let resp = self
            .http
            .get(format!("{}/requests", self.base))
            .send()
            .await
            .expect("requests");
        resp.json().await.expect("request log is JSON")
    }
}
