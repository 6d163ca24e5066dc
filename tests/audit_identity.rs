//! The audit log says who acted as the account and the cluster saw it: the AWS principal
//! from STS GetCallerIdentity and the Kubernetes user from a SelfSubjectReview, next to the
//! local user, asked through the real clients of the simulator. An STS that does not answer
//! is recorded as the reason, and the action still runs; the read-only clients let exactly
//! those two questions through and nothing else.

mod common;

use std::time::Duration;

use k8s_openapi::api::authorization::v1::SelfSubjectAccessReview;
use kube::api::{Api, PostParams};
use serde_json::{Value, json};
use stordeck::actions::{Action, AuditLog, DeleteAddon, Executor};
use stordeck::sim::aws::sts::Caller;
use stordeck::sim::identity::KubeUser;
use stordeck::sim::scenario::CLUSTER;
use stordeck::sim::{SimHandle, lock};
use stordeck::sources::connect::{self, Connection};
use stordeck::sources::identity::{self, Pending};

use common::Control;

const ARN: &str = "arn:aws:sts::111122223333:assumed-role/platform-oncall/jdoe";
const KUBE_USER: &str = "platform-oncall:jdoe";
const SSR_PATH: &str = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
/// STS answers at `POST /`; the simulator logs the operation from the form body.
const STS_CALL: &str = "POST / Action=GetCallerIdentity";

/// A simulator whose STS and API server name someone other than the local user.
async fn sim() -> (SimHandle, Control) {
    let sim = common::start_sim().await;
    {
        let mut st = lock(&sim.shared);
        st.aws.caller = Some(Caller {
            arn: ARN.into(),
            user_id: "AROAEXAMPLEONCALL0001:jdoe".into(),
        });
        st.kube_user = KubeUser {
            username: KUBE_USER.into(),
            groups: vec!["platform:oncall".into(), "system:authenticated".into()],
        };
    }
    let ctl = Control::new(&sim);
    (sim, ctl)
}

async fn connect(sim: &SimHandle, read_only: bool) -> Connection {
    let (cluster, region, account) = sim.cluster();
    connect::simulator(&sim.url(), &cluster, &region, &account, read_only)
        .await
        .expect("clients connect")
}

fn preserve_delete() -> Action {
    Action::DeleteAddon(DeleteAddon {
        cluster: CLUSTER.into(),
        addon: "aws-efs-csi-driver".into(),
        preserve: true,
        objects: Vec::new(),
        role_arn: None,
        findings: Vec::new(),
    })
}

fn audit(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("audit lines are JSON"))
        .collect()
}

