//! The baseline of the verification benchmark: a bare axum handler on the same runtime that
//! parses the same JSON body and answers a fixed JSON, with no middleware and no database.
//!   cargo run --release -p bare-axum -- 127.0.0.1:3311

use axum::routing::post;
use axum::{Json, Router};

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyRequest {
    api_key: String,
}

async fn verify(Json(req): Json<VerifyRequest>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "valid": !req.api_key.is_empty(), "status": "ACTIVE" }))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3311".into());
    let app = Router::new().route("/api/v1/apikeys/verify", post(verify));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
