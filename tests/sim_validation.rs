//! The simulator refuses what the real services refuse, in their words: watches and lists
//! from a resourceVersion it has not reached, object names and label values Kubernetes
//! would not store, malformed EFS/EKS identifiers, a listen address off loopback without
//! `--allow-remote`; and it routes percent-encoded names the same way for every verb.

mod common;

use std::time::Duration;

use reqwest::{Client, Method, Response};
use serde_json::{Value, json};
use stordeck::sim::scenario::CLUSTER;
use stordeck::sim::{self, SimHandle, SimOptions};

const SUBDOMAIN: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric \
     characters, '-' or '.', and must start and end with an alphanumeric character (e.g. \
     'example.com', regex used for validation is \
     '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const FS_PATTERN: &str = "^(arn:aws[-a-z]*:elasticfilesystem:[0-9a-z-:]+:file-system/fs-[0-9a-f]{8,40}|fs-[0-9a-f]{8,40})$";

struct Raw {
    base: String,
    http: Client,
}

impl Raw {
    fn new(sim: &SimHandle) -> Self {
        Raw {
            base: sim.url(),
            http: Client::new(),
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<(&str, Value)>) -> Response {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some((ctype, b)) = body {
            req = req.header("content-type", ctype).body(b.to_string());
        }
        req.send().await.expect("request reaches the simulator")
    }

    /// Status code and JSON body (Null when the body is not JSON).
    async fn call(&self, method: Method, path: &str, body: Option<(&str, Value)>) -> (u16, Value) {
        let resp = self.send(method, path, body).await;
        let code = resp.status().as_u16();
        (code, resp.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(("application/json", body)))
            .await
    }

    async fn current_rv(&self) -> u64 {
        let (_, list) = self.get("/api/v1/persistentvolumes?limit=1").await;
        list["metadata"]["resourceVersion"]
            .as_str()
            .and_then(|r| r.parse().ok())
            .expect("a list carries its resourceVersion")
    }
}

fn pv(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteMany"],
            "csi": {"driver": "efs.csi.aws.com", "volumeHandle": "fs-0123456789abcdef0"}}})
}

/// Reads one newline-terminated watch event; None when the stream ends first.
async fn next_line(resp: &mut Response, buf: &mut Vec<u8>) -> Option<Value> {
    loop {
        if let Some(i) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=i).collect();
            return Some(serde_json::from_slice(&line).expect("watch lines are JSON"));
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), resp.chunk())
            .await
            .expect("the watch says something within 10 s")
            .expect("watch stream reads");
        buf.extend_from_slice(&chunk?);
    }
}

fn assert_too_large(status: &Value, asked: u64, current: u64) {
    assert_eq!(status["kind"], "Status", "{status}");
    assert_eq!(status["status"], "Failure");
    assert_eq!(status["code"], 504);
    assert_eq!(status["reason"], "Timeout");
    assert_eq!(
        status["message"],
        format!("Timeout: Too large resource version: {asked}, current: {current}")
    );
    assert_eq!(status["details"]["retryAfterSeconds"], 1);
    assert_eq!(
        status["details"]["causes"],
        json!([{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}])
    );
}

