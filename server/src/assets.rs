//! The browser's files (`pkg/`: JS, WASM chunks, CSS). They are served under
//! `/assets/{build id}/pkg/`, where the build id is a hash of every file, with year-long
//! immutable caching: a new build is a new path, so nothing stale is ever used and nothing
//! unchanged is fetched twice. Brotli (quality 11) and gzip siblings are made once after the
//! build (`pms assets compress`) and sent as they are, instead of compressing per request.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Extensions worth compressing (the rest is already compressed or tiny).
const COMPRESSIBLE: &[&str] = &["js", "wasm", "css", "json", "svg", "ico", "map"];

/// The site's files of `dir`, sorted, without the compressed siblings.
fn sources(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let sibling = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("br" | "gz" | "tmp")
        );
        if path.is_file() && !sibling {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// A short hash of every file in `dir` (names and contents); `None` when there is no
/// built site (router tests, a server started before the first build).
pub fn build_id(dir: &Path) -> Option<String> {
    let files = sources(dir).ok()?;
    if files.is_empty() {
        return None;
    }
    let mut hash = Sha256::new();
    for file in files {
        let bytes = std::fs::read(&file).ok()?;
        hash.update(file.file_name()?.as_encoded_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    Some(hex::encode(&hash.finalize()[..8]))
}

/// Serves `dir` with its precompressed siblings: immutable for a year when found (the path
/// holds the build id), never cached when not (a missing file may appear with the next build).
pub fn service(dir: &Path) -> axum::Router {
    use axum::http::{header, HeaderValue};
    axum::Router::new()
        .fallback_service(
            tower_http::services::ServeDir::new(dir)
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(axum::middleware::map_response(
            |mut res: axum::response::Response| async move {
                let value = if res.status().is_success() || res.status().as_u16() == 304 {
                    "public, max-age=31536000, immutable"
                } else {
                    "no-store"
                };
                res.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
                res
            },
        ))
}

/// One compressed file: its source, and the sizes of source, brotli and gzip.
#[derive(Debug)]
pub struct Compressed {
    /// The source file.
    pub path: PathBuf,
    /// Bytes of the source.
    pub raw: u64,
    /// Bytes of the `.br` sibling.
    pub brotli: u64,
    /// Bytes of the `.gz` sibling.
    pub gzip: u64,
}

/// Writes `name.br` (brotli 11) and `name.gz` (gzip 9) next to every compressible file of
/// `dir` whose siblings are missing or older, and removes siblings whose source is gone.
pub fn compress(dir: &Path) -> anyhow::Result<Vec<Compressed>> {
    let files = sources(dir)?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let stale = match path.extension().and_then(|e| e.to_str()) {
            Some("br" | "gz") => !path.with_extension("").is_file(),
            Some("tmp") => true,
            _ => false,
        };
        if stale {
            std::fs::remove_file(&path)?;
        }
    }
    let mut done = Vec::new();
    for path in files {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if !COMPRESSIBLE.contains(&ext) {
            continue;
        }
        let br = sibling(&path, "br");
        let gz = sibling(&path, "gz");
        if !(fresh(&path, &br) && fresh(&path, &gz)) {
            let bytes = std::fs::read(&path)?;
            write_atomic(&br, &brotli_11(&bytes)?)?;
            write_atomic(&gz, &gzip_9(&bytes)?)?;
        }
        done.push(Compressed {
            raw: std::fs::metadata(&path)?.len(),
            brotli: std::fs::metadata(&br)?.len(),
            gzip: std::fs::metadata(&gz)?.len(),
            path,
        });
    }
    Ok(done)
}

fn sibling(path: &Path, ext: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

/// The sibling exists and is not older than its source.
fn fresh(source: &Path, sibling: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(source), modified(sibling)), (Some(s), Some(c)) if c >= s)
}

/// Write through a temporary file, so a server reading the directory never sees half a file.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = sibling(path, "tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn brotli_11(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut std::io::Cursor::new(bytes), &mut out, &params)?;
    Ok(out)
}

fn gzip_9(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)?;
    enc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_siblings_decode_to_the_source_and_the_id_follows_the_content() {
        let dir = tempfile::tempdir().expect("tempdir");
        let js = dir.path().join("pms.js");
        let text = "export function hydrate() {}\n".repeat(200);
        std::fs::write(&js, &text).expect("write");
        std::fs::write(dir.path().join("gone.wasm.br"), b"stale").expect("write");
        let first = build_id(dir.path()).expect("id");

        let done = compress(dir.path()).expect("compress");
        assert_eq!(done.len(), 1);
        assert!(done[0].brotli < done[0].raw && done[0].gzip < done[0].raw);
        assert!(
            !dir.path().join("gone.wasm.br").exists(),
            "orphan sibling removed"
        );

        let br = std::fs::read(dir.path().join("pms.js.br")).expect("br");
        let mut plain = Vec::new();
        brotli::BrotliDecompress(&mut std::io::Cursor::new(br), &mut plain).expect("unbrotli");
        assert_eq!(plain, text.as_bytes());
        let gz = std::fs::read(dir.path().join("pms.js.gz")).expect("gz");
        let mut plain = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain)
            .expect("gunzip");
        assert_eq!(plain, text);

        // Compressing adds siblings only: the id is unchanged; new content changes it.
        assert_eq!(build_id(dir.path()).as_deref(), Some(first.as_str()));
        std::fs::write(&js, "export function hydrate() { return 1 }\n").expect("write");
        assert_ne!(build_id(dir.path()), Some(first));
        assert_eq!(build_id(&dir.path().join("missing")), None);
    }

    async fn get(dir: &Path, path: &str, encoding: &str) -> axum::response::Response {
        use tower::ServiceExt;
        let req = axum::http::Request::get(path)
            .header("accept-encoding", encoding)
            .body(axum::body::Body::empty())
            .expect("request");
        service(dir).oneshot(req).await.expect("infallible")
    }

    #[tokio::test]
    async fn precompressed_files_are_sent_as_they_are_and_cached_for_a_year() {
        use http_body_util::BodyExt;
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("pms.wasm"), vec![0_u8; 50_000]).expect("write");
        compress(dir.path()).expect("compress");
        let br = std::fs::read(dir.path().join("pms.wasm.br")).expect("br");

        let res = get(dir.path(), "/pms.wasm", "gzip, deflate, br").await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-encoding"], "br");
        assert_eq!(res.headers()["content-type"], "application/wasm");
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let body = res.into_body().collect().await.expect("body").to_bytes();
        assert_eq!(
            body.as_ref(),
            br.as_slice(),
            "the file made at build time, not a new encoding"
        );

        let res = get(dir.path(), "/pms.wasm", "gzip").await;
        assert_eq!(res.headers()["content-encoding"], "gzip");
        let res = get(dir.path(), "/pms.wasm", "identity").await;
        assert!(res.headers().get("content-encoding").is_none());
        assert_eq!(
            res.into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes()
                .len(),
            50_000
        );

        // A file that is not there must not be remembered as missing for a year.
        let res = get(dir.path(), "/chunk_9.wasm", "br").await;
        assert_eq!(res.status(), 404);
        assert_eq!(res.headers()["cache-control"], "no-store");
    }
}
