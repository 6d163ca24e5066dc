//! Sources talk to the outside and nothing else: Kubernetes watch streams and AWS pollers,
//! each sending owned messages into the one channel the app loop reads.

pub mod agents;
pub mod aws;
mod backoff;
pub mod confirm;
pub mod connect;
pub mod events;
pub mod fetch;
mod first_list;
mod health;
pub mod identity;
pub mod kube;
mod kube_errors;
mod kube_watch;
pub mod preflight;
pub mod refresh;