async fn not_gets(ctl: &Control) -> Vec<String> {
    ctl.requests()
        .await
        .iter()
        .filter(|r| r["method"] != "GET")
        .map(|r| {
            let line = format!(
                "{} {}",
                r["method"].as_str().unwrap_or(""),
                r["path"].as_str().unwrap_or("")
            );
            match r["action"].as_str() {
                Some(a) => format!("{line} Action={a}"),
                None => line,
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_preserve_delete_is_audited_as_the_aws_principal_and_kube_user_that_acted() {
    let (sim, ctl) = sim().await;
    let conn = connect(&sim, false).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    let who = Pending::start(conn.kube.clone(), conn.sts.clone(), identity::TIMEOUT);
    let audit_log = AuditLog::new(path.clone(), "tester", CLUSTER).with_identity(who);
    let ex = Executor::new(&conn, audit_log).expect("not read-only");

    let out = ex.run(preserve_delete()).await;
    assert!(out.result.is_ok(), "{:?}", out.result);

    let lines = audit(&path);
    assert_eq!(lines.len(), 2, "started and result: {lines:?}");
    for l in &lines {
        assert_eq!(l["user"], "tester", "the local user stays: {l}");
        assert_eq!(l["aws_identity"], ARN, "{l}");
        assert_eq!(l["kube_user"], KUBE_USER, "{l}");
        assert_eq!(
            l["kube_groups"],
            json!(["platform:oncall", "system:authenticated"]),
            "{l}"
        );
    }
    // Asked once for both lines, and the only other request is the one the dialog showed.
    let mut sent = not_gets(&ctl).await;
    sent.sort();
    assert_eq!(
        sent,
        vec![
            format!("DELETE /clusters/{CLUSTER}/addons/aws-efs-csi-driver"),
            STS_CALL.to_string(),
            format!("POST {SSR_PATH}"),
        ]
    );
}

/// Takes connections and never answers, as a firewall that drops packets does.
async fn silent_endpoint() -> (String, tokio::task::JoinHandle<()>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", l.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            held.push(s);
        }
    });
    (url, task)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sts_that_does_not_answer_is_audited_as_unknown_and_the_action_still_runs() {
    let (sim, ctl) = sim().await;
    let mut conn = connect(&sim, false).await;
    let (silent, listener) = silent_endpoint().await;
    let conf = conn.sts.config().to_builder().endpoint_url(&silent).build();
    conn.sts = aws_sdk_sts::Client::from_conf(conf);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    let limit = Duration::from_millis(500);
    let who = Pending::start(conn.kube.clone(), conn.sts.clone(), limit);
    let audit_log = AuditLog::new(path.clone(), "tester", CLUSTER).with_identity(who);
    let ex = Executor::new(&conn, audit_log).expect("not read-only");

    let started = std::time::Instant::now();
    let out = tokio::time::timeout(Duration::from_secs(10), ex.run(preserve_delete()))
        .await
        .expect("an unanswered STS does not hold the action");
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert!(started.elapsed() < Duration::from_secs(5));

    let lines = audit(&path);
    assert_eq!(lines.len(), 2, "{lines:?}");
    for l in &lines {
        assert_eq!(
            l["aws_identity"], "unknown: STS did not answer GetCallerIdentity within 500ms",
            "{l}"
        );
        assert_eq!(l["kube_user"], KUBE_USER, "the API server did answer: {l}");
    }
    assert!(not_gets(&ctl).await.contains(&format!(
        "DELETE /clusters/{CLUSTER}/addons/aws-efs-csi-driver"
    )));
    listener.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_denied_identity_question_gives_the_services_reason() {
    let (sim, ctl) = sim().await;
    ctl.post("/faults/forbid?resource=sts", None).await;
    ctl.post("/faults/forbid?resource=selfsubjectreviews", None)
        .await;
    let conn = connect(&sim, false).await;
    let id = identity::who(&conn.kube, &conn.sts, identity::TIMEOUT).await;
    let aws = id.aws.expect_err("denied");
    assert!(
        aws.starts_with("STS GetCallerIdentity: AccessDenied: "),
        "{aws}"
    );
    let kube = id.kube.expect_err("denied");
    assert!(
        kube.starts_with("SelfSubjectReview: the API server answered 403 Forbidden"),
        "{kube}"
    );
}

/// Whether the read-only guard, somewhere in the error's chain, is what stopped it.
fn refused(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.to_string().starts_with("read-only: refused POST") {
            return true;
        }
        cur = err.source();
    }
    false
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_clients_let_the_two_identity_questions_through_and_nothing_else() {
    let (sim, ctl) = sim().await;
    let conn = connect(&sim, true).await;
    assert!(conn.read_only);

    let id = identity::who(&conn.kube, &conn.sts, identity::TIMEOUT).await;
    assert_eq!(id.aws.as_deref(), Ok(ARN));
    assert_eq!(id.kube.as_ref().map(|u| u.username.as_str()), Ok(KUBE_USER));

    // Other STS operations are POSTs too; they must not ride on the exemption.
    let err = conn
        .sts
        .get_session_token()
        .send()
        .await
        .expect_err("refused");
    assert!(refused(&err), "{err:?}");
    let err = conn
        .sts
        .assume_role()
        .role_arn("arn:aws:iam::111122223333:role/admin")
        .role_session_name("x")
        .send()
        .await
        .expect_err("refused");
    assert!(refused(&err), "{err:?}");
    // Nor other reviews in the neighbouring API groups.
    let sar: Api<SelfSubjectAccessReview> = Api::all(conn.kube.clone());
    let err = sar
        .create(&PostParams::default(), &SelfSubjectAccessReview::default())
        .await
        .expect_err("refused");
    assert!(refused(&err), "{err:?}");

    let mut sent = not_gets(&ctl).await;
    sent.sort();
    assert_eq!(sent, vec![STS_CALL.to_string(), format!("POST {SSR_PATH}")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_simulator_answers_identity_questions_as_sts_and_the_api_server_do() {
    let (sim, _ctl) = sim().await;
    let http = reqwest::Client::new();
    let base = sim.url();

    let groups: Value = http
        .get(format!("{base}/apis"))
        .send()
        .await
        .expect("apis")
        .json()
        .await
        .expect("json");
    assert!(
        groups["groups"]
            .as_array()
            .is_some_and(|g| g.iter().any(|g| g["name"] == "authentication.k8s.io")),
        "{groups}"
    );
    let list: Value = http
        .get(format!("{base}/apis/authentication.k8s.io/v1"))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(list["resources"][0]["name"], "selfsubjectreviews");
    assert_eq!(list["resources"][0]["verbs"], json!(["create"]));

    let get = http
        .get(format!("{base}{SSR_PATH}"))
        .send()
        .await
        .expect("get");
    assert_eq!(get.status().as_u16(), 405, "a review is only created");

    let other = http
        .post(format!("{base}/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("Action=AssumeRole&Version=2011-06-15")
        .send()
        .await
        .expect("sts");
    assert_eq!(other.status().as_u16(), 400);
    let body = other.text().await.unwrap_or_default();
    assert!(body.contains("<Code>InvalidAction</Code>"), "{body}");
}