#[tokio::test]
async fn a_list_from_a_version_the_server_has_not_reached_is_a_504_too_large() {
    let sim = common::start_sim().await;
    let raw = Raw::new(&sim);
    let current = raw.current_rv().await;
    let asked = current + 1000;
    let resp = raw
        .send(
            Method::GET,
            &format!("/api/v1/persistentvolumes?resourceVersion={asked}&resourceVersionMatch=NotOlderThan"),
            None,
        )
        .await;
    assert_eq!(resp.status().as_u16(), 504);
    assert_eq!(
        resp.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
    let body: Value = resp.json().await.expect("a Status body");
    assert_too_large(&body, asked, current);

    // One it has reached is served as before.
    let (code, list) = raw
        .get(&format!(
            "/api/v1/persistentvolumes?resourceVersion={current}"
        ))
        .await;
    assert_eq!(code, 200, "{list}");
}

#[tokio::test]
async fn a_watch_list_from_a_version_the_server_has_not_reached_ends_in_a_504_error_event() {
    let sim = common::start_sim().await;
    let raw = Raw::new(&sim);
    let current = raw.current_rv().await;
    let asked = current + 50;
    let mut resp = raw
        .send(
            Method::GET,
            &format!(
                "/api/v1/persistentvolumes?watch=true&sendInitialEvents=true&allowWatchBookmarks=true\
                 &resourceVersionMatch=NotOlderThan&resourceVersion={asked}"
            ),
            None,
        )
        .await;
    // Past admission, a watch fails in-stream, as the API server's cacher does.
    assert_eq!(resp.status().as_u16(), 200);
    let mut buf = Vec::new();
    let ev = next_line(&mut resp, &mut buf)
        .await
        .expect("an ERROR event");
    assert_eq!(ev["type"], "ERROR", "{ev}");
    assert_too_large(&ev["object"], asked, current);
    assert!(
        next_line(&mut resp, &mut buf).await.is_none(),
        "the stream ends after the error"
    );
}

#[tokio::test]
async fn a_plain_watch_from_a_version_ahead_waits_silently_until_the_store_passes_it() {
    let sim = common::start_sim().await;
    let raw = Raw::new(&sim);
    let ctl = common::Control::new(&sim);
    let current = raw.current_rv().await;
    let asked = current + 3;
    let mut resp = raw
        .send(
            Method::GET,
            &format!("/api/v1/persistentvolumes?watch=true&resourceVersion={asked}"),
            None,
        )
        .await;
    assert_eq!(resp.status().as_u16(), 200);
    // Versions current+1 … current+3 are at or below the one asked for: not sent.
    for n in 1..=4 {
        ctl.post("/objects", Some(pv(&format!("ahead-{n}")))).await;
    }
    let mut buf = Vec::new();
    let ev = next_line(&mut resp, &mut buf).await.expect("an event");
    assert_eq!(ev["type"], "ADDED", "{ev}");
    assert_eq!(ev["object"]["metadata"]["name"], "ahead-4");
    assert_eq!(
        ev["object"]["metadata"]["resourceVersion"],
        (current + 4).to_string()
    );
}

#[tokio::test]
async fn a_watch_from_before_the_history_is_410_expired() {
    let sim = common::start_sim().await;
    let raw = Raw::new(&sim);
    let ctl = common::Control::new(&sim);
    ctl.post("/watches/expire", None).await;
    let mut resp = raw
        .send(
            Method::GET,
            "/api/v1/persistentvolumes?watch=true&resourceVersion=1",
            None,
        )
        .await;
    let ev = next_line(&mut resp, &mut Vec::new())
        .await
        .expect("an ERROR event");
    assert_eq!(ev["type"], "ERROR");
    assert_eq!(ev["object"]["code"], 410);
    assert_eq!(ev["object"]["reason"], "Expired");
}

#[tokio::test]
async fn a_continue_token_from_a_server_further_along_is_too_large_not_paged_on() {
    let ahead = common::start_sim().await;
    let ctl = common::Control::new(&ahead);
    for n in 0..5 {
        ctl.post("/objects", Some(pv(&format!("extra-{n}")))).await;
    }
    let (_, page) = Raw::new(&ahead)
        .get("/api/v1/persistentvolumes?limit=1")
        .await;
    let token = page["metadata"]["continue"]
        .as_str()
        .expect("more than one page")
        .to_string();
    let token_rv: u64 = page["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|r| r.parse().ok())
        .expect("rv");

    let fresh = common::start_sim().await;
    let raw = Raw::new(&fresh);
    let current = raw.current_rv().await;
    assert!(token_rv > current);
    let (code, body) = raw
        .get(&format!(
            "/api/v1/persistentvolumes?limit=1&continue={token}"
        ))
        .await;
    assert_eq!(code, 504, "{body}");
    assert_too_large(&body, token_rv, current);
}

/// What a field error on `field` says of `value`: the single cause, in the Status around it.
struct Bad<'a> {
    kind: &'a str,
    group: &'a str,
    name: &'a str,
    field: &'a str,
    value: &'a str,
}

fn assert_invalid(body: &Value, bad: Bad<'_>, detail: &str) {
    let Bad {
        kind,
        group,
        name,
        field,
        value,
    } = bad;
    let quoted = serde_json::to_string(name).unwrap_or_default();
    let quoted_value = serde_json::to_string(value).unwrap_or_default();
    let cause = format!("Invalid value: {quoted_value}: {detail}");
    let qualified = if group.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}.{group}")
    };
    assert_eq!(body["kind"], "Status", "{body}");
    assert_eq!(body["code"], 422);
    assert_eq!(body["reason"], "Invalid");
    assert_eq!(
        body["message"],
        format!("{qualified} {quoted} is invalid: {field}: {cause}")
    );
    assert_eq!(
        body["details"],
        json!({"name": name, "group": group, "kind": kind,
            "causes": [{"reason": "FieldValueInvalid", "message": cause, "field": field}]})
    );
}

