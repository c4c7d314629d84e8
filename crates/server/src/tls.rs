//! HTTPS: the certificate chain and private key named by `--tls-cert` / `--tls-key` (PEM files) turned into the
//! rustls acceptor `listen::serve` puts in front of every connection.

use std::path::Path;
use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A TLS configuration ready to accept connections.
#[derive(Clone)]
pub struct Tls(pub(crate) TlsAcceptor);

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tls")
    }
}

impl Tls {
    /// Reads a PEM certificate chain (the server's certificate first) and its PEM private key (PKCS#8, PKCS#1 or
    /// SEC1). Errors name the file and what is wrong with it, never the key's content.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Tls, String> {
        let chain = CertificateDer::pem_file_iter(cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|error| {
                format!(
                    "cannot read the certificate chain {}: {error}",
                    cert.display()
                )
            })?;
        if chain.is_empty() {
            return Err(format!(
                "{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                cert.display()
            ));
        }
        let key_der = PrivateKeyDer::from_pem_file(key).map_err(|error| {
            format!(
                "cannot read the private key {} (PEM, PKCS#8, PKCS#1 or SEC1): {error}",
                key.display()
            )
        })?;
        // The provider is named: the build links two (ring and aws-lc-rs, through the object store's client),
        // and rustls will not guess between them.
        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| format!("cannot set up TLS: {error}"))?
            .with_no_client_auth()
            .with_single_cert(chain, key_der)
            .map_err(|error| {
                format!(
                    "the certificate {} and the key {} do not make a TLS configuration: {error}",
                    cert.display(),
                    key.display()
                )
            })?;
        // HTTP/1.1 only, as the plain listener (its header timeout guards against slow clients).
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls(TlsAcceptor::from(Arc::new(config))))
    }
}
