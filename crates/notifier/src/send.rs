//! Posts a message to one channel: Mage's webhook bodies over HTTPS (plain HTTP only to a loopback host, for local
//! receivers), or an email over SMTP. Errors name the host and what went wrong, never a webhook's path or query
//! (which hold its secret) nor an SMTP password.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use model::{Channel, EmailConfig, mask_url};
use serde_json::Value;

use crate::NotifyError;

/// What a channel is given to send.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub(crate) title: String,
    pub(crate) summary: String,
    pub(crate) details: String,
    /// The body of Wand's generic webhook.
    pub(crate) webhook_body: Value,
}

/// How long one request or SMTP conversation may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// A client for the webhooks (no redirects: a webhook that redirects is an error worth seeing).
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// Sends `outgoing` to `channel` as Mage would.
pub(crate) async fn send(
    http: &reqwest::Client,
    channel: &Channel,
    outgoing: &Outgoing,
) -> Result<(), NotifyError> {
    let (title, summary) = (outgoing.title.as_str(), outgoing.summary.as_str());
    match channel {
        Channel::Slack { webhook_url } => {
            post(
                http,
                webhook_url,
                &crate::payload::slack(title, &outgoing.details),
            )
            .await
        }
        Channel::Teams { webhook_urls } => {
            for url in webhook_urls {
                post(http, url, &crate::payload::teams(title, summary)).await?;
            }
            Ok(())
        }
        Channel::Discord { webhook_url } => {
            post(http, webhook_url, &crate::payload::discord(title, summary)).await
        }
        Channel::GoogleChat { webhook_url } => {
            post(
                http,
                webhook_url,
                &crate::payload::google_chat(title, summary),
            )
            .await
        }
        Channel::Webhook { url } => post(http, url, &outgoing.webhook_body).await,
        Channel::Email(email) => send_email(email, title, &outgoing.details).await,
    }
}

/// Checks a webhook URL: `https`, or `http` to a loopback host (a receiver on this machine); anything else would
/// send the message, and the URL's secret, in clear text.
pub fn check_url(url: &str) -> Result<url::Url, NotifyError> {
    let masked = mask_url(url);
    let parsed = url::Url::parse(url)
        .map_err(|_| NotifyError::Send(format!("{masked} is not a valid URL")))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback => Ok(parsed),
        _ => Err(NotifyError::Send(format!(
            "{masked}: webhooks are sent over https only (plain http only to this machine)"
        ))),
    }
}

async fn post(http: &reqwest::Client, url: &str, body: &Value) -> Result<(), NotifyError> {
    let parsed = check_url(url)?;
    let masked = mask_url(url);
    let response = http
        .post(parsed)
        .json(body)
        .send()
        .await
        .map_err(|error| NotifyError::Send(format!("{masked}: {}", error.without_url())))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(NotifyError::Send(format!(
            "{masked} answered HTTP {status}"
        )))
    }
}

/// Mage's email: subject the title, plain-text body the details, to every address of `to_emails`. Implicit TLS
/// with `smtp_ssl`; STARTTLS required when there are credentials to send (Mage logs in only after STARTTLS), else
/// taken when the server offers it and `smtp_starttls` is on.
async fn send_email(email: &EmailConfig, subject: &str, body: &str) -> Result<(), NotifyError> {
    let server = format!("smtp://{}:{}", email.smtp_host, email.smtp_port);
    let fail = |what: &str, error: &dyn std::fmt::Display| {
        NotifyError::Send(format!("{server}: {what}: {error}"))
    };
    let from: Mailbox = email
        .smtp_mail_from
        .parse()
        .map_err(|error| fail("smtp_mail_from", &error))?;
    let mut builder = lettre::Message::builder().from(from).subject(subject);
    for to in &email.to_emails {
        let to: Mailbox = to.parse().map_err(|error| fail("to_emails", &error))?;
        builder = builder.to(to);
    }
    let message = builder
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_owned())
        .map_err(|error| fail("message", &error))?;
    let credentials = match (&email.smtp_user, &email.smtp_password) {
        (Some(user), Some(password)) => Some(Credentials::new(user.clone(), password.clone())),
        _ => None,
    };
    let parameters =
        || TlsParameters::new(email.smtp_host.clone()).map_err(|error| fail("TLS", &error));
    let tls = if email.smtp_ssl {
        Tls::Wrapper(parameters()?)
    } else if credentials.is_some() {
        Tls::Required(parameters()?)
    } else if email.smtp_starttls {
        Tls::Opportunistic(parameters()?)
    } else {
        Tls::None
    };
    let mut transport =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(email.smtp_host.as_str())
            .port(email.smtp_port)
            .tls(tls)
            .timeout(Some(TIMEOUT));
    if let Some(credentials) = credentials {
        transport = transport.credentials(credentials);
    }
    transport
        .build()
        .send(message)
        .await
        .map(|_| ())
        .map_err(|error| fail("sending failed", &error))
}