#[tokio::test]
async fn names_kubernetes_would_not_store_are_422_invalid_in_its_words() {
    let sim = common::start_sim().await;
    let raw = Raw::new(&sim);

    let (code, body) = raw.post("/api/v1/persistentvolumes", pv("a/b")).await;
    assert_eq!(code, 422, "{body}");
    assert_invalid(
        &body,
        Bad {
            kind: "PersistentVolume",
            group: "",
            name: "a/b",
            field: "metadata.name",
            value: "a/b",
        },
        SUBDOMAIN,
    );

    for bad in ["Upper", "-lead", "trail.", "tab\there", "esc\u{1b}[31m"] {
        let (code, body) = raw.post("/api/v1/persistentvolumes", pv(bad)).await;
        assert_eq!(code, 422, "{bad:?}: {body}");
        assert_eq!(body["details"]["causes"][0]["field"], "metadata.name");
    }
    // Go quotes control characters as \x1b, not as JSON's \u001b.
    let (_, body) = raw.post("/api/v1/persistentvolumes", pv("esc\u{1b}")).await;
    let msg = body["message"].as_str().unwrap_or_default();
    assert!(msg.contains(r#""esc\x1b" is invalid"#), "{msg}");

    let long = "a".repeat(5000);
    let (code, body) = raw.post("/api/v1/persistentvolumes", pv(&long)).await;
    assert_eq!(code, 422);
    assert_invalid(
        &body,
        Bad {
            kind: "PersistentVolume",
            group: "",
            name: &long,
            field: "metadata.name",
            value: &long,
        },
        "must be no more than 253 characters",
    );

    let sc = json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "Fast"}, "provisioner": "efs.csi.aws.com"});
    let (code, body) = raw.post("/apis/storage.k8s.io/v1/storageclasses", sc).await;
    assert_eq!(code, 422);
    assert_invalid(
        &body,
        Bad {
            kind: "StorageClass",
            group: "storage.k8s.io",
            name: "Fast",
            field: "metadata.name",
            value: "Fast",
        },
        SUBDOMAIN,
    );

    // Namespaces are DNS labels: no dots, at most 63 characters.
    let ns = |n: &str| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}});
    let (code, body) = raw.post("/api/v1/namespaces", ns("team.a")).await;
    assert_eq!(code, 422);
    assert_invalid(
        &body,
        Bad {
            kind: "Namespace",
            group: "",
            name: "team.a",
            field: "metadata.name",
            value: "team.a",
        },
        "must not contain dots",
    );
    let (code, _) = raw.post("/api/v1/namespaces", ns(&"n".repeat(64))).await;
    assert_eq!(code, 422);

    // RBAC names are path segments: colons are fine, a slash is not.
    let role = |n: &str| {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": n}, "rules": []})
    };
    let roles = "/apis/rbac.authorization.k8s.io/v1/clusterroles";
    let (code, body) = raw.post(roles, role("system:stordeck:reader")).await;
    assert_eq!(code, 201, "{body}");
    let (code, body) = raw.post(roles, role("a/b")).await;
    assert_eq!(code, 422);
    assert_eq!(
        body["details"]["causes"][0]["message"],
        r#"Invalid value: "a/b": may not contain '/'"#
    );

    let (code, body) = raw
        .post("/api/v1/persistentvolumes", pv("pvc-0a.b-c"))
        .await;
    assert_eq!(code, 201, "{body}");
}

