//! Palisade's web console: the pages a security team works in, rendered on the server.
//!
//! This crate only turns prepared data into HTML: askama templates (HTML-escaped by
//! default), one hand-written stylesheet with a light and a dark theme, a small script, and
//! charts and QR codes drawn as SVG on the server. It reads nothing and decides nothing about who may see
//! what: the server (`palisade-server`, module `api::console`) authenticates the session,
//! authorizes the page against the route table, gathers the tenant's data and hands it to
//! the page models here. Assets are compiled into the binary ([`assets`]).

pub mod assets;
pub mod barchart;
pub mod chart;
pub mod pages;
pub mod qr;

pub use askama::Template;
