//! E-mail notifications through an SMTP relay (lettre): STARTTLS required by default, implicit
//! TLS on request, plain SMTP only to a loopback relay (checked when the configuration loads).

use super::Notification;
use lettre::{
    message::{header::ContentType, Mailbox},
    transport::smtp::authentication::Credentials,
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
    let mut transport = match security {
        SmtpSecurity::Starttls => SmtpTransport::starttls_relay(smtp_host),
        SmtpSecurity::Tls => SmtpTransport::relay(smtp_host),
        SmtpSecurity::None => Ok(SmtpTransport::builder_dangerous(smtp_host)),
    }
    .map_err(|e| format!("SMTP relay {smtp_host}: {e}"))?
    .port(*smtp_port)
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
