//! Turning what a user uploads or pastes (PEM text, a DER file, a PKCS#7 bundle in either
//! form) into DER certificates, with one clear message for each way it can be wrong.

use super::MAX_UPLOAD_BYTES;
use crate::error::{AppError, AppResult};
use base64::Engine;
use cms::cert::x509::der::{oid::db::rfc5911::ID_SIGNED_DATA, Decode, Encode};
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;

const FIELD: &str = "certificate";

fn refuse(code: &str, message: impl Into<String>) -> AppError {
    AppError::validation(FIELD, code, message)
}

/// The message for a private key found in the input: it has been exposed and must be replaced.
pub fn private_key_error() -> AppError {
    refuse(
        "PMS_CERT_PRIVATE_KEY",
        "This is a private key, not a certificate. It was not stored, but it has left your \
         control: consider it leaked, generate a new key pair and have a new certificate issued. \
         Upload only the certificate (-----BEGIN CERTIFICATE-----).",
    )
}

/// The error for an upload of `len` bytes, over [`MAX_UPLOAD_BYTES`].
pub fn too_large(len: usize) -> AppError {
    refuse(
        "PMS_CERT_TOO_LARGE",
        format!(
            "The file is {} KB; a certificate or bundle is at most {} KB. Is this the right file?",
            len.div_ceil(1024),
            MAX_UPLOAD_BYTES / 1024
        ),
    )
}

/// The certificates (DER) in `input`, in input order.
pub fn certificates(input: &[u8]) -> AppResult<Vec<Vec<u8>>> {
    if input.len() > MAX_UPLOAD_BYTES {
        return Err(too_large(input.len()));
    }
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(refuse(
            "PMS_CERT_EMPTY",
            "The file is empty. Choose a certificate file or paste the certificate.",
        ));
    }
    // A private key anywhere (even with a damaged or missing BEGIN line) wins over every other
    // complaint: the user must hear that it leaked.
    if contains(input, b"PRIVATE KEY") {
        return Err(private_key_error());
    }
    let certs = if contains(input, b"-----BEGIN") {
        from_pem(input)?
    } else {
        from_der(input)?
    };
    if certs.is_empty() {
        return Err(refuse("PMS_CERT_NONE", "The bundle holds no certificate."));
    }
    Ok(certs)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

struct Block {
    label: String,
    line: usize,
    body: String,
}

fn from_pem(input: &[u8]) -> AppResult<Vec<Vec<u8>>> {
    let text = std::str::from_utf8(input).map_err(|_| {
        refuse(
            "PMS_CERT_UNREADABLE",
            "The file mixes PEM text with binary data; it is neither a PEM nor a DER file.",
        )
    })?;
    let text = text.trim_start_matches('\u{feff}');
    let scan = scan_blocks(text)?;
    let blocks = complete_blocks(scan)?;
    let mut out = Vec::new();
    for block in blocks {
        out.extend(block_certificates(block)?);
    }
    Ok(out)
}

/// What a line-by-line reading of PEM text found.
struct Scan {
    /// The blocks closed by a matching END line, in order.
    blocks: Vec<Block>,
    /// A block still open at the end of the text.
    open: Option<Block>,
    /// The first line with text outside any block.
    garbage: Option<usize>,
}

/// Read PEM text into its BEGIN … END blocks; refuses an END that does not match its BEGIN and
/// a BEGIN inside an open block.
fn scan_blocks(text: &str) -> AppResult<Scan> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut open: Option<Block> = None;
    let mut garbage: Option<usize> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        match open.as_mut() {
            None => {
                if let Some(label) = line
                    .strip_prefix("-----BEGIN ")
                    .and_then(|l| l.strip_suffix("-----"))
                {
                    open = Some(Block {
                        label: label.to_string(),
                        line: n,
                        body: String::new(),
                    });
                } else if !line.is_empty() && garbage.is_none() {
                    garbage = Some(n);
                }
            }
            Some(block) => {
                if let Some(label) = line
                    .strip_prefix("-----END ")
                    .and_then(|l| l.strip_suffix("-----"))
                {
                    if label != block.label {
                        return Err(refuse(
                            "PMS_CERT_BAD_PEM",
                            format!(
                                "The block that begins on line {} as \"{}\" ends as \"{label}\" on line {n}.",
                                block.line, block.label
                            ),
                        ));
                    }
                    if let Some(done) = open.take() {
                        blocks.push(done);
                    }
                } else if line.starts_with("-----BEGIN ") {
                    return Err(refuse(
                        "PMS_CERT_BAD_PEM",
                        format!(
                            "The block that begins on line {} has no END line before the next BEGIN on line {n}.",
                            block.line
                        ),
                    ));
                } else {
                    block.body.push_str(line);
                }
            }
        }
    }
    Ok(Scan {
        blocks,
        open,
        garbage,
    })
}

/// The closed blocks, once the text is known to hold no private key, no unclosed block and no
/// stray text (checked in that order).
fn complete_blocks(scan: Scan) -> AppResult<Vec<Block>> {
    let Scan {
        blocks,
        open,
        garbage,
    } = scan;
    // A private key anywhere wins over every other complaint: the user must hear it.
    if blocks.iter().any(|b| b.label.contains("PRIVATE KEY"))
        || open
            .as_ref()
            .is_some_and(|b| b.label.contains("PRIVATE KEY"))
    {
        return Err(private_key_error());
    }
    if let Some(block) = open {
        return Err(refuse(
            "PMS_CERT_BAD_PEM",
            format!(
                "The block that begins on line {} (\"{}\") has no END line; the text looks cut off.",
                block.line, block.label
            ),
        ));
    }
    // The stray text is not quoted back: it could be part of a secret.
    if let Some(line) = garbage {
        return Err(refuse(
            "PMS_CERT_GARBAGE",
            format!(
                "Line {line} has text outside the -----BEGIN … -----END blocks. Paste or upload \
                 only the certificate blocks, with nothing around them."
            ),
        ));
    }
    Ok(blocks)
}

