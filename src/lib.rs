//! stordeck: a terminal dashboard for the storage layer of Amazon EKS clusters.
//!
//! Layers (see DESIGN.md): `sources` talk to Kubernetes and AWS, `model` folds what they
//! say into a `World` and its findings, `ui` renders it, `actions` change things, and `sim`
//! is the embedded cluster and account the demo, tests and benchmarks run against.

pub mod actions;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod error_text;
pub mod exit;
pub mod headless;
pub mod model;
pub mod report;
pub mod screenshots;
pub mod signals;
pub mod sim;
pub mod sources;
pub mod ui;
