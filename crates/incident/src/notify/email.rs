//! E-mail notifications through an SMTP relay (lettre): STARTTLS required by default, implicit
//! TLS on request, plain SMTP only to a loopback relay (checked when the configuration loads).

use super::Notification;
use lettre::{
    message::{header::ContentType, Mailbox},
    transport::smtp::{
        authentication::Credentials,
        client::{Certificate, Tls, TlsParameters},
    },
    Message, SmtpTransport, Transport,
};
use palisade_core::{
    incident_config::{ChannelConfig, ChannelTarget, SmtpSecurity},
    time::format_rfc3339,
};
use std::time::Duration;

/// Renders and sends one notification to the channel's recipients.
pub fn send(channel: &ChannelConfig, payload: &str) -> Result<(), String> {
    let ChannelTarget::Email {
        smtp_host,
        smtp_port,
        security,
        username,
        password_file,
        ca_file,
        from,
        to,
    } = &channel.target
    else {
        return Err("not an e-mail channel".into());
    };
    let notification: Notification = serde_json::from_str(payload)
        .map_err(|e| format!("queued notification unreadable: {e}"))?;
    let mailbox = |address: &str| {
        address
            .parse::<Mailbox>()
            .map_err(|e| format!("e-mail address {address:?}: {e}"))
    };
    let mut builder = Message::builder()
        .from(mailbox(from)?)
        .subject(notification.summary())
        .header(ContentType::TEXT_PLAIN);
    for recipient in to {
        builder = builder.to(mailbox(recipient)?);
    }
    let message = builder
        .body(body(&notification))
        .map_err(|e| format!("cannot build the e-mail: {e}"))?;
    let tls = |wrap: fn(TlsParameters) -> Tls| -> Result<Tls, String> {
        let mut params = TlsParameters::builder(smtp_host.clone());
        if let Some(path) = ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| format!("cannot read ca_file {}: {e}", path.display()))?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|e| format!("ca_file {}: {e}", path.display()))?;
            params = params.add_root_certificate(cert);
        }
        let params = params
            .build_rustls()
            .map_err(|e| format!("TLS settings for {smtp_host}: {e}"))?;
        Ok(wrap(params))
    };
    let mode = match security {
        SmtpSecurity::Starttls => tls(Tls::Required)?,
        SmtpSecurity::Tls => tls(Tls::Wrapper)?,
        SmtpSecurity::None => Tls::None,
    };
    let mut transport = SmtpTransport::builder_dangerous(smtp_host)
        .port(*smtp_port)
        .tls(mode)
        .timeout(Some(Duration::from_secs(15)));
    if let Some(user) = username {
        let password = match password_file {
            Some(path) => super::webhook::read_secret(path)?,
            None => Default::default(),
        };
        let password = String::from_utf8_lossy(&password).into_owned();
        transport = transport.credentials(Credentials::new(user.clone(), password));
    }
    transport
        .build()
        .send(&message)
        .map(|_| ())
        .map_err(|e| format!("SMTP {smtp_host}:{smtp_port}: {e}"))
}

/// The plain-text body: the incident's fields, one per line.
fn body(n: &Notification) -> String {
    let i = &n.incident;
    let mut text = format!(
        "{}\n\nIncident:  #{}\nTitle:     {}\nTenant:    {}\nSeverity:  {}\nState:     {}\nRule:      {}\nOpened:    {}\nAlerts:    {}\n",
        n.summary(),
        i.id,
        i.title,
        i.tenant,
        i.severity.as_str(),
        i.state.as_str(),
        i.rule_id,
        format_rfc3339(i.created_ms),
        i.alert_count,
    );
    if let Some(a) = &i.assignee {
        text.push_str(&format!("Assignee:  {a}\n"));
    }
    for (key, value) in &i.entities {
        text.push_str(&format!("{key:<10} {value}\n", key = format!("{key}:")));
    }
    text
}