/// The certificates (DER) of one PEM block, by its label; other kinds of block are refused
/// with what they are.
fn block_certificates(block: Block) -> AppResult<Vec<Vec<u8>>> {
    let der = base64::engine::general_purpose::STANDARD
        .decode(block.body.as_bytes())
        .map_err(|_| {
            refuse(
                "PMS_CERT_BAD_PEM",
                format!(
                    "The block that begins on line {} is not valid base64; the text was damaged \
                     (a character changed, missing or added).",
                    block.line
                ),
            )
        })?;
    match block.label.as_str() {
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => Ok(vec![der]),
        "PKCS7" | "PKCS #7 SIGNED DATA" | "CMS" => from_pkcs7(&der),
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => Err(refuse(
            "PMS_CERT_IS_CSR",
            "This is a certificate signing request (CSR), not a certificate. Have your CA \
             sign it, then upload the certificate it issues.",
        )),
        "PUBLIC KEY" | "RSA PUBLIC KEY" | "EC PUBLIC KEY" => Err(refuse(
            "PMS_CERT_IS_PUBLIC_KEY",
            "This is a bare public key, not a certificate. Upload the certificate your CA \
             issued for it.",
        )),
        other => Err(refuse(
            "PMS_CERT_UNKNOWN_PEM",
            format!(
                "The block on line {} is a \"{other}\"; expected CERTIFICATE or PKCS7.",
                block.line
            ),
        )),
    }
}

fn from_der(input: &[u8]) -> AppResult<Vec<Vec<u8>>> {
    if let Ok((rest, _)) = x509_parser::parse_x509_certificate(input) {
        if rest.is_empty() {
            return Ok(vec![input.to_vec()]);
        }
        return Err(refuse(
            "PMS_CERT_UNREADABLE",
            format!(
                "The file holds a certificate followed by {} bytes of something else.",
                rest.len()
            ),
        ));
    }
    if let Ok(ci) = ContentInfo::from_der(input) {
        if ci.content_type == ID_SIGNED_DATA {
            return from_pkcs7(input);
        }
    }
    if rcgen::KeyPair::try_from(input).is_ok() || looks_like_key_der(input) {
        return Err(private_key_error());
    }
    Err(refuse(
        "PMS_CERT_UNREADABLE",
        "The file is not a certificate: it is neither PEM text, a DER certificate nor a PKCS#7 \
         (.p7b) bundle.",
    ))
}

/// The DER shapes of private-key files that PKCS#8 parsing misses: PKCS#12 (.p12/.pfx,
/// `SEQUENCE { INTEGER 3, SEQUENCE ...`), PKCS#1 RSA (`SEQUENCE { INTEGER 0, INTEGER n ...`)
/// and SEC1 EC (`SEQUENCE { INTEGER 1, OCTET STRING ...`) keys.
fn looks_like_key_der(input: &[u8]) -> bool {
    let body = match input {
        [0x30, 0x82, _, _, rest @ ..] => rest,
        [0x30, 0x81, _, rest @ ..] => rest,
        [0x30, len, rest @ ..] if *len < 0x80 => rest,
        _ => return false,
    };
    matches!(
        body,
        [0x02, 0x01, 0x03, 0x30, ..] | [0x02, 0x01, 0x00, 0x02, ..] | [0x02, 0x01, 0x01, 0x04, ..]
    )
}

/// Certificates of a PKCS#7 (SignedData) bundle. Order is not kept by the format's decoder
/// (a SET is sorted), so callers rebuild chains by issuer, never by position.
fn from_pkcs7(der: &[u8]) -> AppResult<Vec<Vec<u8>>> {
    let bad = |detail: &str| {
        refuse(
            "PMS_CERT_BAD_BUNDLE",
            format!("The PKCS#7 bundle cannot be read: {detail}."),
        )
    };
    let ci = ContentInfo::from_der(der).map_err(|e| {
        if e.kind() == cms::cert::x509::der::ErrorKind::SetDuplicate {
            bad("it holds the same certificate twice")
        } else {
            bad("it is damaged or not a PKCS#7 file")
        }
    })?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(bad("it is not a certificate bundle (SignedData)"));
    }
    let sd: SignedData = ci.content.decode_as().map_err(|e| {
        if e.kind() == cms::cert::x509::der::ErrorKind::SetDuplicate {
            bad("it holds the same certificate twice")
        } else {
            bad("its content is damaged")
        }
    })?;
    let mut out = Vec::new();
    for choice in sd.certificates.iter().flat_map(|s| s.0.iter()) {
        if let CertificateChoices::Certificate(cert) = choice {
            out.push(
                cert.to_der()
                    .map_err(|_| bad("a certificate in it cannot be encoded"))?,
            );
        }
    }
    Ok(out)
}

/// PEM text of a DER certificate.
pub fn to_pem(der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new("CERTIFICATE", der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}
