//! HTTPS for the fake: a throwaway certificate authority and a `localhost`/`127.0.0.1`
//! certificate made at start, so that official SDKs, which build `https://{domain}`
//! themselves, reach the fake with nothing changed but the domain and the trusted CA.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::{FakeError, util};

/// The TLS side of a running fake: the acceptor and the CA clients must trust.
pub(crate) struct Tls {
    pub acceptor: tokio_rustls::TlsAcceptor,
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// Where the CA certificate was written (`NODE_EXTRA_CA_CERTS`, `SSL_CERT_FILE`).
    pub ca_path: PathBuf,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("ca_path", &self.ca_path)
            .finish_non_exhaustive()
    }
}

impl Drop for Tls {
    fn drop(&mut self) {
        // Best effort: the directory is ours alone, and only holds the public CA certificate.
        if let Some(dir) = self.ca_path.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn tls_error(what: &str, e: impl std::fmt::Display) -> FakeError {
    FakeError::Tls(format!("{what}: {e}"))
}

/// Make a CA, a server certificate for `localhost`, `127.0.0.1` and `::1` signed by it, and
/// write the CA's PEM into a fresh directory under `dir` (the system temp dir by default).
pub(crate) fn make(dir: Option<&Path>) -> Result<Tls, FakeError> {
    let ca_key = KeyPair::generate().map_err(|e| tls_error("CA key", e))?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(|e| tls_error("CA", e))?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "auth0plus-fake throwaway CA");
    name.push(DnType::OrganizationName, "auth0plus-fake");
    ca.distinguished_name = name;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca
        .self_signed(&ca_key)
        .map_err(|e| tls_error("CA certificate", e))?;
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate().map_err(|e| tls_error("server key", e))?;
    let mut leaf = CertificateParams::new(vec!["localhost".to_string()])
        .map_err(|e| tls_error("server", e))?;
    leaf.subject_alt_names.extend([
        SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
    ]);
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "localhost");
    leaf.distinguished_name = name;
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    // Strict verifiers (Python 3.13's VERIFY_X509_STRICT) want the authority key id.
    leaf.use_authority_key_identifier_extension = true;
    let leaf_cert = leaf
        .signed_by(&key, &issuer)
        .map_err(|e| tls_error("server certificate", e))?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("TLS versions", e))?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf_cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .map_err(|e| tls_error("TLS config", e))?;
    // The fake speaks HTTP/1.1 only; say so, so that clients do not try h2.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];

    let ca_pem = ca_cert.pem();
    let base = dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let folder = base.join(format!(
        "auth0plus-fake-{}-{}",
        std::process::id(),
        util::alnum(8)
    ));
    std::fs::create_dir_all(&folder).map_err(|e| tls_error("CA directory", e))?;
    let ca_path = folder.join("ca.pem");
    std::fs::write(&ca_path, &ca_pem).map_err(|e| tls_error("CA file", e))?;
    Ok(Tls {
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        ca_pem,
        ca_path,
    })
}