#[tokio::test]
async fn label_values_are_checked_on_create_and_patch() {
    let sim = common::start_sim().await;
    let raw = Raw::new(&sim);
    let detail = "a valid label must be an empty string or consist of alphanumeric characters, \
         '-', '_' or '.', and must start and end with an alphanumeric character (e.g. \
         'MyValue',  or 'my_value',  or '12345', regex used for validation is \
         '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    let mut bad = pv("labelled");
    bad["metadata"]["labels"] = json!({"team": "has space"});
    let (code, body) = raw.post("/api/v1/persistentvolumes", bad).await;
    assert_eq!(code, 422, "{body}");
    assert_invalid(
        &body,
        Bad {
            kind: "PersistentVolume",
            group: "",
            name: "labelled",
            field: "metadata.labels",
            value: "has space",
        },
        detail,
    );

    let (code, _) = raw.post("/api/v1/persistentvolumes", pv("labelled")).await;
    assert_eq!(code, 201);
    let patch = json!({"metadata": {"labels": {"team": "x".repeat(64)}}});
    let (code, body) = raw
        .call(
            Method::PATCH,
            "/api/v1/persistentvolumes/labelled",
            Some(("application/merge-patch+json", patch)),
        )
        .await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(
        body["details"]["causes"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .rsplit(": ")
            .next(),
        Some("must be no more than 63 characters")
    );
}

#[tokio::test]
async fn every_verb_decodes_a_percent_encoded_name_once_and_alike() {
    let sim = common::start_sim().await;
    let raw = Raw::new(&sim);
    let ctl = common::Control::new(&sim);
    // Only seeding can store such a name; the API's own create would refuse it.
    ctl.post("/objects", Some(pv("a/b"))).await;
    let path = "/api/v1/persistentvolumes/a%2Fb";

    let (code, got) = raw.get(path).await;
    assert_eq!(code, 200, "GET {path}: {got}");
    assert_eq!(got["metadata"]["name"], "a/b");

    let patch = json!({"metadata": {"labels": {"patched": "yes"}}});
    let (code, got) = raw
        .call(
            Method::PATCH,
            path,
            Some(("application/merge-patch+json", patch)),
        )
        .await;
    assert_eq!(code, 200, "PATCH: {got}");
    assert_eq!(got["metadata"]["labels"]["patched"], "yes");

    let (code, got) = raw
        .call(Method::PUT, path, Some(("application/json", pv("a/b"))))
        .await;
    assert_eq!(code, 200, "PUT: {got}");
    assert_eq!(got["metadata"]["name"], "a/b");

    let (code, got) = raw.call(Method::DELETE, path, None).await;
    assert_eq!(code, 200, "DELETE: {got}");
    let (code, _) = raw.get(path).await;
    assert_eq!(code, 404);

    // Decoded once: %252F names "a%2Fb", which does not exist.
    let (code, body) = raw.get("/api/v1/persistentvolumes/a%252Fb").await;
    assert_eq!(code, 404);
    assert_eq!(body["message"], r#"persistentvolumes "a%2Fb" not found"#);
    let (code, body) = raw.get("/api/v1/persistentvolumes/bad%zz").await;
    assert_eq!(code, 400, "{body}");

    // The control API's delete decodes the same way.
    ctl.post("/objects", Some(pv("c/d"))).await;
    ctl.delete("/objects/persistentvolumes/c%2Fd").await;
    let (code, _) = raw.get("/api/v1/persistentvolumes/c%2Fd").await;
    assert_eq!(code, 404);
}

async fn assert_aws_invalid(raw: &Raw, path: &str, code: &str, message: &str) {
    let resp = raw.send(Method::GET, path, None).await;
    assert_eq!(resp.status().as_u16(), 400, "{path}");
    assert_eq!(
        resp.headers()
            .get("x-amzn-ErrorType")
            .and_then(|v| v.to_str().ok()),
        Some(code),
        "{path}"
    );
    let body: Value = resp.json().await.expect("a JSON error body");
    let got = body["Message"].as_str().or(body["message"].as_str());
    assert_eq!(got, Some(message), "{path}: {body}");
}

#[tokio::test]
async fn malformed_efs_and_eks_identifiers_are_refused_as_the_services_do() {
    let sim = common::start_sim().await;
    let raw = Raw::new(&sim);
    assert_aws_invalid(
        &raw,
        "/2015-02-01/file-systems?FileSystemId=not-an-id",
        "ValidationException",
        &format!(
            "1 validation error detected: Value 'not-an-id' at 'fileSystemId' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: {FS_PATTERN}"
        ),
    )
    .await;
    // A well-formed id that does not exist is still FileSystemNotFound.
    let (code, body) = raw
        .get("/2015-02-01/file-systems?FileSystemId=fs-00000000000000000")
        .await;
    assert_eq!(code, 404, "{body}");
    assert_eq!(body["ErrorCode"], "FileSystemNotFound");

    for path in [
        "/2015-02-01/access-points?AccessPointId=fsap-xyz",
        "/2015-02-01/access-points?FileSystemId=fs-1",
        "/2015-02-01/mount-targets?MountTargetId=mt-1",
        "/2015-02-01/mount-targets?AccessPointId=fsap-0nothere",
    ] {
        let (code, body) = raw.get(path).await;
        assert_eq!(code, 400, "{path}: {body}");
    }
    let long = format!("fs-{}", "0".repeat(130));
    let (code, body) = raw
        .get(&format!("/2015-02-01/file-systems?FileSystemId={long}"))
        .await;
    assert_eq!(code, 400);
    let msg = body["Message"].as_str().unwrap_or_default();
    assert!(msg.starts_with("2 validation errors detected: "), "{msg}");
    assert!(
        msg.contains("Member must have length less than or equal to 128"),
        "{msg}"
    );
    let token = "t".repeat(65);
    let (code, _) = raw
        .get(&format!("/2015-02-01/file-systems?CreationToken={token}"))
        .await;
    assert_eq!(code, 400);
    let (code, body) = raw
        .call(Method::DELETE, "/2015-02-01/access-points/ap-1", None)
        .await;
    assert_eq!(code, 400, "{body}");

    let long_cluster = "c".repeat(101);
    assert_aws_invalid(
        &raw,
        &format!("/clusters/{long_cluster}"),
        "InvalidParameterException",
        &format!(
            "1 validation error detected: Value '{long_cluster}' at 'name' failed to satisfy \
             constraint: Member must have length less than or equal to 100"
        ),
    )
    .await;
    let (code, body) = raw.get("/clusters/_hidden/addons").await;
    assert_eq!(code, 400, "{body}");
    let (code, body) = raw.get(&format!("/clusters/{CLUSTER}/addons")).await;
    assert_eq!(code, 200, "{body}");
}

#[tokio::test]
async fn start_refuses_a_non_loopback_address_unless_remote_is_allowed() {
    let any = "0.0.0.0:0".parse().unwrap();
    let err = sim::check_listen(any, false).expect_err("refused");
    assert!(err.contains("--allow-remote"), "{err}");
    let warning = sim::check_listen(any, true)
        .expect("allowed")
        .expect("a warning");
    assert!(warning.contains("unauthenticated"), "{warning}");
    assert!(warning.contains("writes"), "{warning}");
    let lo = "127.0.0.1:0".parse().unwrap();
    assert_eq!(sim::check_listen(lo, false), Ok(None));
    assert_eq!(
        sim::check_listen("[::1]:0".parse().unwrap(), false),
        Ok(None)
    );

    let refused = sim::start(SimOptions {
        listen: any,
        live_clock: false,
        ..Default::default()
    })
    .await;
    assert!(
        refused.is_err(),
        "start refuses 0.0.0.0 without allow_remote"
    );
}

#[test]
fn the_sim_command_needs_allow_remote_off_loopback() {
    let bin = env!("CARGO_BIN_EXE_stordeck");
    let out = std::process::Command::new(bin)
        .args(["sim", "--frozen-clock", "--listen", "0.0.0.0:0"])
        .output()
        .expect("stordeck runs");
    // A command line that asks for what needs a flag it lacks: a usage error (EX_USAGE).
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-remote"), "{err}");

    // Accepted on loopback too, where it changes nothing and warns of nothing.
    let mut child = std::process::Command::new(bin)
        .args([
            "sim",
            "--frozen-clock",
            "--listen",
            "127.0.0.1:0",
            "--allow-remote",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("stordeck sim starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    {
        use std::io::BufRead;
        let mut reader = std::io::BufReader::new(&mut stdout);
        let _ = reader.read_line(&mut first);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.contains("serving on http://127.0.0.1:"), "{first:?}");
}
